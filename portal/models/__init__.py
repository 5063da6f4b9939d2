"""Typed SQLAlchemy models on one declarative base; Alembic owns the schema."""

from portal.models.audit import AuditAction, AuditActorKind, AuditEntry
from portal.models.base import Base
from portal.models.casework import AssignmentAction, AssignmentRecord, InternalNote
from portal.models.certificate import Certificate, NamedSequence, NumberSequence, SequenceKind
from portal.models.content import ContentVersion
from portal.models.conversation import CaseMessage
from portal.models.drafts import Draft
from portal.models.notifications import MailSettings, Notification, NotificationKind, NotificationState
from portal.models.payment import Payment, PaymentStatus
from portal.models.people import Resident, Staff
from portal.models.records import DemoHousehold, DemoPerson, LinkMethod, ResidentRecordLink
from portal.models.submission import ActorKind, Submission, TransitionRecord
from portal.models.tenancy import Municipality, MunicipalityClosure, MunicipalityProcedure, PendingSeal
from portal.models.versions import CatalogVersion

__all__ = [
    "ActorKind",
    "AssignmentAction",
    "AssignmentRecord",
    "AuditAction",
    "AuditActorKind",
    "AuditEntry",
    "Base",
    "CaseMessage",
    "CatalogVersion",
    "Certificate",
    "ContentVersion",
    "DemoHousehold",
    "DemoPerson",
    "Draft",
    "InternalNote",
    "LinkMethod",
    "MailSettings",
    "Municipality",
    "MunicipalityClosure",
    "MunicipalityProcedure",
    "NamedSequence",
    "Notification",
    "NotificationKind",
    "NotificationState",
    "NumberSequence",
    "Payment",
    "PaymentStatus",
    "PendingSeal",
    "Resident",
    "ResidentRecordLink",
    "SequenceKind",
    "Staff",
    "Submission",
    "TransitionRecord",
]
