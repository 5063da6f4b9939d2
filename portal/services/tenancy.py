"""Which municipalities the deployment serves and which procedures each one offers."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.catalog import ProcedureDefinition
from portal.japan import municipality_code
from portal.models import Municipality
from portal.procedures import Procedures


def municipalities(session: Session) -> list[Municipality]:
    return list(session.scalars(select(Municipality).order_by(Municipality.code)))


def municipality(session: Session, code: str) -> Municipality | None:
    """Only a well-formed 地方公共団体コード reaches the database (a NUL in a URL would make PostgreSQL fail)."""
    return session.get(Municipality, code) if municipality_code.is_valid(code) else None


def offered_procedures(municipality: Municipality, procedures: Procedures) -> list[ProcedureDefinition]:
    enabled = municipality.enabled_slugs
    return [definition for slug, definition in procedures.catalog.items() if slug in enabled]


def offered_procedure(municipality: Municipality, procedures: Procedures, slug: str) -> ProcedureDefinition | None:
    if slug not in municipality.enabled_slugs:
        return None
    return procedures.definition(slug)
