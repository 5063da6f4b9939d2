"""What the portal knows of a person from their identity provider's claims.

Residents log in through a デジタル認証アプリ-shaped provider; staff through the municipality's directory.
Claims vary between providers, so they are normalised here once, without Flask.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import date
from typing import Any

import jaconv

from portal.japan.municipality_code import is_valid as is_valid_municipality_code
from portal.messages import N_, Message
from portal.roles import STAFF_ROLES, Role

# The profile keys a form field may name in ``prefill:``.
PROFILE_KEYS = frozenset(
    {
        "family_name",
        "given_name",
        "family_name_kana",
        "given_name_kana",
        "birthdate",
        "gender",
        "postal_code",
        "address",
    }
)


@dataclass(frozen=True)
class ResidentProfile:
    subject: str
    family_name: str = ""
    given_name: str = ""
    family_name_kana: str = ""
    given_name_kana: str = ""
    birthdate: str = ""  # ISO 8601
    gender: str = ""
    postal_code: str = ""  # 7 half-width digits
    address: str = ""
    name_needs_split: bool = False  # the provider sent 氏名 with no separator: the resident splits it

    @classmethod
    def entered(cls, details: Mapping[str, Any]) -> ResidentProfile:
        """The profile of an applicant without an account, from their identity as staff entered it (PROFILE_KEYS)."""
        return cls(subject="", **{key: str(details[key]) for key in PROFILE_KEYS if details.get(key)})

    def prefill_values(self) -> dict[str, str]:
        values = asdict(self)
        return {key: values[key] for key in PROFILE_KEYS if values[key]}


@dataclass(frozen=True)
class StaffIdentity:
    subject: str
    name: str
    email: str
    municipality_code: str
    roles: frozenset[Role]


class ClaimsError(Exception):
    """The staff directory sent claims the portal cannot act on; nobody is logged in."""

    def __init__(self, message: Message) -> None:
        self.message = message
        super().__init__(message.render())


# The claim デジタル認証アプリ uses for the reading of the name (OIDC language-tagged claim).
KANA_NAME_CLAIM = "name#ja-Kana-JP"

# 氏 and 名 are separated by the first run of full-width (U+3000) or half-width spaces.
_NAME_SEPARATOR = re.compile("[ \u3000]+")
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_STAFF_ROLES_BY_VALUE = {role.value: role for role in STAFF_ROLES}
_POSTAL_HYPHENS = re.compile("[-\u2010\u2011\u2012\u2013\u2014\u2212\u30fc\uff0d]")


def resident_profile_from_claims(claims: Mapping[str, Any]) -> ResidentProfile:
    """Normalise a resident's claims; whatever is missing or malformed becomes "" rather than an error.

    Residents can always correct a prefilled value on the form, so a strange claim must not lock them out.
    """
    family_name, given_name, name_unsplit = _split_name(_text(claims.get("name")))
    kana_family, kana_given, kana_unsplit = _split_name(_text(claims.get(KANA_NAME_CLAIM)))
    address, postal_code = _address(claims.get("address"))
    return ResidentProfile(
        subject=_text(claims.get("sub")),
        family_name=family_name,
        given_name=given_name,
        family_name_kana=_katakana(kana_family),
        given_name_kana=_katakana(kana_given),
        birthdate=_iso_date(claims.get("birthdate")),
        gender=_text(claims.get("gender")),
        postal_code=postal_code,
        address=address,
        name_needs_split=name_unsplit or kana_unsplit,
    )


def staff_identity_from_claims(claims: Mapping[str, Any]) -> StaffIdentity:
    """Build the staff member's identity, refusing claims that would leave their authority unclear."""
    subject = _text(claims.get("sub"))
    if not subject:
        raise ClaimsError(Message(N_("職員のIDトークンに利用者識別子（sub）がありません。")))
    municipality = _text(claims.get("municipality"))
    if not municipality:
        raise ClaimsError(Message(N_("職員のIDトークンに地方公共団体コード（municipality）がありません。")))
    if not is_valid_municipality_code(municipality):
        raise ClaimsError(Message(N_("地方公共団体コード「%(code)s」が正しくありません。"), {"code": municipality}))
    roles = _staff_roles(claims.get("roles"))
    if not roles:
        raise ClaimsError(Message(N_("職員のIDトークンに有効な役割（roles）がありません。")))
    return StaffIdentity(
        subject=subject,
        name=_text(claims.get("name")),
        email=_text(claims.get("email")),
        municipality_code=municipality,
        roles=roles,
    )


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def _split_name(name: str) -> tuple[str, str, bool]:
    """(family, given, unsplit): with no separator the whole name is the family name, to be split later."""
    if not name:
        return "", "", False
    parts = _NAME_SEPARATOR.split(name, maxsplit=1)
    if len(parts) == 2:
        return parts[0], parts[1], False
    return name, "", True


def _katakana(kana: str) -> str:
    """Forms ask for full-width katakana; providers may send hiragana or half-width kana."""
    return jaconv.hira2kata(jaconv.h2z(kana, kana=True, ascii=False, digit=False))


def _address(claim: Any) -> tuple[str, str]:
    """(address, postal_code) from a plain string or an OIDC address object."""
    if isinstance(claim, str):
        return claim.strip(), ""
    if not isinstance(claim, Mapping):
        return "", ""
    address = _text(claim.get("formatted")) or "".join(
        _text(claim.get(key)) for key in ("region", "locality", "street_address")
    )
    return address, _postal_code(claim.get("postal_code"))


def _postal_code(value: Any) -> str:
    """Seven half-width digits, or "" when the value is not a Japanese postal code."""
    digits = _POSTAL_HYPHENS.sub("", jaconv.z2h(_text(value), kana=False, ascii=True, digit=True))
    return digits if len(digits) == 7 and digits.isascii() and digits.isdigit() else ""


def _iso_date(value: Any) -> str:
    text = _text(value)
    if not _ISO_DATE.fullmatch(text):
        return ""
    try:
        return date.fromisoformat(text).isoformat()
    except ValueError:
        return ""


def _staff_roles(claim: Any) -> frozenset[Role]:
    """Known staff roles only: a directory may carry roles of other systems, which grant nothing here."""
    values = [claim] if isinstance(claim, str) else claim if isinstance(claim, list) else []
    return frozenset(_STAFF_ROLES_BY_VALUE[v] for v in values if isinstance(v, str) and v in _STAFF_ROLES_BY_VALUE)
