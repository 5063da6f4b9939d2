"""Cases made at a chosen moment for the figures' tests (statistics, open data): submitted online or at the counter
through the services, and decided by two staff members, with the clock of portal.japan.jst set to each day."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from itertools import count

from flask import Flask
from sqlalchemy.orm import Session

from portal.catalog import counter
from portal.japan import jst
from portal.models import Channel, Municipality, Resident, Submission
from portal.roles import Role
from portal.services.submissions import SubmissionService
from portal.web.current import RECORDS_EXTENSION
from tests.web import queuecases as cases
from tests.web.journeys import COUNTER_APPLICANT, JUMINHYO_ANSWERS, validated

MIHON = "999997"
Clock = Callable[..., None]  # clock(day, hour=10): the conftest's fixture
# 山田 太郎's login, as the demo 住民記録 holds him: his cases can be issued.
YAMADA = {
    "family_name": "山田",
    "given_name": "太郎",
    "family_name_kana": "ヤマダ",
    "given_name_kana": "タロウ",
    "birthdate": "1985-04-12",
    "gender": "male",
    "address": "東京都千代田区千代田1-1",
}
_serial = count(1)


def submit_case(
    app: Flask, db_session: Session, clock: Clock, day: date, channel: Channel, code: str = MIHON
) -> Submission:
    """A 住民票 request made at 10:00 on ``day``: by 山田 太郎 online, or entered for him by a clerk at the counter."""
    clock(day, 10)
    if channel is Channel.ONLINE:
        resident = Resident(subject=f"seeded-resident-{next(_serial)}", profile=YAMADA)
        db_session.add(resident)
        db_session.flush()  # its id: the published catalog may come from the process's cache, with no autoflush
        return cases.submit(app, db_session, code, by=resident, submitted_at=jst.now())
    clerk = cases.staff(db_session, code, "窓口 受付", Role.CLERK)
    definition = counter.counter_definition(cases.procedures(app).published(db_session).definition("juminhyo"))
    entered = counter.split(validated(definition, {**COUNTER_APPLICANT, **JUMINHYO_ANSWERS}))
    made = SubmissionService(db_session, cases.procedures(app), clerk).submit_at_counter(
        db_session.get_one(Municipality, code), definition, entered, f"seeded-counter-{next(_serial)}"
    )
    made.submitted_at = jst.now()
    db_session.flush()
    return made


def decide_case(app: Flask, db_session: Session, clock: Clock, case: Submission, day: date, *, issue: bool) -> None:
    """Reviewed, then issued after 決裁 by another (from the demo 住民記録), or rejected, all on ``day``."""
    clock(day, 15)
    records = {MIHON: app.extensions[RECORDS_EXTENSION].open(MIHON, db_session)}
    clerk, approver = (
        SubmissionService(db_session, cases.procedures(app), cases.staff(db_session, MIHON, name, role), records)
        for name, role in (("審査 担当", Role.CLERK), ("決裁 担当", Role.APPROVER))
    )
    if case.state == "submitted":
        clerk.fire(case, "start_review", None)
    if not issue:
        clerk.fire(case, "reject", "記載に誤りがあります。")
        return
    clerk.fire(case, "request_approval", None, cases.FACTS)
    approver.fire(case, "approve", None, cases.FACTS)
    clerk.fire(case, "issue", None, cases.FACTS)
