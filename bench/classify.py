"""Classifier speed beside a plain TF-IDF + LogisticRegression baseline, in the same process.

Prints training time on CLINC150's 15,000 training examples (ours includes 5-fold
cross-validation, calibration and thresholds; the baseline is a single fit) and single-ticket
predict latency (p50, p95) on merchant-like texts, with the ratio ours / baseline.

    .venv/bin/python bench/classify.py [--data-dir ../shared/datasets/clinc150] [--repeat 3]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sklearn.feature_extraction.text import TfidfVectorizer  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402
from sklearn.pipeline import Pipeline, make_pipeline  # noqa: E402

from triage.classify import data, train  # noqa: E402
from triage.classify.classifier import TrainedModel  # noqa: E402

DEFAULT_DIR = ROOT.parent / "shared" / "datasets" / "clinc150"


def timed(fn: Callable[[], object]) -> tuple[object, float, float]:
    """The result, wall seconds and CPU seconds (CPU is steadier on a shared machine)."""
    started, cpu = time.perf_counter(), time.process_time()
    result = fn()
    return result, time.perf_counter() - started, time.process_time() - cpu


def latencies(predict: Callable[[str], object], texts: list[str], repeat: int) -> list[float]:
    for text in texts[:50]:
        predict(text)  # warm caches before measuring
    samples = []
    for _ in range(repeat):
        for text in texts:
            started = time.perf_counter()
            predict(text)
            samples.append(time.perf_counter() - started)
    return samples


def percentile(samples: list[float], q: float) -> float:
    return statistics.quantiles(samples, n=100)[int(q) - 1] * 1000


def ticket_texts() -> list[str]:
    golden = sorted((ROOT / "evals" / "golden").glob("*.jsonl"))
    return [e.text for e in data.load_files(golden)] if golden else []


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=DEFAULT_DIR)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    examples = data.load_files([args.data_dir / "train.jsonl"], redact=False)
    texts, labels = [e.text for e in examples], [e.label for e in examples]
    ours, ours_s, ours_cpu = timed(
        lambda: train.train(examples, target_precision=0.95, min_examples=20)
    )
    baseline: Pipeline = make_pipeline(TfidfVectorizer(), LogisticRegression(max_iter=1000))
    _, base_s, base_cpu = timed(lambda: baseline.fit(texts, labels))
    assert isinstance(ours, TrainedModel)
    sample = ticket_texts() or [e.text for e in data.load_files([args.data_dir / "test.jsonl"])]
    ours_lat = latencies(ours.predict, sample, args.repeat)
    base_lat = latencies(lambda t: baseline.predict_proba([t]), sample, args.repeat)
    print(f"training on {len(examples)} examples ({len(set(labels))} categories), 2 cores")
    rows = (
        ("ours (fit + 5-fold CV + calibration + thresholds)", ours_s, ours_cpu),
        ("baseline TF-IDF + LogisticRegression (one fit)", base_s, base_cpu),
    )
    for name, wall, cpu in rows:
        print(f"  {name:50s} {wall:6.1f} s (cpu {cpu:.1f} s)")
    print(f"  {'ratio ours / baseline (wall)':50s} {ours_s / base_s:6.2f}x")
    print(f"single-ticket predict latency over {len(ours_lat)} calls ({len(sample)} texts)")
    for name, lat in (("ours", ours_lat), ("baseline", base_lat)):
        p50, p95 = percentile(lat, 50), percentile(lat, 95)
        print(f"  {name:9s} p50 {p50:6.3f} ms   p95 {p95:6.3f} ms")
    ratio = percentile(ours_lat, 50) / percentile(base_lat, 50)
    print(f"  ratio ours / baseline p50: {ratio:.2f}x")


if __name__ == "__main__":
    main()
