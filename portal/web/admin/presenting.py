"""What the administration pages show, already translated: procedures as a municipality offers them, and audit
entries (a municipality's settings, the catalog's publications) as who, when, what and before → after."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from flask_babel import gettext as _
from flask_babel import ngettext

from portal.catalog import ProcedureDefinition, fees
from portal.catalog.retention import Retention, parse_retention
from portal.definitions import Kind
from portal.japan import jst
from portal.messages import N_
from portal.models import AuditAction, AuditActorKind, AuditEntry, MunicipalityProcedure
from portal.procedures import Published
from portal.services.municipalities import LABELS, NAME_SETTINGS, setting_label
from portal.services.queue import VIEW_LABELS, View
from portal.web.admin.catalog_presenting import source_name, version_name
from portal.web.fees import fee_formula, yen
from portal.web.i18n import has_translation, offered
from portal.web.templating import wareki_date
from portal.yamlsource import translatable

ACTIONS = {
    AuditAction.MUNICIPALITY_ADDED: N_("自治体の追加"),
    AuditAction.MUNICIPALITY_CHANGED: N_("自治体の設定の変更"),
    AuditAction.SEAL_REPLACED: N_("公印の差し替え"),
    AuditAction.PROCEDURE_ENABLED: N_("手続きの提供開始"),
    AuditAction.PROCEDURE_DISABLED: N_("手続きの提供停止"),
    AuditAction.PROCEDURE_CHANGED: N_("手続きの設定の変更"),
    AuditAction.CLOSURE_ADDED: N_("閉庁日の登録"),
    AuditAction.CLOSURE_REMOVED: N_("閉庁日の取り消し"),
    AuditAction.CATALOG_PUBLISHED: N_("カタログを公開"),
    AuditAction.QUEUE_EXPORTED: N_("受付一覧のCSV書き出し"),
    AuditAction.STATISTICS_EXPORTED: N_("統計のCSV書き出し"),
    AuditAction.CASE_VIEWED: N_("申請の閲覧"),
    AuditAction.ATTACHMENT_DOWNLOADED: N_("添付ファイルのダウンロード"),
    AuditAction.CERTIFICATE_DOWNLOADED: N_("証明書のダウンロード"),
    AuditAction.CASES_LISTED: N_("申請の一覧の読み取り"),
    AuditAction.LEGAL_HOLD_SET: N_("保全"),
    AuditAction.LEGAL_HOLD_CLEARED: N_("保全の解除"),
    AuditAction.CASE_PURGED: N_("保存期間の経過による削除"),
    AuditAction.API_TOKEN_CREATED: N_("APIトークンの発行"),
    AuditAction.API_TOKEN_REVOKED: N_("APIトークンの失効"),
    AuditAction.WEBHOOK_ADDED: N_("Webhookの登録"),
    AuditAction.WEBHOOK_REMOVED: N_("Webhookの削除"),
    AuditAction.WEBHOOK_REDELIVERED: N_("Webhookの再送"),
    AuditAction.NOTICE_REGISTERED: N_("本人通知の登録"),
    AuditAction.NOTICE_UNREGISTERED: N_("本人通知の登録の解除"),
    AuditAction.NOTICE_POSTED: N_("本人通知の郵送"),
}
ACTOR_KINDS = {
    AuditActorKind.STAFF: N_("職員"),
    AuditActorKind.COMMAND_LINE: N_("コマンドライン"),
    AuditActorKind.API_CLIENT: N_("APIクライアント"),
    AuditActorKind.SYSTEM: N_("自動処理"),
}
# A municipality's settings, a catalog source's version, what a legal hold, a purge or a 本人通知 entry records, an
# API token's and a webhook's.
SETTINGS = {
    **LABELS,
    "version": N_("版"),
    "reason": N_("理由"),
    "retention": N_("保存期間"),
    "closed_on": N_("完了した日"),
    "name": N_("名前"),
    "scope": N_("権限"),
    "roles": N_("役割"),
    "revoked": N_("失効"),
    "url": N_("送信先のURL"),
    "events": N_("通知するイベント"),
    "procedures": N_("対象の手続き"),
    "event": N_("イベントID"),
    "reference": N_("受付番号"),
    "year": N_("年度"),
    "registered": N_("登録"),
    "posted": N_("郵送"),
}
YES_NO = frozenset({"registered", "posted"})
# What an export of the queue records (portal/web/backoffice/queue.py).
EXPORT_LABELS = {"view": N_("表示"), "filters": N_("条件"), "count": N_("件数"), "references": N_("受付番号")}
EXPORT_FILTERS = {
    "procedure": N_("手続き"),
    "state": N_("状況"),
    "from": N_("申請日（から）"),
    "to": N_("申請日（まで）"),
}
READ_TARGETS = {
    "submission": N_("申請 %(name)s"),
    "attachment": N_("添付ファイル %(name)s"),
    "certificate": N_("証明書 %(name)s"),
}
SHOWN_REFERENCES = 20
TERM_SETTINGS = frozenset({"fee", "processing_days", "contact_name", "contact_phone", "contact_hours", "help"})
WINDOW = frozenset({"available_from", "available_until"})


def untranslated(definition: ProcedureDefinition) -> str | None:
    """The languages offered in which some text of the procedure (title, labels, help, options…) has no
    translation, listed by their own names (「English、한국어」), or None: their pages show that text in Japanese,
    which the administrator should know before offering it to everyone."""
    texts = [
        text for _path, text in translatable(definition.model_dump(mode="json", by_alias=True, serialize_as_any=True))
    ]
    missing = [
        language.name
        for language in offered()
        if language.catalog is not None and not all(has_translation(text, language) for text in texts)
    ]
    return _("、").join(missing) if missing else None


@dataclass(frozen=True)
class ProcedureRow:
    slug: str
    title: str
    status: str
    offered_now: bool
    available_from: date | None
    available_until: date | None
    fee: str  # how it is reckoned, the municipality's own fee applied
    own_fee: bool
    processing_days: int
    own_processing_days: bool
    contact_name: str | None
    untranslated: str | None  # the languages without a translation of some of its text


def procedure_rows(published: Published, offers: dict[str, MunicipalityProcedure]) -> list[ProcedureRow]:
    """Every catalog procedure, adopted or not, with the municipality's terms where it set its own."""
    today = jst.today()
    rows = []
    for slug, definition in published.catalog.items():
        offer = offers.get(slug)
        if offer is None:
            status = _("未採用")
        elif not offer.enabled:
            status = _("提供停止中")
        elif not offer.available_on(today):
            status = _("受付期間外")
        else:
            status = _("提供中")
        rows.append(
            ProcedureRow(
                slug=slug,
                title=_(definition.title),
                status=status,
                offered_now=offer is not None and offer.available_on(today),
                available_from=offer.available_from if offer else None,
                available_until=offer.available_until if offer else None,
                fee=fee_formula(
                    definition.model_copy(update={"fee": fees.with_own_fee(definition.fee, offer.fee)})
                    if offer and offer.fee is not None
                    else definition
                ),
                own_fee=offer is not None and offer.fee is not None,
                processing_days=(
                    offer.processing_days if offer and offer.processing_days is not None else definition.processing_days
                ),
                own_processing_days=offer is not None and offer.processing_days is not None,
                contact_name=offer.contact_name if offer else None,
                untranslated=untranslated(definition),
            )
        )
    return rows


