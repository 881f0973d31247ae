"""LLM request size on the golden set: lean requests (the classifier's candidates) beside a
baseline that offers the whole catalogue, with the ratio.

For every golden ticket the classifier is unsure of, builds the request the fallback would send
(messages plus instructor's tool schema) and measures its characters and tokens: the fake
OpenAI server's pessimistic count, and, with --tokenize-url, a real tokenizer (llama.cpp
server's /extras/tokenize/count, e.g. the one `make test-llm` starts). No LLM is called.

    .venv/bin/python bench/llm_request_size.py --model DIR [--data evals/golden/...jsonl]
        [--tokenize-url http://127.0.0.1:8765]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from instructor.v2.providers.openai.schema import generate_openai_schema  # noqa: E402

from tests.fakes.schema_model import count_tokens  # noqa: E402
from triage.classify import artefact  # noqa: E402
from triage.classify import data as classify_data  # noqa: E402
from triage.config import get_settings  # noqa: E402
from triage.llm import calls  # noqa: E402
from triage.llm.schemas import response_model  # noqa: E402

DEFAULT_DATA = ROOT / "evals" / "golden" / "merchant_tickets.jsonl"


def request_text(request: calls.Request, candidates: tuple[str, ...] | None) -> str:
    tool = generate_openai_schema(response_model(request.catalog, candidates))
    contents = [json.dumps(m["content"]) for m in request.messages]
    return "\n".join([*contents, json.dumps(tool)])


def summary(name: str, sizes: list[int]) -> str:
    p95 = sorted(sizes)[int(len(sizes) * 0.95)]
    return f"{name:28s} mean {statistics.fmean(sizes):8.0f}  p95 {p95:6d}  max {max(sizes):6d}"


def measure(rows: list[dict[str, Any]], model: Any, counters: dict[str, Callable[[str], int]]):
    settings = get_settings()
    lean: dict[str, list[int]] = {name: [] for name in counters}
    whole: dict[str, list[int]] = {name: [] for name in counters}
    for row in rows:
        subject, body = str(row.get("subject") or ""), str(row.get("body") or row.get("text") or "")
        prediction = model.predict(classify_data.ticket_text(subject, body))
        if prediction.auto:
            continue
        ranked = calls.ranked_categories(prediction)
        request = calls.build_request(settings, subject, body, ranked)
        everything = calls.build_request(settings, subject, body, request.catalog.category_ids)
        for name, count in counters.items():
            lean[name].append(count(request_text(request, request.candidates)))
            whole[name].append(count(request_text(everything, None)))
    return lean, whole


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", required=True, type=Path, help="a trained model directory")
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--tokenize-url", default=None)
    args = parser.parse_args()
    counters: dict[str, Callable[[str], int]] = {"chars": len, "fake tokens": count_tokens}
    if args.tokenize_url:
        url = f"{args.tokenize_url.rstrip('/')}/extras/tokenize/count"
        counters["tokenizer tokens"] = lambda text: int(
            httpx.post(url, json={"input": text}, timeout=60).json()["count"]
        )
    rows = [json.loads(line) for line in args.data.read_text().splitlines() if line.strip()]
    lean, whole = measure(rows, artefact.load_dir(args.model), counters)
    print(f"{len(lean['chars'])} of {len(rows)} tickets would go to the LLM")
    for name in counters:
        print(summary(f"lean   {name}", lean[name]))
        print(summary(f"whole  {name}", whole[name]))
        ratio = statistics.fmean(lean[name]) / statistics.fmean(whole[name])
        print(f"{'ratio lean / whole':28s} {ratio:.2f}")


if __name__ == "__main__":
    main()
