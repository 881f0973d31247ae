"""The recognizers the engine runs, in one place.

Each one implements ``base.Recognizer``: card numbers (with the CVV and expiry typed after
them), labelled CVV and expiry values, secrets, IBANs, email addresses and phone numbers.
``triage.redaction.registry`` wraps the same objects as presidio recognizers.
"""

from __future__ import annotations

from triage.redaction.base import Recognizer
from triage.redaction.card_fields import CardFieldRecognizer
from triage.redaction.cards import CardRecognizer, card_shaped
from triage.redaction.contact import EmailRecognizer, IbanRecognizer, PhoneRecognizer, iban_ok
from triage.redaction.normalize import luhn_ok
from triage.redaction.secrets import SecretRecognizer

__all__ = ["all_recognizers", "card_shaped", "iban_ok", "luhn_ok"]


def all_recognizers() -> tuple[Recognizer, ...]:
    return (
        SecretRecognizer(),
        IbanRecognizer(),
        CardRecognizer(),
        CardFieldRecognizer(),
        EmailRecognizer(),
        PhoneRecognizer(),
    )
