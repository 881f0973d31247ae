"""Negatives: text that must come out byte-for-byte unchanged."""

from __future__ import annotations

import random
import re
import uuid
from collections.abc import Iterator

from tests.redaction.adversarial_check import Case
from tests.redaction.adversarial_contact import make_iban
from tests.redaction.adversarial_pans import BRANDS, make_pan, split, standard_groups

MASKED: tuple[str, ...] = (
    "411111******1111",
    "4111 11** **** 1111",
    "**** **** **** 4242",
    "XXXX-XXXX-XXXX-4242",
    "xxxx xxxx xxxx 4242",
    "Visa ending in 4242",
    "Mastercard ending 5454",
    "card ****4242",
    "last 4: 4242",
    "BIN 411111 last4 1111",
    "411111XXXXXX1111",
    "5555 55## #### 4444",
    "•••• •••• •••• 4242",
    "Amex •••• •••••• 10005",
    "card no. ************1881",
    "Karte endet auf 4242",
    "tarjeta terminada en 4444",
    "carte se terminant par 0005",
    "541333******0019 (masked in the dashboard)",
    "PAN 4000 00XX XXXX 0002",
)
MASKED_CONTEXTS: tuple[str, ...] = (
    "The customer's {m} was charged twice.",
    "{m}",
    "Refund issued to {m} on 2026-11-24.",
)

PLAIN: tuple[str, ...] = (
    "Payout of 1,234,567.89 USD arrived late.",
    "Betrag: 4 111,00 € wurde doppelt abgebucht.",
    "Montant\u202f: 4\u202f111,00\u00a0€",
    "EUR 1.234.567,89 settled",
    "$12,345.67 refunded",
    "we charged USD 4111.11 instead of 411.11",
    "Gesamt 1 234 567,89 €",
    "total: 19.99 + 7% VAT",
    "Chargeback fee 15,00 EUR per case, 312 cases in Q3",
    "importe 2.450,00 € (IVA incl.)",
    "Deposit on 2026-11-24, settled 24.11.2026, reported 11/24/2026.",
    "Visa charge on 24/11/2026 failed, Mastercard on 25/11/2026 too.",
    "card payment of €45.00 failed on 2026-11-24 at 10:15",
    "2026-11-24T10:15:30Z worker started; 2026-11-24 10:15:30.123456+00:00 done",
    "created=1732443330123 updated=1732443399876",
    "epoch 1732443330, ms 1732443330123",
    "Webhook signature t=1732443330,v1=5257a869e7ecebeda32affa62cdca3fa51cad7e77a0e56ff536d0c",
    "request id 3f2504e0-4f89-11d3-9a0c-0305e82c3301 failed",
    "acct_1NqXyZ2eZvKYlo2C cus_NffrFeUfNV2Hib pi_3NqXyZ2eZvKYlo2C1a2b3c4d ch_3NqXyZ2eZvKYlo2C0x",
    "merchant id MID 000123456789, terminal TID 87654321",
    "Store #0042, register 7, shift 3",
    "Server 192.168.10.254 and 10.0.0.1 timed out; IPv6 2001:db8:85a3::8a2e:370:7334",
    "Client IP fe80::1ff:fe23:4567:890a, proxy 172.16.254.1:8443",
    "Upgraded from v4.111.1111 to 4.112.0; Python 3.11.4; build 2026.11.24.1234",
    "commit a94a8fe5ccb19ba61c4c0873d391e987982fbbd3 broke checkout",
    "sha256 e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "UPS 1Z999AA10123456784 and Royal Mail AB123456789GB",
    "USPS 9400 1000 0000 0000 0000 00",
    "DHL waybill 1234567890, FedEx 7489 2345 6781",
    "Ticket #48213 merged into ZD-998877 (INC0012345)",
    "case 00123456 re: PO 4500012345",
    "Invoice INV-2026-000123 and credit note CN-88812",
    "Visa declined 3 times, response code 05, then 51.",
    "Mastercard fee 2.9% + 0.30 per txn",
    "CVV check failed twice, customer retyped it.",
    "The card expires next month.",
    "password reset link didn't work for the shop owner",
    "We rotated the API key yesterday.",
    "Bearer token expired, please re-auth",
    "the private key was rotated by IT",
    "Authorization header missing in the webhook",
    "Your CVC is the 3 digits on the back.",
    "Customer wrote: [PAN ...4242] and [SECRET] were already removed",
    "[CVV] [EXPIRY] [EMAIL]",
    "We sold 1,250 units in 3 days 🎉 — merci beaucoup!",
    "שלום, ההזמנה 12345 לא הגיעה",
    "ご注文番号は１２３４５です。",
    "Line one\r\nLine two\r\n\r\nRegards,\r\nAnna",
    "Tabs\tin\tthe\ttext\tand  double  spaces",
    "SKU-4111-1111 qty 4 size 42",
    "postcode 10115 Berlin; SW1A 1AA London",
    "score 98/100; 4/5 stars; 10-12 business days",
    "See https://dashboard.example.com/payments?page=2&limit=50&sort=-created",
    "Zeile 1\u00a0Zeile 2\u2009Zeile 3\u3000end",
    "Call scheduled 14:30-15:00 CET, room 4.11",
    "<p>Hello&nbsp;team,</p><br><b>order 12345</b>",
    "| order | status |\n|---|---|\n| 4411 | paid |",
    "> On Mon, Jane wrote:\n> my order 88123 never arrived\n>> thanks",
    "percentages: 12.5%, 99.99%, 0.01%",
    "coordinates 52.5200, 13.4050",
    "ISO week 2026-W48, quarter 2026Q4",
    "between 10:00 and 18:00 Mon-Fri",
    "ARN for the Visa chargeback: 74537604221123456789012",
)

