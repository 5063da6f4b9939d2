"""The running app's procedures and records, for the blueprints (services receive them explicitly)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from flask import current_app, g
from sqlalchemy.orm import Session

from portal.attachments import ClamdScanner, VirusScanner
from portal.contentcache import ContentCache
from portal.models import Municipality
from portal.payments import PaymentProvider
from portal.procedures import EXTENSION, Procedures, Published
from portal.records.backend import ResidentRecords
from portal.records.registry import RecordsDirectory
from portal.services import tenancy
from portal.storage import Storage, build_storage

if TYPE_CHECKING:
    from portal.config import Settings

RECORDS_EXTENSION = "madoguchi.records"
CONTENT_EXTENSION = "madoguchi.content"
ATTACHMENTS_EXTENSION = "madoguchi.attachments"


@dataclass(frozen=True)
class Attachments:
    """Where uploads are stored and, when CLAMD_SOCKET is set, what scans them: built once at start."""

    storage: Storage
    scanner: VirusScanner | None

    @classmethod
    def configured(cls, settings: Settings) -> Attachments:
        scanner = ClamdScanner(settings.clamd_address) if settings.clamd_address else None
        return cls(build_storage(settings.attachment_storage), scanner)


PAYMENTS_EXTENSION = "madoguchi.payments"


def current_procedures() -> Procedures:
    """Built once by create_app; versions are parsed once per process (they never change)."""
    return current_app.extensions[EXTENSION]


def current_content() -> ContentCache:
    """What public pages read, kept in this process while the content token holds (portal.contentcache)."""
    return current_app.extensions[CONTENT_EXTENSION]  # type: ignore[no-any-return]


def kept_municipality(session: Session, code: str) -> Municipality | None:
    """The municipality with the procedures it offers, as kept while the content token holds: a copy that belongs
    to no session. Merge it into the request's (``session.merge(kept, load=False)``, no query) before reading
    more than its key; settings are changed on a row loaded afresh, never on this."""

    def load() -> Municipality | None:
        found = tenancy.municipality(session, code, with_procedures=True)
        if found is not None:
            session.expunge(found)
        return found

    return current_content().get(session, ("municipality", code), load)


def current_published(session: Session) -> Published:
    """The catalog as published when the request first asked: one request sees one version of it."""
    if "published" not in g:
        g.published = current_procedures().published(session)
    return g.published


def municipality_records(municipality_code: str, session: Session) -> ResidentRecords | None:
    """One municipality's records opened on the request's session, or None when it has no backend."""
    directory: RecordsDirectory = current_app.extensions[RECORDS_EXTENSION]
    return directory.open(municipality_code, session)


def current_records(session: Session) -> dict[str, ResidentRecords]:
    """Every configured municipality's records, opened on the request's session (built once at start)."""
    directory: RecordsDirectory = current_app.extensions[RECORDS_EXTENSION]
    return directory.open_all(session)


def current_attachments() -> Attachments:
    return current_app.extensions[ATTACHMENTS_EXTENSION]  # type: ignore[no-any-return]


def seals_dir() -> Path:
    """Where seal images live (static/seals/), read by the certificate renderer and served to pages."""
    return Path(current_app.static_folder or "static") / "seals"


def current_payment_provider() -> PaymentProvider | None:
    """The configured payment provider (built once at start), or None when the deployment has none."""
    provider: PaymentProvider | None = current_app.extensions[PAYMENTS_EXTENSION]
    return provider
