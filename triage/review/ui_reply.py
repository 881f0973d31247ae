"""The reply forms on a ticket's page: save, approve what is on screen, redraft from another
template or language, and retry a send that failed."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form
from fastapi.responses import Response

from triage.review import service
from triage.review.ui_ticket import act
from triage.web.deps import CsrfForm

router = APIRouter(include_in_schema=False)
Body = Annotated[str, Form(max_length=10_000)]
OptionalBody = Annotated[str | None, Form(max_length=10_000)]


@router.post("/tickets/{ticket_id}/reply")
def edit_reply(view: CsrfForm, ticket_id: int, body: Body = "") -> Response:
    return act(
        view,
        ticket_id,
        lambda: service.edit_reply(view.session, view.user, ticket_id, body),
        "reply",
        draft=body,
    )


@router.post("/tickets/{ticket_id}/approve")
def approve(view: CsrfForm, ticket_id: int, body: OptionalBody = None) -> Response:
    """Approves the text in the reply box as submitted with the button, saved or not."""
    return act(
        view,
        ticket_id,
        lambda: service.approve(view.session, view.user, ticket_id, body),
        "approve",
        draft=body,
    )


@router.post("/tickets/{ticket_id}/retry-send")
def retry_send(view: CsrfForm, ticket_id: int) -> Response:
    return act(
        view, ticket_id, lambda: service.retry_send(view.session, view.user, ticket_id), "retry"
    )


@router.post("/tickets/{ticket_id}/template")
def switch_template(
    view: CsrfForm,
    ticket_id: int,
    template_id: Annotated[str, Form(max_length=120)] = "",
    language: Annotated[str, Form(max_length=8)] = "en",
) -> Response:
    return act(
        view,
        ticket_id,
        lambda: service.switch_template(view.session, view.user, ticket_id, template_id, language),
        "template",
    )
