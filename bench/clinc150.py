"""CLINC150 report: train on train.jsonl, report on val.jsonl and test.jsonl plus oos_test.jsonl.

For each target precision it prints, on the in-scope val and test sets, the auto-routed precision
and coverage beside the coverage of the best single cut-off in hindsight on the same predictions,
and the share of out-of-scope queries routed automatically (each one a wrong automatic route).
With --oos-train the 100 out-of-scope training queries are trained as the label `unclear`;
--paraphrase-similarity S keeps training queries of one intent at least S alike in one fold
(TRIAGE_PARAPHRASE_SIMILARITY). Another intent benchmark in the same layout (train.jsonl and
test.jsonl of {"text", "label"}; val.jsonl and oos_test.jsonl optional) works with --data-dir.
--golden reports the project's own data instead: trained on labels/data, reported on
evals/golden (the merchant tickets as "test", and the share of the unclear tickets auto-routed).

    .venv/bin/python bench/clinc150.py [--data-dir ../shared/datasets/clinc150]
        [--targets 0.9,0.95,0.97,0.99] [--oos-train] [--paraphrase-similarity 0.55] [--json]
    .venv/bin/python bench/clinc150.py --golden [--targets ...]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from triage.classify import data, evaluate, train  # noqa: E402
from triage.classify.data import UNCLEAR, Example  # noqa: E402
from triage.config import get_settings  # noqa: E402

DEFAULT_DIR = ROOT.parent / "shared" / "datasets" / "clinc150"
KEYS = ("accuracy", "auto_precision", "auto_rate", "hindsight_auto_rate")


def training_set(data_dir: Path, oos_train: bool) -> list[Example]:
    examples = data.load_files([data_dir / "train.jsonl"])
    if oos_train:
        extra = data.load_files([data_dir / "oos_train.jsonl"])
        examples += [Example(e.text, UNCLEAR) for e in extra]
    return examples


def one_target(
    examples: list[Example], target: float, sets: dict[str, Any], similarity: float | None
) -> dict[str, Any]:
    settings = get_settings()
    started = time.perf_counter()
    model = train.train(
        examples,
        target_precision=target,
        min_examples=settings.min_examples_per_category,
        paraphrase_similarity=similarity,
    )
    row: dict[str, Any] = {
        "target": target,
        "train_seconds": round(time.perf_counter() - started, 1),
    }
    for name in ("val", "test"):
        if name in sets:
            result = evaluate.evaluate(model, sets[name])
            row[name] = {k: result[k] for k in KEYS}
    if "oos_test" in sets:
        oos = evaluate.evaluate(model, sets["oos_test"])
        row["oos_test_auto_rate"] = oos["out_of_scope"]["auto_rate"]
    if "unclear" in sets:
        row["unclear_auto_rate"] = evaluate.evaluate(model, sets["unclear"])["auto_rate"]
    return row


def golden_sets() -> tuple[list[Example], dict[str, Any]]:
    examples = data.load_files(sorted((ROOT / "labels" / "data").glob("*.jsonl")))
    golden = ROOT / "evals" / "golden"
    sets = {
        "test": data.load_files([golden / "merchant_tickets.jsonl"]),
        "unclear": data.load_files([golden / "unclear_tickets.jsonl"]),
    }
    return examples, sets


def benchmark_sets(args: argparse.Namespace) -> tuple[list[Example], dict[str, Any]]:
    if args.golden:
        return golden_sets()
    examples = training_set(args.data_dir, args.oos_train)
    names = [n for n in ("val", "test", "oos_test") if (args.data_dir / f"{n}.jsonl").exists()]
    return examples, {n: data.load_files([args.data_dir / f"{n}.jsonl"]) for n in names}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=DEFAULT_DIR)
    parser.add_argument("--targets", default=str(get_settings().target_precision))
    parser.add_argument("--oos-train", action="store_true")
    parser.add_argument("--paraphrase-similarity", type=float, default=None)
    parser.add_argument("--golden", action="store_true")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    examples, sets = benchmark_sets(args)
    for target in (float(t) for t in args.targets.split(",")):
        row = one_target(examples, target, sets, args.paraphrase_similarity)
        if args.json:
            print(json.dumps(row), flush=True)
            continue
        cells = [
            f"{n}: precision {row[n]['auto_precision']:.3f} coverage {row[n]['auto_rate']:.3f} "
            f"hindsight {row[n]['hindsight_auto_rate']:.3f} accuracy {row[n]['accuracy']:.3f}"
            for n in ("val", "test")
            if n in row
        ]
        print(f"T={target:.2f}  " + "  ".join(cells) + f"  ({row['train_seconds']}s)", flush=True)
        if "oos_test_auto_rate" in row:
            print(f"        oos_test auto-routed {row['oos_test_auto_rate']:.3f}", flush=True)
        if "unclear_auto_rate" in row:
            print(f"        unclear tickets auto-routed {row['unclear_auto_rate']:.3f}", flush=True)


if __name__ == "__main__":
    main()
