"""/healthz latency while hostile 200 KB webhooks are being redacted, against the same server idle.

Starts ``triage serve`` on a fresh SQLite database, measures /healthz alone, then sends
``--senders`` threads of hostile Zendesk deliveries (issue 14's families, 200 KB each) and
polls /healthz for as long as any is in flight. Prints p50 and max of both and their ratio;
the target is every /healthz answer under a second.

    .venv/bin/python bench/redaction_event_loop.py [--senders 4] [--rounds 3]
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

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.redaction_families import build  # noqa: E402
from tests import signing  # noqa: E402

# ASCII families: escaped in JSON, zero-width or Arabic digits would pass the body limit.
FAMILIES = ("ones_spaced", "dotted_digits", "url_path_ones", "settlement_csv")
SIZE = 200_000


def _serve(tmp: Path, port: int) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "TRIAGE_DATABASE_URL": f"sqlite:///{tmp / 'bench.db'}",
        "TRIAGE_ZENDESK_WEBHOOK_SECRET": signing.ZENDESK_SECRET.decode(),
        "TRIAGE_SESSION_SECRET": "s" * 40,
        "TRIAGE_RUN_WORKER_IN_PROCESS": "false",
        "TRIAGE_LOG_LEVEL": "WARNING",
    }
    triage = str(Path(sys.executable).parent / "triage")
    for command in ([triage, "migrate"], [triage, "train"]):
        subprocess.run(command, env=env, cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    return subprocess.Popen(
        [triage, "serve", "--port", str(port)],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def _wait(base: str, server: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline and server.poll() is None:
        try:
            if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.2)
    raise SystemExit("server did not start")


def _health(base: str) -> float:
    started = time.perf_counter()
    httpx.get(f"{base}/healthz", timeout=30).raise_for_status()
    return time.perf_counter() - started


def _sender(base: str, index: int, rounds: int, statuses: list[int]) -> None:
    for turn in range(rounds):
        family = FAMILIES[(index + turn) % len(FAMILIES)]
        ticket_id = 700_000 + index * 1_000 + turn  # Zendesk ticket ids are integers
        payload = signing.zendesk_event(ticket_id, "hostile", build(family, SIZE))
        body = signing.dumps(payload)
        response = httpx.post(
            f"{base}/webhooks/zendesk",
            content=body,
            headers=signing.zendesk_headers(body),
            timeout=120,
        )
        statuses.append(response.status_code)


def _under_load(base: str, senders: int, rounds: int) -> tuple[list[float], list[int]]:
    statuses: list[int] = []
    threads = [
        threading.Thread(target=_sender, args=(base, i, rounds, statuses)) for i in range(senders)
    ]
    for thread in threads:
        thread.start()
    latencies = []
    while any(thread.is_alive() for thread in threads):
        latencies.append(_health(base))
    for thread in threads:
        thread.join()
    return latencies, statuses


def _summary(latencies: list[float]) -> tuple[float, float]:
    ordered = sorted(latencies)
    return ordered[len(ordered) // 2] * 1000, ordered[-1] * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--senders", type=int, default=4)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    port = 18000 + os.getpid() % 1000
    base = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryDirectory(prefix="triage-loop-") as tmp:
        server = _serve(Path(tmp), port)
        try:
            _wait(base, server)
            idle = [_health(base) for _ in range(50)]
            loaded, statuses = _under_load(base, args.senders, args.rounds)
        finally:
            server.terminate()
            server.wait(timeout=30)
    idle_p50, idle_max = _summary(idle)
    load_p50, load_max = _summary(loaded)
    print(f"webhooks: {len(statuses)} hostile 200 KB deliveries, statuses {sorted(set(statuses))}")
    print(f"/healthz idle:           p50 {idle_p50:8.1f} ms  max {idle_max:8.1f} ms")
    print(f"/healthz under load:     p50 {load_p50:8.1f} ms  max {load_max:8.1f} ms")
    print(f"/healthz answers while hostile deliveries were in flight: {len(loaded)}")
    print(f"ratio (p50 load / idle): {load_p50 / idle_p50:.1f}x; target: max under 1000 ms")


if __name__ == "__main__":
    main()
