"""Zendesk HTML bodies become text before redaction; quoted earlier replies are kept apart."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from tests import signing
from triage.classify import data
from triage.config import Settings
from triage.main import create_app
from triage.redaction import engine as redaction
from triage.tickets.models import Comment, Ticket
from triage.tickets.text import QUOTE_MARK
from triage.webhooks.html import MAX_DEPTH, to_text

MERCHANT_HTML = (
    '<div dir="ltr"><p>Bonjour,</p><p>Le versement du 3 d&eacute;cembre &ndash; lot 7781 &ndash;'
    " n&#39;est jamais arriv&eacute; sur notre compte &amp; la banque ne voit rien.</p>"
    "<p>Merci<br>Boulangerie Martin</p></div>"
)
# The same Visa test number, hidden from a naive scanner by tags, entities and a comment.
DISGUISED_CARDS = [
    "<p>card 4111<b>1111</b>1111<i>1111</i></p>",
    "<p>card <span>4111</span><span>1111</span><span>1111</span><span>1111</span></p>",
    "<p>card 4111&#32;1111&#x20;1111&nbsp;1111</p>",
    "<p>card &#52;&#49;&#49;&#49; &#x31;&#x31;&#x31;&#x31; 1111 1111</p>",
    "<p>card 4111<!-- split -->1111 1111 1111</p>",
    "<div>card 4111 <font color=red>1111</font> 1111 <a href='#'>1111</a></div>",
]


def test_merchant_html_reads_as_text() -> None:
    text = to_text(MERCHANT_HTML)
    assert text == (
        "Bonjour,\n\nLe versement du 3 décembre – lot 7781 – n'est jamais arrivé sur notre"
        " compte & la banque ne voit rien.\n\nMerci\nBoulangerie Martin"
    )


@pytest.mark.parametrize("body", DISGUISED_CARDS)
def test_a_card_split_across_tags_or_written_in_entities_is_redacted(body: str) -> None:
    redacted = redaction.redact(to_text(body)).text
    assert "[PAN ...1111]" in redacted
    assert "4111" not in redacted and "<" not in redacted and "&#" not in redacted


def test_script_style_and_comments_are_dropped_not_shown() -> None:
    text = to_text("<style>p{}</style><p>Payout late<script>alert(1)</script></p><!-- x -->")
    assert text == "Payout late"


def test_gmail_and_zendesk_quotes_are_kept_apart_from_the_new_message() -> None:
    body = (
        '<div dir="ltr">Still nothing on our account.</div><div class="gmail_quote">'
        '<div class="gmail_attr">On Mon, 1 Dec 2026 at 10:02, Support &lt;help@psp.example&gt;'
        " wrote:<br></div><blockquote>Your payout was sent on Friday."
        "<blockquote>Where is my payout?</blockquote></blockquote></div>"
    )
    text = to_text(body)
    new, quoted = text.split(QUOTE_MARK)
    assert new == "Still nothing on our account."
    assert quoted.splitlines() == [
        "> On Mon, 1 Dec 2026 at 10:02, Support <help@psp.example> wrote:",
        ">",
        "> Your payout was sent on Friday.",
        "> Where is my payout?",
    ]


@pytest.mark.parametrize(
    "attribution",
    [
        "On Mon, Dec 1, 2026 at 10:02 AM Support <help@psp.example> wrote:",
        "Le lun. 1 déc. 2026 à 10:02, Support <help@psp.example> a écrit :",
        "Am Mo., 1. Dez. 2026 um 10:02 Uhr schrieb Support <help@psp.example>:",
        "-----Original Message-----",
    ],
)
def test_plain_text_replies_are_cut_at_the_attribution_line(attribution: str) -> None:
    text = to_text(f"Thanks, it arrived today.\n\n{attribution}\n> Your payout was sent.")
    assert data.ticket_text("Re: payout", text) == "Re: payout\n\nThanks, it arrived today."
    assert text.endswith("> > Your payout was sent.")


def test_plain_text_without_tags_is_kept_with_entities_decoded() -> None:
    assert to_text("Fees < 2% & refunds &gt; 10") == "Fees < 2% & refunds > 10"


def test_deep_nesting_and_unclosed_tags_are_handled_without_recursion() -> None:
    deep = "<div>" * 50_000 + "payout missing" + "<b><i><span>" * 20_000
    assert to_text(deep) == "payout missing"


def test_a_card_in_a_document_too_deep_to_parse_is_still_found() -> None:
    # Past MAX_DEPTH the document is flattened in one pass instead of parsed as a tree.
    deep = "<div>" * (MAX_DEPTH + 1) + "<p>card 4111<b>1111</b>&#49;111 <!-- x -->1111</p><p>bye"
    text = to_text(deep)
    assert text == "card 411111111111 1111\n\nbye"
    assert redaction.redact(text).text == "card [PAN ...1111]\n\nbye"


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app()) as c:
        yield c


def _post(client: TestClient, payload: dict) -> int:
    body = signing.dumps(payload)
    response = client.post("/webhooks/zendesk", content=body, headers=signing.zendesk_headers(body))
    assert response.status_code == 202, response.text
    return int(response.json()["ticket_id"])


def test_an_html_ticket_and_comment_are_stored_as_redacted_text(
    client: TestClient, session: Session
) -> None:
    description = MERCHANT_HTML.replace("</div>", DISGUISED_CARDS[2] + "</div>")
    ticket_id = _post(client, signing.zendesk_event(7701, "Versement manquant", description))
    comment = "<p>Any news?</p><blockquote>Card on file 4111<b>1111</b>1111<i>1111</i></blockquote>"
    event = signing.zendesk_event(
        7701, "Versement manquant", description, event="ticket.comment_added", comment=comment
    )
    assert _post(client, event) == ticket_id

    ticket = session.get(Ticket, ticket_id)
    assert ticket is not None
    assert ticket.body.startswith("Bonjour,\n\nLe versement du 3 décembre – lot 7781")
    assert "[PAN ...1111]" in ticket.body and "4111" not in ticket.body
    assert "<" not in ticket.body and "&" not in ticket.body.replace(" & ", "")
    stored = session.query(Comment).filter_by(ticket_id=ticket_id).one()  # type: ignore[attr-defined]
    assert stored.body == f"Any news?{QUOTE_MARK}> Card on file [PAN ...1111]"
