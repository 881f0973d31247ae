"""Redaction: make ticket text safe before anything stores, logs, sends or shows it.

Importing this package is cheap (no presidio, no spaCy); ``registry`` loads presidio on demand.
"""

from triage.redaction.engine import ENGINE_VERSION, Redacted, Span, contains_pan, redact

__all__ = ["ENGINE_VERSION", "Redacted", "Span", "contains_pan", "redact"]
