"""API tokens: made, listed and revoked per municipality (``flask api token …``), and the one a request presents.

A token is ``mdgapi_`` and 43 characters of base64url (256 random bits): the prefix lets secret scanners spot one
pasted where it should not be. Only its SHA-256 is stored, so the database cannot give it back; it is printed once.
Making and revoking one is an administrative change, written to the audit log (never the token itself).
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.catalog.characters import refused_character
from portal.messages import N_, Message
from portal.models import ActorKind, ApiScope, ApiToken, AuditAction
from portal.roles import Role
from portal.services import audit
from portal.services.actors import ActingUser, Administrator
from portal.services.municipalities import MunicipalityRefused, Problem, existing_municipality

PREFIX = "mdgapi_"
NAME_LIMIT = 80
WORKFLOW_ROLES = frozenset({Role.CLERK, Role.APPROVER})  # what a write token may act as in a workflow
LAST_USE_STEP = timedelta(minutes=1)  # last_used_at is written at most this often


def digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def create_token(
    session: Session, actor: Administrator, code: str, name: str, scope: ApiScope, roles: frozenset[Role]
) -> tuple[ApiToken, str]:
    """A new token of municipality ``code`` and its secret, which only the caller ever sees. A write token acts
    with ``roles`` in workflows (the clerk's, unless told otherwise); a read token has none."""
    existing_municipality(session, actor, code)
    name = name.strip()
    problems = _name_problems(name)
    if scope is ApiScope.READ and roles:
        problems.append(Problem("role", Message(N_("読み取り専用のトークンには役割を付けられません。"))))
    elif not roles <= WORKFLOW_ROLES:
        problems.append(Problem("role", Message(N_("APIの役割は clerk（担当者）と approver（決裁者）だけです。"))))
    if problems:
        raise MunicipalityRefused(*problems)
    if scope is ApiScope.WRITE and not roles:
        roles = frozenset({Role.CLERK})
    secret = PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        municipality_code=code,
        name=name,
        scope=scope,
        role_values=sorted(role.value for role in roles),
        token_hash=digest(secret),
        hint=secret[: len(PREFIX) + 4],
        created_by=actor.name,
    )
    session.add(token)
    session.flush()
    audit.record(session, actor, AuditAction.API_TOKEN_CREATED, _target(token), None, _settings(token), code)
    return token, secret


def tokens(session: Session, actor: Administrator, code: str) -> list[ApiToken]:
    existing_municipality(session, actor, code)
    return list(session.scalars(select(ApiToken).filter_by(municipality_code=code).order_by(ApiToken.id)))


def revoke_token(session: Session, actor: Administrator, token_id: int, now: datetime) -> ApiToken:
    """From now on the token is refused (401); it stays listed, revoked. Revoking twice changes nothing."""
    token = session.get(ApiToken, token_id)
    if token is None or not actor.may_administer(token.municipality_code):
        raise MunicipalityRefused(Problem("id", Message(N_("ID %(id)s のAPIトークンはありません。"), {"id": token_id})))
    if token.revoked_at is None:
        token.revoked_at = now
        session.flush()
        audit.record(
            session,
            actor,
            AuditAction.API_TOKEN_REVOKED,
            _target(token),
            {"revoked": False},
            {"revoked": True},
            token.municipality_code,
        )
    return token


def authenticate(session: Session, presented: str, now: datetime) -> ApiToken | None:
    """The live token ``presented`` is, noting its use (at most once a minute); None for anything else."""
    if not presented.startswith(PREFIX):
        return None
    token = session.scalars(select(ApiToken).filter_by(token_hash=digest(presented))).one_or_none()
    if token is None or token.revoked_at is not None:
        return None
    if token.last_used_at is None or token.last_used_at <= now - LAST_USE_STEP:
        token.last_used_at = now
        session.flush()
    return token


def acting(token: ApiToken) -> ActingUser:
    """The token as the workflow sees it: a named system actor of its municipality, with its roles."""
    return ActingUser(ActorKind.API, token.id, token.actor_name, token.roles, token.municipality_code)


def _name_problems(name: str) -> list[Problem]:
    if not name:
        return [Problem("name", Message(N_("トークンの名前を入力してください。")))]
    if len(name) > NAME_LIMIT:
        return [Problem("name", Message(N_("トークンの名前は%(max)d文字以内にしてください。"), {"max": NAME_LIMIT}))]
    if refused_character(name, multiline=False):
        return [Problem("name", Message(N_("トークンの名前に使えない文字（制御文字など）が含まれています。")))]
    return []


def _target(token: ApiToken) -> str:
    return f"api_token:{token.id}"


def _settings(token: ApiToken) -> dict[str, Any]:
    return {"name": token.name, "scope": token.scope.value, "roles": list(token.role_values)}
