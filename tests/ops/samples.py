"""Hand-written tickets for the ops tests: a first model that never learned chargebacks, then the
dispute tickets analysts correct, so that a retrained candidate has something real to learn."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from tests.classify.samples import ACCESS, PAYOUTS, REFUNDS

REPO = Path(__file__).resolve().parents[2]

# (subject, body): merchants writing about chargebacks and disputes, in their own words.
DISPUTES = [
    ("Chargeback on order 88213", "We got a chargeback notice this morning. How do we respond?"),
    ("dispute evidence deadline??", "when is the deadline to upload evidence for the dispute"),
    ("Chargeback fee", "Why were we charged a 15 EUR chargeback fee on top of the disputed sale?"),
    (
        "Representment",
        "Hello, we would like to challenge chargeback CB-4471. The customer received the goods, "
        "we have the tracking number and a signed delivery receipt. Please advise how to submit.",
    ),
    ("customer filed a dispute", "customer says item not as described and opened a dispute"),
    ("Rückbuchung erhalten", "Wir haben eine Rückbuchung (Chargeback) erhalten. Was tun?"),
    ("contracargo", "Recibimos un contracargo por una venta de hace dos meses, ¿cómo lo disputo?"),
    ("Fraudulent chargeback", "The cardholder claims they did not make the purchase: chargeback"),
    ("lost the dispute", "We lost the dispute even though we sent all the evidence. Why?"),
    (
        "Second chargeback this week",
        "another chargeback, reason code 13.1 merchandise not received",
    ),
    ("Dispute status", "What is the status of the dispute on the 2,300 USD transaction?"),
    ("Chargeback ratio warning", "We received a warning that our chargeback ratio is too high"),
    ("upload evidence", "The dispute page will not let me upload the evidence PDF"),
    ("Chargeback reversed?", "Was the chargeback reversed after we won the dispute last month?"),
    ("Pre-arbitration", "The issuer moved the dispute to pre-arbitration, what are our options"),
    ("Litige bancaire", "Un client a ouvert un litige (chargeback) pour une commande livrée."),
    ("dispute notification", "got an email about a new dispute but nothing shows in dashboard"),
    ("Chargeback documents", "Which documents count as compelling evidence for a chargeback?"),
    ("Disputed transaction", "A customer disputed a subscription charge after cancelling late"),
    ("Chargeback deadline missed", "We missed the dispute response deadline, can it be reopened?"),
]
NEW_DISPUTES = [
    ("Chargeback help", "Another dispute opened today, what evidence should we send?"),
    ("chargeback again", "customer filed a chargeback for a delivered order, how to fight it"),
]


def seed_rows() -> dict[str, list[str]]:
    return {"payout_failure": PAYOUTS, "refund_issue": REFUNDS, "account_access": ACCESS}


def golden_rows() -> list[dict[str, str]]:
    return [
        {
            "text": "The bank bounced our payout back, the account is closed",
            "label": "payout_failure",
        },
        {"text": "payout failed again, IBAN rejected by the bank", "label": "payout_failure"},
        {"text": "my customer is still waiting for the refund I sent", "label": "refund_issue"},
        {"text": "refund failed in the dashboard with an error", "label": "refund_issue"},
        {"text": "can't sign in, the 2FA code never works", "label": "account_access"},
        {"text": "locked out of the dashboard after a password reset", "label": "account_access"},
    ]


def write_jsonl(path: Path, rows: list[dict[str, str]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")


def write_labels(labels_dir: Path) -> None:
    """The real taxonomy, routes and reply templates, with a small seed data set."""
    labels_dir.mkdir(parents=True, exist_ok=True)
    for name in ("taxonomy.yaml", "routing.yaml"):
        shutil.copy(REPO / "labels" / name, labels_dir / name)
    shutil.copytree(REPO / "labels" / "templates", labels_dir / "templates")
    for label, texts in seed_rows().items():
        write_jsonl(
            labels_dir / "data" / f"{label}.jsonl", [{"text": t, "label": label} for t in texts]
        )


def write_evals(evals_dir: Path, gates: dict[str, dict[str, float]]) -> None:
    write_jsonl(evals_dir / "golden" / "merchant_tickets.jsonl", golden_rows())
    lines = ["gates:"]
    for metric, bound in gates.items():
        lines.append(f"  {metric}:")
        lines.extend(f"    {key}: {value}" for key, value in bound.items())
    (evals_dir / "gates.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")


LENIENT_GATES = {"accuracy": {"min": 0.5}, "ece": {"max": 0.5}}
# The small golden set itself fails this bar: a candidate cannot pass it.
STRICT_GATES = {"n": {"min": 100}, "accuracy": {"min": 0.9}}
