"""The queue page runs the same number of SQL statements whatever the number of cases: no query per row."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import Connection, select

from portal.japan import jst
from portal.models import Staff
from portal.roles import Role
from tests.statements import statements
from tests.web import queuecases as cases

MIHON = "999997"
VIEWS = ("action", "mine", "unassigned", "overdue", "done", "all")
MOST = 10  # the frame (staff, municipality and its procedures, the catalog), the workflows, the page, its versions, colleagues


def _queries(clerk, connection: Connection, view: str) -> int:  # type: ignore[no-untyped-def]
    with statements(connection) as seen:
        page = clerk.get("/backoffice/", query_string={"view": view})
    assert page.status_code == 200
    return len(seen)


@pytest.mark.parametrize("view", VIEWS)
def test_the_queue_page_costs_the_same_queries_for_three_cases_as_for_sixty(
    app, make_client, db_session, connection, view
):
    clerk = make_client("staff", "staff-mihon-clerk")
    me = db_session.scalars(select(Staff).filter_by(subject="staff-mihon-clerk")).one()
    reviewer = cases.staff(db_session, MIHON, "審査 花子", Role.CLERK)

    def add(count: int) -> None:
        for n in range(count):  # every view has rows from the start: a page of none reads no versions
            case = cases.submit(app, db_session, MIHON, "sodai_gomi" if n % 3 == 0 else "juminhyo")
            if n % 3 == 1:
                cases.fire(app, db_session, case, reviewer, "start_review")
                cases.fire(app, db_session, case, reviewer, "reject", "要件を満たしません")
            elif n % 3 == 2:
                case.assignee_id = me.id
            else:
                case.due_on = jst.today() - timedelta(days=1)  # 期限超過
        db_session.flush()

    add(3)
    clerk.get("/backoffice/", query_string={"view": view})  # versions parsed once per process, not per page
    few = _queries(clerk, connection, view)
    add(57)
    many = _queries(clerk, connection, view)

    assert few == many <= MOST, (few, many)
