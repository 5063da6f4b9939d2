"""Adding a municipality, changing its details and seal, and choosing the procedures it offers, on its own terms.

The ``flask municipality`` commands and the administration pages call these. Every check runs before anything is
written, so a refused request changes nothing (the seal file included), and every change is written to the audit
log with what it was before. A municipality the actor may not administer is not found, as in every other place.
"""

from __future__ import annotations

import hashlib
import os
import secrets
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, fields, replace
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import delete, or_, select
from sqlalchemy.orm import Session

from portal.catalog.datebound import parse_bound
from portal.japan import jst, municipality_code
from portal.japan.business_days import CLOSED_LABELS, BusinessCalendar
from portal.languages import JAPANESE, LANGUAGES, Language
from portal.messages import N_, Message
from portal.models import AuditAction, Municipality, MunicipalityClosure, MunicipalityProcedure, PendingSeal
from portal.models.base import utcnow
from portal.procedures import Procedures
from portal.seals import SealError, check_seal
from portal.services import audit, tenancy
from portal.services.actors import Administrator

# What people call each setting: labels of the administration forms, of problems and of the audit log.
LABELS = {
    "code": N_("地方公共団体コード"),
    "name": N_("名称"),
    "prefecture": N_("都道府県"),
    "mayor_title": N_("首長の職名"),
    "mayor_name": N_("首長の氏名"),
    "seal": N_("公印"),
    "enabled": N_("提供"),
    "fee": N_("手数料"),
    "processing_days": N_("標準処理期間"),
    "available_from": N_("受付開始日"),
    "available_until": N_("受付終了日"),
    "contact_name": N_("担当窓口"),
    "contact_phone": N_("電話番号"),
    "contact_hours": N_("受付時間"),
    "help": N_("案内文"),
    "closure_from": N_("閉庁日（初日）"),
    "closure_until": N_("閉庁日（最終日）"),
    "closure_reason": N_("閉庁の理由"),
    "closure_days": N_("閉庁日"),
    "phone": N_("代表電話番号"),
    "opening_hours": N_("開庁時間"),
}
TEXT_LIMITS = {"name": 100, "prefecture": 10, "mayor_title": 50, "mayor_name": 100}
# The municipality's name in each other language: the setting ``name_<code>`` (name_en, name_zh_hans, …).
NAME_SETTINGS: dict[str, Language] = {
    f"name_{language.code.lower().replace('-', '_')}": language for language in LANGUAGES if language is not JAPANESE
}
NAME_IN_LANGUAGE = N_("名称（%(language)s）")
TERM_TEXT_LIMITS = {"contact_name": 100, "contact_phone": 20, "contact_hours": 100, "help": 2000}
CONTACT_LIMITS = {"phone": 20, "opening_hours": 100}
PHONE_CHARACTERS = frozenset("0123456789-()+ ")
MAX_FEE = 1_000_000  # yen; the database's integer holds far more, no counter fee comes near
MAX_PROCESSING_DAYS = 365
PENDING_SEAL_LIFETIME = timedelta(hours=1)
MAX_CLOSURE_DAYS = 31  # one request: a 庁舎移転 or a disaster, not a calendar
CLOSURE_REASON_LIMIT = 100
CLOSURES_FROM = "-1y"  # a closure recorded after the fact (a typhoon yesterday) still counts for waits
CLOSURES_UNTIL = "+2y"  # this year's and next year's plans


@dataclass(frozen=True)
class Problem:
    """One reason for a refusal: the setting it concerns (a key of LABELS, or "" for the request) and why."""

    setting: str
    message: Message


class MunicipalityRefused(ValueError):
    """Why the request cannot be done, every problem found; nothing was changed."""

    def __init__(self, *problems: Problem) -> None:
        self.problems = problems
        super().__init__("\n".join(problem.message.render() for problem in problems))


def _problem(setting: str, msgid: str, **params: Any) -> Problem:
    return Problem(setting, Message(msgid, params))


def setting_label(key: str) -> Message:
    """What people call a setting (a key of LABELS or NAME_SETTINGS): 「手数料」, 「名称（English）」."""
    if (language := NAME_SETTINGS.get(key)) is not None:
        return Message(NAME_IN_LANGUAGE, {"language": language.name})
    return Message(LABELS[key])


