"""Who may do what: roles carried by actors and the permissions they grant.

Workflow definitions name roles by their value; code names them by member, never by string.
"""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    APPLICANT = "applicant"  # the resident who made this submission (never stored on staff)
    CLERK = "clerk"  # 担当者: reviews, returns, issues
    APPROVER = "approver"  # 決裁者: approves or rejects after review
    ADMIN = "admin"  # 管理者: municipality settings and procedures


STAFF_ROLES = frozenset({Role.CLERK, Role.APPROVER, Role.ADMIN})


class Permission(StrEnum):
    VIEW_QUEUE = "view_queue"
    VIEW_SUBMISSION = "view_submission"
    DOWNLOAD_CERTIFICATE = "download_certificate"
    REVOKE_CERTIFICATE = "revoke_certificate"  # and reissue it under a new 発行番号: administrators only


GRANTS: dict[Role, frozenset[Permission]] = {
    Role.APPLICANT: frozenset(),
    Role.CLERK: frozenset({Permission.VIEW_QUEUE, Permission.VIEW_SUBMISSION, Permission.DOWNLOAD_CERTIFICATE}),
    Role.APPROVER: frozenset({Permission.VIEW_QUEUE, Permission.VIEW_SUBMISSION, Permission.DOWNLOAD_CERTIFICATE}),
    Role.ADMIN: frozenset(Permission),
}


def permissions_of(roles: frozenset[Role] | set[Role]) -> frozenset[Permission]:
    granted: set[Permission] = set()
    for role in roles:
        granted |= GRANTS[role]
    return frozenset(granted)
