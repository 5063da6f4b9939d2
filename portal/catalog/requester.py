"""Who asks for whom (請求者): a certificate procedure may let a resident request for someone else.

A definition opts in with a ``requester`` block listing the bases it allows besides the person themselves
(``allows: [delegate, legal_representative, third_party]``): 代理人 with a 委任状, 法定代理人 (親権者・成年後見人) with
the document that shows it, or a third party (第三者, 住民基本台帳法第12条の3) with the reason. The loader turns the
block into a page of ordinary fields with reserved names (like :mod:`portal.catalog.methods`): who requests, and
for a request on someone's behalf the person's 基本4情報 as typed, the relationship and the document or reason.
So the answers, drafts, confirmation page, attachments and case page need nothing of their own.

:func:`proxy_request` reads such a request back from stored answers. The person is matched against the 住民記録
when the certificate is issued, as the applicant is for their own (portal.services.certified), and the decision
the workflow marks ``checks_requester`` asks the clerk to confirm the document or the reason was checked
(:func:`check_field`).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from typing import TYPE_CHECKING, Any

from pydantic import Field

from portal.catalog.conditions import Frozen, Identifier
from portal.messages import N_

if TYPE_CHECKING:
    from portal.catalog.fieldtypes.base import Problem
    from portal.catalog.model import FieldDef, Page, ProcedureDefinition


class Basis(StrEnum):
    """On what ground the logged-in resident requests."""

    SELF = "self"  # ご本人（同じ世帯の方の分を含む）: 住民基本台帳法第12条
    DELEGATE = "delegate"  # 代理人: with a 委任状 from the person
    LEGAL_REPRESENTATIVE = "legal_representative"  # 法定代理人: 親権者 or 成年後見人
    THIRD_PARTY = "third_party"  # 第三者: 住民基本台帳法第12条の3, with the reason


class OnBehalf(StrEnum):
    """The bases a definition may allow besides the person themselves (``Basis`` without ``self``)."""

    DELEGATE = Basis.DELEGATE.value
    LEGAL_REPRESENTATIVE = Basis.LEGAL_REPRESENTATIVE.value
    THIRD_PARTY = Basis.THIRD_PARTY.value


# 本人通知制度: a certificate obtained on these bases is told to the person registered for it. A 法定代理人 requests
# as the person would (本人等の請求), so the person is not told.
NOTIFIED = frozenset({Basis.DELEGATE, Basis.THIRD_PARTY})

BASIS_LABELS = {
    Basis.SELF: N_("ご本人（同じ世帯の方の分を含む）"),
    Basis.DELEGATE: N_("代理人（委任状があります）"),
    Basis.LEGAL_REPRESENTATIVE: N_("法定代理人（親権者・成年後見人）"),
    Basis.THIRD_PARTY: N_("第三者（住民基本台帳法第12条の3による請求）"),
}
# What the case page's banner calls each basis.
BASIS_TITLES = {
    Basis.DELEGATE: N_("代理人による請求"),
    Basis.LEGAL_REPRESENTATIVE: N_("法定代理人による請求"),
    Basis.THIRD_PARTY: N_("第三者による請求"),
}
REPRESENTATIVE_LABELS = {"parent": N_("親権者"), "guardian": N_("成年後見人")}
THIRD_PARTY_REASONS = {
    "own_rights": N_("自己の権利を行使し、または自己の義務を履行するために必要"),
    "public_office": N_("国または地方公共団体の機関に提出する必要がある"),
    "legitimate_use": N_("その他、住民票の記載事項を利用する正当な理由がある"),
}
GENDER_LABELS = {"male": N_("男性"), "female": N_("女性")}
# What the clerk confirms, in the decision the workflow marks ``checks_requester``.
CHECK_LABELS = {
    Basis.DELEGATE: N_("委任状を確認しました（対象の方の自署、委任する内容、作成日）"),
    Basis.LEGAL_REPRESENTATIVE: N_("法定代理人であることを証する書類を確認しました（戸籍謄本、登記事項証明書など）"),
    Basis.THIRD_PARTY: N_("請求の事由が住民基本台帳法第12条の3に当たることを確認しました"),
}

PAGE = "requester"
REQUEST_BY = "request_by"
REPRESENTATIVE = "representative_kind"
PERSON_FAMILY_NAME = "person_family_name"
PERSON_GIVEN_NAME = "person_given_name"
PERSON_BIRTHDATE = "person_birthdate"
PERSON_GENDER = "person_gender"
PERSON_POSTAL_CODE = "person_postal_code"
PERSON_ADDRESS = "person_address"
RELATIONSHIP = "person_relationship"
POWER_OF_ATTORNEY = "power_of_attorney"  # 委任状
REPRESENTATION_DOCUMENT = "representation_document"  # 法定代理人の資格を証する書類
THIRD_PARTY_REASON = "third_party_reason"
THIRD_PARTY_PURPOSE = "third_party_purpose"
RESERVED = (
    REQUEST_BY,
    REPRESENTATIVE,
    PERSON_FAMILY_NAME,
    PERSON_GIVEN_NAME,
    PERSON_BIRTHDATE,
    PERSON_GENDER,
    PERSON_POSTAL_CODE,
    PERSON_ADDRESS,
    RELATIONSHIP,
    POWER_OF_ATTORNEY,
    REPRESENTATION_DOCUMENT,
    THIRD_PARTY_REASON,
    THIRD_PARTY_PURPOSE,
)
CHECKED = "requester_checked"  # the clerk's confirmation, a transition input
DOCUMENTS = {Basis.DELEGATE: POWER_OF_ATTORNEY, Basis.LEGAL_REPRESENTATIVE: REPRESENTATION_DOCUMENT}
_DOCUMENT_KINDS = ["jpeg", "png", "pdf"]


class Requester(Frozen):
    """Who else than the person may request: the page asking it comes after the page ``after``."""

    allows: tuple[OnBehalf, ...] = Field(
        min_length=1,
        description="bases besides the person themselves: delegate (代理人, 委任状 attached), legal_representative "
        "(親権者・成年後見人, with the document that shows it), third_party (第三者, 住民基本台帳法第12条の3, with the reason)",
    )
    after: Identifier | None = Field(
        default=None, description="the key of the page the requester page follows (default: the first page)"
    )


@dataclass(frozen=True)
class ProxyRequest:
    """A request made for someone else, as answered: the person as typed (matched against the 住民記録 at 交付)."""

    basis: Basis
    family_name: str
    given_name: str
    birthdate: str  # ISO
    gender: str  # the records' and OIDC's: male, female
    address: str
    relationship: str | None = None
    representative: str | None = None  # 法定代理人: parent or guardian
    reason: str | None = None  # 第三者: a key of THIRD_PARTY_REASONS
    purpose: str | None = None  # 第三者: the reason in words

    @property
    def name(self) -> str:
        return f"{self.family_name} {self.given_name}".strip()

    @property
    def document(self) -> str | None:
        """The file field holding the 委任状 or the legal representative's document, if the basis has one."""
        return DOCUMENTS.get(self.basis)

    @property
    def notifies(self) -> bool:
        """Whether the person registered for 本人通知 is told of the certificate issued."""
        return self.basis in NOTIFIED


