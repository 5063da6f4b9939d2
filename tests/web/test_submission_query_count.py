"""An application end to end costs a fixed number of SQL statements a step: the municipality and the catalog come
from the content cache, so a step reads the token, the resident and the draft before doing its own work."""

from __future__ import annotations

from flask.testing import FlaskClient
from sqlalchemy import Connection

from tests.statements import statements
from tests.web.conftest import login
from tests.web.journeys import SODAI_GOMI_ANSWERS, csrf_token, hidden_inputs

APPLY = "/999997/procedures/sodai_gomi/apply"
CONFIRM = "/999997/procedures/sodai_gomi/confirm"


def test_each_step_of_an_application_costs_a_fixed_number_of_statements(
    client: FlaskClient, connection: Connection
) -> None:
    login(client, "resident", "resident-yamada")
    token = csrf_token(client, APPLY)
    collection = {k: v for k, v in SODAI_GOMI_ANSWERS.items() if k.startswith(("items", "preferred_date"))}
    applicant = {k: v for k, v in SODAI_GOMI_ANSWERS.items() if k not in collection}
    counts = []
    for page, answers in (("applicant", applicant), ("collection", collection)):
        with statements(connection) as seen:
            saved = client.post(f"{APPLY}?page={page}", data={**answers, "action": "next", "csrf_token": token})
        assert saved.status_code == 302
        # the token, the resident, the draft (twice), the resident's lock, the write; a new draft: the drafts kept
        counts.append(len(seen))
    with statements(connection) as seen:
        sent = hidden_inputs(client, CONFIRM)
    counts.append(len(seen))  # the token, the resident, the draft
    with statements(connection) as seen:
        submitted = client.post(CONFIRM, data=sent)
    assert submitted.status_code == 302 and "/receipt" in submitted.headers["Location"]
    counts.append(len(seen))
    # 申請する: the token, the resident, the draft (its token is the page's: no earlier submission is looked for)
    # and its deletion, the resident's lock, the submission made with this token, the closing days for the 期限日,
    # the 受付番号 (the year's first: an update finding no row, the row inserted, the update taking the number),
    # the submission, its first history record, the resident's mail settings, the municipality's webhook
    # subscriptions
    assert counts == [7, 6, 3, 14]
