"""Ingest throughput and latency: triage (SQLite, redaction + classification in the path) against a
minimal FastAPI app that only parses the same JSON and inserts it into one SQLite table.

Both run as uvicorn processes on 127.0.0.1, driven by the same asyncio load generator at the same
concurrency. Prints requests/s, p50 and p99 for each and the ratios.

    .venv/bin/python bench/ingest.py [--requests 2000] [--concurrency 16]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
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


def _free_port() -> int:
    import socket

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


async def _drive(base: str, n: int, concurrency: int, tag: str) -> list[float]:
    latencies: list[float] = []
    counter = iter(range(n))

    async def worker(client: httpx.AsyncClient) -> None:
        for i in counter:
            payload = signing.zendesk_event(f"{tag}{i}", "Ticket", TEXTS[i % len(TEXTS)])
            body = signing.dumps(payload)
            started = time.perf_counter()
            r = await client.post(
                f"{base}/webhooks/zendesk", content=body, headers=signing.zendesk_headers(body)
            )
            latencies.append(time.perf_counter() - started)
            if r.status_code != 202:
                raise SystemExit(f"unexpected {r.status_code}: {r.text[:200]}")

    limits = httpx.Limits(max_connections=concurrency)
    async with httpx.AsyncClient(limits=limits, timeout=30) as client:
        await asyncio.gather(*(worker(client) for _ in range(concurrency)))
    return latencies


def _measure(name: str, cmd: list[str], env: dict[str, str], n: int, conc: int) -> dict[str, float]:
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    proc = subprocess.Popen(
        [*cmd, "--port", str(port)],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait(base, proc)
        asyncio.run(_drive(base, min(50, n), conc, f"warm-{name}-"))
        started = time.perf_counter()
        lat = asyncio.run(_drive(base, n, conc, f"{name}-"))
        elapsed = time.perf_counter() - started
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    lat.sort()
    return {
        "rps": n / elapsed,
        "p50_ms": statistics.median(lat) * 1000,
        "p99_ms": lat[int(len(lat) * 0.99) - 1] * 1000,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=16)
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="triage-bench-"))
    venv_bin = Path(sys.executable).parent
    env = {
        **os.environ,
        "TRIAGE_DATABASE_URL": f"sqlite:///{tmp / 'triage.db'}",
        "TRIAGE_ZENDESK_WEBHOOK_SECRET": signing.ZENDESK_SECRET.decode(),
        "TRIAGE_LOG_LEVEL": "WARNING",
        "BASELINE_DB": str(tmp / "baseline.db"),
    }
    subprocess.run(
        [str(venv_bin / "triage"), "migrate"],
        env=env,
        cwd=ROOT,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    # With nothing active, `triage train` registers the first model and activates it.
    subprocess.run(
        [str(venv_bin / "triage"), "train"],
        env=env,
        cwd=ROOT,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    uvicorn = [str(venv_bin / "uvicorn"), "--host", "127.0.0.1", "--log-level", "warning"]
    results = {
        "baseline": _measure(
            "baseline",
            [*uvicorn, "bench.ingest_baseline:app"],
            env,
            args.requests,
            args.concurrency,
        ),
        "triage": _measure(
            "triage",
            [*uvicorn, "--factory", "triage.main:create_app"],
            env,
            args.requests,
            args.concurrency,
        ),
    }
    print(f"{args.requests} requests at concurrency {args.concurrency}")
    for name, r in results.items():
        line = f"{r['rps']:8.1f} req/s   p50 {r['p50_ms']:7.2f} ms   p99 {r['p99_ms']:7.2f} ms"
        print(f"{name:9s} {line}")
    ratio = results["triage"]["rps"] / results["baseline"]["rps"]
    print(f"throughput ratio triage/baseline: {ratio:.2f} (target >= 0.70)")
    print(f"triage p99: {results['triage']['p99_ms']:.1f} ms (target < 50 ms)")


if __name__ == "__main__":
    main()