@dataclass(frozen=True)
class Details:
    """What a municipality is called and who signs its certificates."""

    name: str
    prefecture: str
    mayor_title: str  # as printed on certificates, e.g. 見本市長
    mayor_name: str
    # Its name in other languages, by setting (a key of NAME_SETTINGS); blank or absent: the Japanese name.
    names: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Terms:
    """What a municipality sets for one procedure; None is the catalog's value (on the command line: keep the
    current value, which is the catalog's at first)."""

    fee: int | None = None
    processing_days: int | None = None
    available_from: date | None = None
    available_until: date | None = None
    contact_name: str | None = None
    contact_phone: str | None = None
    contact_hours: str | None = None
    help: str | None = None


TERMS = tuple(f.name for f in fields(Terms))


@dataclass(frozen=True)
class PublicContact:
    """Where residents ask the municipality (代表電話, 開庁時間): printed on receipts and in 本人通知, after a
    procedure's own 窓口. None: not said."""

    phone: str | None = None
    opening_hours: str | None = None


def add_municipality(
    session: Session,
    seals_dir: Path,
    actor: Administrator,
    code: str,
    details: Details,
    seal_name: str,
    seal_data: bytes,
) -> Municipality:
    """Check everything, store the seal in ``seals_dir`` as ``<code>.<svg|png>``, then add the municipality."""
    if not actor.operates_platform:
        raise MunicipalityRefused(_problem("", N_("自治体を追加できるのはプラットフォーム運用者だけです。")))
    problems = []
    if not municipality_code.is_valid(code):
        problems.append(
            _problem(
                "code",
                N_("「%(code)s」は地方公共団体コードではありません（6桁で、最後の1桁は検査数字です）。"),
                code=code,
            )
        )
    elif session.get(Municipality, code) is not None:
        problems.append(_problem("code", N_("地方公共団体コード %(code)s の自治体はすでにあります。"), code=code))
    problems += _details_problems(details)
    try:
        extension = check_seal(seal_name, seal_data)
    except SealError as error:
        problems.append(Problem("seal", error.message))
    if problems:
        raise MunicipalityRefused(*problems)
    file_name = _store_seal(seals_dir, f"{code}.{extension}", seal_data)
    municipality = Municipality(code=code, seal=file_name, names=_names(details), **_stripped(details))
    session.add(municipality)
    session.flush()
    added = {key: value for key, value in _details_of(municipality).items() if value is not None}
    audit.record(session, actor, AuditAction.MUNICIPALITY_ADDED, _target(code), None, added, code)
    return municipality


def update_municipality(session: Session, actor: Administrator, code: str, details: Details) -> Municipality:
    """Rename the municipality (in Japanese or another language) or change its mayor; certificates already issued
    keep what they printed."""
    municipality = existing_municipality(session, actor, code)
    if problems := _details_problems(details):
        raise MunicipalityRefused(*problems)
    before = _details_of(municipality)
    for key, value in _stripped(details).items():
        setattr(municipality, key, value)
    municipality.names = _names(details)
    session.flush()
    _audit(session, actor, AuditAction.MUNICIPALITY_CHANGED, _target(code), before, _details_of(municipality), code)
    return municipality


def update_contact(session: Session, actor: Administrator, code: str, contact: PublicContact) -> Municipality:
    """Set the 代表電話 and 開庁時間 residents are given; an empty one is not shown."""
    municipality = existing_municipality(session, actor, code)
    if problems := contact_problems(contact):
        raise MunicipalityRefused(*problems)
    before = _contact_of(municipality)
    for key in CONTACT_LIMITS:
        value = (getattr(contact, key) or "").strip()
        setattr(municipality, key, value or None)
    session.flush()
    _audit(session, actor, AuditAction.MUNICIPALITY_CHANGED, _target(code), before, _contact_of(municipality), code)
    return municipality


