"""The leads' audit page pages backwards through the log and offers the actions that exist."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlmodel import Session

from tests.review.conftest import World
from tests.review.factories import bearer
from triage.audit import log as audit
from triage.audit import ui


def test_the_audit_page_pages_and_filters_by_existing_actions(
    client: TestClient, world: World, session: Session
) -> None:
    for n in range(ui.PAGE_SIZE + 5):
        audit.record(session, "system", "job.retry", detail=f"event {n}")
    audit.record(session, "lee@psp.example", "model.rollback", detail="bad candidate")
    session.commit()
    first = client.get("/audit", headers=bearer(world.lead)).text
    assert first.count("<tr>") - 1 == ui.PAGE_SIZE  # the header row, then one page of events
    options = re.findall(r'<option value="([^"]*)"', first.split('id="action-filter"')[1])
    assert options[0] == "" and {"job.retry", "model.rollback"} <= set(options[1:])
    assert "review.correct" not in options  # nobody corrected anything yet
    older = re.search(r'href="(/audit\?before_id=\d+)" id="older-page"', first)
    assert older is not None and 'id="newest-page"' not in first
    second = client.get(older.group(1), headers=bearer(world.lead)).text
    assert "event 0<" in second and "event 104<" not in second and 'id="newest-page"' in second
    assert 'id="older-page"' not in second
    filtered = client.get("/audit?action=model.rollback", headers=bearer(world.lead)).text
    assert "bad candidate" in filtered and "event 3<" not in filtered
