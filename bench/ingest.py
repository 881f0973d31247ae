"""Ingest throughput and latency: triage (redaction + classification in the path) on SQLite and on
PostgreSQL, against a minimal FastAPI app that only parses the same JSON and inserts it into one
SQLite table.

Each runs as uvicorn on 127.0.0.1 and is driven by the same load generator at the same
concurrency. Prints requests/s (in total and per serving process), p50 and p99, the servers' CPU
per request, the write-back backlog when the last response came back and how long it took to
drain, and the ratios. A row for an app that does no work at all is the generator's own floor, so
the other rows can be read as the servers' cost and not the client's.

On PostgreSQL, `--processes N` runs N serving processes behind one port (uvicorn workers) and
`--workers M` job-worker processes (`triage worker`) beside them, as the README deploys it.

The generator sends pre-signed HTTP/1.1 requests over keep-alive sockets (asyncio streams, no
HTTP client library): an httpx client spends about 2 ms of CPU per request on this machine and
adds a p99 of about 200 ms of its own even against the do-nothing app.

    .venv/bin/python bench/ingest.py [--requests 3000] [--concurrency 16]
        [--database sqlite|postgres|both] [--processes 1] [--workers 2] [--pg-url URL]
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import psycopg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests import signing  # noqa: E402

TEXTS = [
    "Hi, our settlement batch from Friday never reached the bank. Card 4111 1111 1111 1111 was "
    "used by the customer, order 88812. Please check what happened with batch 2026-11-20.",
    "Webhook deliveries to https://shop.example.com/hooks are timing out since 09:00 UTC, we see "
    "evt_1Q2w3E4r5T retried 6 times. Signature verification also fails sometimes.",
    "A customer disputed a payment of EUR 249.00 (reason 13.1). What evidence do you need and "
    "when is the deadline? Contact me at ops@shop.example.",
    "Refund re_3Nx9 for 45.10 USD shows succeeded but the customer says nothing arrived after 12 "
    "days. Can you give me the ARN?",
]
WARMUP = 100


@dataclass(frozen=True)
class Result:
    rps: float
    p50_ms: float
    p99_ms: float
    cpu_ms: float | None
    processes: int = 1
    backlog: int | None = None
    drain_s: float | None = None


@dataclass(frozen=True)
class Target:
    """One server to drive: its command, environment, serving processes, and where its jobs are."""

    name: str
    cmd: list[str]
    env: dict[str, str]
    processes: int = 1
    jobs: Callable[[], int] | None = None  # write-back jobs not yet done
    workers: list[list[str]] = field(default_factory=list)  # job-worker processes beside it


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait(base: str, proc: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"server exited with {proc.returncode}")
        try:
            if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.2)
    raise SystemExit("server did not start")


def _requests(port: int, tag: str, n: int) -> list[bytes]:
    """Signed requests, built before the clock starts: signing is the sender's cost."""
    out = []
    for i in range(n):
        payload = signing.zendesk_event(f"{tag}{i}", "Ticket", TEXTS[i % len(TEXTS)])
        body = signing.dumps(payload)
        headers = signing.zendesk_headers(body) | {"Content-Length": str(len(body))}
        head = f"POST /webhooks/zendesk HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
        head += "".join(f"{name}: {value}\r\n" for name, value in headers.items())
        out.append(head.encode() + b"\r\n" + body)
    return out


async def _exchange(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, request: bytes
) -> bytes:
    writer.write(request)
    head = await reader.readuntil(b"\r\n\r\n")
    start = head.lower().find(b"content-length:")
    if start < 0:
        raise SystemExit(f"response without content-length: {head[:200]!r}")
    length = int(head[start + 15 : head.find(b"\r\n", start)])
    await reader.readexactly(length)
    return head[9:12]


async def _drive(port: int, requests: list[bytes], concurrency: int) -> list[float]:
    latencies: list[float] = []
    pending = iter(requests)

    async def connection() -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        for request in pending:
            started = time.perf_counter()
            status = await _exchange(reader, writer, request)
            latencies.append(time.perf_counter() - started)
            if status != b"202":
                raise SystemExit(f"unexpected status {status.decode()}")
        writer.close()
        await writer.wait_closed()

    await asyncio.gather(*(connection() for _ in range(concurrency)))
    return latencies


