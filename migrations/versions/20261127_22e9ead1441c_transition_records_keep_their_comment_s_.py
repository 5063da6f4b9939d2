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


_procedures = None


def _audience(procedure: str, transition: str) -> str:
    """The audience today's definitions give ``transition`` of ``procedure``; 'staff' when it is unknown."""
    global _procedures
    if _procedures is None:  # only the definitions: no renderer, no signing keys are needed to read them
        from portal.catalog import load_catalog
        from portal.certificates.renderer import available_templates
        from portal.config import load_settings
        from portal.workflow import load_workflows

        settings = load_settings()
        workflows = load_workflows(settings.workflows_dir)
        catalog = load_catalog(settings.catalog_dir, workflows=workflows.keys(), certificates=available_templates())
        _procedures = (catalog, workflows)
    catalog, workflows = _procedures
    definition = catalog.get(procedure)
    if definition is None:
        return 'staff'
    workflow = workflows[definition.workflow]
    if not workflow.has_transition(transition):
        return 'staff'
    return workflow.transition(transition).comment_visible_to.value


def _append_only(bind: sa.Connection, on: bool) -> None:
    if bind.dialect.name == 'postgresql':
        action = 'ENABLE' if on else 'DISABLE'
        bind.execute(sa.text(f"ALTER TABLE transition_record {action} TRIGGER transition_record_append_only"))
        return
    for event, create in SQLITE_TRIGGERS.items():
        bind.execute(sa.text(create if on else f"DROP TRIGGER transition_record_no_{event.lower()}"))
