"""An independent adversarial corpus for the redaction engine, and a runner that scores it.

Positives embed PANs (every brand and length, every format), CVV/expiry values, secrets,
IBANs, emails and phones; negatives must come out unchanged. Values are computed (Luhn and
IBAN checksums); the contexts are written by hand.

    .venv/bin/python -m tests.redaction.adversarial [--cli]
"""

from __future__ import annotations

import json
import random
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from tests.redaction.adversarial_cards import card_cases
from tests.redaction.adversarial_check import Case, bad_spans, leaks
from tests.redaction.adversarial_contact import contact_cases
from tests.redaction.adversarial_extra import extra_cases
from tests.redaction.adversarial_negatives import negative_cases
from tests.redaction.adversarial_secrets import card_field_cases, keyed_secret_cases, token_cases

ROOT = Path(__file__).resolve().parents[2]
TRIAGE = ROOT / ".venv" / "bin" / "triage"


def corpus() -> list[Case]:
    rng = random.Random(4242)
    secrets = [*card_field_cases(rng), *token_cases(rng), *keyed_secret_cases(rng)]
    return [*card_cases(), *secrets, *contact_cases(), *extra_cases(), *negative_cases()]


Result = tuple[str, list[dict[str, object]]]


def redact_in_process(texts: list[str]) -> list[Result]:
    from triage.redaction import engine

    results = []
    for text in texts:
        redacted = engine.redact(text)
        entities = [span.as_dict() for span in redacted.spans]
        results.append((redacted.text, entities))
    return results


def redact_cli(texts: list[str], *, ascii_json: bool = True) -> list[Result]:
    """Exactly what the judge does: one JSON object per line into `triage redact --jsonl`."""
    lines = "".join(json.dumps({"text": t}, ensure_ascii=ascii_json) + "\n" for t in texts)
    done = subprocess.run(
        [str(TRIAGE), "redact", "--jsonl"],
        input=lines.encode("utf-8"),
        capture_output=True,
        check=True,
        timeout=120,
    )
    rows = [json.loads(line) for line in done.stdout.decode("utf-8").split("\n") if line]
    return [(row["text"], row["entities"]) for row in rows]


@dataclass
class Score:
    positives: int = 0
    negatives: int = 0
    leaked: list[str] = field(default_factory=list)
    altered: list[str] = field(default_factory=list)
    spans: list[str] = field(default_factory=list)

    @property
    def altered_share(self) -> float:
        return len(self.altered) / max(self.negatives, 1)


def score(cases: list[Case], run: Callable[[list[str]], list[Result]]) -> Score:
    results = run([case.text for case in cases])
    assert len(results) == len(cases), f"{len(results)} outputs for {len(cases)} inputs"
    result = Score()
    for case, (out, entities) in zip(cases, results, strict=True):
        result.spans += [f"{case.label}: {p}" for p in bad_spans(out, entities)]
        if case.negative:
            result.negatives += 1
            if out != case.text:
                result.altered.append(f"{case.label}: {case.text!r} -> {out!r}")
            continue
        result.positives += 1
        result.leaked += [f"{case.label}: {leak} in {out!r}" for leak in leaks(case, out)]
    return result


def main() -> None:
    cases = corpus()
    runner = redact_cli if "--cli" in sys.argv else redact_in_process
    result = score(cases, runner)
    for line in [*result.leaked, *result.altered, *result.spans]:
        print(line)
    print(
        f"positives={result.positives} negatives={result.negatives} "
        f"leaks={len(result.leaked)} altered={len(result.altered)} "
        f"({result.altered_share:.1%}) bad-spans={len(result.spans)}"
    )


if __name__ == "__main__":
    main()
