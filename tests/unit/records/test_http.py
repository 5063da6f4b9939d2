"""The http records backend against a stub core system on a real loopback socket: the contract, the
timeouts, bounded retries, and every failure as RecordsUnavailable."""

from __future__ import annotations

import json
import time
from datetime import date

import pytest
from requests.adapters import HTTPAdapter

from portal.demo import demo_households
from portal.records.backend import RecordsUnavailable
from portal.records.http import HttpRecords, retry_policy
from portal.records.matching import BasicInfo
from portal.records.model import Gender, household_to_json, person_to_json
from tests.unit.records.stub_core import Answer, StubCore, unreachable_url

YAMADA_HOUSEHOLD = demo_households()["999997"][0]
YAMADA = YAMADA_HOUSEHOLD.members[0]
QUERY = BasicInfo("山田 太郎", date(1985, 4, 12), Gender.MALE, "東京都千代田区千代田1-1")


def records(url: str, *, read_timeout: float = 2.0) -> HttpRecords:
    """No backoff, short timeouts: the tests measure attempts, not patience."""
    adapter = HTTPAdapter(max_retries=retry_policy(backoff=0))
    return HttpRecords("999997", url, "token-999997", adapter=adapter, timeout=(1.0, read_timeout))


def test_reads_a_person_with_the_bearer_token(stub_core: StubCore) -> None:
    stub_core.on("GET", "/records/v1/persons/P0001", Answer(body=person_to_json(YAMADA)))

    assert records(stub_core.url).person("P0001") == YAMADA
    [request] = stub_core.requests
    assert request["headers"]["Authorization"] == "Bearer token-999997"
    assert request["headers"]["Accept"] == "application/json"


def test_404_is_nobody(stub_core: StubCore) -> None:
    assert records(stub_core.url).person("P9999") is None
    assert records(stub_core.url).household("H9999") is None
    assert len(stub_core.requests) == 2  # a 404 is an answer: not retried


def test_ids_are_quoted_into_the_path(stub_core: StubCore) -> None:
    assert records(stub_core.url).person("../households/H0001") is None
    assert stub_core.requests[0]["path"] == "/records/v1/persons/..%2Fhouseholds%2FH0001"


def test_reads_a_household_in_record_order(stub_core: StubCore) -> None:
    stub_core.on("GET", "/records/v1/households/H0001", Answer(body=household_to_json(YAMADA_HOUSEHOLD)))

    household = records(stub_core.url).household("H0001")
    assert household == YAMADA_HOUSEHOLD
    assert [m.relationship for m in household.members] == ["世帯主", "妻", "子", "子", "子"]


def test_search_posts_the_basic_info_in_the_body_not_the_url(stub_core: StubCore) -> None:
    stub_core.on("POST", "/records/v1/persons/search", Answer(body={"persons": [person_to_json(YAMADA)]}))

    assert records(stub_core.url).candidates(QUERY) == [YAMADA]
    [request] = stub_core.requests
    assert request["path"] == "/records/v1/persons/search"
    assert json.loads(request["body"]) == {
        "name": "山田 太郎",
        "birthdate": "1985-04-12",
        "gender": "male",
        "address": "東京都千代田区千代田1-1",
    }


def test_a_503_is_retried_and_then_answered(stub_core: StubCore) -> None:
    stub_core.on(
        "POST",
        "/records/v1/persons/search",
        Answer(503, {"error": "busy"}),
        Answer(503, {"error": "busy"}),
        Answer(body={"persons": []}),
    )

    assert records(stub_core.url).candidates(QUERY) == []
    assert len(stub_core.requests) == 3


def test_retries_are_bounded(stub_core: StubCore) -> None:
    stub_core.on("GET", "/records/v1/persons/P0001", Answer(503, {"error": "maintenance"}))

    with pytest.raises(RecordsUnavailable, match=r"records of 999997: GET /persons/\{\}: HTTP 503"):
        records(stub_core.url).person("P0001")
    assert len(stub_core.requests) == 3  # the first try and two retries


@pytest.mark.parametrize("status", [400, 401, 500])
def test_other_errors_are_unavailable_at_once(stub_core: StubCore, status: int) -> None:
    stub_core.on("GET", "/records/v1/households/H0001", Answer(status, {"error": "no"}))

    with pytest.raises(RecordsUnavailable, match=f"HTTP {status}"):
        records(stub_core.url).household("H0001")
    assert len(stub_core.requests) == 1


def test_a_slow_core_system_times_out_without_a_retry(stub_core: StubCore) -> None:
    stub_core.on("GET", "/records/v1/persons/P0001", Answer(body=person_to_json(YAMADA), delay=2.0))

    started = time.monotonic()
    with pytest.raises(RecordsUnavailable, match="ReadTimeoutError"):
        records(stub_core.url, read_timeout=0.3).person("P0001")
    assert time.monotonic() - started < 1.5
    assert len(stub_core.requests) == 1


def test_a_closed_port_is_unavailable() -> None:
    with pytest.raises(RecordsUnavailable, match="NewConnectionError"):
        records(unreachable_url()).person("P0001")


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"<html>Service Unavailable</html>", "the answer is not JSON"),
        ({"person_id": "P0001"}, "does not follow the contract"),
        ({**person_to_json(YAMADA), "birthdate": "昭和60年4月12日"}, r"\(birthdate: an ISO 8601 date"),
    ],
)
def test_a_malformed_person_is_unavailable(stub_core: StubCore, body: object, reason: str) -> None:
    stub_core.on("GET", "/records/v1/persons/P0001", Answer(body=body))

    with pytest.raises(RecordsUnavailable, match=reason) as raised:
        records(stub_core.url).person("P0001")
    assert "山田" not in str(raised.value)  # the message reaches logs: no personal data


@pytest.mark.parametrize("body", [{"people": []}, [person_to_json(YAMADA)], {"persons": [{"name": "山田"}]}])
def test_a_malformed_search_answer_is_unavailable(stub_core: StubCore, body: object) -> None:
    stub_core.on("POST", "/records/v1/persons/search", Answer(body=body))

    with pytest.raises(RecordsUnavailable, match="POST /persons/search|/persons/search"):
        records(stub_core.url).candidates(QUERY)
