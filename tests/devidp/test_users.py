"""The demo accounts file: what ships, and clear located errors for a mistyped file."""

from __future__ import annotations

from pathlib import Path

import pytest

from portal.devidp import demo_users
from portal.devidp.users import load_demo_users
from portal.identity import staff_identity_from_claims
from portal.roles import Role
from portal.yamlsource import DefinitionError


def test_shipped_demo_users() -> None:
    users = {user.sub: user for user in demo_users()}

    assert [sub for sub, user in users.items() if user.kind == "resident"] == [
        "resident-yamada",
        "resident-sato",
        "resident-garcia",
        "resident-yoshida",
        "resident-tanaka",
    ]
    staff = {
        sub: staff_identity_from_claims(user.claims_for("openid profile email"))
        for sub, user in users.items()
        if user.kind == "staff"
    }
    assert {sub: (identity.municipality_code, identity.roles) for sub, identity in staff.items()} == {
        "staff-mihon-clerk": ("999997", {Role.CLERK}),
        "staff-mihon-approver": ("999997", {Role.APPROVER}),
        "staff-mihon-both": ("999997", {Role.CLERK, Role.APPROVER}),
        "staff-mihon-admin": ("999997", {Role.ADMIN, Role.CLERK}),
        "staff-shiken-clerk": ("999989", {Role.CLERK}),
        "staff-shiken-approver": ("999989", {Role.APPROVER}),
        "staff-shiken-admin": ("999989", {Role.ADMIN}),
        "staff-platform-operator": ("999997", {Role.OPERATOR}),
    }
    assert staff["staff-mihon-clerk"].email == "clerk@mihon.example.jp"
    assert users["resident-garcia"].display_name == "GARCIA Maria"


def test_claims_for_releases_only_the_scopes_claims_as_copies() -> None:
    yamada = next(user for user in demo_users() if user.sub == "resident-yamada")

    assert yamada.claims_for("openid") == {"sub": "resident-yamada"}
    released = yamada.claims_for("openid address")
    assert released.keys() == {"sub", "address"}
    released["address"]["formatted"] = "changed"
    assert yamada.claims["address"]["formatted"] == "東京都千代田区千代田1-1"


VALID_RESIDENT = """\
residents:
  - sub: r1
    claims:
      name: 山田　太郎
"""


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("- just a list\n", "users.yaml:1: (document): expected a mapping with 'residents' and 'staff'"),
        ("visitors: []\n", "users.yaml:1: visitors: unknown group; expected one of residents, staff"),
        ("residents: {}\n", "users.yaml:1: residents: expected a list of users"),
        ("residents:\n  - r1\n", "users.yaml:2: residents[0]: expected a mapping with 'sub', 'note' and 'claims'"),
        ("residents:\n  - claims: {}\n", "users.yaml:2: residents[0].sub: sub must be a non-empty string"),
        (
            "residents:\n  - sub: r1\n    nickname: x\n    claims: {}\n",
            "users.yaml:3: residents[0].nickname: unknown key",
        ),
        (
            "residents:\n  - sub: r1\n    note: 3\n    claims: {}\n",
            "users.yaml:3: residents[0].note: note must be a string",
        ),
        (
            "residents:\n  - sub: r1\n    claims: [name]\n",
            "users.yaml:3: residents[0].claims: claims must be a mapping",
        ),
        (
            VALID_RESIDENT + "      roles: [clerk]\n",
            "users.yaml:5: residents[0].claims.roles: not a resident claim",
        ),
        (
            VALID_RESIDENT + "      birthdate: 1985-04-12\n",
            "users.yaml:5: residents[0].claims.birthdate: claim values are strings, lists or mappings of strings",
        ),
        (
            VALID_RESIDENT + "  - sub: r1\n    claims: {}\n",
            "users.yaml:5: residents[1].sub: duplicate sub 'r1'",
        ),
        (
            "staff:\n  - sub: s1\n    claims:\n      roles: [clerk]\n      municipality: '999998'\n",
            "users.yaml:3: staff[0].claims: 地方公共団体コード「999998」が正しくありません。",
        ),
        (
            "staff:\n  - sub: s1\n    claims:\n      roles: [payroll]\n      municipality: '999997'\n",
            "users.yaml:3: staff[0].claims: 職員のIDトークンに有効な役割（roles）がありません。",
        ),
    ],
)
def test_bad_users_file_is_reported_with_file_line_and_path(tmp_path: Path, text: str, expected: str) -> None:
    file = tmp_path / "users.yaml"
    file.write_text(text, encoding="utf-8")
    with pytest.raises(DefinitionError) as caught:
        load_demo_users(file)
    assert str(caught.value).replace(str(tmp_path) + "/", "").startswith(expected)
