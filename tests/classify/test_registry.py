import dataclasses
import json

import pytest
from sqlmodel import Session, select

from tests.classify.samples import EXAMPLES, write_labels
from triage.audit.models import AuditEvent
from triage.classify import artefact, data, registry
from triage.classify import tasks as training
from triage.classify.models import ModelVersion
from triage.classify.train import train
from triage.config import Settings
from triage.errors import TriageError
from triage.tickets.models import Correction, Ticket


def _model(target: float = 0.9):
    return train(EXAMPLES, target_precision=target, min_examples=8)


def _register(session: Session, target: float = 0.9) -> ModelVersion:
    return registry.register(session, _model(target), taxonomy_hash="t" * 64, created_by="test")


def test_round_trip_through_the_database(session: Session):
    row = _register(session)
    session.commit()
    assert row.status == "candidate" and len(row.sha256) == 64
    assert row.library_versions["scikit-learn"]
    loaded = registry.load_version(session.get(ModelVersion, row.id))
    assert loaded.version == row.id
    assert loaded.thresholds == row.thresholds
    assert loaded.predict("payout returned by the bank").category == "payout_failure"


def test_tampered_artefact_is_refused(session: Session):
    row = _register(session)
    row.artefact = row.artefact[:-1] + bytes([row.artefact[-1] ^ 0x01])
    session.add(row)
    session.commit()
    with pytest.raises(artefact.ArtefactError, match="SHA-256"):
        registry.load_version(session.get(ModelVersion, row.id))
    # Served as the active model it is refused too: tickets then go to review.
    registry.activate(session, row.id, "lead@example.com")
    assert registry.active_model(session) is None


def test_activate_and_rollback_are_audited(session: Session):
    first, second = _register(session), _register(session, target=0.95)
    assert registry.active_model(session) is None
    registry.activate(session, first.id, "lead@example.com")
    assert registry.active_model(session).version == first.id
    registry.activate(session, second.id, "lead@example.com")
    assert registry.active_model(session).version == second.id
    assert session.get(ModelVersion, first.id).status == "retired"
    registry.rollback(session, "lead@example.com")
    session.commit()
    assert registry.active_model(session).version == first.id
    actions = session.exec(select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert actions == ["model.activate", "model.activate", "model.rollback"]
    with pytest.raises(TriageError, match="nothing to roll back"):
        registry.rollback(session, "lead@example.com")


def test_active_model_is_cached_per_process(session: Session):
    row = _register(session)
    registry.activate(session, row.id, "lead@example.com")
    session.commit()
    assert registry.active_model(session) is registry.active_model(session)


def _ticket(session: Session, external_id: str, body: str) -> Ticket:
    ticket = Ticket(source="zendesk", external_id=external_id, subject="", body=body)
    session.add(ticket)
    session.flush()
    return ticket


def test_training_rows_add_the_latest_correction_per_ticket(
    session: Session, settings: Settings, tmp_path
):
    seed = tmp_path / "seed.jsonl"
    lines = [
        {"text": "money never showed up after the refund", "label": "payout_failure"},
        {"subject": "Login", "body": "2FA broken", "label": "account_access"},
    ]
    seed.write_text("\n".join(json.dumps(line) for line in lines) + "\n")
    ticket = _ticket(session, "1", "money never showed up after the refund")
    confirmed = _ticket(session, "2", "cannot log in since the update")
    for new in ("payout_failure", "refund_issue"):
        session.add(Correction(ticket_id=ticket.id, analyst="a", new_category=new))
        session.flush()
    session.add(
        Correction(
            ticket_id=confirmed.id, analyst="b", new_category="account_access", confirmed=True
        )
    )
    session.flush()
    rows = data.training_rows(session, settings, files=[seed])
    assert sorted(rows, key=lambda r: r.text) == [
        data.Example("Login\n\n2FA broken", "account_access"),
        data.Example("cannot log in since the update", "account_access"),
        data.Example("money never showed up after the refund", "refund_issue"),
    ]


def test_ensure_active_trains_the_first_model(
    session: Session, settings: Settings, tmp_path, monkeypatch
):
    from triage.config import get_settings

    labels = tmp_path / "labels"
    write_labels(labels)
    monkeypatch.setenv("TRIAGE_LABELS_DIR", str(labels))
    get_settings.cache_clear()
    messages: list[str] = []
    version = training.ensure_active(session, get_settings(), messages.append)
    session.commit()
    assert version is not None and registry.active_model(session).version == version
    assert any("training" in m for m in messages)
    assert training.ensure_active(session, get_settings(), messages.append) == version
    assert len(session.exec(select(ModelVersion)).all()) == 1


class Gadget:
    """Stands in for anything an attacker could smuggle into an artefact."""


def test_artefact_with_an_untrusted_type_is_refused():
    import skops.io as sio

    blob = sio.dumps({"pipeline": Gadget(), "labels": ["a"], "temperature": 1.0})
    with pytest.raises(artefact.ArtefactError, match="untrusted"):
        artefact.loads(blob, artefact.sha256(blob), version="v", thresholds={})


def _probabilities(model, texts: list[str]):
    return [[round(p, 12) for p in row] for row in model.probabilities(texts).tolist()]


TEXTS = ["payout returned by the bank", "chargeback on order 12", "webhook timing out"]


def test_vocabularies_are_stored_apart_and_come_back_the_same():
    model = _model()
    blob = artefact.dumps(model)
    loaded = artefact.loads(blob, artefact.sha256(blob), version="v", thresholds=model.thresholds)
    assert _probabilities(loaded, TEXTS) == _probabilities(model, TEXTS)
    assert [loaded.predict(t).confidence for t in TEXTS] == [
        model.predict(t).confidence for t in TEXTS
    ]
    # The model being saved keeps its vocabularies: it may be serving requests meanwhile.
    union = model.pipeline.named_steps["features"]
    assert all(len(v.vocabulary_) > 0 for _, v in union.transformer_list)


def test_an_artefact_saved_with_its_vocabularies_inside_still_loads():
    import skops.io as sio

    model = _model()
    old = sio.dumps({"pipeline": model.pipeline, "labels": model.labels, "temperature": 1.0})
    loaded = artefact.loads(old, artefact.sha256(old), version="v", thresholds=model.thresholds)
    assert _probabilities(loaded, TEXTS) == _probabilities(
        dataclasses.replace(model, temperature=1.0), TEXTS
    )


def test_vocabularies_that_do_not_fit_the_pipeline_are_refused():
    import numpy as np
    import skops.io as sio

    model = _model()
    pipeline, vocabularies = artefact._vocabularies_apart(model.pipeline)
    vocabularies["extra"] = np.frombuffer(b"a", dtype=np.uint8)
    payload = {"pipeline": pipeline, "labels": model.labels, "temperature": 1.0}
    blob = sio.dumps(payload | {"vocabularies": vocabularies})
    with pytest.raises(artefact.ArtefactError, match="vocabularies"):
        artefact.loads(blob, artefact.sha256(blob), version="v", thresholds={})
