"""Redaction time per KB on hostile inputs: is every recognizer linear in its input?

Each family is built at 10 KB and at 200 KB; the script prints milliseconds per KB at both
sizes and their ratio (about 1 when linear, about 20 when quadratic), the 200 KB time through
``redact()`` and through ``triage redact --jsonl`` (one line, a fresh process, start-up
included). Times are CPU seconds of the process doing the work (the machine is shared, so wall
time would measure the neighbours). Each measurement runs in a child process that is killed
after ``--timeout`` seconds, so a quadratic family prints a lower bound (">") instead of
hanging the run.

    .venv/bin/python bench/redaction_adversarial.py [--timeout 60] [--only ones,ipv4]
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.redaction_families import FAMILIES, build  # noqa: E402

SMALL, LARGE = 10_000, 200_000


def _child(name: str, size: int, repeats: int, queue: multiprocessing.Queue[float]) -> None:
    """Puts the time of each redaction as it completes."""
    from triage.redaction import redact

    text = build(name, size)
    redact("warm up 4111 1111 1111 1111")
    for _ in range(repeats):
        started = time.process_time()
        redact(text)
        queue.put(time.process_time() - started)


def _measure(name: str, size: int, repeats: int, timeout: float) -> tuple[float, bool]:
    """Seconds for one redaction (best of the runs that finished within ``timeout``), and
    whether any did; if none did, ``timeout`` is a lower bound."""
    queue: multiprocessing.Queue[float] = multiprocessing.Queue()
    child = multiprocessing.Process(target=_child, args=(name, size, repeats, queue))
    child.start()
    child.join(timeout)
    if child.is_alive():
        child.kill()
        child.join()
    times = []
    while not queue.empty():
        times.append(queue.get())
    return (min(times), True) if times else (timeout, False)


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _time_cli(name: str, timeout: float) -> tuple[float, bool]:
    return _time_cli_text(build(name, LARGE), timeout)


def _time_cli_text(text: str, timeout: float) -> tuple[float, bool]:
    """CPU seconds of one ``triage redact --jsonl`` process, start-up included."""
    line = json.dumps({"text": text}) + "\n"
    started = _children_cpu()
    try:
        subprocess.run(
            [sys.executable, "-m", "triage.redaction", "--jsonl"],
            input=line,
            capture_output=True,
            text=True,
            check=True,
            cwd=ROOT,
            timeout=timeout,
        )
    except subprocess.TimeoutExpired:
        return timeout, False
    return _children_cpu() - started, True


def _fmt(seconds: float, done: bool, scale: float = 1.0) -> str:
    return f"{'' if done else '>'}{seconds * scale:.3f}"


def _row(name: str, timeout: float) -> str:
    small, small_done = _measure(name, SMALL, 5, timeout)
    large, large_done = _measure(name, LARGE, 2, timeout)
    cli, cli_done = _time_cli(name, timeout)
    per_small = small * 1000 / (SMALL / 1000)
    per_large = large * 1000 / (LARGE / 1000)
    ratio = per_large / per_small if per_small else float("inf")
    return (
        f"{name:24}{_fmt(per_small, small_done):>12}{_fmt(per_large, large_done):>12}"
        f"{(' ' if large_done else '>') + f'{ratio:.2f}':>8}"
        f"{_fmt(large, large_done):>11}{_fmt(cli, cli_done):>11}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds per measurement")
    parser.add_argument("--only", default="", help="comma-separated family names")
    args = parser.parse_args()
    names = [n for n in args.only.split(",") if n] or list(FAMILIES)
    print(
        f"{'family':24}{'ms/KB 10K':>12}{'ms/KB 200K':>12}{'ratio':>8}{'200K s':>11}{'cli s':>11}"
    )
    worst = 0.0
    for name in names:
        row = _row(name, args.timeout)
        print(row, flush=True)
        worst = max(worst, float(row.split()[4].lstrip(">")))
    print(f"slowest 200 KB redaction: {worst:.3f} s CPU (target <= ~1 s; ratio target <= 2)")
    startup, _ = _time_cli_text("", args.timeout)
    print(f"triage redact --jsonl start-up alone: {startup:.3f} s CPU")


if __name__ == "__main__":
    main()
