"""The last check before text leaves: real sends redact and refuse cards; dry runs refuse too."""

import pytest

from triage.config import Settings
from triage.jobs.handlers import PermanentError
from triage.writeback import servicenow, zendesk
from triage.writeback.http import outgoing

CARD_NOTE = "Internal note: the merchant pasted 4111 1111 1111 1111 in an attachment name."
CLEAN_NOTE = "Internal note: routed to settlements, order 88812, batch 2026-11-20."


def test_outgoing_text_is_redacted_again() -> None:
    sent = outgoing(CARD_NOTE)
    assert "4111" not in sent and "[PAN ...1111]" in sent
    assert outgoing(CLEAN_NOTE) == CLEAN_NOTE


def test_a_zendesk_dry_run_refuses_where_a_real_send_would(settings: Settings) -> None:
    update = zendesk.TicketUpdate(marker_tag="triage-note-1", comment=CARD_NOTE, public=False)
    with pytest.raises(PermanentError, match="card number"):
        zendesk.write(settings, "42", update)
    clean = zendesk.TicketUpdate(marker_tag="triage-note-2", comment=CLEAN_NOTE, public=False)
    assert zendesk.write(settings, "42", clean)["dry_run"] is True


def test_a_servicenow_dry_run_refuses_where_a_real_send_would(settings: Settings) -> None:
    update = servicenow.RecordUpdate("triage-note-1", "work_notes", CARD_NOTE, {})
    with pytest.raises(PermanentError, match="card number"):
        servicenow.write(settings, "incident", "abc", update)
    clean = servicenow.RecordUpdate("triage-note-2", "work_notes", CLEAN_NOTE, {})
    assert servicenow.write(settings, "incident", "abc", clean)["dry_run"] is True
