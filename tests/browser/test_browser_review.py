"""An analyst's morning in a real browser: sign in, work the queue, correct, edit, approve, send.

With TRIAGE_SCREENSHOTS=1 it also refreshes docs/screenshots/queue.png and ticket.png (README).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from sqlmodel import Session, select

from tests.browser.chromium import needs_chromium
from tests.review.factories import make_ticket, make_user
from triage.jobs.models import Job
from triage.jobs.worker import Worker
from triage.routing import templates
from triage.tickets.models import Reply

PAN = "4111 1111 1111 1111"

SEED = [
    # (external id, category, subject, body, age in hours, confidence)
    (
        "48213",
        "settlement_delay",
        "Settlement for 14 Nov still not in our account",
        "Hi team,\n\nour payout for the 14 November batch (about EUR 18,400) has not reached our "
        "bank account. Normally it lands the next working day. Our accountant is asking every "
        "hour. Can you check what happened? We paid the onboarding fee with card [PAN ...4242] "
        "if that helps to find us.\n\nThanks, Miriam – Bäckerei Lindner GmbH",
        20.0,
        0.58,
    ),
    (
        "48220",
        "reconciliation_mismatch",
        "payout total doesnt match the report??",
        "the settlement report says 3,212.50 but only 3,180.10 arrived. which fees are missing "
        "from the csv? we do our books on friday",
        6.0,
        0.49,
    ),
    (
        "48231",
        "payout_failure",
        "Auszahlung fehlgeschlagen",
        "Guten Tag, laut Dashboard ist die Auszahlung vom Dienstag fehlgeschlagen. Wir haben die "
        "IBAN letzte Woche geändert. Was müssen wir tun?",
        2.5,
        0.62,
    ),
    (
        "48236",
        "settlement_delay",
        "<script>alert('hi')</script> where is my money",
        "Funds from Monday are missing. This is the third time this month.",
        0.4,
        0.37,
    ),
]


FOLLOW_UP = (
    "Update: our bank says nothing is pending on their side. Please call me on [PHONE] today, "
    "we have salaries going out on Friday."
)


def _seed(session: Session) -> dict[str, Any]:
    ids = {
        ext: make_ticket(
            session, ext, cat, subject=subj, body=body, age_hours=age, confidence=conf
        ).id
        for ext, cat, subj, body, age, conf in SEED[1:]
    }
    ext, cat, subj, body, age, conf = SEED[0]
    first = make_ticket(
        session,
        ext,
        cat,
        subject=subj,
        body=body,
        age_hours=age,
        confidence=conf,
        removed={"PAN": 1, "PHONE": 1},
        reply_body=templates.render("settlement_delay_general", {}, ticket_number=ext),
        comments=(FOLLOW_UP,),
    )
    ids[ext] = first.id
    other = make_ticket(session, "48240", "chargeback_dispute", subject="Chargeback evidence due")
    tokens = {
        "sam": make_user(session, "sam@psp.example", "analyst", ["settlements"]),
        "dana": make_user(session, "dana@psp.example", "analyst", ["disputes"]),
    }
    session.commit()
    return {"ids": ids, "other": other.id, "tokens": tokens}


def _sign_in(context: Any, base: str, token: str) -> Any:
    page = context.new_page()
    page.goto(f"{base}/login")
    page.fill("#token", token)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/queue")
    return page


def _drain_jobs() -> int:
    worker = Worker("browser-test")
    ran = 0
    while worker.run_once():
        ran += 1
    return ran


def _open_from_queue(page: Any, base: str, ticket_id: int, shots: Path) -> None:
    assert page.locator("table.queue tbody tr").count() == 4
    assert "Chargeback evidence due" not in page.content()
    assert page.locator("text=<script>alert('hi')</script> where is my money").count() == 1
    page.screenshot(path=str(shots / "queue.png"), full_page=True)
    page.click("text=Settlement for 14 Nov still not in our account")
    page.wait_for_url(f"{base}/tickets/{ticket_id}")
    assert "below threshold 0.82" in page.inner_text(".why")
    assert "salaries going out on Friday" in page.inner_text("article.card")
    page.screenshot(path=str(shots / "ticket.png"), full_page=True)


def _correct_edit_approve(page: Any) -> None:
    page.select_option("#new-category", "payout_failure")
    page.fill("#reason", "The bank returned the payout; it is not a delay.")
    page.click("text=Save correction")
    page.wait_for_url(re.compile(r".*done=recategorised$"))
    assert "stays in this team's queue" in page.inner_text(".flash-ok")  # same team: no move
    assert page.inner_text("#current-category") == "payout failure"
    text = f"Hello Miriam,\n\nthe payout was returned by your bank. Card {PAN} is not needed."
    page.fill("#reply-body", text)
    page.click("text=Save reply")
    page.wait_for_url(re.compile(r".*done=reply$"))
    saved = page.input_value("#reply-body")
    assert "the payout was returned by your bank" in saved and "4111 1111" not in saved
    page.click("#approve")
    page.wait_for_url(re.compile(r".*done=approve$"))
    assert "Reply approved" in page.inner_text(".flash-ok")


def _assert_sent_once(session: Session, fake_zendesk: Any, ticket_id: int) -> None:
    reply = session.exec(select(Reply).where(Reply.ticket_id == ticket_id)).one()
    session.refresh(reply)
    assert reply.status == "sent"
    public = fake_zendesk.notes(48213, public=True)
    assert len(public) == 1
    assert "returned by your bank" in public[0]["body"] and "4111" not in public[0]["body"]
    assert len(session.exec(select(Job).where(Job.kind == "review.send_reply")).all()) == 1


@needs_chromium
def test_analyst_morning(
    live_server: str, chromium: Any, session: Session, fake_zendesk: Any, screenshots: Path
):
    world = _seed(session)
    ticket_id = world["ids"]["48213"]
    context = chromium.new_context(viewport={"width": 1360, "height": 900})
    page = _sign_in(context, live_server, world["tokens"]["sam"])
    _open_from_queue(page, live_server, ticket_id, screenshots)
    _correct_edit_approve(page)

    assert _drain_jobs() >= 1
    _assert_sent_once(session, fake_zendesk, ticket_id)
    page.reload()
    assert "sent" in page.inner_text("#reply h2")

    other = chromium.new_context()
    dana = _sign_in(other, live_server, world["tokens"]["dana"])
    response = dana.goto(f"{live_server}/tickets/{ticket_id}")
    assert response is not None and response.status == 404
    assert "Miriam" not in dana.content()
    other.close()
    context.close()