@dataclass(frozen=True)
class AuditRow:
    entry: AuditEntry
    who: str
    action: str
    target: str
    changes: list[tuple[str, str, str]]  # (setting, before, after)


def audit_rows(entries: list[AuditEntry], published: Published) -> list[AuditRow]:
    return [
        AuditRow(
            entry=entry,
            who=_("%(name)s（%(kind)s）", name=entry.actor_name, kind=_(ACTOR_KINDS[entry.actor_kind])),
            action=_(ACTIONS[entry.action]),
            target=_target(entry.target, published),
            changes=_changes(entry),
        )
        for entry in entries
    ]


def _changes(entry: AuditEntry) -> list[tuple[str, str, str]]:
    if entry.action is AuditAction.QUEUE_EXPORTED:
        return _export(entry.after or {})
    if entry.action is AuditAction.CASES_LISTED:
        return _export(entry.after or {})[2:]  # how many and which: a list read through the API has no view
    return [
        (
            _setting(key),
            _shown(key, (entry.before or {}).get(key), entry.before is None),
            _shown(key, value, False),
        )
        for key, value in (entry.after or {}).items()
    ]


def retention_period(retention: Retention) -> str:
    """「5年」「18か月」「30日」: plural forms, as other languages count them (1 year, 5 years)."""
    if retention.unit == "y":
        return ngettext("%(num)d年", "%(num)d年", retention.amount)
    if retention.unit == "m":
        return ngettext("%(num)dか月", "%(num)dか月", retention.amount)
    return ngettext("%(num)d日", "%(num)d日", retention.amount)


