"""The person acting in a service call, and how the workflow engine sees them."""

from __future__ import annotations

import getpass
from dataclasses import dataclass

from portal.models import ActorKind, AuditActorKind, Resident, Staff, Submission
from portal.roles import Permission, Role, may_administer, permissions_of
from portal.workflow import Actor


@dataclass(frozen=True)
class ActingUser:
    kind: ActorKind
    id: int
    name: str
    roles: frozenset[Role] = frozenset()
    municipality_code: str | None = None  # staff only: the municipality they work for

    @classmethod
    def of_resident(cls, resident: Resident) -> ActingUser:
        return cls(ActorKind.RESIDENT, resident.id, resident.display_name)

    @classmethod
    def of_staff(cls, staff: Staff) -> ActingUser:
        return cls(ActorKind.STAFF, staff.id, staff.name, staff.roles, staff.municipality_code)

    @property
    def ref(self) -> str:
        return f"{self.kind.value}:{self.id}"

    def workflow_actor(self, submission: Submission) -> Actor:
        """Residents hold the applicant role only for their own submission; staff only in their municipality, where
        those who enter counter applications also act for the applicant of one (a correction, a withdrawal)."""
        if self.kind is ActorKind.RESIDENT:
            roles = frozenset({Role.APPLICANT}) if submission.resident_id == self.id else frozenset()
        elif submission.municipality_code != self.municipality_code:
            roles = frozenset()
        elif submission.at_counter and self.may(Permission.ENTER_COUNTER_APPLICATION):
            roles = self.roles | {Role.APPLICANT}
        else:
            roles = self.roles
        return Actor(id=self.ref, roles=roles)

    def may(self, permission: Permission) -> bool:
        return permission in permissions_of(self.roles)


@dataclass(frozen=True)
class Administrator:
    """Whoever changes settings: a staff member on the administration pages, or whoever runs ``flask municipality``.
    Their permissions say which municipalities they may change; the audit log names them."""

    kind: AuditActorKind
    id: int | None
    name: str
    permissions: frozenset[Permission]
    municipality_code: str | None = None  # staff: the municipality they work for

    @classmethod
    def of_staff(cls, staff: Staff) -> Administrator:
        return cls(AuditActorKind.STAFF, staff.id, staff.name, permissions_of(staff.roles), staff.municipality_code)

    @classmethod
    def command_line(cls, name: str | None = None) -> Administrator:
        """The shell holds the deployment's configuration and database: it has the platform's rights. It is
        named ``name`` when the command says who acts (``catalog publish --by``), else by the login name."""
        if name is None:
            try:
                name = getpass.getuser()
            except (OSError, KeyError):  # no login name in the environment nor in the password database
                name = "unknown"
        return cls(AuditActorKind.COMMAND_LINE, None, name[:100], frozenset({Permission.OPERATE_PLATFORM}))

    @property
    def operates_platform(self) -> bool:
        return Permission.OPERATE_PLATFORM in self.permissions

    def may_administer(self, code: str) -> bool:
        return may_administer(self.permissions, self.municipality_code, code)

    def may_act_in(self, code: str) -> bool:
        """Whether they keep the 本人通知 of municipality ``code``: staff of it who may (never the operator)."""
        return self.municipality_code == code and Permission.MANAGE_PERSONAL_NOTICES in self.permissions
