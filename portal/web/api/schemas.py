"""The API's payloads as pydantic models: they check what clients send and give the OpenAPI document its schemas
(JSON Schema 2020-12, the dialect of OpenAPI 3.1), so the document and the code cannot drift apart."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator

from portal.catalog.model import Slug
from portal.workflow.schema import Key

Reference = Field(description="受付番号", examples=["2026-000001"])


class Problem(BaseModel):
    """An error (RFC 9457)."""

    type: str = "about:blank"
    title: str
    status: int
    detail: str | None = None
    errors: dict[str, str] | None = Field(None, description="bad input: the message for each field or parameter")


class CaseSummary(BaseModel):
    reference: str = Reference
    procedure: str = Field(description="the procedure's slug (juminhyo, sodai_gomi…)")
    state: str = Field(description="the workflow state's key")
    state_label: str
    closed: bool = Field(description="whether the state is final")
    submitted_at: datetime
    updated_at: datetime = Field(description="last change; the list's order, and what updated_since compares")
    due_on: date | None = Field(description="期限日 (JST), none while unknown")
    href: str


class CasePage(BaseModel):
    items: list[CaseSummary]
    next_cursor: str | None = Field(description="pass as cursor for the following page; null on the last page")


class HistoryEntry(BaseModel):
    transition: str = Field(description="the workflow transition, or submit for the application itself")
    from_state: str | None
    to_state: str
    actor_kind: Literal["resident", "staff", "api"]
    actor_name: str
    comment: str | None
    comment_visible_to: Literal["applicant", "staff"]
    inputs: dict[str, Any] | None = Field(description="the transition's fields as validated")
    at: datetime


class Attachment(BaseModel):
    key: str
    name: str
    media_type: str
    size: int
    sha256: str
    href: str = Field(description="download it with the same token")


class Certificate(BaseModel):
    issue_number: str = Field(description="発行番号")
    issued_on: date
    status: Literal["processing", "issued", "revoked"] = Field(
        description="processing: 発行処理中 (no PDF yet); issued: the PDF can be downloaded; revoked: 失効"
    )
    href: str | None = Field(description="the PDF, once issued and while valid")


class TransitionOption(BaseModel):
    name: str
    label: str
    comment: Literal["none", "optional", "required"]
    fields: list[str] = Field(description="the names of the transition's fields (inputs)")


class Case(CaseSummary):
    fee: int | None = Field(description="手数料 charged, in yen")
    receipt_method: str | None
    payment_method: str | None
    assigned_number: str | None = Field(description="the number the workflow's numbering gave it (収集番号…)")
    answers: dict[str, Any] = Field(description="the answers as stored, by field name")
    history: list[HistoryEntry]
    attachments: list[Attachment]
    certificates: list[Certificate]
    transitions: list[TransitionOption] = Field(description="what this token may fire now (none for a read token)")


class TransitionRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    comment: str | None = Field(None, max_length=2000, description="理由・申し送り, as the transition asks")
    inputs: dict[str, Any] = Field(
        default_factory=dict,
        description="the transition's fields by name, each as the history stores it: a date as YYYY-MM-DD, a "
        "select's or radio's value, a list for checkboxes, a number as a number",
    )


class TransitionResult(BaseModel):
    case: CaseSummary
    transition: HistoryEntry


class CaseQuery(BaseModel):
    """The list's query parameters."""

    model_config = ConfigDict(extra="forbid")

    # As the catalog and the workflows spell them: anything else names no case (a NUL could not even be looked up).
    procedure: Slug | None = Field(None, max_length=64, description="the procedure's slug")
    state: Key | None = Field(None, max_length=64, description="the workflow state's key")
    updated_since: AwareDatetime | None = Field(None, description="ISO 8601 with its offset; included")
    cursor: str | None = Field(
        None, pattern=r"^[0-9]{1,16}-[0-9]{1,18}$", description="next_cursor of the previous page"
    )
    limit: int = Field(50, ge=1, le=200)

    @field_validator("updated_since", mode="before")
    @classmethod
    def _iso_8601(cls, value: Any) -> Any:
        """Only ISO 8601 text: pydantic would otherwise read a number as seconds since the epoch."""
        if isinstance(value, str):
            datetime.fromisoformat(value)  # ValueError: said as the parameter's error
            return value
        raise ValueError("not an ISO 8601 date and time")
