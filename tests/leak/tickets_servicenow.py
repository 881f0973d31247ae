"""Hand-written ServiceNow incidents for the leak test: enterprise merchants, formal and less so."""

from __future__ import annotations

from typing import Final

from tests.leak.corpus import NBSP, LeakTicket

S: Final = "servicenow"


def sys_id(n: int) -> str:
    return f"5b07c3e19a2d4f6880b1e7d2c9a4f3{n:02d}"


SERVICENOW: tuple[LeakTicket, ...] = (
    LeakTicket(
        S,
        sys_id(1),
        "Settlement for 20 Nov not received",
        "Settlement for batch 2026-11-20 (GBP 12,480.33) has not been received. Account "
        "GB07 BARC 2003 8471 9263 54. Our finance team needs this before month end closing.",
        secrets=("GB07BARC20038471926354",),
    ),
    LeakTicket(
        S,
        sys_id(2),
        "Reconciliation job flagged a captured transaction",
        "During the nightly reconciliation job the following record was flagged:\n"
        '{"txn":"tx_88213","pan":"6250947301682254","amount":"120.00","status":"captured"}\n'
        "Please confirm whether this transaction was included in settlement batch 88213.",
        pans=("6250947301682254",),
    ),
    LeakTicket(
        S,
        sys_id(3),
        "SFTP upload of settlement files fails",
        "Since the weekend our upload of settlement files is rejected. Connection settings "
        "as configured in the job:\nuser=recon passwd=Mkt#2024shop host=sftp.psp.example\n"
        "Error: 'authentication failed'. Nothing changed on our side.",
        secrets=("Mkt#2024shop",),
    ),
    LeakTicket(
        S,
        sys_id(4),
        "Reporting replica unreachable",
        "The read replica for reporting is unreachable since 06:00 CET. Our BI tool uses "
        "postgres://report_ro:Pw4Kx9zQ7vL@db.internal.example:5432/reports - please advise.",
        secrets=("Pw4Kx9zQ7vL",),
    ),
    LeakTicket(
        S,
        sys_id(5),
        "Webhook signature verification failing after rotation",
        "After rotating the endpoint secret in the dashboard, all signature checks fail. New "
        "secret: whsec_9fK2mQ7xR4tV1bN8cL5hZ3wY6pD0sJ2a. Old one still works in test mode.",
        secrets=("9fK2mQ7xR4tV1bN8cL5hZ3wY6pD0sJ2a",),
    ),
    LeakTicket(
        S,
        sys_id(6),
        "Duplicate charge reported by cardholder",
        "Cardholder reports a duplicate charge. Card number as given on the phone: 2712 9043\r\n"
        "5816 2079\r\nBoth charges are 49.99 EUR on 2026-11-18. Please investigate and refund.",
        pans=("2712904358162079",),
    ),
    LeakTicket(
        S,
        sys_id(7),
        "Amex authorisations declined at POS",
        "Our store 114 declines all Amex cards since the terminal update. Example card 3486 "
        "205719 34088, declined twice at 10:42. Visa and Mastercard work.",
        pans=("348620571934088",),
    ),
    LeakTicket(
        S,
        sys_id(8),
        "Refund request for 19-digit Visa",
        "Please refund transaction tx_99120 (EUR 310.00) to the original card "
        "4263 9826 4026 9299 017. The customer returned the goods on 12 November.",
        pans=("4263982640269299017",),
    ),
    LeakTicket(
        S,
        sys_id(9),
        "Virement non reçu",
        "Bonjour, le virement de la semaine 46 n'est pas arrivé sur notre compte "
        "FR14 2004 1010 0505 0001 3M02 606. Pouvez-vous vérifier le statut du versement ?",
        secrets=("FR1420041010050500013M02606",),
    ),
    LeakTicket(
        S,
        sys_id(10),
        "Payout to new bank account bounced",
        "We changed banks in October. The payout to NL91 ABNA 0417 1643 00 bounced. The "
        "dashboard user for our accountant has Passwort: Blauhaus-77! if you need to look.",
        secrets=("NL91ABNA0417164300", "Blauhaus-77!"),
    ),
    LeakTicket(
        S,
        sys_id(11),
        "JCB refunds fail",
        "Refunds to JCB cards fail with an internal error. Export of the failing line:\n"
        "<tr><td>2026-11-19</td><td>3531 2087 6649 0214</td><td>55.00</td></tr>\n"
        "Please fix, we have 14 open refunds.",
        pans=("3531208766490214",),
    ),
    LeakTicket(
        S,
        sys_id(12),
        "Suspected fraud: list of cards",
        "Our risk team flagged these cards used within five minutes from one IP:\n"
        "6011902837461525\n38517204966328\n5538 1740 2693 1587\nShould we block the IP?",
        pans=("6011902837461525", "38517204966328", "5538174026931587"),
    ),
    LeakTicket(
        S,
        sys_id(13),
        "KYC upload API returns 401",
        "Uploading KYC documents through the API returns 401. We send\n"
        "Authorization: Bearer 7c1e9a4f2b8d6035e7a1c9f4b2d80e6a\nwhich worked last week.",
        secrets=(
            "7c1e9a4f2b8d6035e7a1c9f4b2d80e6a",
            "AKIA4Q7ZMR2XW9PLCN5B",
            "hY3qK8vP2nR7tW1zX6cB9mF4jL0sD5aG8eQ2uT7i",
        ),
        comments=(
            "Update: the ops team also tried the AWS route, aws_access_key_id=AKIA4Q7ZMR2XW9PLCN5B"
            " aws_secret_access_key=hY3qK8vP2nR7tW1zX6cB9mF4jL0sD5aG8eQ2uT7i, same 401.",
        ),
    ),
    LeakTicket(
        S,
        sys_id(14),
        "Quoted escalation from store manager",
        "Forwarding the store manager's mail:\n> > card of the customer 3851 720496\n"
        f"> > 6328 and also{NBSP}ES08{NBSP}0081{NBSP}7302{NBSP}5100{NBSP}0452{NBSP}8763 for the "
        "refund\n> please handle asap\nThanks, Regional Ops",
        pans=("38517204966328",),
        secrets=("ES0800817302510004528763",),
    ),
)
