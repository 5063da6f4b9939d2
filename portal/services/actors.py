"""The person acting in a service call, and how the workflow engine sees them."""

from __future__ import annotations

from dataclasses import dataclass

from portal.models import ActorKind, Resident, Staff, Submission
from portal.roles import Role
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
        """Residents hold the applicant role only for their own submission; staff only in their municipality."""
        if self.kind is ActorKind.RESIDENT:
            roles = frozenset({Role.APPLICANT}) if submission.resident_id == self.id else frozenset()
        else:
            roles = self.roles if submission.municipality_code == self.municipality_code else frozenset()
        return Actor(id=self.ref, roles=roles)
