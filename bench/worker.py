"""Write-back drain rate: worker threads taking one job per claim against batches, side by side.

Queues `--jobs` write-back notes on a fresh database, drains them with `--threads` worker threads
claiming one job at a time (the baseline: a claim, a read and a completion with its commit per
job), then again with TRIAGE_WORKER_BATCH_SIZE jobs per claim; prints jobs/s, CPU per job and
the ratio. Write-back is a dry run unless `--zendesk`, which writes to the fake Zendesk of
tests/fakes over HTTP.

    .venv/bin/python bench/worker.py [--jobs 400] [--database postgres|sqlite] [--threads 1]
        [--zendesk] [--batch 16] [--pg-url URL]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
TRIAGE = str(Path(sys.executable).parent / "triage")


def _database(args: argparse.Namespace, run: str) -> str:
    if args.database == "sqlite":
        return f"sqlite:///{Path(tempfile.mkdtemp(prefix='triage-bench-')) / 'triage.db'}"
    name = f"triage_bench_worker_{os.getpid()}_{run}"
    with psycopg.connect(args.pg_url, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {name}")
    return args.pg_url.replace("postgresql://", "postgresql+psycopg://", 1).rsplit("/", 1)[0] + (
        f"/{name}"
    )


def _drain(url: str, args: argparse.Namespace, batch: int, jobs: int) -> tuple[float, float]:
    """(jobs/s, CPU ms per job) for one drain of `jobs` fresh jobs."""
    os.environ["TRIAGE_DATABASE_URL"] = url
    subprocess.run([TRIAGE, "migrate"], check=True, stdout=subprocess.DEVNULL, env=os.environ)
    from sqlmodel import Session

    from tests.writeback import scenario
    from triage.config import get_settings
    from triage.db.engine import engine_for, import_models
    from triage.jobs.worker import Worker

    get_settings.cache_clear()
    import_models()
    with Session(engine_for(url)) as session:
        scenario.many_routed_tickets(session, 1000, jobs)
    workers = [Worker(f"bench-{n}") for n in range(args.threads)]
    ran = [0] * args.threads

    def drain(n: int) -> None:
        while count := workers[n].run_batch(limit=batch):
            ran[n] += count

    threads = [threading.Thread(target=drain, args=(n,)) for n in range(args.threads)]
    started, cpu = time.perf_counter(), time.process_time()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    engine_for(url).dispose()
    assert sum(ran) == jobs, f"drained {sum(ran)} of {jobs}"
    return jobs / elapsed, cpu / jobs * 1000


def _timed(args: argparse.Namespace, run: str, batch: int, jobs: int) -> tuple[float, float]:
    url = _database(args, run)
    try:
        return _drain(url, args, batch, jobs)
    finally:
        if args.database == "postgres":
            with psycopg.connect(args.pg_url, autocommit=True) as conn:
                conn.execute(f"DROP DATABASE IF EXISTS {url.rsplit('/', 1)[1]} WITH (FORCE)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--jobs", type=int, default=400)
    parser.add_argument("--database", choices=("postgres", "sqlite"), default="postgres")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument("--zendesk", action="store_true", help="write to the fake Zendesk")
    parser.add_argument("--pg-url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    args = parser.parse_args()
    os.environ["TRIAGE_LOG_LEVEL"] = "WARNING"
    if args.zendesk:
        from tests.fakes import zendesk

        fake = zendesk.FakeZendesk().start()
        os.environ["TRIAGE_ZENDESK_BASE_URL"] = fake.base_url
        os.environ["TRIAGE_ZENDESK_EMAIL"] = zendesk.EMAIL
        os.environ["TRIAGE_ZENDESK_API_TOKEN"] = zendesk.API_TOKEN
    target = "fake Zendesk" if args.zendesk else "dry run"
    print(f"{args.jobs} write-back jobs, {args.database}, {target}, {args.threads} thread(s)")
    # Imports, compiled statements and the first connections are paid before either is timed.
    _timed(args, "warm", args.batch, 50)
    results = {}
    for batch in (1, args.batch):
        rate, cpu = _timed(args, f"b{batch}", batch, args.jobs)
        results[batch] = rate
        print(f"{batch:3d} job(s) per claim: {rate:7.1f} jobs/s  CPU {cpu:5.2f} ms/job", flush=True)
    print(f"batched / one at a time: {results[args.batch] / results[1]:.2f}x")


if __name__ == "__main__":
    main()