def proxy_request(definition: ProcedureDefinition, answers: Mapping[str, Any]) -> ProxyRequest | None:
    """The request on someone's behalf the answers make, or None (the person's own, or no requester block)."""
    if definition.requester is None:
        return None
    basis = answers.get(REQUEST_BY)
    if basis not in {b.value for b in OnBehalf}:
        return None
    return ProxyRequest(
        basis=Basis(basis),
        family_name=answers.get(PERSON_FAMILY_NAME) or "",
        given_name=answers.get(PERSON_GIVEN_NAME) or "",
        birthdate=answers.get(PERSON_BIRTHDATE) or "",
        gender=answers.get(PERSON_GENDER) or "",
        address=answers.get(PERSON_ADDRESS) or "",
        relationship=answers.get(RELATIONSHIP),
        representative=answers.get(REPRESENTATIVE),
        reason=answers.get(THIRD_PARTY_REASON),
        purpose=answers.get(THIRD_PARTY_PURPOSE),
    )


def problems(definition: ProcedureDefinition) -> Iterator[Problem]:
    """Reserved names, a page ``after`` that exists, and no certificate chosen from the requester's household."""
    for p, page in enumerate(definition.pages):
        if page.key == PAGE:
            yield ("pages", p, "key"), f"the page key {PAGE!r} is reserved for requester"
        for f, field in enumerate(page.fields):
            if field.name in RESERVED:
                yield (
                    ("pages", p, "fields", f, "name"),
                    f"{field.name!r} is reserved: the requester block asks it",
                )
    requester = definition.requester
    if requester is None:
        return
    for index, basis in enumerate(requester.allows):
        if basis in requester.allows[:index]:
            yield ("requester", "allows", index), f"{basis.value!r} is listed twice"
    keys = [page.key for page in definition.pages]
    if requester.after is not None and requester.after not in keys:
        yield ("requester", "after"), f"no page {requester.after!r}; pages: {', '.join(keys)}"
    if definition.certificate is None:
        yield ("requester",), "a request for someone else is for a certificate: name one in certificate"
    if definition.certified_persons is not None:
        yield (
            ("requester",),
            "certified_persons chooses from the requester's own household; a request for someone else certifies "
            "the person it names: write one of requester and certified_persons",
        )


