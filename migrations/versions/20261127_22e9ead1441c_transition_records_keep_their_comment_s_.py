"""transition records keep their comment's audience

Revision ID: 22e9ead1441c
Revises: 99aa136f12fe
Create Date: 2026-11-27 17:33:53.973797

COMPATIBILITY: adds transition_record.comment_visible_to with the server default 'staff'. The previous
release knows nothing of it: the rows it writes during the rollout are staff-only, the safe side (a
差戻し reason written then shows in the back office but not to the resident). Existing rows are filled in
from today's workflow definitions (CATALOG_DIR, WORKFLOWS_DIR, read like the app does): the applicant's
own rows and transitions whose comment is for the applicant become 'applicant'; a procedure or transition
no longer defined stays 'staff'. History is append-only, so the triggers are set aside for this update.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '22e9ead1441c'
down_revision: str | Sequence[str] | None = '99aa136f12fe'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# As created by 3bb98aaab174.
SQLITE_TRIGGERS = {
    event: f"CREATE TRIGGER transition_record_no_{event.lower()} BEFORE {event} ON transition_record "
    "BEGIN SELECT RAISE(ABORT, 'transition_record is append-only'); END"
    for event in ("UPDATE", "DELETE")
}


def upgrade() -> None:
    op.add_column(
        'transition_record',
        sa.Column(
            'comment_visible_to',
            sa.Enum('applicant', 'staff', name='commentaudience', native_enum=False, length=16),
            server_default='staff',
            nullable=False,
        ),
    )
    bind = op.get_bind()
    pairs = bind.execute(
        sa.text(
            "SELECT DISTINCT s.procedure, r.transition FROM transition_record r "
            "JOIN submission s ON s.id = r.submission_id WHERE r.actor_kind = 'staff'"
        )
    ).all()
    for_applicant = [pair for pair in pairs if _audience(*pair) == 'applicant']
    has_resident_rows = bind.execute(
        sa.text("SELECT 1 FROM transition_record WHERE actor_kind = 'resident'")
    ).first()
    if not for_applicant and not has_resident_rows:
        return

    _append_only(bind, False)
    # Whatever the applicant wrote (their application, 再提出, 取下げ) was always theirs to read.
    bind.execute(
        sa.text("UPDATE transition_record SET comment_visible_to = 'applicant' WHERE actor_kind = 'resident'")
    )
    for procedure, transition in for_applicant:
        bind.execute(
            sa.text(
                "UPDATE transition_record SET comment_visible_to = 'applicant' "
                "WHERE transition = :transition AND actor_kind = 'staff' "
                "AND submission_id IN (SELECT id FROM submission WHERE procedure = :procedure)"
            ),
            {'procedure': procedure, 'transition': transition},
        )
    _append_only(bind, True)


def downgrade() -> None:
    op.drop_column('transition_record', 'comment_visible_to')


# The staff transitions whose comments the shipped workflows address to the applicant on the day of this
# migration (差戻し, 却下, 交付, 完了). Frozen here so that replaying the migration never depends on later code
# or on the settings of the machine that runs it; anything else stays 'staff'.
APPLICANT_AUDIENCE = {
    ('juminhyo', 'return_to_applicant'),
    ('juminhyo', 'issue'),
    ('juminhyo', 'reject'),
    ('juminhyo', 'reject_on_approval'),
    ('sodai_gomi', 'complete'),
    ('sodai_gomi', 'reject'),
}


def _audience(procedure: str, transition: str) -> str:
    """The audience the shipped definitions gave ``transition`` of ``procedure``; 'staff' when unknown."""
    return 'applicant' if (procedure, transition) in APPLICANT_AUDIENCE else 'staff'


def _append_only(bind: sa.Connection, on: bool) -> None:
    if bind.dialect.name == 'postgresql':
        action = 'ENABLE' if on else 'DISABLE'
        bind.execute(sa.text(f"ALTER TABLE transition_record {action} TRIGGER transition_record_append_only"))
        return
    for event, create in SQLITE_TRIGGERS.items():
        bind.execute(sa.text(create if on else f"DROP TRIGGER transition_record_no_{event.lower()}"))