def _setting(key: str) -> str:
    if key in NAME_SETTINGS:
        return setting_label(key).render(_)
    return _(SETTINGS.get(key, key))


def _target(target: str, published: Published) -> str:
    kind, _sep, name = target.partition(":")
    if kind in {k.value for k in Kind}:  # a catalog source: "definition:sodai_gomi"
        return source_name(Kind(kind), name)
    if kind == "queue":
        return _("受付一覧")
    if kind == "statistics":
        return _("統計")
    if kind == "cases":
        return _("申請の一覧")
    if kind in READ_TARGETS:  # what of a case was read: its 受付番号, an attachment's storage key, a 発行番号
        return _(READ_TARGETS[kind], name=name)
    if kind == "api_token":
        return _("APIトークン（ID %(id)s）", id=name)
    if kind == "webhook":
        return _("Webhook（ID %(id)s）", id=name)
    if kind == "personal_notice":
        return _("本人通知（番号 %(id)s）", id=name)
    if kind == "notice_registration":
        return _("本人通知の登録（番号 %(id)s）", id=name)
    if kind == "procedure":
        slug = name.rpartition("/")[2]
        definition = published.definition(slug)
        return _("手続き「%(title)s」", title=_(definition.title) if definition else slug)
    return _("自治体")


def _shown(key: str, value: Any, nothing_before: bool) -> str:
    if nothing_before:
        return "—"
    if value is None:
        if key in TERM_SETTINGS:
            return _("カタログの値")
        return _("制限なし") if key in WINDOW else _("なし")
    if key == "enabled":
        return _("提供する") if value else _("提供しない")
    if key in YES_NO:
        return _("済み") if value else _("未")
    if key == "version":
        return _("取り下げ") if value == "withdrawn" else version_name(value)
    if key in WINDOW:
        return wareki_date(date.fromisoformat(value))
    if key == "closure_days":
        return "、".join(wareki_date(date.fromisoformat(day)) for day in value)
    if key == "fee":
        return yen(value)
    if key == "processing_days":
        return _("%(days)d日", days=value)
    if key == "closed_on":
        return wareki_date(date.fromisoformat(value))
    if key == "retention":
        return retention_period(parse_retention(value))
    return str(value)


def _references(after: dict[str, Any]) -> str:
    references = after.get("references") or []
    listed = "、".join(references[:SHOWN_REFERENCES])
    if len(references) > SHOWN_REFERENCES:
        listed = _("%(list)s ほか%(count)d件", list=listed, count=len(references) - SHOWN_REFERENCES)
    return listed or _("なし")


def _export(after: dict[str, Any]) -> list[tuple[str, str, str]]:
    """An export of the queue as (what, "—", value): its view, its filters, how many cases and which."""
    filters = after.get("filters") or {}
    shown = [
        _("%(label)s：%(value)s", label=_(EXPORT_FILTERS[k]), value=v)
        for k, v in filters.items()
        if k in EXPORT_FILTERS
    ]
    if filters.get("searched"):
        shown.append(_("検索語あり"))
    view = after.get("view", "")
    return [
        (_(EXPORT_LABELS["view"]), "—", _(VIEW_LABELS[View(view)]) if view in set(View) else view),
        (_(EXPORT_LABELS["filters"]), "—", "、".join(shown) or _("なし")),
        (_(EXPORT_LABELS["count"]), "—", _("%(count)d件", count=after.get("count", 0))),
        (_(EXPORT_LABELS["references"]), "—", _references(after)),
    ]