NO_CONTEXT_WORDS: tuple[str, ...] = (
    "Order",
    "Bestellnummer",
    "pedido",
    "commande n°",
    "invoice",
    "reference",
    "Auftrag",
    "Referenz",
    "order id",
    "shipment",
    "Lieferschein",
    "numéro de commande",
    "batch",
)


def _luhn_failing_ids(rng: random.Random) -> Iterator[Case]:
    for index in range(36):
        _, prefixes, lengths = BRANDS[index % len(BRANDS)]
        number = make_pan(rng, rng.choice(prefixes), rng.choice(lengths), valid=False)
        shown = (number, " ".join(split(number, standard_groups(len(number)))), number)[index % 3]
        word = NO_CONTEXT_WORDS[index % len(NO_CONTEXT_WORDS)]
        yield Case(f"neg luhn-fail-id {word}", f"{word} {shown} was shipped on 2026-11-24")


def _arns(rng: random.Random) -> Iterator[Case]:
    contexts = ("dispute ARN {a}", "ARN: {a} (chargeback)", "Acquirer reference {a}", "{a}")
    for index in range(12):
        arn = rng.choice("27") + "".join(rng.choice("0123456789") for _ in range(22))
        yield Case("neg arn", contexts[index % len(contexts)].format(a=arn))


def _ids(rng: random.Random) -> Iterator[Case]:
    for index in range(12):
        value = str(uuid.UUID(int=rng.getrandbits(128), version=4))
        yield Case("neg uuid", (f"idempotency key {value}", f"trace={value}", value)[index % 3])
    for _ in range(12):
        sha = "".join(rng.choice("0123456789abcdef") for _ in range(40))
        if not re.search(r"\d{9}", sha):
            yield Case("neg git-sha", f"deployed {sha[:7]} ({sha})")
    for index in range(10):
        long_id = "".join(rng.choice("0123456789") for _ in range(rng.randint(20, 30)))
        yield Case("neg long-id", f"batch {long_id} exported")
        epoch_ms = str(rng.randint(1_600_000_000_000, 1_800_000_000_000))
        yield Case("neg epoch-ms", (f"ts={epoch_ms}", f"timestamp {epoch_ms} ms")[index % 2])


def _bad_ibans(rng: random.Random) -> Iterator[Case]:
    for country in ("DE", "FR", "NL", "ES"):
        yield Case("neg bad-iban", f"reference {make_iban(rng, country, valid=False)}")


def negative_cases(seed: int = 99) -> list[Case]:
    rng = random.Random(seed)
    cases = [
        Case("neg masked", context.format(m=masked))
        for masked in MASKED
        for context in MASKED_CONTEXTS
    ]
    cases += [Case("neg plain", text) for text in PLAIN]
    for generate in (_luhn_failing_ids, _arns, _ids, _bad_ibans):
        cases.extend(generate(rng))
    return cases
