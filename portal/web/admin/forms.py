"""The administration forms, made of the catalog's field types: the same normalising, the same Japanese messages
and the same DADS markup (macros/fields.html) as residents' forms, so an administrator's typo reads like one.

The services check again and say what the fields cannot (a check digit, a window ending before it starts); their
problems land on the field they name.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from flask_babel import gettext

from portal.catalog import FieldDef, FieldError, Raw
from portal.messages import N_, Message
from portal.services.municipalities import (
    CLOSURE_REASON_LIMIT,
    CLOSURES_FROM,
    CLOSURES_UNTIL,
    CONTACT_LIMITS,
    LABELS,
    MAX_FEE,
    MAX_PROCESSING_DAYS,
    NAME_SETTINGS,
    TERM_TEXT_LIMITS,
    TEXT_LIMITS,
    Problem,
    setting_label,
)
from portal.web.formview import FieldView, field_view


def field(name: str, type_: str, *, required: bool = False, label: str | None = None, **settings: Any) -> FieldDef:
    """A catalog field of ``type_`` labelled as the settings are (LABELS) unless ``label`` says otherwise."""
    return FieldDef.model_validate(
        {"name": name, "type": type_, "label": label or LABELS[name], "required": required, **settings}
    )


@dataclass(frozen=True)
class Form:
    fields: tuple[FieldDef, ...]

    def parse(self, raw: Raw) -> tuple[dict[str, Any], dict[str, Message]]:
        """(values, errors by field) of a submitted form; an empty optional field is None."""
        values: dict[str, Any] = {}
        errors: dict[str, Message] = {}
        for f in self.fields:
            try:
                value = f.field_type.parse(f, raw)
                if value is None and f.required:
                    raise f.field_type.error(f, f.field_type.required_msgid)
            except FieldError as error:
                errors[f.name] = error.message
                continue
            values[f.name] = date.fromisoformat(value) if f.type == "date" and value else value
        return values, errors

    def raw(self, values: Mapping[str, Any]) -> dict[str, list[str]]:
        """The inputs that show ``values`` (current settings) in the form."""
        raw: dict[str, list[str]] = {}
        for f in self.fields:
            value = values.get(f.name)
            if value is not None:
                raw.update(f.field_type.to_raw(f, value.isoformat() if isinstance(value, date) else value))
        return raw

    def views(self, raw: Raw, errors: Mapping[str, Message], hints: Mapping[str, str] | None = None) -> list[FieldView]:
        """The fields for the macros, translated; ``hints`` replace a field's help (the catalog's value)."""
        views = [field_view(f, raw, errors.get(f.name)) for f in self.fields]
        return [replace(v, help=(hints or {}).get(v.name, v.help)) for v in views]


def problem_errors(problems: Iterable[Problem]) -> dict[str, Message]:
    """A service's problems by the setting they name ("" for the request as a whole)."""
    return {problem.setting: problem.message for problem in problems}


def error_summary(
    views: list[FieldView], errors: Mapping[str, Message], inputs: Mapping[str, str]
) -> list[tuple[str, str]]:
    """(anchor, message) for the error summary: each field's error, then those of other ``inputs`` (setting →
    input id, like the seal's file input), then any about the request as a whole (linking to the page's top)."""
    summary = [(v.input_id, v.error) for v in views if v.error]
    shown = {v.name for v in views}
    for key, message in errors.items():
        if key not in shown:
            summary.append((inputs.get(key, "main"), message.render(gettext)))
    return summary


DETAILS = Form(tuple(field(name, "text", required=True, max_length=limit) for name, limit in TEXT_LIMITS.items()))


def names_form() -> Form:
    """The municipality's name in each other language, each labelled in the page's language (「名称（English）」)."""
    return Form(
        tuple(
            field(key, "any_script_text", label=setting_label(key).render(gettext), max_length=TEXT_LIMITS["name"])
            for key in NAME_SETTINGS
        )
    )


NEW_MUNICIPALITY = Form(
    (
        field(
            "code",
            "text",
            required=True,
            max_length=6,
            pattern=r"[0-9]{6}",
            pattern_message=N_("%(label)sは6桁の数字で入力してください"),
            help=N_("6桁（最後の1桁は検査数字）。例：北海道函館市は 012025"),
        ),
        *DETAILS.fields,
    )
)

TERMS = Form(
    (
        field("enabled", "checkbox", label=N_("この手続きを住民に提供する")),
        field("fee", "number", min=0, max=MAX_FEE),
        field("processing_days", "number", min=1, max=MAX_PROCESSING_DAYS),
        field(
            "available_from", "date", help=N_("この日から受け付けます（日本時間）。空欄なら開始日の制限はありません。")
        ),
        field("available_until", "date", help=N_("この日まで受け付けます（日本時間）。空欄なら期限はありません。")),
        field("contact_name", "text", max_length=TERM_TEXT_LIMITS["contact_name"]),
        field("contact_phone", "phone"),
        field("contact_hours", "text", max_length=TERM_TEXT_LIMITS["contact_hours"]),
        field("help", "textarea", max_length=TERM_TEXT_LIMITS["help"], rows=4),
    )
)

CONTACT = Form(
    (
        field("phone", "phone", help=N_("例：03-1234-5678。受付票や本人通知にお問い合わせ先として表示します。")),
        field(
            "opening_hours", "text", max_length=CONTACT_LIMITS["opening_hours"], help=N_("例：平日 8時30分〜17時15分")
        ),
    )
)

CLOSURE = Form(
    (
        field("closure_from", "date", required=True, min=CLOSURES_FROM, max=CLOSURES_UNTIL),
        field("closure_until", "date", min=CLOSURES_FROM, max=CLOSURES_UNTIL),  # help: the view's, with the limit
        field("closure_reason", "text", required=True, max_length=CLOSURE_REASON_LIMIT, help=N_("例：庁舎移転のため")),
    )
)
