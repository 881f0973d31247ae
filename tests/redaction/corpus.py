"""Hand-written adversarial tickets shared by the redaction tests and bench/redaction.py.

``POSITIVES`` hold card numbers and secrets in the formats merchants really paste them;
``pans``/``secrets`` list what must not survive. ``NEGATIVES`` must come out unchanged.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from triage.redaction.normalize import normalize

_SEPARATORS = re.compile(r"[\s\-./|_+,>\\]+")


@dataclass(frozen=True)
class Case:
    text: str
    pans: tuple[str, ...] = ()
    secrets: tuple[str, ...] = ()


NBSP, THIN, NARROW, IDEO, ZWSP = "\u00a0", "\u2009", "\u202f", "\u3000", "\u200b"

POSITIVES: tuple[Case, ...] = (
    Case("Customer says card 4111 1111 1111 1111 was charged twice", ("4111111111111111",)),
    Case("pls refund 4242-4242-4242-4242 asap!!!", ("4242424242424242",)),
    Case("Visa 4012.8888.8888.1881 declined with code 05", ("4012888888881881",)),
    Case("old visa 4222222222222 still on file?", ("4222222222222",)),
    Case("The 19 digit one: 4000 0000 0000 0000 006 keeps failing", ("4000000000000000006",)),
    Case("MC 5105 1051 0510 5100 / exp 11/27 / cvc 331", ("5105105105105100",)),
    Case("Mastercard\t5555\t5555\t5555\t4444\tdeclined", ("5555555555554444",)),
    Case("new 2-series card 2221 0000 0000 0009 not accepted", ("2221000000000009",)),
    Case("Card number: 2720-9999-9999-9996, exp 01/29", ("2720999999999996",)),
    Case("the customer's MC is 2230003122003223, can you check", ("2230003122003223",)),
    Case("Amex 3782 822463 10005 (CID 4421) got a 3DS loop", ("378282246310005",)),
    Case("AMEX: 3400 000000 00009", ("340000000000009",)),
    Case("Amex 371449635398431 was declined - code 62", ("371449635398431",)),
    Case("Discover 6011 1111 1111 1117 is refused in checkout", ("6011111111111117",)),
    Case("disc card 6011000990139424 test?", ("6011000990139424",)),
    Case(
        "Discover 6445 6445 6445 6445 and 6490 0000 0000 0004",
        ("6445644564456445", "6490000000000004"),
    ),
    Case("6500000000000002 is a Discover 65 card", ("6500000000000002",)),
    Case("19-digit Discover 6011 0000 0000 0000 001 failing", ("6011000000000000001",)),
    Case("JCB 3528-0000-0000-0007 from a Japanese tourist", ("3528000000000007",)),
    Case("JCB card 3589 1234 5678 9018 declined", ("3589123456789018",)),
    Case("JCB 19 digits 3530 1113 3330 0000 001", ("3530111333300000001",)),
    Case("jcb 3566002020360505", ("3566002020360505",)),
    Case("Diners 3000 000000 0004 and 3056 930902 5904", ("30000000000004", "30569309025904")),
    Case("diners club 36227206271667 rejected", ("36227206271667",)),
    Case(
        "Diners 3852 0000 0232 37, also 3900 0000 0000 0005", ("38520000023237", "3900000000000005")
    ),
    Case("UnionPay 6200 0000 0000 0005 from a Chinese customer", ("6200000000000005",)),
    Case("银联卡 62123456789012347 无法支付", ("62123456789012347",)),
    Case("UnionPay 6212 3456 7890 1234 569 fails 3DS", ("6212345678901234569",)),
    Case("Maestro 5018 0000 0009 (12 digits) works in store only", ("501800000009",)),
    Case(
        "Maestro 6759649826430 und 6767 7000 0000 0000 001",
        ("6759649826430", "6767700000000000001"),
    ),
    Case("maestro 5600-0000-0000-0003", ("5600000000000003",)),
    Case(f"card:{NBSP}4111{NBSP}1111{NBSP}1111{NBSP}1111", ("4111111111111111",)),
    Case(f"Karte 4242{THIN}4242{THIN}4242{THIN}4242 abgelehnt", ("4242424242424242",)),
    Case(f"carte 5555{NARROW}5555{NARROW}5555{NARROW}4444 refusée", ("5555555555554444",)),
    Case(
        f"カード番号 ４１１１{IDEO}１１１１{IDEO}１１１１{IDEO}１１１１ です", ("4111111111111111",)
    ),
    Case("card ٤١١١ ١١١١ ١١١١ ١١١١ declined", ("4111111111111111",)),
    Case("कार्ड ४२४२ ४२४२ ४२४२ ४२४२", ("4242424242424242",)),
    Case(f"copy-paste gave me 4111{ZWSP}1111{ZWSP}1111{ZWSP}1111", ("4111111111111111",)),
    Case("cc:4111111111111111exp0928 cvv:123", ("4111111111111111",)),
    Case("number4242424242424242please", ("4242424242424242",)),
    Case("my card is 4111 1111\n1111 1111 and it expires soon", ("4111111111111111",)),
    Case("card 5555 5555\r\n5555 4444\r\nthanks, Maria", ("5555555555554444",)),
    Case("> On Mon, Ana wrote:\n> card 3782 8224\n> 6310 005\n> pls help", ("378282246310005",)),
    Case("> > 6011 1111\n> > 1111 1117\n> > regards", ("6011111111111117",)),
    Case(
        '{"event":"charge.failed","card":"4111111111111111","amount":1200}', ("4111111111111111",)
    ),
    Case('{"pan": "5555 5555 5555 4444", "exp": "12/26"}', ("5555555555554444",)),
    Case('{"note": "card 4242\\n4242\\n4242\\n4242"}', ("4242424242424242",)),
    Case("https://shop.example/pay?card=4111%201111%201111%201111&exp=0928", ("4111111111111111",)),
    Case("https://shop.example/debug?pan=4242424242424242&cur=EUR", ("4242424242424242",)),
    Case("<p>Card: <b>4111&nbsp;1111&nbsp;1111&nbsp;1111</b></p>", ("4111111111111111",)),
    Case("<td>5555 5555 5555 4444</td><td>12/26</td><td>123</td>", ("5555555555554444",)),
    Case("4111<br>1111<br>1111<br>1111", ("4111111111111111",)),
    Case(
        "| name | card | exp |\n|---|---|---|\n| J. Doe | 4242 4242 4242 4242 | 04/27 |",
        ("4242424242424242",),
    ),
    Case("| card | 3782 | 822463 | 10005 |", ("378282246310005",)),
    Case("Kartennummer: 4111/1111/1111/1111, gültig bis 09/28", ("4111111111111111",)),
    Case("tarjeta 41 1111 11111 11111 1 (la escribí mal?)", ("4111111111111111",)),
    Case("n° de carte : 4 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1", ("4111111111111111",)),
    Case("Card 4111 - 1111 - 1111 - 1111 expiring 10/2027", ("4111111111111111",)),
    Case("card_4111_1111_1111_1111", ("4111111111111111",)),
    Case("charged 4111 1111 1111 1111 100.00 EUR twice", ("4111111111111111",)),
    Case("Ref 1234 5678 then card 4111 1111 1111 1111", ("4111111111111111",)),
    Case("card 41111111111111110928 (with expiry glued)", ("4111111111111111",)),
    Case(
        "cards 4111111111111111\n5555555555554444\n378282246310005",
        ("4111111111111111", "5555555555554444", "378282246310005"),
    ),
    Case("Card on file: 4111 1111 1111 1112 (typo?)", ("4111111111111112",)),
    Case("Tarjeta 5555 5555 5555 4445 rechazada", ("5555555555554445",)),
    Case("Kreditkarte 4000-1234-5678-9011 funktioniert nicht", ("4000123456789011",)),
    Case(
        "Subject: refund\n\nHi,\nplease refund the order.\n"
        "Card 4111 1111 1111 1111\nExp 09/28\nCVV 737\n\nThanks,\nTom",
        ("4111111111111111",),
    ),
    Case("Dispute for PAN 5105105105105100 on 2024-03-02, amount $54.20", ("5105105105105100",)),
    Case(
        "api key sk_live_51HqLyjWDarjtT1zdp7dcXYZabcdEFGH1234 leaked",
        (),
        ("sk_live_51HqLyjWDarjtT1zdp7dcXYZabcdEFGH1234",),
    ),
    Case(
        "using sk_test_4eC39HqLyjWDarjtT1zdp7dc in staging",
        (),
        ("sk_test_4eC39HqLyjWDarjtT1zdp7dc",),
    ),
    Case(
        "restricted key rk_live_51Habcdefghijklmnop0987 for reports",
        (),
        ("rk_live_51Habcdefghijklmnop0987",),
    ),
    Case(
        "webhook secret is whsec_5f8a9b2c3d4e5f6a7b8c9d0e1f2a3b4c",
        (),
        ("whsec_5f8a9b2c3d4e5f6a7b8c9d0e1f2a3b4c",),
    ),
    Case(
        "AWS key AKIAIOSFODNN7EXAMPLE and "
        "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        (),
        ("AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"),
    ),
    Case(
        "token ghp_16C7e42F292c6912E7710c838347Ae178B4a in the plugin config",
        (),
        ("ghp_16C7e42F292c6912E7710c838347Ae178B4a",),
    ),
    Case(
        "Slack bot xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx broke",
        (),
        ("xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx",),
    ),
    Case(
        "JWT eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJtZXJjaGFudF8xMjMifQ.c2lnbmF0dXJlX2hlcmU is rejected",
        (),
        ("eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJtZXJjaGFudF8xMjMifQ.c2lnbmF0dXJlX2hlcmU",),
    ),
    Case(
        "curl -H 'Authorization: Bearer 9f8e7d6c5b4a39281706f5e4d3c2b1a0' https://api.example.com",
        (),
        ("9f8e7d6c5b4a39281706f5e4d3c2b1a0",),
    ),
    Case(
        "Authorization: Basic bWVyY2hhbnQ6c3VwM3JTM2NyZXQ=", (), ("bWVyY2hhbnQ6c3VwM3JTM2NyZXQ=",)
    ),
    Case("login is admin, password: Tr0ub4dor&3", (), ("Tr0ub4dor&3",)),
    Case("db url postgres://app:s3cr3tPa55@db.internal:5432/shop", (), ("s3cr3tPa55",)),
    Case("config: passwd=hunter22 user=shop", (), ("hunter22",)),
    Case("mein Passwort ist Sommer2024! bitte zurücksetzen", (), ("Sommer2024!",)),
    Case(
        "key below\n-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA7bq\nq8vZ1Kx9\n"
        "-----END RSA PRIVATE KEY-----\nthanks",
        (),
        ("MIIEowIBAAKCAQEA7bq", "q8vZ1Kx9"),
    ),
    Case(
        "> -----BEGIN PRIVATE KEY-----\n> MIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n"
        "> -----END PRIVATE KEY-----",
        (),
        ("MIIEvQIBADANBgkqhkiG9w0BAQEFAASC",),
    ),
    Case(
        '{"stripe_key": "ｓｋ＿ｌｉｖｅ＿51HqLyjWDarjtT1zdp7dcXYZ"}',
        (),
        ("51HqLyjWDarjtT1zdp7dcXYZ",),
    ),
    Case("IBAN DE89 3704 0044 0532 0130 00 for the payout please", (), ("370400440532013000",)),
    Case("payout to GB82WEST12345698765432 bounced", (), ("12345698765432",)),
    Case(
        "contact me at jana.novak+billing@shop-example.cz or +420 601 123 456", (), ("jana.novak",)
    ),
)

NEGATIVES: tuple[str, ...] = (
    "The card ending in 4242 was charged twice, please refund one.",
    "Customer's card 411111******1111 was declined with code 51.",
    "Masked PAN shows as 4111 11XX XXXX 1111 in the dashboard.",
    "We see **** **** **** 4242 on the receipt, is that right?",
    "Settlement of EUR 12.500,00 expected on 2024-05-03 has not arrived.",
    "Amount: $1,234,567.89 across 342 transactions in batch 88213.",
    "Payout po_1OeXk2LkdIwHu7ix3jkLmNo failed on 03/04/2024.",
    "Timestamp 2024-05-01T12:34:56.789Z, retry at 2024-05-01 12:39:56 UTC",
    "Webhook event evt_3MtwBwLkdIwHu7ix28a3tqPa timed out after 30s.",
    "Request id 123e4567-e89b-12d3-a456-426614174000 returned 500.",
    "UUID f47ac10b-58cc-4372-a567-0e02b2c3d479 appears twice in the export",
    "Merchant id acct_1Nv0FGQ9RKHgCVdK cannot log in since Monday.",
    "MID 000123456789 TID 00012345 - terminal offline",
    "Dispute ARN 74987506234123456789012 needs evidence by Friday.",
    "ARN 24692163140000123456789 for chargeback on order 88123.",
    "Ticket #48213 is a duplicate of #48190.",
    "Case 00123456 reopened by the merchant.",
    "Please allowlist our IPs 54.187.174.169, 54.187.205.235 and 54.187.216.72",
    "Webhook IPs:\n54.187.174.169\n54.187.205.235\n54.187.216.72\n3.18.12.63",
    "Our server 192.168.100.254/24 and 10.0.0.12 cannot reach the API.",
    "Order 4111111111111112 failed at checkout.",
    "Order ids 5555555555554445 and 6011111111111118 show no payment.",
    "Shipment 1Z999AA10123456784 was returned.",
    "Invoice INV-2024-000123 shows a fee of 0.25% + 0.10 EUR.",
    "Interchange went from 1.2% to 1.65% between April and May.",
    "Reconciliation:\n2024-05-01,4500.00\n2024-05-02,3200.50\n2024-05-03,1100.75",
    "Totals | 2024-05-01 | 1,200.00 | 4411 |\nTotals | 2024-05-02 | 980.40 | 4412 |",
    "Batch 20240501-0042 settled 1 203 payments.",
    "The API returned 429 after 1000 requests per second.",
    "Version 2.3.14 of the PHP SDK breaks on PHP 8.2.",
    "Error code 1001, then 1002, then 3000 in the logs.",
    "Refund re_3OeXk2LkdIwHu7ix0abcDEF of 45.00 USD not received after 10 days.",
    "Our phone support line was not helpful, please email instead.",
    "I reset my password yesterday and still cannot log in to the dashboard.",
    "Password reset emails never arrive, 2FA is also broken.",
    "Der Auszahlungsbetrag von 1.234,56 EUR fehlt seit dem 02.05.2024.",
    "La liquidación del 15/04/2024 por 3.400,00 EUR no ha llegado.",
    "Le virement du 12/03/2024 de 980,00 EUR n'est toujours pas arrivé.",
    "Unix time 1714567890 and 1714567890123 in the payload.",
    "Checkout session cs_test_a1B2c3D4e5F6g7H8 expired after 24 hours.",
    "We process about 15000 transactions per day, peak 2400 per hour.",
    "Account number ending 6789 at our bank, sort code ends 01.",
    "Decline rate jumped from 3.2% to 14.8% on 2024-05-06 between 09:00 and 11:30.",
    "Fee breakdown: 0.30 + 2.9% per charge, 15.00 monthly, 0.00 setup.",
    "3-D Secure challenge fails for BIN 424242 only.",
    "Payout schedule changed from T+2 to T+7 without notice!!!",
    "Terminal serial 8110-274-859 shows error E-214.",
    "KYB documents uploaded on 2024-04-28, still pending after 9 days.",
    "Rate limit header says 100/100 and reset in 60 seconds.",
    "Our merchant category code is 5812 and the account was opened 2019.",
    "The token expired, please advise.",
    "Basic plan customers see a 2.5% fee.",
    "Please call our office tomorrow morning.",
    "Charge ch_3OeXk2LkdIwHu7ix1fGhIjKl for 1200 JPY was refunded twice.",
    "Disputes 1048576, 1048577 and 1048578 all lost.",
    "Payment intent pi_3OeXk2LkdIwHu7ix0Zz9Yy8X stuck in requires_action.",
    "Settlement report 2024-05 shows 18,204.55 but the bank got 18,104.55.",
    "Order 4000123412341235 from our shop has no receipt.",
    "Sales by day: 5120 4450 3980 6210 5530 4870 5010",
    "Batch totals 2024-05-01 4500.00 2024-05-02 3200.50",
)


def flatten(text: str) -> str:
    """NFKC-fold (Unicode digits to ASCII) and drop separators, as a leak scanner would."""
    return _SEPARATORS.sub("", normalize(text).text)


def leaked_pans(output: str, pans: tuple[str, ...]) -> list[str]:
    """PANs of which 11 or more consecutive digits survive in ``output``."""
    flat = flatten(output)
    return [pan for pan in pans if any(pan[i : i + 11] in flat for i in range(len(pan) - 10))]


def leaked_secrets(output: str, secrets: tuple[str, ...]) -> list[str]:
    folded = normalize(output).text
    return [secret for secret in secrets if secret in folded]
