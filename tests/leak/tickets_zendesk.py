"""Hand-written Zendesk tickets for the leak test: cards and secrets as merchants paste them."""

from __future__ import annotations

from typing import Final

from tests.leak.corpus import IDEO, NARROW, NBSP, THIN, ZWSP, LeakTicket

Z: Final = "zendesk"

ZENDESK: tuple[LeakTicket, ...] = (
    LeakTicket(
        Z,
        "71001",
        "Double charge on order #20931 - please refund",
        "Hi team,\n\none of our customers (Mrs. Okafor) was charged twice for order #20931, "
        "89.90 EUR each time. She sent us a photo of her statement and her card number "
        "4539 1488 0343 6467 so you can find the payment. Can you refund the second charge?\n\n"
        "Thanks\nLeonie, Buchhandlung Am Markt",
        pans=("4539148803436467", "4556730182945636"),
        comments=(
            "Sorry, she just called: the charge was on her other card, 4556-7301-8294-5636. "
            "The first one is fine.",
        ),
    ),
    LeakTicket(
        Z,
        "71002",
        "All 2-series Mastercards declined since Tuesday",
        "Since Tuesday every Mastercard starting with 2 gets declined at our checkout. Tested "
        "with my own card: 2223-5631-8840-7294 exp 03/28, declined with 'do not honor'. Other "
        "cards work fine. We are losing sales, please escalate!!!",
        pans=("2223563188407294",),
    ),
    LeakTicket(
        Z,
        "71003",
        "Amex 3784 729105 33616 refused",
        "Our customer's American Express keeps getting refused. He says the card is fine, he "
        "used it at the airport an hour ago. CID was 4417 if that matters.",
        pans=("378472910533616",),
    ),
    LeakTicket(
        Z,
        "71004",
        "JCB card from Japanese guest not accepted",
        "日本からのお客様のJCBカード ３５６６ １０８４ ５２１９ ７３０５ が決済できません。\n"
        "Hotel front desk here, the guest tried three times at check-in, the terminal says "
        "'card not supported'. Do we need to enable JCB separately?",
        pans=("3566108452197305",),
    ),
    LeakTicket(
        Z,
        "71005",
        "declined card - customer from Cairo",
        "card ٥١٨٧ ٦٤٠١ ٢٥٩٣ ٣٧٤٤ declined. The customer says her bank approved the online "
        "purchase in the app and the money is reserved, but our shop shows 'payment failed'.",
        pans=("5187640125933744",),
    ),
    LeakTicket(
        Z,
        "71006",
        "Discover payments failing",
        f"Copying from the PDF the customer sent: Discover{NBSP}6011{NBSP}5840{NBSP}7263{NBSP}"
        "9187, authorised 14.11., never captured. We have three more like this. Is Discover down?",
        pans=("6011584072639187",),
    ),
    LeakTicket(
        Z,
        "71007",
        "Fwd: payment taken but order unpaid",
        "Hello,\n\nsee below what the customer wrote us.\n\n"
        "> On 21 Nov 2026, at 09:14, Pieter wrote:\n> the card I used is 6445 2731\n"
        "> 9086 5173, the money left my account\n> but the shop says the order is unpaid\n\n"
        "Can you check if the payment exists on your side?",
        pans=("6445273190865173",),
    ),
    LeakTicket(
        Z,
        "71008",
        "Webhook events rejected with 400",
        "Our endpoint rejects your events with 400. Here is the raw body we logged:\n"
        '{"id":"evt_1QfK3x","type":"charge.succeeded","data":{"card":"3531208766490214",'
        '"amount":4200,"currency":"eur"}}\n'
        "We verify with the signing secret whsec_Qm3v8TzR1pK6wX2cN9bL4hY7fD0sJ5aE - is that "
        "the right one for live mode?",
        pans=("3531208766490214",),
        secrets=("Qm3v8TzR1pK6wX2cN9bL4hY7fD0sJ5aE",),
    ),
    LeakTicket(
        Z,
        "71009",
        "Charged but order failed",
        "<p>Dear support,</p><p>Card: <b>5425&nbsp;2334&nbsp;3010&nbsp;9101</b> was charged "
        "but the order shows failed in our shop.</p><p>Kind regards,<br>Tomás</p>",
        pans=("5425233430109101",),
        trigger=True,
    ),
    LeakTicket(
        Z,
        "71010",
        "URGENT live key leaked on GitHub",
        "URGENT: we accidentally committed our live secret key to a public GitHub repo this "
        "morning: sk_live_51NcQm8JtRv4XwY2pLk9aHs3dEf6GgZu7Vb1\nPlease roll it and tell us if "
        "anything was charged with it. Our dev also used the restricted key "
        "rk_live_51PzT7yUq2WnE5rHk8LmC3vBx for the reporting job.",
        secrets=("51NcQm8JtRv4XwY2pLk9aHs3dEf6GgZu7Vb1", "51PzT7yUq2WnE5rHk8LmC3vBx"),
    ),
    LeakTicket(
        Z,
        "71011",
        "401 on the payouts API",
        "Getting 401 on /v1/payouts with this request:\n\ncurl -H 'Authorization: Bearer "
        "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJtZXJjaF84ODIxIiwic2NvcGUiOiJwYXlvdXRz"
        "OndyaXRlIiwiZXhwIjoxNzY3MjI1NjAwfQ.Tq8vN3xK7pR2mW5zL9cY4bH1jF6sD0aGeU3iO8tQw2E' "
        "https://api.psp.example/v1/payouts\n\nThe token was issued yesterday by your OAuth flow.",
        secrets=(
            "eyJzdWIiOiJtZXJjaF84ODIxIiwic2NvcGUiOiJwYXlvdXRzOndyaXRlIiwiZXhwIjoxNzY3MjI1NjAwfQ",
            "Tq8vN3xK7pR2mW5zL9cY4bH1jF6sD0aGeU3iO8tQw2E",
        ),
    ),
    LeakTicket(
        Z,
        "71012",
        "locked out of dashboard",
        "I can't log in. My login is ops@kaffeehaus-ulm.de and password: Gr3enTurtle!92 - I "
        "tried it five times, now it says my account is locked. Please unlock it today, we "
        "need to download the invoices.",
        secrets=("Gr3enTurtle!92", "Winter#Shop77"),
        comments=("Also, the password for our old admin user is Winter#Shop77, maybe try that.",),
    ),
    LeakTicket(
        Z,
        "71013",
        "Apple Pay certificate",
        "For the Apple Pay merchant certificate you asked for our key, here it is:\n"
        "-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEAyQ7vT3kLp9sWq2Rz\n"
        "Hb8nX4cV1mZ6jQ0tYw5eUa7gKd3fPs9L\n-----END RSA PRIVATE KEY-----\n"
        "Let me know if you need the CSR too.",
        secrets=("MIIEpAIBAAKCAQEAyQ7vT3kLp9sWq2Rz", "Hb8nX4cV1mZ6jQ0tYw5eUa7gKd3fPs9L"),
    ),
    LeakTicket(
        Z,
        "71014",
        "Auszahlung fehlgeschlagen",
        "Payout po_1QbX8 failed with 'invalid account'. Unsere IBAN ist DE29 3705 0299 1008 "
        "4365 29 (Sparkasse KölnBonn), da hat sich nichts geändert. Bitte prüfen, danke.",
        secrets=("DE29370502991008436529",),
    ),
    LeakTicket(
        Z,
        "71015",
        "tarjeta rechazada",
        "Hola, la tarjeta 4716 2580 3917 8 de una clienta fue rechazada tres veces seguidas. "
        "¿Pueden revisar? La contraseña del panel es Luna_Roja_2024 por si necesitan entrar.",
        pans=("4716258039178",),
        secrets=("Luna_Roja_2024",),
        trigger=True,
    ),
    LeakTicket(
        Z,
        "71016",
        "Litige Diners - délai des preuves",
        "Bonjour, nous avons reçu un litige pour la carte 3056 947102 3810 (Diners). Le client "
        "affirme ne pas avoir reçu la marchandise mais nous avons la preuve de livraison. Quel "
        "est le délai pour envoyer les preuves ?",
        pans=("30569471023810",),
    ),
    LeakTicket(
        Z,
        "71017",
        "Chargeback notification never arrived",
        f"Chargeback on card 6521{ZWSP}0894{ZWSP}7730{ZWSP}4620 - we never got the "
        "notification email, and the dashboard says the deadline passed yesterday?!",
        pans=("6521089477304620",),
    ),
    LeakTicket(
        Z,
        "71018",
        "Maestro online",
        "Maestro card 5018 7632 0943 works in our shop terminal but not online. Is Maestro "
        "supported for e-commerce at all?",
        pans=("501876320943",),
    ),
    LeakTicket(
        Z,
        "71019",
        "UnionPay 3DS",
        "UnionPay card 6282 1059 7436 0182 917 from a tourist fails 3DS every time, the "
        "challenge window stays white.",
        pans=("6282105974360182917",),
        tags=("vip", "unionpay"),
    ),
    LeakTicket(
        Z,
        "71020",
        "card testing on donation page",
        "We see card testing on our donation page. Last hour:\n| time | card | amount |\n"
        "|---|---|---|\n| 02:14 | 4917 3826 5401 9377 | 1.00 |\n"
        "| 02:15 | 5538 1740 2693 1587 | 1.00 |\n| 02:15 | 3621 450877 3962 | 1.00 |\n"
        "Please block these and tell us what to do.",
        pans=("4917382654019377", "5538174026931587", "36214508773962"),
    ),
    LeakTicket(
        Z,
        "71021",
        "card number in our payment link URL??",
        "The payment link gave an error, this is the URL from the browser: "
        "https://pay.shop-example.com/checkout?pan=6763%204021%208857%201931&amount=59.00 - "
        "is our integration sending the card in the query string??",
        pans=("6763402188571931",),
    ),
    LeakTicket(
        Z,
        "71022",
        "Slack alerts and GitHub app stopped",
        "Your alerts to our Slack stopped on Friday. Bot token "
        "xoxb-5521907734-8841930275516-Qw7eRt2yUi9oPa3sDf6gHj1K and the deploy uses "
        "ghp_7kR2mX9qT4vW1zY6bN3cL8hF5jD0sP2aQ4eU. Did you change the integration?",
        secrets=("Qw7eRt2yUi9oPa3sDf6gHj1K", "7kR2mX9qT4vW1zY6bN3cL8hF5jD0sP2aQ4eU"),
    ),
    LeakTicket(
        Z,
        "71023",
        "403 on reports API",
        "Our reconciliation script calls the reports API with\nAuthorization: Basic "
        "c2hvcGFkbWluOlZ4OCNxTG0ycFI=\nand gets 403 since your migration last night.",
        secrets=("c2hvcGFkbWluOlZ4OCNxTG0ycFI=",),
        trigger=True,
    ),
    LeakTicket(
        Z,
        "71024",
        "Karte abgelehnt, Fehlercode 05",
        f"Karte 5893{THIN}6401{THIN}2750{THIN}8838 abgelehnt, Fehlercode 05. Der Kunde sagt "
        f"seine Bank hat nichts blockiert. Zweite Karte 4024{IDEO}0071{IDEO}5336{IDEO}2172 "
        "ging auch nicht.",
        pans=("5893640127508838", "4024007153362172"),
    ),
    LeakTicket(
        Z,
        "71025",
        "refund not received",
        f"Customer still waiting for the refund of 120.00 GBP, card 3579{NARROW}0482{NARROW}"
        "6139 5747, refunded on the 3rd. She is threatening a chargeback.",
        pans=("3579048261395747", "6240981736452085"),
        tags=("refund", "card_6240981736452085"),
        trigger=True,
    ),
    LeakTicket(
        Z,
        "71026",
        "payment declined",
        "Kunde aus Indien: Amex ३७६२ १९४०८५ ३०७७४ declined with code 51 although he has funds.",
        pans=("376219408530774",),
    ),
    LeakTicket(
        Z,
        "71027",
        "Betalingen geweigerd in de webshop",
        "Goedemiddag, twee betalingen van dezelfde klant zijn gisteren geweigerd. Ze heeft de "
        "nummers zo overgetypt uit haar wallet-app: 4663-9233 2146.8814 5297-3699 3563.2729 "
        "Kunnen jullie zien waarom? Groet, Sanne (Bloemenhuis De Linde)",
        pans=("4663923321468814", "5297369935632729"),
    ),
    LeakTicket(
        Z,
        "71028",
        "Re: webhook signature errors since the key rotation",
        "Hi, forwarding what our developer wrote below.\n\n"
        "> We rotated the key on Monday and since then every webhook fails with 401. The new one\n"
        "> is sk_live_51PqR8sT2uVw3xYz4AbCdEf5GhIj6KlMn7OpQr8StUv9WxYz0AbCdEfGhIjKl1MnOpQr2StU\n"
        "> vW3xYz4AbCd, the old one rk_live_9Zy8Xw7Vu6Ts5Rq4Po3Nm2Lk1Jih=\ng0Fe9Dc8Ba7Zy6X is "
        "revoked.\n"
        "\nCan you check on your side? Thanks, Tomasz",
        secrets=(
            "sk_live_51PqR8sT2uVw3xYz4AbCdEf5GhIj6KlMn7OpQr8StUv9WxYz0AbCdEfGhIjKl1MnOpQr2StU"
            "vW3xYz4AbCd",
            "rk_live_9Zy8Xw7Vu6Ts5Rq4Po3Nm2Lk1Jihg0Fe9Dc8Ba7Zy6X",
        ),
    ),
    LeakTicket(
        Z,
        "71029",
        "cobro fallido dos veces",
        "Hola, el cliente nos mandó esto por el chat: 10:22 3782 822463 10005 2024-11-05 y "
        "luego otra vez 2024-11-06 4539 1488 0343 6467 2024-11-06. ¿Pueden mirar por qué falló "
        "el cobro las dos veces? Saludos, Marta (Ferretería Ruiz)",
        pans=("378282246310005", "4539148803436467"),
    ),
)
