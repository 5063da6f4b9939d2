"""The queue: the municipality's submissions, oldest first, filterable, with their 期限日."""

from __future__ import annotations

import re
from datetime import timedelta

from portal.japan import jst, wareki
from portal.models import Submission
from tests.web.conftest import login
from tests.web.journeys import JUMINHYO_ANSWERS, SODAI_GOMI_ANSWERS, apply, fire


def _rows(page: str) -> list[str]:
    return re.findall(r'/backoffice/submissions/([0-9-]+)"', page)


def test_queue_is_oldest_first_filterable_and_flags_overdue_cases(client, make_client, db_session):
    login(client, "resident", "resident-yamada")
    juminhyo = apply(client, "999997", "juminhyo", JUMINHYO_ANSWERS)
    gomi = apply(client, "999997", "sodai_gomi", SODAI_GOMI_ANSWERS)
    # The 住民票 request arrived five days ago and its 期限日 has passed.
    old = db_session.query(Submission).filter_by(reference=juminhyo).one()
    old.submitted_at = jst.now() - timedelta(days=5)
    old.due_on = jst.today() - timedelta(days=1)
    db_session.flush()
    new = db_session.query(Submission).filter_by(reference=gomi).one()

    clerk = make_client("staff", "staff-mihon-clerk")
    queue = clerk.get("/backoffice/")
    assert _rows(queue.text) == [juminhyo, gomi]
    assert wareki.format_date(old.due_on, with_seireki=True) in queue.text and "期限超過" in queue.text
    assert wareki.format_date(new.due_on, with_seireki=True) in queue.text
    assert queue.text.count('class="is-overdue-row"') == 1

    assert _rows(clerk.get("/backoffice/?procedure=sodai_gomi").text) == [gomi]
    fire(clerk, juminhyo, "start_review")
    assert _rows(clerk.get("/backoffice/?state=in_review").text) == [juminhyo]
    assert _rows(clerk.get("/backoffice/?state=received").text) == [gomi]
    assert _rows(clerk.get("/backoffice/?state=nonexistent").text) == []


def test_buttons_are_exactly_the_transitions_this_person_may_fire_now(client, make_client):
    login(client, "resident", "resident-yamada")
    reference = apply(client, "999997", "juminhyo", JUMINHYO_ANSWERS)
    clerk = make_client("staff", "staff-mihon-clerk")
    approver = make_client("staff", "staff-mihon-approver")
    page = f"/backoffice/submissions/{reference}"

    assert "transitions/start_review" in clerk.get(page).text
    assert "transitions/start_review" not in approver.get(page).text
    fire(clerk, reference, "start_review")
    fire(clerk, reference, "request_approval")
    clerk_page, approver_page = clerk.get(page).text, approver.get(page).text
    assert "transitions/approve" not in clerk_page and "transitions/approve" in approver_page
    assert "現在あなたが行える操作はありません" in clerk_page
