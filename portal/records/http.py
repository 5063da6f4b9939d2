"""The ``http`` backend: a municipality's core system (住民記録システム) over JSON and HTTPS.

Contract. ``{base}`` is ``RECORDS_HTTP_URL_<code>``; every request carries
``Authorization: Bearer <RECORDS_HTTP_TOKEN_<code>>`` and ``Accept: application/json``; answers are UTF-8
JSON::

    GET  {base}/persons/{person_id}        200 <person>     404 nobody by that id
    POST {base}/persons/search             200 {"persons": [<person>, ...]}   (an empty list: nobody)
         body {"name": "山田 太郎", "birthdate": "1985-04-12", "gender": "male", "address": "東京都…"}
    GET  {base}/households/{household_id}  200 <household>  404 no such household

``<person>`` and ``<household>`` are the JSON form of :mod:`portal.records.model` (see
:func:`~portal.records.model.person_to_json`), for example::

    {"person_id": "P0001", "household_id": "H0001",
     "name": {"family": "山田", "given": "太郎", "family_kana": "ヤマダ", "given_kana": "タロウ"},
     "birthdate": "1985-04-12", "gender": "male", "relationship": "世帯主",
     "address": {"address": "東京都千代田区千代田一丁目1番", "katagaki": "", "postal_code": "1000001"},
     "became_resident_on": "1985-04-12", "address_set_on": "2016-09-10", "previous_address": "",
     "domicile": {"honseki": "東京都千代田区千代田一丁目1番", "hittosha": "山田 太郎"},
     "foreign": null}

``foreign`` (for a foreign resident; ``domicile`` is then null) holds ``nationality``, ``category``,
``residence_status``, ``period_of_stay``, ``period_expires_on`` (ISO date or null), ``alias`` and
``alias_kana``. ``<household>`` is ``{"household_id", "head_name", "address", "members": [<person>, ...]}``.
``person_id`` is the core system's opaque id (宛名番号); the portal ignores any other key, so a
住民票コード or マイナンバー sent by mistake is never kept. The search may return loose candidates: the
portal links only a person whose 基本4情報 it matches itself, and only when exactly one does.

Every endpoint only reads. The search is a POST solely to keep 基本4情報 out of URLs and access logs, and
is retried like the GETs: connection failures and 502/503/504 up to :data:`RETRIES` times with a short
backoff; a read that times out is not retried, so a slow core system costs a login at most one read
timeout. Anything else (another status, a body outside the contract) raises :class:`RecordsUnavailable`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any
from urllib.parse import quote

import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from portal.records.backend import RecordsUnavailable
from portal.records.matching import BasicInfo
from portal.records.model import (
    Household,
    Person,
    RecordFormatError,
    household_from_json,
    person_from_json,
)
from portal.records.registry import Opener, RecordsSource, register

CONNECT_TIMEOUT = 3.0  # seconds
READ_TIMEOUT = 10.0
RETRIES = 2


def retry_policy(backoff: float = 0.2) -> Retry:
    return Retry(
        total=RETRIES,
        connect=RETRIES,
        read=0,
        status=RETRIES,
        other=0,
        backoff_factor=backoff,
        status_forcelist=(502, 503, 504),
        allowed_methods=frozenset({"GET", "POST"}),  # every endpoint of the contract only reads
        raise_on_status=False,  # the last answer comes back and becomes RecordsUnavailable below
        respect_retry_after_header=False,  # a login must not wait as long as the server asks
    )


class HttpRecords:
    """One municipality's core system; each instance is one unit of work's requests.Session."""

    def __init__(
        self,
        municipality_code: str,
        url: str,
        token: str,
        *,
        adapter: HTTPAdapter | None = None,
        timeout: tuple[float, float] = (CONNECT_TIMEOUT, READ_TIMEOUT),
    ) -> None:
        self.municipality_code = municipality_code
        self.base = url.rstrip("/")
        self.timeout = timeout
        self.http = requests.Session()
        self.http.trust_env = False  # a proxy from the environment must not see residents' records
        self.http.mount(self.base, adapter or HTTPAdapter(max_retries=retry_policy()))
        self.http.headers.update({"Authorization": f"Bearer {token}", "Accept": "application/json"})

    def person(self, person_id: str) -> Person | None:
        data = self._call("GET", "/persons/{}", person_id)
        return None if data is None else self._read(person_from_json, data, "/persons/{}")

    def candidates(self, query: BasicInfo) -> Sequence[Person]:
        body = {
            "name": query.name,
            "birthdate": query.birthdate.isoformat(),
            "gender": query.gender.value,
            "address": query.address,
        }
        data = self._call("POST", "/persons/search", json=body)
        persons = data.get("persons") if isinstance(data, dict) else None
        if not isinstance(persons, list):
            raise self._unavailable("POST /persons/search", "the answer has no list of persons")
        return [self._read(person_from_json, person, "/persons/search") for person in persons]

    def household(self, household_id: str) -> Household | None:
        data = self._call("GET", "/households/{}", household_id)
        return None if data is None else self._read(household_from_json, data, "/households/{}")

    def _call(self, method: str, template: str, *ids: str, json: Any = None) -> Any:
        """The decoded JSON answer, None for a 404 on a GET; RecordsUnavailable for anything else."""
        endpoint = f"{method} {template}"  # names the call without the id: messages reach the logs
        url = self.base + template.format(*(quote(i, safe="") for i in ids))
        try:
            response = self.http.request(method, url, json=json, timeout=self.timeout, allow_redirects=False)
        except requests.RequestException as exc:
            raise self._unavailable(endpoint, _cause(exc)) from exc
        if response.status_code == 404 and method == "GET":
            return None
        if response.status_code != 200:
            raise self._unavailable(endpoint, f"HTTP {response.status_code}")
        try:
            return response.json()
        except ValueError as exc:
            raise self._unavailable(endpoint, "the answer is not JSON") from exc

    def _read(self, parse: Callable[[Any], Any], data: Any, template: str) -> Any:
        try:
            return parse(data)
        except RecordFormatError as exc:
            raise self._unavailable(template, f"the answer does not follow the contract ({exc})") from exc

    def _unavailable(self, endpoint: str, reason: str) -> RecordsUnavailable:
        return RecordsUnavailable(f"records of {self.municipality_code}: {endpoint}: {reason}")


def _cause(exc: requests.RequestException) -> str:
    """What went wrong, for the operator: urllib3's reason (ReadTimeoutError, NewConnectionError) when
    requests wrapped one after the retries."""
    reason = getattr(exc.args[0], "reason", None) if exc.args else None
    return type(reason or exc).__name__


@register("http")
def _open_http(municipality_code: str, source: RecordsSource) -> Opener:
    """One connection pool per municipality, shared by the short-lived sessions opened on it."""
    adapter = HTTPAdapter(max_retries=retry_policy())
    return lambda _session: HttpRecords(municipality_code, source.url, source.token, adapter=adapter)
