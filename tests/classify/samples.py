"""A small hand-written training set for the classifier tests (not the labels/ seed data)."""

from __future__ import annotations

import json
from pathlib import Path

from triage.classify.data import Example

PAYOUTS = [
    "our payout failed last night, the bank returned it",
    "Payout rejected: account closed. We moved banks in May.",
    "why was my payout returned?? i need that money for rent",
    "The bank says the IBAN on file is invalid and the payout bounced",
    "payout status says failed with reason account_frozen",
    "Transfer to our business account came back as returned (R03)",
    "Auszahlung fehlgeschlagen, die Bank hat sie zurückgeschickt",
    "We updated our routing number but the payout still failed",
    "payout returned by receiving bank - name mismatch on the account",
    "Second failed payout this week, what is wrong with our bank details",
    "Payout could not be delivered to the bank account ending 0042",
    "el pago a nuestra cuenta bancaria fue rechazado por el banco",
]
REFUNDS = [
    "customer says they never got the refund from two weeks ago",
    "Refund failed with an error in the dashboard, please help",
    "we refunded an order twice by accident, can the duplicate refund be reversed",
    "partial refund went through for the full amount instead",
    "My client is still waiting on her refund, it shows succeeded on our side",
    "refund stuck in pending for ten days",
    "How long until a refund reaches the cardholder's statement?",
    "The refund for order 5512 was declined, what now",
    "Le remboursement n'est jamais arrivé chez le client",
    "customer got refunded twice for one purchase",
    "refund shows as failed, reason: charge too old",
    "Buyer disputes that the refund was issued at all",
]
ACCESS = [
    "I can't log in to the dashboard, password reset email never arrives",
    "lost my phone and now 2FA locks me out of the account",
    "How do I give my bookkeeper read-only access?",
    "new team member cannot see the payments page, which role does she need",
    "locked out after too many login attempts",
    "please remove a former employee's dashboard user",
    "The two-factor code is always rejected as invalid",
    "Ich kann mich nicht mehr im Dashboard anmelden",
    "our admin left the company and nobody has owner permissions now",
    "sign-in page keeps looping back to the login screen",
    "can you reset the authenticator app on my user",
    "need to change the account owner email, I can't access the old one",
]
TINY = [
    "Webhook endpoint got a 500 and the event was never retried",
    "webhooks are arriving twice",
    "signature verification failing on every webhook since the secret rotated",
]

EXAMPLES = [
    *(Example(t, "payout_failure") for t in PAYOUTS),
    *(Example(t, "refund_issue") for t in REFUNDS),
    *(Example(t, "account_access") for t in ACCESS),
    *(Example(t, "webhook_failure") for t in TINY),
]

GOLDEN = [
    Example("The bank bounced our payout back, says the account is closed", "payout_failure"),
    Example("my customer is still waiting for the refund I sent last week", "refund_issue"),
    Example("can't sign in, the 2FA code never works", "account_access"),
    Example("payout failed again, IBAN rejected", "payout_failure"),
]


def write_jsonl(path: Path, examples: list[Example]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = [json.dumps({"text": e.text, "label": e.label}) for e in examples]
    path.write_text("\n".join(lines) + "\n")
    return path


def write_labels(labels_dir: Path) -> list[Path]:
    """labels_dir/data/<category>.jsonl, one file per category, like labels/data."""
    categories = sorted({e.label for e in EXAMPLES})
    return [
        write_jsonl(labels_dir / "data" / f"{c}.jsonl", [e for e in EXAMPLES if e.label == c])
        for c in categories
    ]
