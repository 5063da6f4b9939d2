"""Submissions and their append-only history."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint, event, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.catalog.methods import PaymentMethod, ReceiptMethod
from portal.identity import ResidentProfile
from portal.messages import N_
from portal.models.base import Base, CreatedAt, str_enum, utcnow
from portal.models.people import Resident, Staff
from portal.models.tenancy import Municipality
from portal.models.versions import CatalogVersion
from portal.workflow.model import CommentAudience


class ActorKind(StrEnum):
    RESIDENT = "resident"
    STAFF = "staff"
    API = "api"  # a municipality's API client (portal.models.api.ApiToken), acting as a named system


class Channel(StrEnum):
    """How an application reached the municipality (受付経路)."""

    ONLINE = "online"  # the resident applied on the portal, logged in
    COUNTER = "counter"  # staff entered it at the counter on the resident's behalf (窓口受付・代行入力)


CHANNEL_LABELS = {Channel.ONLINE: N_("オンライン"), Channel.COUNTER: N_("窓口")}  # pages, CSV files, open data


class Submission(CreatedAt, Base):
    """One application by a resident to one municipality, made online by the resident or entered at the counter by
    staff on their behalf (``channel``): an online one names the resident's account, a counter one the staff member
    who entered it and the applicant's identity as they entered it, and never an account.

    It references the published versions of the definition, workflow and certificate template it was made
    against, and everything about the case uses them: a later publication never reinterprets what the
    resident sent, renames the state it sits in or changes what its certificate prints. It also keeps the
    one-time token of the confirmation page it came from, so pressing 申請する twice leads to this same
    submission instead of a second one, and the number its workflow assigns it at most once.

    For the back-office queue it also keeps whether its state is final (``closed``), who handles it
    (``assignee_id``) and a normalised search key: each view's first page is then one index range, whatever the
    number of cases (see portal/services/queue.py, whose views these indexes serve).
    """

    __tablename__ = "submission"
    __table_args__ = (
        UniqueConstraint("municipality_code", "reference"),
        Index("ux_submission_token", "municipality_code", "resident_id", "submission_token", unique=True),
        # The queue's views, each ordered by (submitted_at, id): 要対応 and 完了 (open or closed), 担当 and 未割当
        # (open, by assignee), すべて, and the state filter; 期限超過 by (due_on, id).
        Index("ix_submission_open", "municipality_code", "closed", "submitted_at", "id"),
        Index("ix_submission_assignee", "municipality_code", "closed", "assignee_id", "submitted_at", "id"),
        Index("ix_submission_all", "municipality_code", "submitted_at", "id"),
        Index("ix_submission_queue", "municipality_code", "state", "submitted_at", "id"),
        Index("ix_submission_overdue", "municipality_code", "closed", "due_on", "id"),  # 期限超過, by 期限日
        Index("ix_submission_updated", "municipality_code", "updated_at", "id"),  # the API's list, by last change
        Index("ux_submission_number", "municipality_code", "number_series", "assigned_number", unique=True),
        # 申請する pressed twice at the counter makes one application, as online (resident_id is NULL there).
        Index("ux_submission_counter_token", "municipality_code", "entered_by_id", "submission_token", unique=True),
        CheckConstraint(
            "(channel = 'online' AND resident_id IS NOT NULL AND entered_by_id IS NULL)"
            " OR (channel = 'counter' AND resident_id IS NULL AND entered_by_id IS NOT NULL)",
            name="channel_applicant",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    municipality_code: Mapped[str] = mapped_column(ForeignKey("municipality.code"))
    reference: Mapped[str] = mapped_column(String(20))  # 受付番号
    procedure: Mapped[str] = mapped_column(String(64))
    channel: Mapped[Channel] = mapped_column(
        str_enum(Channel), default=Channel.ONLINE, server_default=Channel.ONLINE.value
    )
    resident_id: Mapped[int | None] = mapped_column(ForeignKey("resident.id"), index=True)  # online only
    # Counter only: who entered it, the applicant's identity as entered (ResidentProfile's keys: 氏名, フリガナ,
    # 生年月日, 性別, 〒, 住所; what the 住民記録 is matched against), and the address the applicant agreed to be
    # told at (None: they gave none, or did not agree, and are never emailed).
    entered_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    entered_identity: Mapped[dict[str, Any] | None] = mapped_column()
    notify_email: Mapped[str | None] = mapped_column(String(254))
    state: Mapped[str] = mapped_column(String(64))
    definition_version_id: Mapped[int] = mapped_column(ForeignKey("catalog_version.id", ondelete="RESTRICT"))
    workflow_version_id: Mapped[int] = mapped_column(ForeignKey("catalog_version.id", ondelete="RESTRICT"))
    certificate_version_id: Mapped[int | None] = mapped_column(ForeignKey("catalog_version.id", ondelete="RESTRICT"))
    answers: Mapped[dict[str, Any]] = mapped_column()
    submission_token: Mapped[str | None] = mapped_column(String(64))  # None: made before tokens existed
    # The fee charged in yen and the 受取方法 / 支払方法 chosen; None: made before they were stored.
    fee: Mapped[int | None] = mapped_column()
    receipt_method: Mapped[ReceiptMethod | None] = mapped_column(str_enum(ReceiptMethod))
    payment_method: Mapped[PaymentMethod | None] = mapped_column(str_enum(PaymentMethod))
    # The number its workflow's ``numbering`` gave it (登録番号…), from that series; None until assign_number.
    assigned_number: Mapped[str | None] = mapped_column(String(32))
    number_series: Mapped[str | None] = mapped_column(String(64))
    submitted_at: Mapped[datetime] = mapped_column(default=utcnow)
    # 期限日: the 標準処理期間's last 開庁日, moved on by the 開庁日 the case waited in paused states (workflow
    # ``clock``); None when it could not be known (see the migration that added it). ``clock_paused_on``: the JST
    # day the clock stopped, while it is stopped.
    due_on: Mapped[date | None] = mapped_column()
    clock_paused_on: Mapped[date | None] = mapped_column()
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    # Its state is final in its workflow version (交付済み, 却下, 取下げ…): kept with every state change, so the
    # queue tells open cases from finished ones without reading workflows row by row.
    closed: Mapped[bool] = mapped_column(default=False, server_default=false())
    # The clerk handling the case (担当); None: nobody yet. Changed only by portal/services/assignment.py.
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    # 受付番号, name and フリガナ as the queue's search compares them (portal.catalog.normalize.search_folded):
    # "2026-000001|山田太郎|ヤマダタロウ".
    search_key: Mapped[str] = mapped_column(String(500), default="", server_default="")
    # Retention (portal/services/retention.py): a legal hold's reason while one stops the purge (set and cleared by
    # an administrator, each in the audit log), and when the case was purged past its 保存期間: its answers,
    # attachments, certificate PDFs and the personal text of its history, messages and notes are gone, the stub
    # (受付番号, procedure, dates, states) stays.
    legal_hold: Mapped[str | None] = mapped_column(String(200))
    purged_at: Mapped[datetime | None] = mapped_column()

    municipality: Mapped[Municipality] = relationship()
    resident: Mapped[Resident | None] = relationship()
    entered_by: Mapped[Staff | None] = relationship(foreign_keys=[entered_by_id])
    definition_version: Mapped[CatalogVersion] = relationship(foreign_keys=[definition_version_id])
    workflow_version: Mapped[CatalogVersion] = relationship(foreign_keys=[workflow_version_id])
    certificate_version: Mapped[CatalogVersion | None] = relationship(foreign_keys=[certificate_version_id])
    assignee: Mapped[Staff | None] = relationship(foreign_keys=[assignee_id])
    history: Mapped[list[TransitionRecord]] = relationship(
        back_populates="submission", order_by="TransitionRecord.id", cascade="save-update, merge"
    )

    @property
    def at_counter(self) -> bool:
        return self.channel is Channel.COUNTER

    @property
    def applicant_details(self) -> dict[str, Any]:
        """The applicant's identity: the login profile of an online applicant, as entered for a counter one."""
        if self.resident is not None:
            return self.resident.profile
        return self.entered_identity or {}

    def applicant_profile(self) -> ResidentProfile:
        """:attr:`applicant_details` as a profile: what forms prefill from and the 住民記録 is matched against."""
        if self.resident is not None:
            return self.resident.resident_profile()
        return ResidentProfile.entered(self.entered_identity or {})

    @property
    def applicant_name(self) -> str:
        details = self.applicant_details
        return f"{details.get('family_name', '')} {details.get('given_name', '')}".strip()


