"""What every recognizer returns and the small interface the engine relies on."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from triage.redaction.normalize import View

PAN = "PAN"
SECRET = "SECRET"
CVV = "CVV"
EXPIRY = "EXPIRY"
IBAN = "IBAN"
EMAIL = "EMAIL"
PHONE = "PHONE"

# Overlapping findings collapse into the strongest type.
PRIORITY = {SECRET: 0, IBAN: 1, PAN: 2, CVV: 3, EXPIRY: 4, EMAIL: 5, PHONE: 6}


@dataclass(frozen=True, slots=True)
class Finding:
    """A span of the normalised view to be replaced. ``last4`` is set only for PANs."""

    kind: str
    start: int
    end: int
    last4: str = ""


class Recognizer(Protocol):
    """One family of sensitive values; ``find`` must be cheap when there is nothing to find."""

    @property
    def name(self) -> str: ...

    @property
    def entities(self) -> tuple[str, ...]: ...

    def find(self, view: View) -> list[Finding]: ...