def contact_problems(contact: PublicContact) -> list[Problem]:
    problems = [
        _problem(key, N_("%(label)sは%(max)d文字以内にしてください。"), label=Message(LABELS[key]), max=limit)
        for key, limit in CONTACT_LIMITS.items()
        if len((getattr(contact, key) or "").strip()) > limit
    ]
    if contact.phone is not None and not set(contact.phone) <= PHONE_CHARACTERS:
        problems.append(
            _problem(
                "phone", N_("電話番号「%(value)s」に使えるのは数字、空白、+、-、括弧だけです。"), value=contact.phone
            )
        )
    return problems


def _contact_of(municipality: Municipality) -> dict[str, Any]:
    return {key: getattr(municipality, key) for key in CONTACT_LIMITS}


def stage_seal(session: Session, actor: Administrator, code: str, file_name: str, data: bytes) -> PendingSeal:
    """Check an uploaded seal and keep it for the preview; it replaces nothing until confirmed.

    The uploader's earlier pending seal for this municipality, and anyone's that has expired, are dropped."""
    existing_municipality(session, actor, code)
    assert actor.id is not None, "a seal is previewed on the administration pages, by a staff member"
    try:
        check_seal(file_name, data)
    except SealError as error:
        raise MunicipalityRefused(Problem("seal", error.message)) from None
    session.execute(
        delete(PendingSeal).where(
            PendingSeal.municipality_code == code,
            or_(PendingSeal.staff_id == actor.id, PendingSeal.created_at < utcnow() - PENDING_SEAL_LIFETIME),
        )
    )
    pending = PendingSeal(
        token=secrets.token_urlsafe(24), municipality_code=code, staff_id=actor.id, file_name=file_name, content=data
    )
    session.add(pending)
    session.flush()
    return pending


def pending_seal(session: Session, actor: Administrator, code: str, token: str) -> PendingSeal | None:
    """The actor's own unexpired upload for this municipality, else None."""
    found = session.scalars(select(PendingSeal).filter_by(token=token)).one_or_none()
    if (
        found is None
        or found.municipality_code != code
        or found.staff_id != actor.id
        or found.created_at < utcnow() - PENDING_SEAL_LIFETIME
    ):
        return None
    return found


def confirm_seal(session: Session, seals_dir: Path, actor: Administrator, code: str, token: str) -> Municipality:
    """Make the previewed seal the municipality's. It is stored under a new name, ``<code>-<hash>.<svg|png>``:
    the old file stays, because certificates already issued name the seal they were printed with."""
    municipality = existing_municipality(session, actor, code)
    pending = pending_seal(session, actor, code, token)
    if pending is None:
        raise MunicipalityRefused(
            _problem(
                "seal",
                N_(
                    "確認中の公印が見つかりません。時間が経ったか、別の画像をアップロードしました。もう一度アップロードしてください。"
                ),
            )
        )
    try:  # checked at the upload already; the extension comes with the check
        extension = check_seal(pending.file_name, pending.content)
    except SealError as error:
        raise MunicipalityRefused(Problem("seal", error.message)) from None
    digest = hashlib.sha256(pending.content).hexdigest()[:12]
    file_name = _store_seal(seals_dir, f"{code}-{digest}.{extension}", pending.content)
    before = {"seal": municipality.seal}
    municipality.seal = file_name
    session.delete(pending)
    session.flush()
    _audit(session, actor, AuditAction.SEAL_REPLACED, _target(code), before, {"seal": file_name}, code)
    return municipality


def cancel_seal(session: Session, actor: Administrator, code: str, token: str) -> None:
    """Drop the previewed seal; the municipality's stays as it was."""
    existing_municipality(session, actor, code)
    if (pending := pending_seal(session, actor, code, token)) is not None:
        session.delete(pending)
        session.flush()


def enable_procedure(
    session: Session, procedures: Procedures, actor: Administrator, code: str, slug: str, terms: Terms
) -> MunicipalityProcedure:
    """Offer ``slug`` in municipality ``code``; the terms given replace current ones, None keeps them."""
    municipality, offer, new = _offer(session, procedures, actor, code, slug)
    given = {key: value for key in TERMS if (value := getattr(terms, key)) is not None}
    return _set_offer(session, actor, municipality, offer, new, True, replace(_terms_of(offer), **given))


