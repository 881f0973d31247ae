"""``python -m triage.redaction [--jsonl]``: the redact command without the full CLI."""

import sys

from triage.redaction.cli import run

if hasattr(sys.stdin, "reconfigure"):
    sys.stdin.reconfigure(errors="replace")
run(sys.stdin, sys.stdout, jsonl="--jsonl" in sys.argv[1:])
