"""The interface every records backend implements, bound to one municipality when it is opened."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from portal.records.matching import BasicInfo
from portal.records.model import Household, Person


class RecordsUnavailable(Exception):
    """The backend could not answer (down, slow, or answering nonsense).

    Callers treat it as "try again later" and carry on without the record; it never becomes a 500.
    The message names what failed, never whom it was about.
    """


class ResidentRecords(Protocol):
    """One municipality's 住民記録. Every method may raise :class:`RecordsUnavailable`."""

    municipality_code: str

    def person(self, person_id: str) -> Person | None:
        """The person with this id, or None when the records hold nobody by that id."""
        ...

    def candidates(self, query: BasicInfo) -> Sequence[Person]:
        """Persons who may match the 基本4情報; the portal decides the match (:func:`matching.match`)."""
        ...

    def household(self, household_id: str) -> Household | None:
        """The household with its members as recorded, or None."""
        ...