def set_procedure(
    session: Session,
    procedures: Procedures,
    actor: Administrator,
    code: str,
    slug: str,
    *,
    enabled: bool,
    terms: Terms,
) -> MunicipalityProcedure:
    """Every setting of ``slug`` in ``code`` at once, as the administration form sends them: a None term is the
    catalog's value. A procedure set up but not offered keeps its terms for when it is."""
    municipality, offer, new = _offer(session, procedures, actor, code, slug)
    return _set_offer(session, actor, municipality, offer, new, enabled, terms)


def disable_procedure(session: Session, actor: Administrator, code: str, slug: str) -> MunicipalityProcedure:
    """Stop offering ``slug``; its terms stay, so enabling it again restores them. Submissions are untouched."""
    municipality = existing_municipality(session, actor, code)
    offer = municipality.procedure(slug)
    if offer is None:
        raise MunicipalityRefused(
            _problem("slug", N_("%(code)s では手続き「%(slug)s」を提供したことがありません。"), code=code, slug=slug)
        )
    return _set_offer(session, actor, municipality, offer, False, False, _terms_of(offer))


def closures(session: Session, code: str, since: date | None = None) -> list[MunicipalityClosure]:
    """The municipality's own 閉庁日 (from ``since``), in date order."""
    query = select(MunicipalityClosure).filter_by(municipality_code=code).order_by(MunicipalityClosure.day)
    if since is not None:
        query = query.where(MunicipalityClosure.day >= since)
    return list(session.scalars(query))


def add_closures(
    session: Session, actor: Administrator, code: str, first: date, last: date | None, reason: str
) -> list[MunicipalityClosure]:
    """Close the offices from ``first`` to ``last`` (None: that day only) for ``reason``. Days already closed
    (weekends, national holidays, 年末年始, closures set before) are left as they are; a range of nothing else is
    refused. 期限日 already set stay; submissions from now on, and clocks that stopped and start again, count
    without these days."""
    existing_municipality(session, actor, code)
    last = first if last is None else last
    problems = closure_problems(first, last, reason)
    calendar = BusinessCalendar.of(c.day for c in closures(session, code))
    days = [first + timedelta(days=i) for i in range((last - first).days + 1)] if not problems else []
    opened = [day for day in days if calendar.is_open(day)]
    if days and not opened:
        why = Message(CLOSED_LABELS[calendar.closed(first)])  # type: ignore[index]
        if first == last:
            problems.append(
                _problem(
                    "closure_from", N_("%(day)s はもともと閉庁日です（%(why)s）。"), day=first.isoformat(), why=why
                )
            )
        else:
            problems.append(
                _problem(
                    "closure_from",
                    N_(
                        "%(first)s から %(last)s までは、すべてもともと閉庁日です（土日・祝日・年末年始・登録済みの閉庁日）。"
                    ),
                    first=first.isoformat(),
                    last=last.isoformat(),
                )
            )
    if problems:
        raise MunicipalityRefused(*problems)
    added = [MunicipalityClosure(municipality_code=code, day=day, reason=reason.strip()) for day in opened]
    session.add_all(added)
    session.flush()
    after = {"closure_days": [day.isoformat() for day in opened], "closure_reason": reason.strip()}
    audit.record(session, actor, AuditAction.CLOSURE_ADDED, _target(code), None, after, code)
    return added


def remove_closure(session: Session, actor: Administrator, code: str, day: date) -> None:
    """Open the offices again on ``day`` (a closure entered by mistake or called off)."""
    existing_municipality(session, actor, code)
    found = session.scalars(select(MunicipalityClosure).filter_by(municipality_code=code, day=day)).one_or_none()
    if found is None:
        raise MunicipalityRefused(
            _problem("closure_from", N_("%(day)s は閉庁日として登録されていません。"), day=day.isoformat())
        )
    before = {"closure_days": [day.isoformat()], "closure_reason": found.reason}
    session.delete(found)
    session.flush()
    after = {"closure_days": None, "closure_reason": None}
    audit.record(session, actor, AuditAction.CLOSURE_REMOVED, _target(code), before, after, code)