class TransitionRecord(Base):
    """One state change: who, when, from, to, why, and what the staff member filled in the transition's fields.
    Rows are never updated or deleted."""

    __tablename__ = "transition_record"

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submission.id"), index=True)
    transition: Mapped[str] = mapped_column(String(64))
    from_state: Mapped[str | None] = mapped_column(String(64))
    to_state: Mapped[str] = mapped_column(String(64))
    actor_kind: Mapped[ActorKind] = mapped_column(str_enum(ActorKind))
    actor_id: Mapped[int] = mapped_column()
    actor_name: Mapped[str] = mapped_column(String(100))
    comment: Mapped[str | None] = mapped_column(Text)
    # Who may read the comment, fixed when it is written: a later workflow change never exposes an old note.
    # A row written without it (the release before this column) counts as staff-only, the safe side.
    comment_visible_to: Mapped[CommentAudience] = mapped_column(
        str_enum(CommentAudience), server_default=CommentAudience.STAFF.value
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # The transition's fields as validated (field name → stored value); None when it has none. Read by the same
    # audience as the comment.
    inputs: Mapped[dict[str, Any] | None] = mapped_column()

    submission: Mapped[Submission] = relationship(back_populates="history")

    @property
    def applicant_comment(self) -> str | None:
        """The comment as the applicant may see it: nothing when it was written for staff only."""
        return self.comment if self.for_applicant else None

    @property
    def for_applicant(self) -> bool:
        """Whether the applicant may read the comment and inputs (fixed when the row was written)."""
        return self.comment_visible_to is CommentAudience.APPLICANT

    @property
    def actor_ref(self) -> str:
        """The identity the workflow engine compares for four-eyes."""
        return f"{self.actor_kind.value}:{self.actor_id}"


@event.listens_for(TransitionRecord, "before_update")
@event.listens_for(TransitionRecord, "before_delete")
def _history_is_append_only(_mapper, _connection, target: TransitionRecord) -> None:  # type: ignore[no-untyped-def]
    raise ValueError(f"transition record {target.id} is append-only")
