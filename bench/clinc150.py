"""CLINC150 report: train on train.jsonl, evaluate on test.jsonl plus oos_test.jsonl.

Prints in-scope accuracy, auto_rate and auto_precision, and the share of out-of-scope queries
routed automatically (each of those would be a wrong automatic route).

    .venv/bin/python bench/clinc150.py [--data-dir ../shared/datasets/clinc150] [--json]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from triage.classify import data, evaluate, train  # noqa: E402
from triage.config import get_settings  # noqa: E402

SUMMARY = ("n", "accuracy", "macro_f1", "auto_rate", "auto_precision", "ece")
DEFAULT_DIR = ROOT.parent / "shared" / "datasets" / "clinc150"


def report(data_dir: Path) -> dict[str, object]:
    settings = get_settings()
    started = time.perf_counter()
    examples = data.load_files([data_dir / "train.jsonl"])
    loaded = time.perf_counter()
    model = train.train(
        examples,
        target_precision=settings.target_precision,
        min_examples=settings.min_examples_per_category,
        progress=lambda message: print(f"  {message}", file=sys.stderr),
    )
    trained = time.perf_counter()
    in_scope = data.load_files([data_dir / "test.jsonl"])
    out_of_scope = data.load_files([data_dir / "oos_test.jsonl"])
    both = evaluate.evaluate(model, [*in_scope, *out_of_scope])
    scoped = evaluate.evaluate(model, in_scope)
    return {
        "load_and_redact_seconds": round(loaded - started, 2),
        "train_seconds": round(trained - loaded, 2),
        "in_scope": {
            k: scoped[k]
            for k in ("n", "accuracy", "macro_f1", "auto_rate", "auto_precision", "ece")
        },
        "with_oos": {k: both[k] for k in ("n", "accuracy", "auto_rate", "auto_precision")},
        "oos_auto_rate": both["out_of_scope"]["auto_rate"],
        "categories_never_auto": sum(v is None for v in model.thresholds.values()),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=DEFAULT_DIR)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    figures = report(args.data_dir)
    if args.json:
        print(json.dumps(figures))
        return
    for key, value in figures.items():
        print(f"{key:24s} {value}")


if __name__ == "__main__":
    main()
