"""Typed SQLAlchemy models on one declarative base; Alembic owns the schema."""

from portal.models.base import Base
from portal.models.certificate import Certificate, NumberSequence, SequenceKind
from portal.models.people import Resident, Staff
from portal.models.submission import ActorKind, Submission, TransitionRecord
from portal.models.tenancy import Municipality, MunicipalityProcedure

__all__ = [
    "ActorKind",
    "Base",
    "Certificate",
    "Municipality",
    "MunicipalityProcedure",
    "NumberSequence",
    "Resident",
    "SequenceKind",
    "Staff",
    "Submission",
    "TransitionRecord",
]
