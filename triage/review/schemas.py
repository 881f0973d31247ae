"""Request and response models of the review API (they are its OpenAPI schema)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field

# Ids are 32-bit integers in the database; larger ones are a 422, not a database error.
MAX_ID = 2**31 - 1
RowId = Annotated[int, Field(ge=1, le=MAX_ID)]
Stage = Literal["category", "reply", "send_failed", "done", "waiting"]


class QueueItem(BaseModel):
    id: int
    source: str
    external_id: str
    external_number: str | None
    subject: str
    preview: str = Field(default="", description="the start of the (redacted) ticket text")
    requester_id: str | None = None
    organization_id: str | None = Field(default=None, description="the merchant's organisation")
    category: str | None
    confidence: float | None
    team: str | None
    priority: str | None
    status: str
    stage: Stage = Field(
        description="category: needs a category decision; reply: a draft awaits; "
        "send_failed: the approved reply could not be sent"
    )
    reply_status: str | None
    created_at: datetime
    age_seconds: int
    sla_seconds_left: int = Field(
        default=0, description="time left before the priority's SLA (negative: overdue)"
    )


class QueuePage(BaseModel):
    items: list[QueueItem]
    total: int
    limit: int
    offset: int


class CommentView(BaseModel):
    id: int
    author_id: str | None
    body: str
    public: bool
    created_at: datetime


class DecisionView(BaseModel):
    id: int
    stage: str
    route: str
    category: str | None
    confidence: float | None
    threshold: float | None
    team: str | None
    model_version: str | None
    prompt_version: str | None
    llm_model: str | None
    template_id: str | None
    reasons: dict[str, Any]
    tokens_in: int
    tokens_out: int
    cost_usd: float
    created_at: datetime


class ReplyView(BaseModel):
    id: int
    template_id: str | None
    body: str
    status: str
    edited_by: str | None
    approved_by: str | None
    approved_at: datetime | None
    sent_at: datetime | None
    language: str | None = None
    detected_language: str | None = None
    send_error: str | None = None
    unfilled: list[str] = Field(default_factory=list, description="[[slot]] markers left")


class CorrectionView(BaseModel):
    id: int
    analyst: str
    old_category: str | None
    new_category: str
    confirmed: bool
    reason: str | None
    created_at: datetime


class TicketDetail(BaseModel):
    id: int
    source: str
    external_id: str
    external_table: str | None = None
    external_number: str | None
    subject: str
    body: str
    status: str
    stage: Stage
    category: str | None
    confidence: float | None
    team: str | None
    priority: str | None
    route: str | None
    model_version: str | None
    tags: list[str]
    redaction_summary: dict[str, Any]
    created_at: datetime
    why_in_review: list[str]
    comments: list[CommentView]
    decisions: list[DecisionView]
    reply: ReplyView | None
    corrections: list[CorrectionView]
    templates: list[TemplateOption] = Field(
        default_factory=list, description="the category's templates, best fit first"
    )


class CorrectIn(BaseModel):
    category: str = Field(min_length=1, max_length=64)
    reason: str = Field(min_length=1, max_length=1000, description="why; stored redacted")


class ReplyIn(BaseModel):
    body: str = Field(min_length=1, max_length=10_000, description="stored redacted")


class ApproveIn(BaseModel):
    body: str | None = Field(
        default=None, min_length=1, max_length=10_000, description="the text to approve; redacted"
    )


class TemplateIn(BaseModel):
    template_id: str = Field(min_length=1, max_length=120)
    language: str = Field(default="en", pattern="^[a-z]{2}$")


class TemplateOption(BaseModel):
    id: str
    title: str
    languages: list[str]
    score: float


class RequeueIn(BaseModel):
    reason: str | None = Field(default=None, max_length=1000)


class ApproveResult(BaseModel):
    ticket_id: int
    reply: ReplyView
    job_id: int
    already_approved: bool


class BulkConfirmIn(BaseModel):
    ticket_ids: list[RowId] = Field(min_length=1, max_length=200)


class BulkConfirmResult(BaseModel):
    confirmed: list[int]
    skipped: list[int] = Field(
        description="not visible to you, unknown, or not awaiting a category"
    )
