"""Ingest throughput and latency: triage (SQLite, redaction + classification in the path) against a
minimal FastAPI app that only parses the same JSON and inserts it into one SQLite table.

Each runs as one uvicorn process on 127.0.0.1 and is driven by the same load generator at the same
concurrency. Prints requests/s, p50 and p99 for each, the server's CPU per request, and the ratio.
A third row drives an app that does no work at all: it is the generator's own floor, so the
other rows can be read as the servers' cost and not the client's.

The generator sends pre-signed HTTP/1.1 requests over keep-alive sockets (asyncio streams, no
HTTP client library): an httpx client spends about 2 ms of CPU per request on this machine and
adds a p99 of about 200 ms of its own even against the do-nothing app.

    .venv/bin/python bench/ingest.py [--requests 3000] [--concurrency 16]
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
from dataclasses import dataclass
from pathlib import Path

import httpx

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
    drain_s: float | None = None


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


def _requests(port: int, first_id: int, n: int) -> list[bytes]:
    """Signed requests, built before the clock starts: signing is the sender's cost. Zendesk
    ticket ids are integers, so each run numbers its tickets from its own first id."""
    out = []
    for i in range(n):
        payload = signing.zendesk_event(first_id + i, "Ticket", TEXTS[i % len(TEXTS)])
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


def _percentile(sorted_values: list[float], fraction: float) -> float:
    return sorted_values[min(len(sorted_values) - 1, int(len(sorted_values) * fraction))]


def _drain_seconds(db: Path | None) -> float | None:
    """How long the write-back jobs queued during the run take to finish after it."""
    if db is None:
        return None
    started = time.perf_counter()
    while _backlog(db) and time.perf_counter() - started < 300:
        time.sleep(0.05)
    return time.perf_counter() - started


def _measure(
    name: str, cmd: list[str], env: dict[str, str], n: int, conc: int, jobs_db: Path | None = None
) -> Result:
    port = _free_port()
    proc = subprocess.Popen(
        [*cmd, "--port", str(port)],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait(f"http://127.0.0.1:{port}", proc)
        asyncio.run(_drive(port, _requests(port, 1, WARMUP), conc))
        requests = _requests(port, 1_000_000, n)
        gc.collect()
        cpu_before = _cpu_seconds(proc.pid)
        started = time.perf_counter()
        latencies = asyncio.run(_drive(port, requests, conc))
        elapsed = time.perf_counter() - started
        cpu_after = _cpu_seconds(proc.pid)
        drain = _drain_seconds(jobs_db)
    finally:
        proc.terminate()
        proc.wait(timeout=60)
    latencies.sort()
    cpu = None if cpu_before is None or cpu_after is None else (cpu_after - cpu_before) / n * 1000
    p50, p99 = _percentile(latencies, 0.5) * 1000, _percentile(latencies, 0.99) * 1000
    return Result(n / elapsed, p50, p99, cpu, drain)


def _prepare(env: dict[str, str]) -> None:
    triage = str(Path(sys.executable).parent / "triage")
    print("migrating and training the first model ...", flush=True)
    # With nothing active, `triage train` registers the first model and activates it.
    for command in ([triage, "migrate"], [triage, "train"]):
        subprocess.run(command, env=env, cwd=ROOT, check=True, stdout=subprocess.DEVNULL)


def _backlog(db: Path) -> int:
    with sqlite3.connect(db) as conn:
        row = conn.execute("SELECT count(*) FROM jobs WHERE status IN ('queued', 'running')")
        return int(row.fetchone()[0])


def _line(name: str, r: Result) -> str:
    cpu = f"{r.cpu_ms:6.2f} ms" if r.cpu_ms is not None else "     n/a"
    return (
        f"{name:9s} {r.rps:8.1f} req/s   p50 {r.p50_ms:7.2f} ms   p99 {r.p99_ms:7.2f} ms"
        f"   server CPU/request {cpu}"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--concurrency", type=int, default=16)
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="triage-bench-"))
    env = {
        **os.environ,
        "TRIAGE_DATABASE_URL": f"sqlite:///{tmp / 'triage.db'}",
        "TRIAGE_ZENDESK_WEBHOOK_SECRET": signing.ZENDESK_SECRET.decode(),
        "TRIAGE_LOG_LEVEL": "WARNING",
        "BASELINE_DB": str(tmp / "baseline.db"),
    }
    _prepare(env)
    uvicorn = [str(Path(sys.executable).parent / "uvicorn"), "--host", "127.0.0.1"]
    uvicorn += ["--log-level", "warning"]
    apps = {
        "floor": [*uvicorn, "bench.ingest_baseline:null_app"],
        "baseline": [*uvicorn, "bench.ingest_baseline:app"],
        "triage": [*uvicorn, "--factory", "triage.main:create_app"],
    }
    results = {}
    for name, cmd in apps.items():
        print(f"driving {name} ...", flush=True)
        jobs_db = tmp / "triage.db" if name == "triage" else None
        results[name] = _measure(name, cmd, env, args.requests, args.concurrency, jobs_db)
    print(f"\n{args.requests} requests at concurrency {args.concurrency}")
    for name, r in results.items():
        print(_line(name, r))
    drain = results["triage"].drain_s
    print(f"triage's write-back jobs finished {drain:.1f} s after the last response")
    ratio = results["triage"].rps / results["baseline"].rps
    print(f"throughput ratio triage/baseline: {ratio:.2f} (target >= 0.70)")
    print(f"triage p99: {results['triage'].p99_ms:.1f} ms (target < 50 ms)")


if __name__ == "__main__":
    main()
