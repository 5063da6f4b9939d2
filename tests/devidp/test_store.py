"""The in-memory store: single use of codes under concurrency, expiry, and nonce bookkeeping."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

from portal.devidp import default_clients, demo_users
from portal.devidp.store import AuthorizationCode, IssuedToken, MemoryStore

RESIDENT, STAFF = default_clients("http://portal.test")
USER = demo_users()[0]


def code(value: str = "c1", *, expires_in: float = 600, nonce: str = "n1") -> AuthorizationCode:
    return AuthorizationCode(
        code=value,
        client=RESIDENT,
        user=USER,
        redirect_uri=RESIDENT.redirect_uris[0],
        scope="openid name",
        nonce=nonce,
        code_challenge="x" * 43,
        code_challenge_method="S256",
        auth_time=int(time.time()),
        expires_at=time.time() + expires_in,
    )


def test_a_code_is_claimed_by_exactly_one_of_many_racing_requests() -> None:
    store = MemoryStore()
    store.add_code(code())
    with ThreadPoolExecutor(max_workers=16) as pool:
        claimed = list(pool.map(lambda _: store.claim_code("c1", RESIDENT), range(64)))
    assert sum(found is not None for found in claimed) == 1


def test_a_code_is_only_claimed_by_its_client_and_while_live() -> None:
    store = MemoryStore()
    store.add_code(code("mine"))
    store.add_code(code("stale", expires_in=-1))

    assert store.claim_code("mine", STAFF) is None
    assert store.claim_code("mine", RESIDENT) is not None
    assert store.claim_code("stale", RESIDENT) is None
    assert store.claim_code("unknown", RESIDENT) is None


def test_saving_a_code_spends_its_nonce_for_that_client_only() -> None:
    store = MemoryStore()
    assert not store.nonce_spent(RESIDENT.client_id, "n1")
    store.add_code(code(nonce="n1"))
    assert store.nonce_spent(RESIDENT.client_id, "n1")
    assert not store.nonce_spent(STAFF.client_id, "n1")


def test_tokens_are_found_until_they_expire() -> None:
    store = MemoryStore()
    live = IssuedToken("live", RESIDENT, USER, "openid", issued_at=time.time(), expires_in=3600)
    expired = IssuedToken("old", RESIDENT, USER, "openid", issued_at=time.time() - 7200, expires_in=3600)
    store.add_token(expired)
    store.add_token(live)

    assert store.token("live") is live
    assert store.token("old") is None  # purged when the next token was added
    assert expired.is_expired() and not live.is_expired()
