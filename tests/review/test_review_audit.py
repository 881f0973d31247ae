"""The audit log: leads read and export it; nothing can change or delete a row."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

from fastapi.testclient import TestClient
from sqlmodel import Session

from tests.review.conftest import World
from tests.review.factories import bearer
from triage.audit import log as audit
from triage.audit.service import csv_cell
from triage.main import create_app

TRIAGE = Path(__file__).resolve().parents[2] / "triage"
MUTATIONS = [
    re.compile(r"\b(update|delete)\(\s*AuditEvent\b"),
    re.compile(r"\bAuditEvent\b[^\n]*\.(update|delete)\("),
    re.compile(r"(?i)\b(update|delete\s+from)\s+audit_events\b"),
    re.compile(r"\bsession\.delete\(\s*(event|audit\w*)\b"),
]


def test_csv_cells_cannot_become_spreadsheet_formulas():
    assert csv_cell('=HYPERLINK("x")') == '\'=HYPERLINK("x")'
    assert csv_cell("@SUM(A1)") == "'@SUM(A1)"
    assert csv_cell("sam@psp.example") == "sam@psp.example"
    assert csv_cell(None) == ""
    assert csv_cell(7) == "7"
    assert csv_cell({"b": 1, "a": "x"}) == '{"a": "x", "b": 1}'


def test_no_code_path_updates_or_deletes_audit_rows():
    offenders = [
        f"{path.relative_to(TRIAGE)}: {pattern.pattern}"
        for path in TRIAGE.rglob("*.py")
        for pattern in MUTATIONS
        if pattern.search(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []
    assert [
        name
        for name in vars(audit)
        if not name.startswith("_")
        and callable(vars(audit)[name])
        and vars(audit)[name].__module__ == audit.__name__
    ] == ["record", "event", "record_many"]  # append-only: a row's values, one insert, many


def test_the_api_offers_no_way_to_change_the_audit_log():
    app = create_app()
    for route in app.routes:
        path = getattr(route, "path", "")
        if "audit" in path:
            assert getattr(route, "methods", set()) <= {"GET", "HEAD"}, path


def test_lead_lists_and_filters_the_audit_log(client: TestClient, world: World):
    client.post(f"/api/tickets/{world.own}/confirm", headers=bearer(world.settlements))
    page = client.get("/api/audit", headers=bearer(world.lead)).json()
    assert page["items"][0]["action"] == "review.confirm"
    assert page["items"][0]["before"]["status"] == "in_review"
    only = client.get(
        f"/api/audit?ticket_id={world.own}&action=review.confirm", headers=bearer(world.lead)
    ).json()
    assert [e["actor"] for e in only["items"]] == ["sam@psp.example"]
    first = client.get("/api/audit?limit=2", headers=bearer(world.lead)).json()
    rest = client.get(
        f"/api/audit?before_id={first['next_before_id']}", headers=bearer(world.lead)
    ).json()
    ids = [e["id"] for e in first["items"] + rest["items"]]
    assert ids == sorted(ids, reverse=True) and len(ids) == len(set(ids))


def test_audit_csv_export(client: TestClient, world: World, session: Session):
    audit.record(session, "=cmd|' /C calc'!A0", "test.formula", detail="-2+3")
    session.commit()
    body = {"category": "payout_failure", "reason": "returned by the bank"}
    client.post(f"/api/tickets/{world.own}/correct", json=body, headers=bearer(world.settlements))
    response = client.get("/api/audit.csv", headers=bearer(world.lead))
    assert response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(response.text)))
    correct = next(r for r in rows if r["action"] == "review.correct")
    assert correct["actor"] == "sam@psp.example"
    assert correct["ticket_id"] == str(world.own)
    assert '"category": "settlement_delay"' in correct["before"]
    assert '"category": "payout_failure"' in correct["after"]
    assert correct["detail"] == "returned by the bank"
    formula = next(r for r in rows if r["action"] == "test.formula")
    assert formula["actor"].startswith("'=") and formula["detail"] == "'-2+3"
