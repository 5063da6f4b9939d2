"""Who may do what: roles carried by actors and the permissions they grant.

Workflow definitions name roles by their value; code names them by member, never by string.
"""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    APPLICANT = "applicant"  # the resident who made this submission (never stored on staff)
    CLERK = "clerk"  # 担当者: reviews, returns, issues
    APPROVER = "approver"  # 決裁者: approves or rejects after review
    ADMIN = "admin"  # 管理者: their own municipality's settings and procedures
    OPERATOR = "operator"  # プラットフォーム運用者: every municipality of the deployment, never residents' cases


STAFF_ROLES = frozenset({Role.CLERK, Role.APPROVER, Role.ADMIN, Role.OPERATOR})


class Permission(StrEnum):
    VIEW_QUEUE = "view_queue"
    VIEW_SUBMISSION = "view_submission"
    DOWNLOAD_CERTIFICATE = "download_certificate"
    REVOKE_CERTIFICATE = "revoke_certificate"  # and reissue it under a new 発行番号: administrators only
    # Enter a paper or counter application on a resident's behalf (窓口受付・代行入力), and act for that applicant on
    # it (correct it after 差戻し, withdraw it): clerks only.
    ENTER_COUNTER_APPLICATION = "enter_counter_application"
    ADMINISTER_MUNICIPALITY = "administer_municipality"  # settings, seal and procedures of one's own municipality
    OPERATE_PLATFORM = "operate_platform"  # add municipalities, administer any of them, see every audit entry
    # 本人通知制度 of one's own municipality: register persons, post the letters owed to them
    MANAGE_PERSONAL_NOTICES = "manage_personal_notices"


# Either opens the administration pages; which municipalities follows from may_administer.
ADMINISTRATION = frozenset({Permission.ADMINISTER_MUNICIPALITY, Permission.OPERATE_PLATFORM})
CASEWORK = frozenset({Permission.VIEW_QUEUE, Permission.VIEW_SUBMISSION, Permission.DOWNLOAD_CERTIFICATE})

GRANTS: dict[Role, frozenset[Permission]] = {
    Role.APPLICANT: frozenset(),
    Role.CLERK: CASEWORK | {Permission.ENTER_COUNTER_APPLICATION, Permission.MANAGE_PERSONAL_NOTICES},
    Role.APPROVER: CASEWORK,
    Role.ADMIN: CASEWORK
    | {Permission.REVOKE_CERTIFICATE, Permission.ADMINISTER_MUNICIPALITY, Permission.MANAGE_PERSONAL_NOTICES},
    Role.OPERATOR: frozenset({Permission.OPERATE_PLATFORM}),
}


def permissions_of(roles: frozenset[Role] | set[Role]) -> frozenset[Permission]:
    granted: set[Permission] = set()
    for role in roles:
        granted |= GRANTS[role]
    return frozenset(granted)


def may_administer(permissions: frozenset[Permission], own_code: str | None, code: str) -> bool:
    """Whether someone holding ``permissions`` and working for ``own_code`` may change municipality ``code``."""
    if Permission.OPERATE_PLATFORM in permissions:
        return True
    return Permission.ADMINISTER_MUNICIPALITY in permissions and own_code == code
