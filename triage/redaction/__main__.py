"""``python -m triage.redaction [--jsonl]``: the redact command without the full CLI."""

import sys

from triage.redaction.cli import run_stdio

run_stdio(sys.stdin, sys.stdout, jsonl="--jsonl" in sys.argv[1:])
