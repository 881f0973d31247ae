"""Workers take jobs in batches: one claim, one completion per batch, the same guarantees."""

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import event, update
from sqlmodel import Session, col, select

from tests.fakes.zendesk import FakeZendesk
from tests.writeback import scenario
from triage.db.engine import engine_for, utcnow
from triage.jobs import batch, handlers, queue
from triage.jobs.models import Job
from triage.jobs.worker import Worker
from triage.tickets.models import Decision, Ticket
from triage.writeback import notes


def _enqueue(session: Session, n: int) -> list[int]:
    now = utcnow()
    ids = []
    for i in range(n):
        job = queue.enqueue(
            session, "writeback.note", ticket_id=None, payload={}, dedupe_key=f"b{i}"
        )
        job.run_at = now - timedelta(seconds=n - i)  # b0 is the oldest
        session.add(job)
        ids.append(scenario.ident(job))
    session.commit()
    return ids


def test_claim_many_takes_the_oldest_due_jobs_each_under_a_lease(session: Session) -> None:
    ids = _enqueue(session, 5)
    first = queue.claim_many(session, "w1", 30, 3)
    session.commit()
    second = queue.claim_many(session, "w2", 30, 10)
    session.commit()

    assert [job.id for job in first] == ids[:3]
    assert {(j.status, j.lease_owner, j.attempts) for j in first} == {("running", "w1", 1)}
    assert [job.id for job in second] == ids[3:]
    assert queue.claim_many(session, "w3", 30, 10) == []


def test_complete_many_records_only_the_jobs_this_worker_still_holds(session: Session) -> None:
    ids = _enqueue(session, 3)
    queue.claim_many(session, "w1", 30, 3)
    # The third job's lease was taken over by another worker meanwhile.
    session.execute(update(Job).where(col(Job.id) == ids[2]).values(lease_owner="w2"))
    session.commit()

    results = {job_id: {"n": job_id} for job_id in ids}
    done = batch.complete_many(session, "w1", results)
    session.commit()

    assert done == set(ids[:2])
    jobs = {j.id: j for j in session.exec(select(Job).execution_options(populate_existing=True))}
    assert [(jobs[i].status, jobs[i].result) for i in ids[:2]] == [
        ("done", {"n": ids[0]}),
        ("done", {"n": ids[1]}),
    ]
    assert (jobs[ids[2]].status, jobs[ids[2]].lease_owner) == ("running", "w2")


def test_release_many_gives_jobs_back_without_counting_the_attempt(session: Session) -> None:
    ids = _enqueue(session, 2)
    queue.claim_many(session, "w1", 30, 2)
    session.commit()
    assert batch.release_many(session, "w2", ids) == 0  # not its jobs
    assert batch.release_many(session, "w1", ids) == 2
    session.commit()
    jobs = session.exec(select(Job).execution_options(populate_existing=True)).all()
    assert {(j.status, j.attempts, j.lease_owner) for j in jobs} == {("queued", 0, None)}


@contextmanager
def _job_updates(url: str) -> Iterator[list[str]]:
    """The UPDATE statements run on the jobs table (an executemany counts once)."""
    seen: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if statement.lstrip().upper().startswith("UPDATE JOBS"):
            seen.append(statement)

    engine = engine_for(url)
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


def test_a_batch_of_write_backs_is_claimed_and_completed_in_one_statement_each(
    session: Session, fake_zendesk: FakeZendesk, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = scenario.configure(
        monkeypatch, **scenario.zendesk_env(fake_zendesk), worker_batch_size=8
    )
    ids = scenario.many_routed_tickets(session, 81_000, 6)

    with _job_updates(settings.database_url) as updates:
        assert Worker("w1").run_batch() == 6

    # The claim and the completion of all six; besides them only each write's lease check,
    # which renews the lease right before its Zendesk call (a lost lease writes nothing).
    moves = [u for u in updates if "status" in u.split("WHERE")[0]]
    assert len(moves) == 2
    assert len(updates) - len(moves) == 6
    jobs = session.exec(select(Job).execution_options(populate_existing=True)).all()
    assert {(j.status, j.attempts, j.lease_owner) for j in jobs} == {("done", 1, None)}
    assert all(j.result["target"] == "zendesk" for j in jobs)
    assert all(len(fake_zendesk.notes(ticket_id)) == 1 for ticket_id in ids)


def test_a_batch_of_write_backs_reads_its_rows_in_one_query(
    session: Session, fake_zendesk: FakeZendesk, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = scenario.configure(
        monkeypatch, **scenario.zendesk_env(fake_zendesk), worker_batch_size=8
    )
    ids = scenario.many_routed_tickets(session, 83_000, 5)
    reads: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if statement.lstrip().upper().startswith("SELECT") and "decisions" in statement:
            reads.append(statement)

    engine = engine_for(settings.database_url)
    event.listen(engine, "before_cursor_execute", record)
    try:
        assert Worker("w1").run_batch() == 5
    finally:
        event.remove(engine, "before_cursor_execute", record)

    assert len(reads) == 1
    # Each note went to its own ticket, marked with its own decision.
    tickets = {t.id: int(t.external_id) for t in session.exec(select(Ticket)).all()}
    decisions = {tickets[d.ticket_id]: scenario.ident(d) for d in session.exec(select(Decision))}
    assert sorted(decisions) == sorted(ids)
    for ticket_id, decision_id in decisions.items():
        (note,) = fake_zendesk.notes(ticket_id)
        assert note["body"].startswith(notes.note_marker(decision_id))


def test_a_stop_mid_batch_finishes_the_job_in_hand_and_hands_back_the_rest(
    session: Session, fake_zendesk: FakeZendesk, monkeypatch: pytest.MonkeyPatch
) -> None:
    scenario.configure(monkeypatch, **scenario.zendesk_env(fake_zendesk), worker_batch_size=4)
    scenario.many_routed_tickets(session, 82_000, 4)
    stop = threading.Event()
    stop.set()  # arrives as the batch starts: the first job is already in hand

    assert Worker("w1").run_batch(stop) == 1

    jobs = session.exec(select(Job).order_by(col(Job.id))).all()
    assert [(j.status, j.attempts, j.lease_owner) for j in jobs] == [("done", 1, None)] + [
        ("queued", 0, None)
    ] * 3
    assert len(fake_zendesk.requests_for("PUT")) == 1


def test_what_a_reads_only_handler_writes_is_never_kept(session: Session) -> None:
    ticket = Ticket(source="zendesk", external_id="83001", subject="original")
    session.add(ticket)
    session.commit()

    @handlers.handler("test.reads_only_but_writes", reads_only=True)
    def writes_anyway(reader: Session, job: Job) -> dict[str, Any]:
        row = reader.get(Ticket, job.ticket_id)
        assert row is not None
        row.subject = "changed by a read-only handler"
        reader.flush()
        return {"ok": True}

    job = queue.enqueue(
        session, "test.reads_only_but_writes", ticket_id=ticket.id, payload={}, dedupe_key="r1"
    )
    session.commit()
    assert Worker("w1").run_once()

    assert scenario.job(session, job.id).status == "done"
    assert session.get(Ticket, ticket.id, populate_existing=True).subject == "original"  # type: ignore[union-attr]
