"""What a job's claim and completion cost as the history of done jobs grows: the queue's partial
indexes against the single (status, run_at) index they replaced, side by side.

On a fresh PostgreSQL database migrated to head, `--history` done jobs are written first. Then,
for each index layout in turn, `--jobs` due jobs are queued and drained the way a worker does:
claim up to `--batch` with `UPDATE ... WHERE id IN (SELECT ... FOR UPDATE SKIP LOCKED)`, mark
them done, commit. The baseline binds the statuses as parameters, as the claim did before; the
partial layout writes them into the SQL (see `triage.jobs.models.has_status`). Statements are
prepared after five runs, as in the service (`TRIAGE_DB_PREPARE_THRESHOLD`), so the plans
measured are the ones a long-lived worker ends up with. Prints wall time and PostgreSQL backend
CPU per job for each layout and history size, and the ratios.

    .venv/bin/python bench/job_history.py [--history 0,100000,1000000] [--jobs 2000]
        [--batch 16] [--pg-url URL]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import psycopg

ROOT = Path(__file__).resolve().parent.parent
TRIAGE = str(Path(sys.executable).parent / "triage")
PARTIAL = (
    "CREATE INDEX ix_jobs_queued ON jobs (run_at) WHERE status = 'queued'",
    "CREATE INDEX ix_jobs_leased ON jobs (lease_expires_at) WHERE status = 'running'",
    "CREATE INDEX ix_jobs_dead ON jobs (updated_at) WHERE status = 'dead'",
)
FULL = ("CREATE INDEX ix_jobs_claim ON jobs (status, run_at)",)
DROP = (
    "DROP INDEX IF EXISTS ix_jobs_queued",
    "DROP INDEX IF EXISTS ix_jobs_leased",
    "DROP INDEX IF EXISTS ix_jobs_dead",
    "DROP INDEX IF EXISTS ix_jobs_claim",
)
PICK = (
    "SELECT id FROM jobs WHERE {queued} AND run_at <= now() OR {running} AND lease_expires_at"
    " < now() ORDER BY run_at LIMIT %(limit)s FOR UPDATE SKIP LOCKED"
)
CLAIM = (
    "UPDATE jobs SET status = 'running', lease_owner = 'bench', attempts = attempts + 1,"
    " lease_expires_at = now() + interval '60 seconds', updated_at = now()"
    " WHERE id IN ({pick}) RETURNING id"
)
COMPLETE = (
    "UPDATE jobs SET status = 'done', lease_owner = NULL, lease_expires_at = NULL,"
    " finished_at = now(), updated_at = now() WHERE id = ANY(%(ids)s) AND status = {running}"
    " AND lease_owner = 'bench'"
)
LAYOUTS: dict[str, dict[str, Any]] = {
    "one (status, run_at) index, bound statuses": {
        "indexes": FULL,
        "queued": "status = %(queued)s",
        "running": "%(running)s",
        "params": {"queued": "queued", "running": "running"},
    },
    "partial indexes, statuses in the SQL": {
        "indexes": PARTIAL,
        "queued": "status = 'queued'",
        "running": "'running'",
        "params": {},
    },
}


def _database(pg_url: str) -> tuple[str, str]:
    name = f"triage_bench_history_{os.getpid()}"
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {name}")
    url = pg_url.rsplit("/", 1)[0] + f"/{name}"
    env = os.environ | {
        "TRIAGE_DATABASE_URL": url.replace("postgresql://", "postgresql+psycopg://")
    }
    subprocess.run([TRIAGE, "migrate"], env=env, cwd=ROOT, check=True, capture_output=True)
    return url, name


def _queue(conn: psycopg.Connection[Any], n: int, status: str, prefix: str) -> None:
    conn.execute(
        "INSERT INTO jobs (kind, payload, dedupe_key, status, attempts, max_attempts, run_at,"
        " result, created_at, updated_at) SELECT 'writeback.note', '{}', %s || g, %s, 0, 6,"
        " now() - g * interval '1 millisecond', '{}', now(), now() FROM generate_series(1, %s) g",
        (prefix, status, n),
    )


def _backend_cpu(conn: psycopg.Connection[Any]) -> float:
    pid = conn.info.backend_pid
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _drain(conn: psycopg.Connection[Any], layout: dict[str, Any], batch: int) -> int:
    pick = PICK.format(queued=layout["queued"], running=f"status = {layout['running']}")
    claim = CLAIM.format(pick=pick)
    complete = COMPLETE.format(running=layout["running"])
    done = 0
    while True:
        ids = [row[0] for row in conn.execute(claim, layout["params"] | {"limit": batch})]
        if not ids:
            conn.commit()
            return done
        conn.execute(complete, layout["params"] | {"ids": ids})
        conn.commit()
        done += len(ids)


def _queue_index_mb(conn: psycopg.Connection[Any]) -> float:
    row = conn.execute(
        "SELECT coalesce(sum(pg_relation_size(indexrelid)), 0) FROM pg_index i JOIN pg_class c"
        " ON c.oid = i.indexrelid WHERE c.relname IN"
        " ('ix_jobs_queued', 'ix_jobs_leased', 'ix_jobs_dead', 'ix_jobs_claim')"
    ).fetchone()
    return float(row[0]) / 2**20 if row else 0.0


def _measure(
    url: str, layout: dict[str, Any], jobs: int, batch: int, run: str
) -> tuple[float, float, float]:
    with psycopg.connect(url, autocommit=True) as conn:
        for statement in (*DROP, *layout["indexes"]):
            conn.execute(statement)
        _queue(conn, jobs, "queued", f"due-{run}-")
        conn.execute("ANALYZE jobs")
    with psycopg.connect(url, prepare_threshold=5) as conn:
        cpu, started = _backend_cpu(conn), time.perf_counter()
        done = _drain(conn, layout, batch)
        wall, cpu = time.perf_counter() - started, _backend_cpu(conn) - cpu
        size = _queue_index_mb(conn)
    assert done == jobs, (done, jobs)
    return 1000 * wall / jobs, 1000 * cpu / jobs, size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--history", default="0,100000,1000000", help="done jobs, comma-separated")
    parser.add_argument("--jobs", type=int, default=2000)
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument("--pg-url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    args = parser.parse_args()
    url, name = _database(args.pg_url)
    try:
        written = 0
        for size in sorted(int(h) for h in args.history.split(",")):
            print(f"writing the history up to {size} done jobs ...", flush=True)
            with psycopg.connect(url, autocommit=True) as conn:
                _queue(conn, size - written, "done", f"history-{size}-")
                conn.execute("VACUUM ANALYZE jobs")
            written = size
            rows = {}
            for label, layout in LAYOUTS.items():
                rows[label] = _measure(url, layout, args.jobs, args.batch, f"{size}-{len(rows)}")
            base, new = rows.values()
            print(f"history {size:>9} done jobs, {args.jobs} claimed {args.batch} at a time:")
            for label, (wall, cpu, mb) in rows.items():
                print(
                    f"  {label:<45} {wall:6.3f} ms/job   PostgreSQL CPU {cpu:6.3f} ms/job"
                    f"   queue indexes {mb:7.2f} MB"
                )
            ratios = (base[0] / new[0], base[1] / new[1])
            print(f"  ratio baseline / partial: wall {ratios[0]:.2f}x, CPU {ratios[1]:.2f}x")
    finally:
        with psycopg.connect(args.pg_url, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


if __name__ == "__main__":
    main()
