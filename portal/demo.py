"""Demo data: two fictional municipalities with valid 地方公共団体コード (prefecture 99 does not exist),
and their fictional 住民記録 for the ``demo`` records backend (demo_records.yaml).

Staff accounts come from the development identity provider's users; they are created at first login.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy.orm import Session

from portal.models import Municipality, MunicipalityProcedure
from portal.records.demo import HEAD_OF_HOUSEHOLD, store_household
from portal.records.model import Household, household_from_json

DEMO_RECORDS_FILE = Path(__file__).with_name("demo_records.yaml")

DEMO_MUNICIPALITIES = (
    {
        "code": "999997",
        "name": "見本市",
        "prefecture": "見本県",
        "mayor_title": "見本市長",
        "mayor_name": "見本 太郎",
        "seal": "999997.svg",
        "phone": "099-000-0000",
        "opening_hours": "平日 8時30分〜17時15分",
        "procedures": ("juminhyo", "sodai_gomi", "jidou_teate", "risai_shomei", "tenshutsu"),
    },
    {
        "code": "999989",
        "name": "試験町",
        "prefecture": "見本県",
        "mayor_title": "試験町長",
        "mayor_name": "試験 花子",
        "seal": "999989.svg",
        "phone": "099-000-1111",
        "opening_hours": "平日 9時〜17時",
        "procedures": ("juminhyo",),
    },
)


def load_demo_data(session: Session) -> list[Municipality]:
    """Create or refresh the demo municipalities; running it twice changes nothing."""
    loaded = []
    for data in DEMO_MUNICIPALITIES:
        values = {k: v for k, v in data.items() if k != "procedures"}
        municipality = session.get(Municipality, data["code"]) or Municipality(code=data["code"])
        for key, value in values.items():
            setattr(municipality, key, value)
        municipality.demo = True
        enabled = {p.slug for p in municipality.procedures}
        for slug in data["procedures"]:
            if slug not in enabled:
                municipality.procedures.append(MunicipalityProcedure(slug=slug, enabled=True))
        session.add(municipality)
        loaded.append(municipality)
    session.flush()
    for code, households in demo_households().items():
        for household in households:
            store_household(session, code, household)
    session.flush()
    return loaded


def demo_households() -> dict[str, list[Household]]:
    """The demo records by municipality, read through the http backend's JSON contract (so the file is
    checked as strictly as a core system's answer). Members share their household's address."""
    data = yaml.safe_load(DEMO_RECORDS_FILE.read_text(encoding="utf-8"))
    households: dict[str, list[Household]] = {}
    for code, entries in data.items():
        for entry in entries:
            members = [
                {"household_id": entry["household_id"], "address": entry["address"], **m} for m in entry["members"]
            ]
            head = next(m for m in members if m["relationship"] == HEAD_OF_HOUSEHOLD)["name"]
            head_name = f"{head['family']} {head['given']}"
            households.setdefault(code, []).append(
                household_from_json(_iso_dates({**entry, "head_name": head_name, "members": members}))
            )
    return households


def _iso_dates(value: Any) -> Any:
    """YAML reads 1985-04-12 as a date; the JSON contract spells dates in ISO 8601."""
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, dict):
        return {key: _iso_dates(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_iso_dates(item) for item in value]
    return value
