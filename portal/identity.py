"""What the portal knows of a person from their identity provider's claims.

Residents log in through a デジタル認証アプリ-shaped provider; staff through the municipality's directory.
Claims vary between providers, so they are normalised here once, without Flask.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from portal.roles import Role

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
