"""In-process copies of what the public pages read (municipalities with the procedures they offer, the published
catalog, whole anonymous pages), trusted while the content token they were stored under is the current one.

Every key starts with the token (portal.models.content): a change anywhere gives a new token, so copies made
before it are never asked for again and age out of the LRU cache (cachetools). The token is read from the
database at most every ``check_every`` seconds, and once per database session (one request sees one version);
a commit in this process that changed the content makes every cache of the process read it again at the next
use, so the worker that saved a setting shows it at once and the other app servers within ``check_every``.
"""

from __future__ import annotations

import math
import threading
import time
import weakref
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

from cachetools import LRUCache
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from portal.models.content import CHANGED, ROW, ContentVersion

T = TypeVar("T")

TOKEN_READ = "madoguchi.content_token"  # in Session.info: (generation, token) as this session last read it
_LIVE: weakref.WeakSet[ContentCache] = weakref.WeakSet()
_generation = 0  # flushes in this process that changed the content: a session's token read before is stale


class ContentCache:
    def __init__(self, check_every: float, maxsize: int = 2048, clock: Callable[[], float] = time.monotonic) -> None:
        self.check_every = check_every
        self._clock = clock
        self._entries: LRUCache[Hashable, Any] = LRUCache(maxsize)
        self._lock = threading.Lock()  # cachetools' caches are not thread-safe (gunicorn's threaded workers)
        self._token: str | None = None
        self._checked_at = -math.inf
        _LIVE.add(self)

    def token(self, session: Session) -> str:
        """The content token this session works with: read once per session, and from the database only when
        the last read is older than ``check_every`` (or this process has changed the content since)."""
        generation = _generation
        read = session.info.get(TOKEN_READ)
        if read is not None and read[0] == generation:
            return str(read[1])
        if read is not None:
            self._checked_at = -math.inf  # this session's read is stale: so is the process's
        token = self.shared_token(lambda: session.scalars(select(ContentVersion.token).filter_by(id=ROW)).one())
        session.info[TOKEN_READ] = (generation, token)
        return token

    def shared_token(self, read: Callable[[], str]) -> str:
        """The process's token, from ``read()`` only when the last read is older than ``check_every`` (or this
        process has changed the content since): for a request with no session of its own (portal.web.pagecache)."""
        now = self._clock()
        if self._token is None or now - self._checked_at >= self.check_every:
            self._token = read()
            self._checked_at = now
        return self._token

    def get(self, session: Session, key: Hashable, load: Callable[[], T]) -> T:
        """The copy stored under ``key`` for the current token, else what ``load()`` returns, stored."""
        token = self.token(session)
        found, value = self.lookup(token, key)
        if found:
            return value  # type: ignore[no-any-return]
        value = load()
        self.store(token, key, value)
        return value

    def lookup(self, token: str, key: Hashable) -> tuple[bool, Any]:
        with self._lock:
            try:
                return True, self._entries[token, key]
            except KeyError:
                return False, None

    def store(self, token: str, key: Hashable, value: object) -> None:
        with self._lock:
            self._entries[token, key] = value

    def recheck(self) -> None:
        """Read the token again at the next use, however recent the last read."""
        self._checked_at = -math.inf


@event.listens_for(Session, "after_flush_postexec")
def _flushed_a_change(session: Session, _context: object) -> None:
    """After portal.models.content bumped the token in this transaction: sessions that read it before (the
    transaction's own among them) read it again."""
    global _generation
    if session.info.get(CHANGED):
        _generation += 1


@event.listens_for(Session, "after_commit")
def _committed_a_change(session: Session) -> None:
    """Every cache of this process reads the token again, however recently it did. (A flag left by a rolled-back
    change costs one needless read at the session's next commit.)"""
    if session.info.pop(CHANGED, False):
        for cache in list(_LIVE):
            cache.recheck()
