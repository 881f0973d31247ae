"""An incident in a real browser: the banner on the queue, the Incidents page, acknowledge,
one answer for every ticket, resolve. With TRIAGE_SCREENSHOTS=1 it also refreshes
docs/screenshots/incidents.png, incident.png and incident-banner.png (README)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlmodel import Session

from tests.browser.chromium import needs_chromium
from tests.browser.test_browser_review import _drain_jobs, _sign_in
from tests.incidents.helpers import decided
from tests.review.factories import make_user
from triage.config import Settings
from triage.db.engine import utcnow
from triage.incidents import service

# Hand-written, as merchants write when a settlement run is late; one merchant writes twice.
TICKETS = [
    (
        "Settlement 4 Dec not received",
        "Hi, the settlement for 2026-12-04 hasn't arrived. Batch shows paid on your side?",
    ),
    (
        "Where is our payout",
        "No money today. Settlement from 2026-12-04 missing, we have rent due.",
    ),
    (
        "Auszahlung fehlt",
        "Hallo, unsere Settlement-Zahlung vom 2026-12-04 ist nicht auf dem Konto. Bitte prüfen.",
    ),
    (
        "Falta la liquidación",
        "Hola, la liquidación del 2026-12-04 no ha llegado todavía a nuestra cuenta.",
    ),
    (
        "Règlement manquant",
        "Bonjour, le règlement du 2026-12-04 n'est toujours pas arrivé sur notre compte.",
    ),
    (
        "settlement delayed again",
        "2026-12-04 settlement still pending in the dashboard since this morning",
    ),
    (
        "URGENT funds missing",
        "Our accountant says the 2026-12-04 deposit is missing. Is there an outage?",
    ),
    (
        "Deposit not received",
        "Settlement batch for 2026-12-04 not received at our bank (ends 0921).",
    ),
    ("Late settlement", "Is there a delay with settlements today? 2026-12-04 payout not in."),
    ("missing settlement", "hi where is the settlement of 2026-12-04, usually arrives by 9"),
    ("Re: missing settlement", "following up - still nothing for 2026-12-04"),
    (
        "Settlement question",
        "We expected the 2026-12-04 settlement this morning; nothing yet. Thanks",
    ),
]


def _seed(session: Session, settings: Settings) -> int:
    now = utcnow()
    for n, (subject, body) in enumerate(TICKETS):
        merchant = "org-1009" if n == 10 else f"org-{1000 + n}"
        decided(session, str(91000 + n), merchant, at=now, text=body, subject=subject)
    result = service.detect(session, "settlement_delay", now, settings)
    session.commit()
    return int(result["incident_id"])


@needs_chromium
def test_an_analyst_answers_an_incident_once_from_the_browser(
    screenshots: Path,  # first: it reads TRIAGE_SCREENSHOTS before `settings` clears TRIAGE_*
    live_server: str,
    chromium: Any,
    session: Session,
    live_settings: Settings,
    fake_zendesk: Any,
) -> None:
    incident_id = _seed(session, live_settings)
    token = make_user(session, "sam@psp.example", "analyst", ["settlements"])
    session.commit()
    context = chromium.new_context(viewport={"width": 1280, "height": 900})
    page = _sign_in(context, live_server, token)

    banner = page.locator(".flash-incident")
    assert banner.count() == 1 and "12 tickets from 11 merchants" in banner.inner_text()
    page.screenshot(path=str(screenshots / "incident-banner.png"))
    page.click("text=Incidents")
    page.wait_for_url(f"{live_server}/incidents")
    assert page.locator("#incidents tbody tr").count() == 1
    page.screenshot(path=str(screenshots / "incidents.png"), full_page=True)

    page.click(f"a[href='/incidents/{incident_id}']")
    page.click("#acknowledge")
    assert page.locator("#status").inner_text() == "acknowledged"
    page.fill(
        "#message",
        "The bank file for the 2026-12-04 settlement run was rejected by our "
        "partner bank. We resent it at 11:00 UTC; funds reach your account tomorrow.",
    )
    page.screenshot(path=str(screenshots / "incident.png"), full_page=True)
    page.click("#approve-answer")
    assert "12 ticket(s) get it" in page.locator(".flash-ok").inner_text()
    _drain_jobs()

    replies = [fake_zendesk.notes(91000 + n, public=True) for n in range(len(TICKETS))]
    assert [len(r) for r in replies] == [1] * len(TICKETS)
    assert replies[2][0]["body"].startswith("Guten Tag")
    page.click("#resolve")
    assert page.locator("#status").inner_text() == "resolved"
    page.goto(f"{live_server}/queue")
    assert page.locator(".flash-incident").count() == 0
