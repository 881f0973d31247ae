"""The leak test's tickets: what goes in, and which card numbers and secrets must never come out.

Tickets are hand-written in tickets_zendesk.py and tickets_servicenow.py; every ticket lists the
PANs and secret values it embeds, and tests/leak/test_scan.py proves the scanner finds each of
them in the raw text, so a missing entry here cannot hide a leak.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from tests.redaction.corpus import POSITIVES

NBSP, THIN, NARROW, IDEO, ZWSP = "\u00a0", "\u2009", "\u202f", "\u3000", "\u200b"


@dataclass(frozen=True)
class LeakTicket:
    source: Literal["zendesk", "servicenow"]
    ref: str  # Zendesk ticket id, or ServiceNow sys_id (32 hex characters)
    subject: str
    body: str
    pans: tuple[str, ...] = ()
    secrets: tuple[str, ...] = ()
    comments: tuple[str, ...] = ()  # follow-up comments, delivered as comment events
    tags: tuple[str, ...] = ()
    trigger: bool = False  # Zendesk: the trigger-shaped body instead of an event subscription

    @property
    def texts(self) -> tuple[str, ...]:
        return (self.subject, self.body, *self.comments, *self.tags)


# Values that reach the service later than the webhook: an LLM answer, an analyst's edit, a log.
LLM_SLOT_PAN = "5268190477352103"
ANALYST_PAN = "4929503817462156"
ANALYST_SECRET = "sk_live_51RtY8uK3pQ7zXc2VbN6mL4aS9dF1gH5jW0e"
LOG_PAN = "5138740293657180"
LOG_SECRET = "whsec_Zt7Kq2Lm9Xv4Rb8Nc1Wp6Yh3Jd5Fs0Ga"
EXTRA_PANS = (LLM_SLOT_PAN, ANALYST_PAN, LOG_PAN)
EXTRA_SECRETS = ("51RtY8uK3pQ7zXc2VbN6mL4aS9dF1gH5jW0e", "Zt7Kq2Lm9Xv4Rb8Nc1Wp6Yh3Jd5Fs0Ga")


def all_tickets() -> tuple[LeakTicket, ...]:
    from tests.leak.tickets_servicenow import SERVICENOW
    from tests.leak.tickets_zendesk import ZENDESK

    return ZENDESK + SERVICENOW


def reused_comments() -> tuple[tuple[LeakTicket, str], ...]:
    """The redaction tests' adversarial snippets, posted round-robin as follow-up comments."""
    tickets = all_tickets()
    return tuple((tickets[n % len(tickets)], case.text) for n, case in enumerate(POSITIVES))


def all_pans() -> tuple[str, ...]:
    pans = [pan for ticket in all_tickets() for pan in ticket.pans]
    reused = [pan for case in POSITIVES for pan in case.pans]
    return tuple(dict.fromkeys([*pans, *EXTRA_PANS, *reused]))


def all_secrets() -> tuple[str, ...]:
    secrets = [secret for ticket in all_tickets() for secret in ticket.secrets]
    return tuple(dict.fromkeys([*secrets, *EXTRA_SECRETS]))


def reused_secrets() -> tuple[str, ...]:
    return tuple(dict.fromkeys(secret for case in POSITIVES for secret in case.secrets))
