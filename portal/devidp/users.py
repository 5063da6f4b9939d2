"""Demo accounts of the development provider, read from users.yaml.

The file reproduces the claim shapes real providers send (name separators, kana scripts, address forms),
so the portal's normalisation is exercised on every login during development.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from types import MappingProxyType
from typing import Any, Literal, get_args

from portal.identity import KANA_NAME_CLAIM, ClaimsError, staff_identity_from_claims
from portal.yamlsource import Source, load

Kind = Literal["resident", "staff"]
KINDS: tuple[Kind, ...] = get_args(Kind)

# Which claims each scope releases, per kind of client: residents get デジタル認証アプリ's scopes,
# staff the directory's standard ones plus the portal's authority claims.
SCOPE_CLAIMS: Mapping[Kind, Mapping[str, tuple[str, ...]]] = MappingProxyType(
    {
        "resident": MappingProxyType(
            {
                "name": ("name", KANA_NAME_CLAIM),
                "address": ("address",),
                "birthdate": ("birthdate",),
                "gender": ("gender",),
            }
        ),
        "staff": MappingProxyType({"profile": ("name", "roles", "municipality"), "email": ("email",)}),
    }
)

USERS_FILE = Path(__file__).with_name("users.yaml")
_GROUPS: Mapping[str, Kind] = MappingProxyType({"residents": "resident", "staff": "staff"})


@dataclass(frozen=True)
class DemoUser:
    sub: str
    kind: Kind
    note: str  # shown on the login page to say which claim shape this account demonstrates
    claims: Mapping[str, Any]

    @property
    def display_name(self) -> str:
        name = self.claims.get("name")
        return name if isinstance(name, str) and name else self.sub

    def claims_for(self, scope: str) -> dict[str, Any]:
        """``sub`` plus the claims the granted ``scope`` releases (copies: callers may mutate them)."""
        released = {"sub": self.sub}
        for scope_value in scope.split():
            for claim in SCOPE_CLAIMS[self.kind].get(scope_value, ()):
                if claim in self.claims:
                    released[claim] = copy.deepcopy(self.claims[claim])
        return released


@cache
def demo_users() -> tuple[DemoUser, ...]:
    """The shipped demo accounts, residents first (also printed by ``python -m portal.devidp``)."""
    return load_demo_users(USERS_FILE)


def load_demo_users(file: Path) -> tuple[DemoUser, ...]:
    """Read a users file; a mistake is a DefinitionError naming file, path and line."""
    source = load(file)
    if not isinstance(source.data, dict):
        raise source.error((), "expected a mapping with 'residents' and 'staff'")
    users: list[DemoUser] = []
    seen: set[str] = set()
    for group, entries in source.data.items():
        if group not in _GROUPS:
            raise source.error((group,), f"unknown group; expected one of {', '.join(_GROUPS)}")
        if not isinstance(entries, list):
            raise source.error((group,), "expected a list of users")
        for index, entry in enumerate(entries):
            user = _user(source, (group, index), _GROUPS[group], entry)
            if user.sub in seen:
                raise source.error((group, index, "sub"), f"duplicate sub {user.sub!r}")
            seen.add(user.sub)
            users.append(user)
    return tuple(users)


def _user(source: Source, path: tuple[str | int, ...], kind: Kind, entry: Any) -> DemoUser:
    if not isinstance(entry, dict):
        raise source.error(path, "expected a mapping with 'sub', 'note' and 'claims'")
    unknown = sorted(set(entry) - {"sub", "note", "claims"})
    if unknown:
        raise source.error(path + (unknown[0],), "unknown key; expected sub, note, claims")
    sub, note, claims = entry.get("sub"), entry.get("note", ""), entry.get("claims")
    if not isinstance(sub, str) or not sub:
        raise source.error(path + ("sub",), "sub must be a non-empty string")
    if not isinstance(note, str):
        raise source.error(path + ("note",), "note must be a string")
    if not isinstance(claims, dict):
        raise source.error(path + ("claims",), "claims must be a mapping")
    allowed = {claim for claims_of_scope in SCOPE_CLAIMS[kind].values() for claim in claims_of_scope}
    for claim, value in claims.items():
        if claim not in allowed:
            raise source.error(
                path + ("claims", claim), f"not a {kind} claim; expected one of {', '.join(sorted(allowed))}"
            )
        if not _is_text_claim(value):
            raise source.error(
                path + ("claims", claim), "claim values are strings, lists or mappings of strings (quote dates)"
            )
    if kind == "staff":
        try:
            staff_identity_from_claims({"sub": sub, **claims})
        except ClaimsError as error:
            raise source.error(path + ("claims",), str(error)) from None
    return DemoUser(sub=sub, kind=kind, note=note, claims=MappingProxyType(claims))


def _is_text_claim(value: Any) -> bool:
    """Claims travel as JSON strings: an unquoted YAML date or number would change type on the wire."""
    if isinstance(value, list):
        return all(isinstance(item, str) for item in value)
    if isinstance(value, dict):
        return all(isinstance(item, str) for item in value.values())
    return isinstance(value, str)
