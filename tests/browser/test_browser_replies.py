"""What reaches the merchant, in a real browser: the text on screen is what is sent, a slot
left unfilled blocks approval, Spanish and German tickets are answered in their language, and a
send that fails comes back to the queue with its reason and is retried from the ticket."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from sqlmodel import Session

from tests.browser.chromium import needs_chromium
from tests.browser.test_browser_review import _drain_jobs, _sign_in
from tests.review.factories import make_ticket, make_user
from triage.review import replies
from triage.tickets.models import Ticket

SPANISH = (
    "Hola, no hemos recibido la liquidación del lote LQ-88213 por 3.410,75 € que esperábamos "
    "el 14 de marzo. Necesitamos pagar nóminas el viernes.\n\nSaludos,\nPanadería San Juan"
)
GERMAN = (
    "Guten Tag, die Abrechnung über 980,00 EUR vom 12.03.2026 ist immer noch nicht auf unserem "
    "Konto. Können Sie bitte nachsehen?\n\nViele Grüße\nBäckerei Sonnenschein GmbH"
)
ENGLISH = "Hi, our settlement from last Friday never reached the bank account. Can you check?"


def _ticket(session: Session, number: str, subject: str, body: str) -> Ticket:
    ticket = make_ticket(
        session, number, subject=subject, body=body, status="reviewed", reply_body=None
    )
    replies.draft(session, ticket, "settlement_delay_general", {})
    session.commit()
    return ticket


def _open(page: Any, base: str, ticket: Ticket) -> None:
    page.goto(f"{base}/tickets/{ticket.id}")
    page.wait_for_selector("#reply-body")


def _approve(page: Any) -> None:
    page.click("#approve")
    page.wait_for_url(re.compile(r".*done=approve$"))


@needs_chromium
def test_the_text_on_screen_is_sent_without_saving_first(
    live_server: str, chromium: Any, session: Session, fake_zendesk: Any, screenshots: Path
) -> None:
    ticket = _ticket(session, "61001", "Settlement missing", ENGLISH)
    token = make_user(session, "sam@psp.example", "analyst", ["settlements"])
    session.commit()
    page = _sign_in(chromium.new_context(), live_server, token)
    _open(page, live_server, ticket)
    assert page.is_visible("#unfilled") and "[[batch_id]]" in page.inner_text("#unfilled")
    page.screenshot(path=str(screenshots / "reply-unfilled.png"), full_page=True)

    page.click("#approve")  # the template's markers are still in the text
    page.wait_for_selector(".flash-error")
    assert "[[batch_id]], [[payout_date]], [[amount]]" in page.inner_text(".flash-error")
    page.screenshot(path=str(screenshots / "reply-refused.png"), full_page=True)

    text = "Hello,\n\nbatch B-2231 left us on Friday and reaches your bank on Monday.\n\nSupport"
    page.fill("#reply-body", text)
    assert page.is_hidden("#unfilled")  # the list follows the text as it is typed
    _approve(page)
    assert _drain_jobs() == 1
    [public] = fake_zendesk.notes(61001, public=True)
    assert public["body"] == text


@needs_chromium
def test_an_unsaved_edit_warns_before_leaving(
    live_server: str, chromium: Any, session: Session, fake_zendesk: Any
) -> None:
    ticket = _ticket(session, "61002", "Settlement missing", ENGLISH)
    token = make_user(session, "sam@psp.example", "analyst", ["settlements"])
    session.commit()
    page = _sign_in(chromium.new_context(), live_server, token)
    _open(page, live_server, ticket)
    page.fill("#reply-body", "Half-written answer")
    dialogs: list[str] = []

    def dismiss(dialog: Any) -> None:
        dialogs.append(dialog.type)
        dialog.dismiss()

    page.on("dialog", dismiss)
    page.click("text=← Review queue")
    assert dialogs == ["beforeunload"]
    assert page.url.endswith(f"/tickets/{ticket.id}")  # the analyst chose to stay


@needs_chromium
def test_spanish_and_german_tickets_get_replies_in_their_language(
    live_server: str, chromium: Any, session: Session, fake_zendesk: Any, screenshots: Path
) -> None:
    spanish = _ticket(session, "62001", "Liquidación pendiente", SPANISH)
    german = _ticket(session, "62002", "Abrechnung fehlt", GERMAN)
    token = make_user(session, "sam@psp.example", "analyst", ["settlements"])
    session.commit()
    page = _sign_in(
        chromium.new_context(viewport={"width": 1360, "height": 900}), live_server, token
    )

    _open(page, live_server, spanish)
    assert "Spanish, the language of the ticket" in page.inner_text("#reply-language")
    body = page.input_value("#reply-body")
    assert body.startswith("Hola Panadería San Juan:") and "LQ-88213" in body
    assert page.is_hidden("#unfilled")  # batch, date and amount came from the ticket
    page.screenshot(path=str(screenshots / "reply-spanish.png"), full_page=True)
    _approve(page)

    _open(page, live_server, german)
    assert "German, the language of the ticket" in page.inner_text("#reply-language")
    assert "[[batch_id]]" in page.inner_text("#unfilled")
    filled = page.input_value("#reply-body").replace("[[batch_id]]", "AB-5521")
    page.fill("#reply-body", filled)
    _approve(page)

    assert _drain_jobs() == 2
    [es] = fake_zendesk.notes(62001, public=True)
    [de] = fake_zendesk.notes(62002, public=True)
    assert es["body"].startswith("Hola") and "Un saludo" in es["body"]
    assert de["body"].startswith("Hallo Bäckerei Sonnenschein GmbH,") and "AB-5521" in de["body"]
    assert "Freundliche Grüße" in de["body"]


@needs_chromium
def test_a_failed_send_is_back_in_the_queue_and_retried(
    live_server: str, chromium: Any, session: Session, fake_zendesk: Any, screenshots: Path
) -> None:
    ticket = _ticket(session, "63001", "Settlement missing", ENGLISH)
    token = make_user(session, "sam@psp.example", "analyst", ["settlements"])
    session.commit()
    page = _sign_in(
        chromium.new_context(viewport={"width": 1360, "height": 900}), live_server, token
    )
    _open(page, live_server, ticket)
    page.fill("#reply-body", "Hello,\n\nthe batch reaches your bank on Monday.\n\nMerchant Support")
    _approve(page)
    fake_zendesk.fail(403, method="PUT")
    assert _drain_jobs() == 1
    assert fake_zendesk.notes(63001, public=True) == []

    page.goto(f"{live_server}/queue")
    row = page.locator("table.queue tbody tr", has_text="Settlement missing")
    assert "send failed" in row.inner_text()
    row.locator("a.subject").click()
    page.wait_for_selector("#send-error")
    assert "HTTP 403" in page.inner_text("#send-error")
    page.screenshot(path=str(screenshots / "send-failed.png"), full_page=True)
    page.click("#retry-send")
    page.wait_for_url(re.compile(r".*done=retry$"))
    assert _drain_jobs() == 1
    [public] = fake_zendesk.notes(63001, public=True)
    assert "reaches your bank on Monday" in public["body"]
    page.reload()
    assert page.inner_text("#reply-status") == "sent"
