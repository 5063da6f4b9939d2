"""Which municipalities the deployment serves, which procedures each one offers today, and on what terms."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from portal.catalog import ProcedureDefinition, fees
from portal.japan import jst, municipality_code
from portal.models import Municipality
from portal.procedures import Published


def municipalities(session: Session) -> list[Municipality]:
    return list(session.scalars(select(Municipality).order_by(Municipality.code)))


def municipality(session: Session, code: str, *, with_procedures: bool = False) -> Municipality | None:
    """Only a well-formed 地方公共団体コード reaches the database (a NUL in a URL would make PostgreSQL fail)."""
    if not municipality_code.is_valid(code):
        return None
    options = [selectinload(Municipality.procedures)] if with_procedures else []
    return session.get(Municipality, code, options=options)


def on_terms_of(municipality: Municipality, definition: ProcedureDefinition) -> ProcedureDefinition:
    """The definition with the municipality's fee and 標準処理期間 where it set its own, so every page, queue
    and receipt that reads ``definition.fee`` or ``processing_days`` shows what this municipality charges.

    An own fee is the unit price of a fee per count (300円 × 通数 becomes 350円 × 通数) and a flat fee
    otherwise (it replaces a price table too)."""
    offer = municipality.procedure(definition.slug)
    if offer is None:
        return definition
    overrides: dict[str, object] = {}
    if offer.fee is not None:  # the catalog's fee note describes the catalog's fee (「1通につき300円」)
        overrides |= {"fee": fees.with_own_fee(definition.fee, offer.fee), "fee_note": None}
    if offer.processing_days is not None:
        overrides["processing_days"] = offer.processing_days
    return definition.model_copy(update=overrides)


@dataclass(frozen=True)
class Contact:
    """Where a resident asks about a procedure: its own 窓口 where the municipality set one, else the
    municipality's 代表電話 and 開庁時間 (each None when neither says)."""

    name: str | None
    phone: str | None
    hours: str | None

    def __bool__(self) -> bool:
        return bool(self.name or self.phone or self.hours)


def contact(municipality: Municipality, slug: str) -> Contact:
    offer = municipality.procedure(slug)
    own = Contact(offer.contact_name, offer.contact_phone, offer.contact_hours) if offer else Contact(None, None, None)
    return Contact(own.name, own.phone or municipality.phone, own.hours or municipality.opening_hours)


def offered_procedures(municipality: Municipality, published: Published) -> list[ProcedureDefinition]:
    today = jst.today()
    offered = {p.slug for p in municipality.procedures if p.available_on(today)}
    return [on_terms_of(municipality, d) for slug, d in published.catalog.items() if slug in offered]


def offered_procedure(municipality: Municipality, published: Published, slug: str) -> ProcedureDefinition | None:
    """The procedure on the municipality's terms if it is enabled there, today is inside its window and its
    definition is published (a withdrawn one takes no new applications)."""
    offer = municipality.procedure(slug)
    definition = published.definition(slug)
    if offer is None or definition is None or not offer.available_on(jst.today()):
        return None
    return on_terms_of(municipality, definition)
