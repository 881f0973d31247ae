"""Working the queue like a team does: search, sort, page through it, and go through twenty
tickets from the keyboard (j/k, o, c, n, ?)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from sqlmodel import Session, select

from tests.browser.chromium import needs_chromium
from tests.browser.test_browser_review import _sign_in
from tests.review.factories import make_ticket, make_user
from triage.tickets.models import Correction

CATEGORIES = ("settlement_delay", "payout_failure", "reconciliation_mismatch")
SUBJECTS = (
    "Payout not received",
    "Where is Friday's settlement",
    "Report total differs from deposit",
    "Bank returned our payout",
    "Settlement missing after holiday",
)


def _seed(session: Session, count: int) -> str:
    for n in range(count):
        make_ticket(
            session,
            str(70_000 + n),
            CATEGORIES[n % 3],
            subject=f"{SUBJECTS[n % 5]} ({n})",
            body=f"Hello, ticket body number {n}. Our account manager asked us to write in.",
            age_hours=1.0 + n,
        )
    make_ticket(
        session,
        "79999",
        "settlement_delay",
        subject="Bäckerei Lindner: settlement late",
        body="Hi, Miriam from Bäckerei Lindner here. Our settlement is two days late.",
        age_hours=0.2,
    )
    token = make_user(session, "sam@psp.example", "analyst", ["settlements"])
    session.commit()
    return token


def _subjects(page: Any) -> list[str]:
    return page.locator("table.queue tbody tr a.subject").all_inner_texts()


@needs_chromium
def test_search_sort_and_pages(
    live_server: str, chromium: Any, session: Session, screenshots: Path
) -> None:
    token = _seed(session, 60)
    page = _sign_in(
        chromium.new_context(viewport={"width": 1360, "height": 900}), live_server, token
    )
    assert "61 ticket(s) waiting · showing 1–50" in page.inner_text("#queue-count")
    assert page.locator("table.queue tbody tr").count() == 50
    assert "Page 1 of 2" in page.inner_text(".pager")
    page.screenshot(path=str(screenshots / "queue-paged.png"))
    page.click("#next-page")
    page.wait_for_url(re.compile(r".*page=2"))
    assert page.locator("table.queue tbody tr").count() == 11
    assert "showing 51–61" in page.inner_text("#queue-count")

    page.click("a.sort[data-sort=age]")
    page.wait_for_url(re.compile(r".*sort=age"))
    oldest = _subjects(page)
    assert oldest[0].endswith("(59)") and oldest[1].endswith("(58)")  # longest wait first
    page.click("a.sort[data-sort=age]")
    page.wait_for_url(re.compile(r".*desc=1"))
    assert _subjects(page)[0] == "Bäckerei Lindner: settlement late"

    page.fill("#search", "lindner")
    page.press("#search", "Enter")
    page.wait_for_url(re.compile(r".*q=lindner"))
    assert _subjects(page) == ["Bäckerei Lindner: settlement late"]
    assert "1 ticket(s) match" in page.inner_text("#queue-count")
    page.fill("#search", "no such merchant anywhere")
    page.press("#search", "Enter")
    page.wait_for_url(re.compile(r".*q=no"))
    assert "No tickets match these filters" in page.inner_text("#empty")
    assert "Well done" not in page.content()


@needs_chromium
def test_twenty_tickets_from_the_keyboard(
    live_server: str, chromium: Any, session: Session, screenshots: Path
) -> None:
    token = _seed(session, 24)
    page = _sign_in(
        chromium.new_context(viewport={"width": 1360, "height": 900}), live_server, token
    )
    page.keyboard.press("?")
    assert page.is_visible("#shortcuts")
    page.screenshot(path=str(screenshots / "shortcuts.png"))
    page.keyboard.press("Escape")
    assert page.is_hidden("#shortcuts")

    page.keyboard.press("j")
    page.keyboard.press("j")
    page.keyboard.press("k")
    rows = page.locator("table.queue tbody tr")
    assert "selected" in (rows.nth(0).get_attribute("class") or "")
    first = rows.nth(0).get_attribute("data-href")
    page.keyboard.press("o")
    page.wait_for_url(f"{live_server}{first}")

    seen = []
    for _ in range(20):
        seen.append(page.url)
        page.keyboard.press("c")
        page.wait_for_url(re.compile(r".*done=confirm$"))
        page.keyboard.press("n")
        page.wait_for_url(lambda url: "done=confirm" not in url and url not in seen)
    assert len(set(seen)) == 20
    page.goto(seen[-1])  # confirmed: its reply waits for approval
    page.keyboard.press("a")
    page.wait_for_url(re.compile(r".*done=approve$"))
    session.expire_all()
    confirmed = session.exec(select(Correction).where(Correction.confirmed)).all()
    assert len(confirmed) == 20


@needs_chromium
def test_the_queue_stays_usable_at_narrow_widths(
    live_server: str, chromium: Any, session: Session, screenshots: Path
) -> None:
    token = _seed(session, 6)
    page = _sign_in(
        chromium.new_context(viewport={"width": 420, "height": 900}), live_server, token
    )
    page.screenshot(path=str(screenshots / "queue-narrow.png"), full_page=True)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 420  # only the table scrolls sideways, never the page
    page.locator("table.queue tbody tr a.subject").first.click()
    page.wait_for_selector("#reply-body")
    assert page.evaluate("document.documentElement.scrollWidth") <= 420
    page.screenshot(path=str(screenshots / "ticket-narrow.png"), full_page=True)