def closure_problems(first: date, last: date, reason: str) -> list[Problem]:
    """Everything wrong with a closure request, checked together."""
    problems = []
    if not reason.strip() or len(reason.strip()) > CLOSURE_REASON_LIMIT:
        problems.append(
            _problem(
                "closure_reason",
                N_("%(label)sは1文字以上%(max)d文字以内にしてください。"),
                label=Message(LABELS["closure_reason"]),
                max=CLOSURE_REASON_LIMIT,
            )
        )
    today = jst.today()
    earliest, latest = parse_bound(CLOSURES_FROM).resolve(today), parse_bound(CLOSURES_UNTIL).resolve(today)
    if last < first:
        problems.append(
            _problem(
                "closure_until",
                N_("最終日（%(last)s）が初日（%(first)s）より前です。"),
                first=first.isoformat(),
                last=last.isoformat(),
            )
        )
    elif (last - first).days + 1 > MAX_CLOSURE_DAYS:
        problems.append(
            _problem("closure_until", N_("一度に登録できる閉庁日は%(max)d日分までです。"), max=MAX_CLOSURE_DAYS)
        )
    for key, day in (("closure_from", first), ("closure_until", last)):
        if not earliest <= day <= latest:
            problems.append(
                _problem(
                    key,
                    N_("閉庁日は%(earliest)sから%(latest)sまでの日にしてください（%(day)sは登録できません）。"),
                    earliest=earliest.isoformat(),
                    latest=latest.isoformat(),
                    day=day.isoformat(),
                )
            )
            break
    return problems


def existing_municipality(session: Session, actor: Administrator, code: str) -> Municipality:
    """The municipality ``actor`` may administer, else refused as not found (whether it exists or not)."""
    found = tenancy.municipality(session, code)
    if found is None or not actor.may_administer(code):
        raise MunicipalityRefused(_problem("code", N_("地方公共団体コード %(code)s の自治体はありません。"), code=code))
    return found


def _offer(
    session: Session, procedures: Procedures, actor: Administrator, code: str, slug: str
) -> tuple[Municipality, MunicipalityProcedure, bool]:
    municipality = existing_municipality(session, actor, code)
    catalog = procedures.published(session).catalog
    if slug not in catalog:
        known = ", ".join(catalog) or "-"
        raise MunicipalityRefused(
            _problem(
                "slug", N_("カタログに手続き「%(slug)s」はありません（あるもの：%(known)s）。"), slug=slug, known=known
            )
        )
    offer = municipality.procedure(slug)
    return (municipality, offer, False) if offer is not None else (municipality, MunicipalityProcedure(slug=slug), True)


def _set_offer(
    session: Session,
    actor: Administrator,
    municipality: Municipality,
    offer: MunicipalityProcedure,
    new: bool,
    enabled: bool,
    terms: Terms,
) -> MunicipalityProcedure:
    if problems := terms_problems(terms):
        raise MunicipalityRefused(*problems)
    before = _settings_of(enabled=False, terms=Terms()) if new else _settings_of(offer.enabled, _terms_of(offer))
    for key in TERMS:
        value = getattr(terms, key)
        setattr(offer, key, value.strip() if isinstance(value, str) else value)
    offer.enabled = enabled
    if new:
        municipality.procedures.append(offer)
    session.flush()
    after = _settings_of(offer.enabled, _terms_of(offer))
    if before["enabled"] != after["enabled"]:
        action = AuditAction.PROCEDURE_ENABLED if enabled else AuditAction.PROCEDURE_DISABLED
    else:
        action = AuditAction.PROCEDURE_CHANGED
    target = f"procedure:{municipality.code}/{offer.slug}"
    _audit(session, actor, action, target, before, after, municipality.code)
    return offer


def _audit(
    session: Session,
    actor: Administrator,
    action: AuditAction,
    target: str,
    before: dict[str, Any],
    after: dict[str, Any],
    code: str,
) -> None:
    """An entry with only what changed; nothing when nothing did (the same form saved twice)."""
    old, new = audit.changes(before, after)
    if new:
        audit.record(session, actor, action, target, old, new, code)


def _target(code: str) -> str:
    return f"municipality:{code}"


