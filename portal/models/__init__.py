"""Typed SQLAlchemy models on one declarative base; Alembic owns the schema."""

from portal.models.api import (
    ApiScope,
    ApiToken,
    DeliveryState,
    IdempotentRequest,
    WebhookDelivery,
    WebhookEvent,
    WebhookSubscription,
)
from portal.models.audit import AuditAction, AuditActorKind, AuditChain, AuditEntry
from portal.models.base import Base
from portal.models.casework import AssignmentAction, AssignmentRecord, InternalNote
from portal.models.certificate import Certificate, NamedSequence, NumberSequence, SequenceKind
from portal.models.content import ContentVersion
from portal.models.conversation import CaseMessage
from portal.models.drafts import Draft
from portal.models.notifications import MailSettings, Notification, NotificationKind, NotificationState, RecipientKind
from portal.models.payment import Payment, PaymentStatus
from portal.models.people import Resident, Staff
from portal.models.personal_notices import NoticeChannel, NoticeRegistration, PersonalNotice
from portal.models.records import DemoHousehold, DemoPerson, LinkMethod, ResidentRecordLink
from portal.models.submission import CHANNEL_LABELS, ActorKind, Channel, Submission, TransitionRecord
from portal.models.tenancy import Municipality, MunicipalityClosure, MunicipalityProcedure, PendingSeal
from portal.models.versions import CatalogVersion

__all__ = [
    "CHANNEL_LABELS",
    "ActorKind",
    "ApiScope",
    "ApiToken",
    "AssignmentAction",
    "AssignmentRecord",
    "AuditAction",
    "AuditActorKind",
    "AuditChain",
    "AuditEntry",
    "Base",
    "CaseMessage",
    "CatalogVersion",
    "Channel",
    "Certificate",
    "ContentVersion",
    "DemoHousehold",
    "DeliveryState",
    "DemoPerson",
    "Draft",
    "IdempotentRequest",
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
    "NoticeChannel",
    "NoticeRegistration",
    "NumberSequence",
    "Payment",
    "PaymentStatus",
    "PendingSeal",
    "RecipientKind",
    "PersonalNotice",
    "Resident",
    "ResidentRecordLink",
    "SequenceKind",
    "Staff",
    "Submission",
    "TransitionRecord",
    "WebhookDelivery",
    "WebhookEvent",
    "WebhookSubscription",
]
