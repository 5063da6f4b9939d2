"""Adding a municipality and choosing the procedures it offers, on its own terms.

The ``flask municipality`` commands call these; administration pages can call them the same way. Every check
runs before anything is written, so a refused request changes nothing (the seal file included).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, fields
from datetime import date
from pathlib import Path

from sqlalchemy.orm import Session

from portal.japan import municipality_code
from portal.models import Municipality, MunicipalityProcedure
from portal.procedures import Procedures
from portal.seals import SealError, check_seal
from portal.services import tenancy

TEXT_LIMITS = {"name": 100, "prefecture": 10, "mayor_title": 50, "mayor_name": 100}
TERM_TEXT_LIMITS = {"contact_name": 100, "contact_phone": 20, "contact_hours": 100, "help": 2000}
PHONE_CHARACTERS = frozenset("0123456789-()+ ")


class MunicipalityRefused(ValueError):
    """Why the request cannot be done; nothing was changed."""


@dataclass(frozen=True)
class Terms:
    """What a municipality sets for one procedure; None leaves the current value (the catalog's, at first)."""

    fee: int | None = None
    processing_days: int | None = None
    available_from: date | None = None
    available_until: date | None = None
    contact_name: str | None = None
    contact_phone: str | None = None
    contact_hours: str | None = None
    help: str | None = None


def add_municipality(
    session: Session,
    seals_dir: Path,
    *,
    code: str,
    name: str,
    prefecture: str,
    mayor_title: str,
    mayor_name: str,
    seal: Path,
) -> Municipality:
    """Check everything, copy the seal into ``seals_dir`` as ``<code>.<svg|png>``, then add the municipality."""
    if not municipality_code.is_valid(code):
        raise MunicipalityRefused(f"{code!r} is not a 地方公共団体コード (6 digits, the last a check digit)")
    if session.get(Municipality, code) is not None:
        raise MunicipalityRefused(f"municipality {code} already exists")
    texts = {"name": name, "prefecture": prefecture, "mayor_title": mayor_title, "mayor_name": mayor_name}
    for key, value in texts.items():
        if not value.strip() or len(value) > TEXT_LIMITS[key]:
            raise MunicipalityRefused(f"--{key.replace('_', '-')} must be 1 to {TEXT_LIMITS[key]} characters")
    try:
        data = seal.read_bytes()
    except OSError as error:
        raise MunicipalityRefused(f"cannot read {seal}: {error.strerror}") from None
    try:
        extension = check_seal(seal.name, data)
    except SealError as error:
        raise MunicipalityRefused(str(error)) from None
    file_name = f"{code}.{extension}"
    try:  # O_EXCL: a seal already printed on certificates is never replaced behind their back
        descriptor = os.open(seals_dir / file_name, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    except FileExistsError:
        raise MunicipalityRefused(f"{seals_dir / file_name} already exists; remove it first") from None
    with os.fdopen(descriptor, "wb") as file:
        file.write(data)
    municipality = Municipality(code=code, seal=file_name, **{k: v.strip() for k, v in texts.items()})
    session.add(municipality)
    session.flush()
    return municipality


def enable_procedure(
    session: Session, procedures: Procedures, code: str, slug: str, terms: Terms
) -> MunicipalityProcedure:
    """Offer ``slug`` in municipality ``code`` on ``terms`` (given values replace current ones)."""
    municipality = _existing(session, code)
    catalog = procedures.published(session).catalog
    if slug not in catalog:
        known = ", ".join(catalog) or "none"
        raise MunicipalityRefused(f"no procedure {slug!r} in the catalog (known: {known})")
    offer = municipality.procedure(slug) or MunicipalityProcedure(slug=slug)
    changes = {f.name: getattr(terms, f.name) for f in fields(terms) if getattr(terms, f.name) is not None}
    _check_terms({f.name: changes.get(f.name, getattr(offer, f.name, None)) for f in fields(terms)})
    for key, value in changes.items():
        setattr(offer, key, value.strip() if isinstance(value, str) else value)
    offer.enabled = True
    if offer not in municipality.procedures:
        municipality.procedures.append(offer)
    session.flush()
    return offer


def disable_procedure(session: Session, code: str, slug: str) -> MunicipalityProcedure:
    """Stop offering ``slug``; its terms stay, so enabling it again restores them. Submissions are untouched."""
    offer = _existing(session, code).procedure(slug)
    if offer is None:
        raise MunicipalityRefused(f"municipality {code} has never offered {slug!r}")
    offer.enabled = False
    session.flush()
    return offer


def _existing(session: Session, code: str) -> Municipality:
    found = tenancy.municipality(session, code)
    if found is None:
        raise MunicipalityRefused(f"no municipality {code!r}")
    return found


def _check_terms(terms: dict[str, object]) -> None:
    fee, days = terms["fee"], terms["processing_days"]
    if isinstance(fee, int) and fee < 0:
        raise MunicipalityRefused(f"--fee must be 0 (free) or more yen, not {fee}")
    if isinstance(days, int) and days < 1:
        raise MunicipalityRefused(f"--processing-days must be 1 or more, not {days}")
    start, end = terms["available_from"], terms["available_until"]
    if isinstance(start, date) and isinstance(end, date) and end < start:
        raise MunicipalityRefused(f"--until {end} is before --from {start}")
    for key, limit in TERM_TEXT_LIMITS.items():
        value = terms[key]
        if isinstance(value, str) and len(value) > limit:
            option = "--help-text" if key == "help" else f"--{key.replace('_', '-')}"
            raise MunicipalityRefused(f"{option} may be at most {limit} characters")
    phone = terms["contact_phone"]
    if isinstance(phone, str) and not set(phone) <= PHONE_CHARACTERS:
        raise MunicipalityRefused(f"--contact-phone {phone!r} may hold only digits, spaces, +, - and parentheses")
