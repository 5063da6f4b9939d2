"""Attachments on the web: a wizard step's uploads kept in the draft, and downloads of a submission's files.

A reference from the browser is never trusted (see :mod:`portal.attachments.reference`): a file field's inputs
are rebuilt here from the references this portal stored for the resident's draft, plus the files uploaded now,
minus the one a 削除 button names; whatever the request sends under a file field's name is ignored. Uploads
are all checked before any is stored, so a refused file leaves the storage and the draft as they were.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

from flask import Flask, Response, abort, current_app, has_app_context, request, send_file, url_for
from flask_babel import gettext
from sqlalchemy import event
from sqlalchemy.orm import Session, SessionTransaction
from werkzeug.datastructures import FileStorage, MultiDict

from portal.attachments import AttachmentRef, CheckedUpload, check_upload, format_size, store_upload
from portal.catalog import FieldDef, ProcedureDefinition
from portal.catalog.fieldtypes.base import Raw
from portal.catalog.fieldtypes.file import FileType
from portal.messages import N_, Message
from portal.services.orphans import orphaned_in
from portal.storage import MissingObject
from portal.web.current import current_attachments

REMOVE = "remove_attachment"  # the 削除 buttons: name=REMOVE, value=the attachment's key
TOO_MANY = N_("%(label)sは%(max)d個まで添付できます")
FORM_OVERHEAD = 1024 * 1024  # the step's other inputs besides its files
V = TypeVar("V", bound=Callable[..., Any])

log = logging.getLogger(__name__)


def file_fields(fields: Iterable[FieldDef]) -> list[FieldDef]:
    return [f for f in fields if isinstance(f.field_type, FileType)]


def stored_refs(f: FieldDef, raw: Raw) -> list[AttachmentRef]:
    """The references kept under ``f`` in inputs the portal wrote itself (a draft, a submission's answers)."""
    refs = []
    for text in raw.get(f.name, ()):
        try:
            refs.append(AttachmentRef.from_json(json.loads(text)))
        except ValueError:
            continue
    return refs


def answered_refs(
    definition: ProcedureDefinition, answers: Mapping[str, object], field: str | None = None
) -> list[AttachmentRef]:
    """Every attachment of a submission's answers (or of its ``field`` only), in the order of the form's fields."""
    return [
        AttachmentRef.from_json(value)
        for f in file_fields(definition.fields)
        if field is None or f.name == field
        for value in answers.get(f.name) or ()  # type: ignore[attr-defined]
    ]


def accepts_uploads(limit: Callable[..., int]) -> Callable[[V], V]:
    """Mark a view that takes files: ``limit(**view_args)`` bytes is its request size limit. Put it under the
    other decorators (functools.wraps carries the mark up to the registered view)."""

    def mark(view: V) -> V:
        view.upload_limit = limit  # type: ignore[attr-defined]
        return view

    return mark


def before_the_form_is_read() -> None:
    """Before anything reads the form (the CSRF check does, first): a view marked by :func:`accepts_uploads` gets
    its larger size limit, and a multipart request to it that Werkzeug could not read at all (a file name that is
    not UTF-8, which no browser sends) is refused saying so, rather than as a missing CSRF token."""
    limit = getattr(current_app.view_functions.get(request.endpoint or ""), "upload_limit", None)
    if request.method != "POST" or limit is None:
        return
    request.max_content_length = limit(**(request.view_args or {}))
    if request.mimetype == "multipart/form-data" and not (request.form or request.files):  # not even its token
        abort(
            400,
            description=gettext(
                "送信されたファイルの名前を読み取れませんでした。ファイル名を変えてから、もう一度選んでください。"
            ),
        )


def upload_limit(fields: Iterable[FieldDef]) -> int:
    """The largest request a step with these fields may send: every file at its largest, and the form."""
    total = FORM_OVERHEAD
    for f in file_fields(fields):
        settings = f.settings
        total += int(settings.max_size) * settings.max_count
    return total


@dataclass
class StepFiles:
    """What a step's file fields come to: their inputs for the draft, or the errors that refused the uploads."""

    raw: dict[str, list[str]] = field(default_factory=dict)
    errors: dict[str, Message] = field(default_factory=dict)
    removed: list[AttachmentRef] = field(default_factory=list)


def attach(
    fields: Iterable[FieldDef], saved: Raw, files: MultiDict[str, FileStorage], remove: str | None, upload: bool
) -> StepFiles:
    """The file fields' inputs after removing ``remove`` and, when ``upload``, adding the files chosen now.

    With an error nothing is stored and ``raw`` is empty: the caller shows the errors and keeps the draft.
    """
    result = StepFiles()
    pending: dict[str, tuple[list[AttachmentRef], list[CheckedUpload]]] = {}
    for f in file_fields(fields):
        kept = stored_refs(f, saved)
        result.removed += [ref for ref in kept if ref.key == remove]
        kept = [ref for ref in kept if ref.key != remove]
        chosen = [upload for upload in files.getlist(f.name) if upload.filename] if upload else []
        checked: list[CheckedUpload] = []
        if error := _check(f, len(kept), chosen, checked):
            result.errors[f.name] = error
        pending[f.name] = (kept, checked)
    if result.errors:
        return StepFiles(errors=result.errors)
    storage = current_attachments().storage
    for name, (kept, checked) in pending.items():
        refs = kept + [store_upload(storage, upload) for upload in checked]
        result.raw[name] = [json.dumps(ref.to_json(), ensure_ascii=False, sort_keys=True) for ref in refs]
    return result


def _check(f: FieldDef, kept: int, chosen: list[FileStorage], checked: list[CheckedUpload]) -> Message | None:
    """The first refusal among the files chosen for ``f``; the checked files are appended to ``checked``."""
    field_type: FileType = f.field_type  # type: ignore[assignment]
    settings = field_type.settings(f)
    if kept + len(chosen) > settings.max_count:
        return Message(TOO_MANY, {"label": Message(f.label), "max": settings.max_count})
    rules = field_type.rules(f)
    for upload in chosen:
        outcome = check_upload(upload.filename or "", upload.stream, rules, scanner=current_attachments().scanner)
        if isinstance(outcome, Message):
            return outcome
        checked.append(outcome)
    return None


def init_app(app: Flask) -> None:
    """Files nothing refers to any more are deleted once that commits (see portal.services.orphans)."""
    if not event.contains(Session, "after_commit", _delete_orphaned):
        event.listen(Session, "after_commit", _delete_orphaned)
        event.listen(Session, "after_soft_rollback", _keep_orphaned)


def _delete_orphaned(session: Session) -> None:
    keys = orphaned_in(session)
    if not keys or not has_app_context():
        return
    storage = current_attachments().storage
    for key in sorted(keys):
        try:
            storage.delete(key)
        except Exception as error:  # noqa: BLE001 - the change is committed; a file left behind is only logged
            log.error("attachment %s not deleted after it was let go: %s", key, type(error).__name__)


def _keep_orphaned(session: Session, previous_transaction: SessionTransaction) -> None:
    if not previous_transaction.nested:  # rolled back: what referred to them still does
        orphaned_in(session)


def download(ref: AttachmentRef) -> Response:
    """The stored file as a download, never shown inline: its name (RFC 5987 for Japanese), its stored media
    type with nosniff, and no cache keeps it (personal data)."""
    try:
        stream = current_attachments().storage.open(ref.key)
    except MissingObject:
        abort(404)
    response = send_file(
        stream,  # type: ignore[arg-type]
        mimetype=ref.media_type,
        as_attachment=True,
        download_name=ref.name,
        conditional=False,
        etag=False,
        max_age=None,
    )
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def find(definition: ProcedureDefinition, answers: Mapping[str, object], key: str) -> AttachmentRef:
    """The attachment ``key`` among the answers; 404 for any other key."""
    return next((ref for ref in answered_refs(definition, answers) if ref.key == key), None) or abort(404)


def links(
    definition: ProcedureDefinition,
    answers: Mapping[str, object],
    endpoint: str,
    field: str | None = None,
    **values: str,
) -> list[Link]:
    """The submission's attachments (or its ``field``'s) as the case pages list them, each linking to its download."""
    return [
        Link(ref.name, format_size(ref.size), url_for(endpoint, key=ref.key, **values))
        for ref in answered_refs(definition, answers, field)
    ]


@dataclass(frozen=True)
class Link:
    name: str
    size: str
    url: str


def file_hint(f: FieldDef) -> str:
    """What a file field accepts, for its hint: 「JPEG / PNG のファイル、1つ5MB以下、3個まで」."""
    settings = f.settings
    rules = f.field_type.rules(f)  # type: ignore[attr-defined]
    return gettext(
        "%(accepted)s のファイル、1つ%(size)s以下、%(count)d個まで",
        accepted=rules.accepted,
        size=format_size(int(settings.max_size)),
        count=settings.max_count,
    )