def _stripped(details: Details) -> dict[str, str]:
    return {key: getattr(details, key).strip() for key in TEXT_LIMITS}


def _names(details: Details) -> dict[str, str]:
    """The names given, by language code; a blank one is no name (the Japanese shows)."""
    return {NAME_SETTINGS[key].code: name.strip() for key, name in details.names.items() if name and name.strip()}


def _details_of(municipality: Municipality) -> dict[str, Any]:
    names = municipality.names or {}
    return {
        **{key: getattr(municipality, key) for key in (*TEXT_LIMITS, "seal")},
        **{key: names.get(language.code) for key, language in NAME_SETTINGS.items()},
    }


def _terms_of(offer: MunicipalityProcedure) -> Terms:
    return Terms(**{key: getattr(offer, key) for key in TERMS})


def _settings_of(enabled: bool, terms: Terms) -> dict[str, Any]:
    """As the audit log keeps them: JSON, dates in ISO."""
    values = {key: value.isoformat() if isinstance(value, date) else value for key, value in asdict(terms).items()}
    return {"enabled": bool(enabled), **values}


def _details_problems(details: Details) -> list[Problem]:
    problems = [
        _problem(key, N_("%(label)sは1文字以上%(max)d文字以内にしてください。"), label=Message(LABELS[key]), max=limit)
        for key, limit in TEXT_LIMITS.items()
        if not getattr(details, key).strip() or len(getattr(details, key).strip()) > limit
    ]
    limit = TEXT_LIMITS["name"]
    for key, name in details.names.items():
        if key not in NAME_SETTINGS:
            problems.append(_problem("", N_("「%(key)s」という設定はありません。"), key=key))
        elif len(name.strip()) > limit:
            problems.append(
                _problem(key, N_("%(label)sは%(max)d文字以内にしてください。"), label=setting_label(key), max=limit)
            )
    return problems


def terms_problems(terms: Terms) -> list[Problem]:
    """Everything wrong with ``terms``, checked together (the window's ends against each other)."""
    problems = []
    if terms.fee is not None and not 0 <= terms.fee <= MAX_FEE:
        problems.append(
            _problem(
                "fee",
                N_("手数料は0円（無料）から%(max)d円までにしてください（%(value)d円は設定できません）。"),
                max=MAX_FEE,
                value=terms.fee,
            )
        )
    days = terms.processing_days
    if days is not None and not 1 <= days <= MAX_PROCESSING_DAYS:
        problems.append(
            _problem(
                "processing_days",
                N_("標準処理期間は1日から%(max)d日までにしてください（%(value)d日は設定できません）。"),
                max=MAX_PROCESSING_DAYS,
                value=days,
            )
        )
    start, end = terms.available_from, terms.available_until
    if start is not None and end is not None and end < start:
        problems.append(
            _problem(
                "available_until",
                N_("受付終了日（%(end)s）が受付開始日（%(start)s）より前です。"),
                start=start.isoformat(),
                end=end.isoformat(),
            )
        )
    for key, limit in TERM_TEXT_LIMITS.items():
        value = getattr(terms, key)
        if value is not None and len(value.strip()) > limit:
            problems.append(
                _problem(key, N_("%(label)sは%(max)d文字以内にしてください。"), label=Message(LABELS[key]), max=limit)
            )
    phone = terms.contact_phone
    if phone is not None and not set(phone) <= PHONE_CHARACTERS:
        problems.append(
            _problem(
                "contact_phone", N_("電話番号「%(value)s」に使えるのは数字、空白、+、-、括弧だけです。"), value=phone
            )
        )
    return problems


def _store_seal(seals_dir: Path, file_name: str, data: bytes) -> str:
    """Write the seal once. A file of that name is never overwritten: certificates issued with it must keep it.
    Finding the very same image there already (a seal put back) is fine."""
    path = seals_dir / file_name
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    except FileExistsError:
        if path.read_bytes() == data:
            return file_name
        raise MunicipalityRefused(
            _problem("seal", N_("公印のファイル %(file)s がすでにあります。先に削除してください。"), file=str(path))
        ) from None
    with os.fdopen(descriptor, "wb") as file:
        file.write(data)
    return file_name
