"""Demo data: two fictional municipalities with valid 地方公共団体コード (prefecture 99 does not exist).

Staff accounts come from the development identity provider's users; they are created at first login.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from portal.models import Municipality, MunicipalityProcedure

DEMO_MUNICIPALITIES = (
    {
        "code": "999997",
        "name": "見本市",
        "prefecture": "見本県",
        "mayor_title": "見本市長",
        "mayor_name": "見本 太郎",
        "seal": "999997.svg",
        "procedures": ("juminhyo", "sodai_gomi"),
    },
    {
        "code": "999989",
        "name": "試験町",
        "prefecture": "見本県",
        "mayor_title": "試験町長",
        "mayor_name": "試験 花子",
        "seal": "999989.svg",
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
    return loaded