def position(definition: ProcedureDefinition) -> int | None:
    """Where the requester page goes among the written pages: after the page ``after`` (else the first)."""
    if definition.requester is None:
        return None
    after = definition.requester.after
    return next((i for i, page in enumerate(definition.pages) if page.key == after), 0) + 1


def with_page(definition: ProcedureDefinition) -> ProcedureDefinition:
    """The definition with the requester page in its :func:`position`, when it has a requester block."""
    at = position(definition)
    if at is None or definition.requester is None:
        return definition
    pages = list(definition.pages)
    pages.insert(at, page(definition.requester))
    return definition.model_copy(update={"pages": tuple(pages)})


def written_path(path: tuple[str | int, ...], inserted: int | None) -> tuple[str | int, ...]:
    """A path into the definition with its requester page (inserted at ``inserted``) as the YAML writes it: a
    problem in the generated page is the block's, and the written pages after it are one place earlier."""
    if inserted is None or path[:1] != ("pages",) or len(path) < 2 or not isinstance(path[1], int):
        return path
    if path[1] == inserted:
        return ("requester",)
    return ("pages", path[1] - 1, *path[2:]) if path[1] > inserted else path


def page(requester: Requester) -> Page:
    """The questions of the requester page: the basis, then for a request on someone's behalf the person and
    what the basis needs (every one of those shown only for the bases that ask it)."""
    from portal.catalog.model import Page

    allowed = [Basis.SELF, *(Basis(b.value) for b in requester.allows)]
    others = [b.value for b in allowed if b is not Basis.SELF]

    def shown(*bases: Basis) -> dict[str, Any]:
        values = [b.value for b in bases if b in allowed]
        return {"show_if": {"field": REQUEST_BY, "in": values}}

    on_behalf = {"show_if": {"field": REQUEST_BY, "in": others}}
    fields: list[dict[str, Any]] = [
        {
            "name": REQUEST_BY,
            "type": "radio",
            "label": N_("どなたの証明書を請求しますか"),
            "help": N_("ご本人以外の方の証明書を請求するときは、請求の理由に当たるものを選んでください。"),
            "options": [{"value": b.value, "label": BASIS_LABELS[b]} for b in allowed],
        }
    ]
    if Basis.LEGAL_REPRESENTATIVE in allowed:
        fields.append(
            {
                "name": REPRESENTATIVE,
                "type": "radio",
                "label": N_("法定代理人の種類"),
                "options": [{"value": key, "label": label} for key, label in REPRESENTATIVE_LABELS.items()],
                **shown(Basis.LEGAL_REPRESENTATIVE),
            }
        )
    fields += [
        {"name": PERSON_FAMILY_NAME, "type": "text", "label": N_("対象の方の氏"), "max_length": 50, **on_behalf},
        {"name": PERSON_GIVEN_NAME, "type": "text", "label": N_("対象の方の名"), "max_length": 50, **on_behalf},
        {"name": PERSON_BIRTHDATE, "type": "date", "label": N_("対象の方の生年月日"), "max": "today", **on_behalf},
        {
            "name": PERSON_GENDER,
            "type": "radio",
            "label": N_("対象の方の性別"),
            "help": N_("住民記録で対象の方を確認するために使います。"),
            "options": [{"value": key, "label": label} for key, label in GENDER_LABELS.items()],
            **on_behalf,
        },
        {
            "name": PERSON_POSTAL_CODE,
            "type": "postal_code",
            "label": N_("対象の方の郵便番号"),
            "fills": PERSON_ADDRESS,
            **on_behalf,
        },
        {
            "name": PERSON_ADDRESS,
            "type": "address",
            "label": N_("対象の方の住所"),
            "help": N_("住民票に記載されている住所を、方書（アパート名・部屋番号）まで入力してください。"),
            **on_behalf,
        },
    ]
    if Basis.DELEGATE in allowed or Basis.THIRD_PARTY in allowed:
        fields.append(
            {
                "name": RELATIONSHIP,
                "type": "text",
                "label": N_("対象の方とのご関係"),
                "help": N_("例：子、知人、債権者"),
                "max_length": 50,
                **shown(Basis.DELEGATE, Basis.THIRD_PARTY),
            }
        )
    if Basis.DELEGATE in allowed:
        fields.append(
            {
                "name": POWER_OF_ATTORNEY,
                "type": "file",
                "label": N_("委任状"),
                "help": N_("対象の方が自署し、委任する内容と作成日を書いた委任状を、写真またはPDFで添付してください。"),
                "accept": _DOCUMENT_KINDS,
                "max_count": 3,
                **shown(Basis.DELEGATE),
            }
        )
    if Basis.LEGAL_REPRESENTATIVE in allowed:
        fields.append(
            {
                "name": REPRESENTATION_DOCUMENT,
                "type": "file",
                "label": N_("法定代理人であることを証する書類"),
                "help": N_("親権者は戸籍謄本など、成年後見人は登記事項証明書を、写真またはPDFで添付してください。"),
                "accept": _DOCUMENT_KINDS,
                "max_count": 3,
                **shown(Basis.LEGAL_REPRESENTATIVE),
            }
        )
    if Basis.THIRD_PARTY in allowed:
        fields += [
            {
                "name": THIRD_PARTY_REASON,
                "type": "radio",
                "label": N_("請求の事由"),
                "options": [{"value": key, "label": label} for key, label in THIRD_PARTY_REASONS.items()],
                **shown(Basis.THIRD_PARTY),
            },
            {
                "name": THIRD_PARTY_PURPOSE,
                "type": "textarea",
                "label": N_("請求の事由の詳細"),
                "help": N_(
                    "何のために、どこへ提出するのかを具体的に書いてください（例：貸金の返還請求の訴訟のため、○○地方裁判所に提出）。"
                ),
                "max_length": 500,
                "rows": 4,
                **shown(Basis.THIRD_PARTY),
            },
        ]
    return Page.model_validate(
        {
            "key": PAGE,
            "title": N_("請求の種類"),
            "help": N_(
                "ご本人以外の方の証明書は、代理人、法定代理人または正当な理由のある第三者として請求できます。"
                "代理人または第三者に交付したときは、対象の方が本人通知制度に登録していれば、そのことを対象の方に"
                "お知らせします。"
            ),
            "fields": fields,
        }
    )


@cache
def check_field(basis: Basis) -> FieldDef:
    """The box the clerk ticks in a ``checks_requester`` decision of a request on someone's behalf."""
    from portal.catalog.model import FieldDef

    return FieldDef.model_validate({"name": CHECKED, "type": "checkbox", "label": CHECK_LABELS[basis]})
