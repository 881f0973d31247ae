"""The compare page's cost: a comparison measured from scratch (both versions scored on the
golden set and the held-out corrections) against the same comparison served from the figures
kept with each version. Prints both times and the ratio.

    .venv/bin/python bench/compare.py [--repeat 5]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _prepare(env: dict[str, str]) -> None:
    triage = str(Path(sys.executable).parent / "triage")
    # The first `train` becomes active, the second stays a candidate to compare.
    for command in ([triage, "migrate"], [triage, "train"], [triage, "train"]):
        subprocess.run(command, env=env, check=True, cwd=ROOT, capture_output=True)


def _forget(session: object, version_id: str) -> None:
    from triage.classify import registry

    row = registry.get_version(session, version_id)  # type: ignore[arg-type]
    row.metrics = {k: v for k, v in row.metrics.items() if k != "compare_key"}
    session.add(row)  # type: ignore[attr-defined]
    session.commit()  # type: ignore[attr-defined]


def _time(fn: object) -> float:
    started = time.perf_counter()
    fn()  # type: ignore[operator]
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        env = dict(os.environ) | {"TRIAGE_DATABASE_URL": f"sqlite:///{tmp}/bench.db"}
        print("migrating and training two versions ...", flush=True)
        _prepare(env)
        os.environ.update(env)
        from sqlmodel import select

        from triage.classify import compare, registry
        from triage.classify.models import ModelVersion
        from triage.db.engine import session_scope

        with session_scope() as session:
            versions = list(session.exec(select(ModelVersion.id)))
            active = registry.active_version(session)
            assert active is not None
            candidate = next(v for v in versions if v != active.id)
            fresh, kept = [], []
            for _ in range(args.repeat):
                for version in (candidate, active.id):
                    _forget(session, version)
                fresh.append(_time(lambda: compare.compare(session, candidate)))
                session.commit()
                kept.append(_time(lambda: compare.compare(session, candidate)))
    measured, cached = statistics.median(fresh), statistics.median(kept)
    print(f"compare, measured:  {measured * 1000:8.1f} ms (median of {args.repeat})")
    print(f"compare, kept:      {cached * 1000:8.1f} ms (median of {args.repeat})")
    print(f"kept / measured: {cached / measured:.3f}x")


if __name__ == "__main__":
    main()