def _cpu_seconds(pid: int) -> float | None:
    """utime + stime of a process, from /proc (Linux); None elsewhere."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def _tree_cpu(pids: list[int]) -> float | None:
    """CPU seconds of the serving processes (uvicorn's workers count, not only its supervisor)."""
    total = 0.0
    for pid in pids:
        cpu = _cpu_seconds(pid)
        if cpu is None:
            return None
        total += cpu
    return total


def _percentile(sorted_values: list[float], fraction: float) -> float:
    return sorted_values[min(len(sorted_values) - 1, int(len(sorted_values) * fraction))]


def _drain_seconds(jobs: Callable[[], int] | None) -> float | None:
    """How long the write-back jobs queued during the run take to finish after it."""
    if jobs is None:
        return None
    started = time.perf_counter()
    while jobs() and time.perf_counter() - started < 300:
        time.sleep(0.05)
    return time.perf_counter() - started


def _spawn(cmd: list[str], env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        cmd, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )


def _serving_pids(proc: subprocess.Popen[bytes], processes: int) -> list[int]:
    if processes == 1:
        return [proc.pid]
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        children = _children(proc.pid)
        if len(children) >= processes:
            return children
        time.sleep(0.1)
    raise SystemExit("uvicorn workers did not start")


def _measure(target: Target, n: int, conc: int) -> Result:
    port = _free_port()
    proc = _spawn([*target.cmd, "--port", str(port)], target.env)
    workers = [_spawn(cmd, target.env) for cmd in target.workers]
    try:
        _wait(f"http://127.0.0.1:{port}", proc)
        pids = _serving_pids(proc, target.processes)
        asyncio.run(_drive(port, _requests(port, f"warm-{target.name}-", WARMUP), conc))
        requests = _requests(port, f"{target.name}-", n)
        gc.collect()
        cpu_before = _tree_cpu(pids)
        started = time.perf_counter()
        latencies = asyncio.run(_drive(port, requests, conc))
        elapsed = time.perf_counter() - started
        cpu_after = _tree_cpu(pids)
        backlog = target.jobs() if target.jobs else None
        drain = _drain_seconds(target.jobs)
    finally:
        for child in [proc, *workers]:
            child.terminate()
        for child in [proc, *workers]:
            child.wait(timeout=60)
    latencies.sort()
    cpu = None if cpu_before is None or cpu_after is None else (cpu_after - cpu_before) / n * 1000
    p50, p99 = _percentile(latencies, 0.5) * 1000, _percentile(latencies, 0.99) * 1000
    return Result(n / elapsed, p50, p99, cpu, target.processes, backlog, drain)


def _prepare(env: dict[str, str]) -> None:
    triage = str(Path(sys.executable).parent / "triage")
    # With nothing active, `triage train` registers the first model and activates it.
    for command in ([triage, "migrate"], [triage, "train"]):
        subprocess.run(command, env=env, cwd=ROOT, check=True, stdout=subprocess.DEVNULL)


UNFINISHED = "SELECT count(*) FROM jobs WHERE status IN ('queued', 'running')"


def _sqlite_jobs(db: Path) -> Callable[[], int]:
    def unfinished() -> int:
        with sqlite3.connect(db) as conn:
            return int(conn.execute(UNFINISHED).fetchone()[0])

    return unfinished


def _pg_jobs(url: str) -> Callable[[], int]:
    def unfinished() -> int:
        with psycopg.connect(url) as conn:
            row = conn.execute(UNFINISHED).fetchone()
            return int(row[0]) if row else 0

    return unfinished


def _pg_database(admin_url: str) -> tuple[str, Callable[[], None]]:
    """A fresh database for one run on the server behind admin_url, and how to drop it."""
    name = f"triage_bench_{os.getpid()}"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {name}")
    url = admin_url.rsplit("/", 1)[0] + f"/{name}"

    def drop() -> None:
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")

    return url, drop


def _line(name: str, r: Result) -> str:
    cpu = f"{r.cpu_ms:5.2f} ms" if r.cpu_ms is not None else "   n/a"
    per = f"{r.rps / r.processes:7.1f}/proc" if r.processes > 1 else " " * 12
    backlog = (
        "" if r.backlog is None else f"   backlog {r.backlog:5d}, drained in {r.drain_s:5.1f} s"
    )
    return (
        f"{name:16s} {r.rps:7.1f} req/s {per}  p50 {r.p50_ms:6.2f} ms  p99 {r.p99_ms:7.2f} ms"
        f"  CPU/req {cpu}{backlog}"
    )


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--database", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument("--processes", type=int, default=1, help="serving processes (PostgreSQL)")
    parser.add_argument(
        "--workers", type=int, default=2, help="`triage worker` processes (PostgreSQL)"
    )
    parser.add_argument("--pg-url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    return parser.parse_args()


def _targets(
    args: argparse.Namespace, tmp: Path, base: dict[str, str]
) -> tuple[list[Target], list[Callable[[], None]]]:
    bin_dir = Path(sys.executable).parent
    uvicorn = [str(bin_dir / "uvicorn"), "--host", "127.0.0.1", "--log-level", "warning"]
    triage_app = ["--factory", "triage.main:create_app"]
    targets = [
        Target("floor", [*uvicorn, "bench.ingest_baseline:null_app"], base),
        Target("baseline", [*uvicorn, "bench.ingest_baseline:app"], base),
    ]
    cleanups: list[Callable[[], None]] = []
    if args.database in ("sqlite", "both"):
        db = tmp / "triage.db"
        env = base | {"TRIAGE_DATABASE_URL": f"sqlite:///{db}"}
        print("sqlite: migrating and training the first model ...", flush=True)
        _prepare(env)
        targets.append(Target("triage sqlite", [*uvicorn, *triage_app], env, jobs=_sqlite_jobs(db)))
    if args.database in ("postgres", "both"):
        url, drop = _pg_database(args.pg_url)
        cleanups.append(drop)
        env = base | {
            "TRIAGE_DATABASE_URL": url.replace("postgresql://", "postgresql+psycopg://", 1),
            "TRIAGE_RUN_WORKER_IN_PROCESS": "false",
        }
        print("postgres: migrating and training the first model ...", flush=True)
        _prepare(env)
        serve = [*uvicorn, "--workers", str(args.processes), *triage_app]
        worker = [str(bin_dir / "triage"), "worker"]
        name = "triage postgres" + (f" x{args.processes}" if args.processes > 1 else "")
        targets.append(
            Target(name, serve, env, args.processes, _pg_jobs(url), [worker] * args.workers)
        )
    return targets, cleanups


def _summary(results: dict[str, Result]) -> None:
    sqlite, postgres = (
        results.get("triage sqlite"),
        next((r for name, r in results.items() if name.startswith("triage postgres")), None),
    )
    for name, r in results.items():
        if name.startswith("triage"):
            ratio = r.rps / results["baseline"].rps
            print(
                f"{name}: throughput {ratio:.2f}x the baseline (target >= 1.5); "
                f"p99 {r.p99_ms:.1f} ms (target < 50 ms); CPU/req target about 1 ms"
            )
    if sqlite and postgres:
        ratio = (postgres.rps / postgres.processes) / sqlite.rps
        print(f"postgres per process / sqlite: {ratio:.2f} (target >= 1.0)")


def main() -> None:
    args = _arguments()
    tmp = Path(tempfile.mkdtemp(prefix="triage-bench-"))
    base = {
        **os.environ,
        "TRIAGE_ZENDESK_WEBHOOK_SECRET": signing.ZENDESK_SECRET.decode(),
        "TRIAGE_LOG_LEVEL": "WARNING",
        "BASELINE_DB": str(tmp / "baseline.db"),
    }
    targets, cleanups = _targets(args, tmp, base)
    results = {}
    try:
        for target in targets:
            print(f"driving {target.name} ...", flush=True)
            results[target.name] = _measure(target, args.requests, args.concurrency)
    finally:
        for cleanup in cleanups:
            cleanup()
    print(f"\n{args.requests} requests at concurrency {args.concurrency}")
    for name, r in results.items():
        print(_line(name, r))
    _summary(results)


if __name__ == "__main__":
    main()
