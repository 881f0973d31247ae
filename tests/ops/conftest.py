"""An app on a test database with small labels and evals, a first active model, and users."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from tests import signing
from tests.ops import samples
from tests.review.factories import bearer, make_user
from triage.classify import tasks as training
from triage.config import Settings, get_settings
from triage.main import create_app
from triage.tickets.models import Decision


@dataclass
class Ops:
    client: TestClient
    session: Session
    settings: Settings
    lead: dict[str, str]
    analyst: dict[str, str]
    first_version: str
    evals_dir: Path

    def ingest(self, external_id: str, subject: str, body: str) -> dict:
        payload = signing.zendesk_event(external_id, subject, body)
        raw = signing.dumps(payload)
        response = self.client.post(
            "/webhooks/zendesk", content=raw, headers=signing.zendesk_headers(raw)
        )
        assert response.status_code == 202, response.text
        return response.json()

    def decision_version(self, ticket_id: int) -> str | None:
        self.session.expire_all()
        query = select(Decision).where(
            Decision.ticket_id == ticket_id, Decision.stage == "classifier"
        )
        return self.session.exec(query).one().model_version

    def gates(self, gates: dict[str, dict[str, float]]) -> None:
        samples.write_evals(self.evals_dir, gates)


@pytest.fixture
def ops_settings(
    settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Settings]:
    labels, evals = tmp_path / "labels", tmp_path / "evals"
    samples.write_labels(labels)
    samples.write_evals(evals, samples.LENIENT_GATES)
    monkeypatch.setenv("TRIAGE_LABELS_DIR", str(labels))
    monkeypatch.setenv("TRIAGE_EVALS_DIR", str(evals))
    monkeypatch.setenv("TRIAGE_MIN_EXAMPLES_PER_CATEGORY", "4")
    monkeypatch.setenv("TRIAGE_TARGET_PRECISION", "0.9")
    get_settings.cache_clear()
    yield get_settings()
    get_settings.cache_clear()


@pytest.fixture
def ops(ops_settings: Settings, session: Session) -> Iterator[Ops]:
    first = training.ensure_active(session, ops_settings)
    assert first is not None
    lead = make_user(session, "lena@psp.example", "lead", [])
    teams = ["settlements", "disputes", "onboarding", "support_review"]
    analyst = make_user(session, "omar@psp.example", "analyst", teams)
    session.commit()
    with TestClient(create_app()) as client:
        yield Ops(
            client,
            session,
            ops_settings,
            bearer(lead),
            bearer(analyst),
            first,
            ops_settings.evals_dir,
        )
