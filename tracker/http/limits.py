"""Attempt limits at the HTTP boundary: the store (Redis when TRACKER_REDIS_URL is set, else this process's
memory), the counted attempt around each password check and sign-up, the known-device cookie, and the
sampling of repeated security events. The rules themselves are in `tracker.services.people.limits`.

When Redis does not answer, the limits go on in this process's memory (`FallbackStore`): the same rules,
counted per process until Redis is back, so nobody is kept from signing in by a cache outage. The switch is
logged once each way, and /readyz says "degraded".
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from typing import Any

import redis
from flask import Flask, Response, current_app, request
from itsdangerous import BadSignature, URLSafeTimedSerializer

from tracker.db import get_session
from tracker.models import SecurityEventKind, User
from tracker.services.people import limits, security_log

STORE = "tracker.limits"
DEVICE_COOKIE = "tracker_device"
DEVICE_AGE_DAYS = 180
DEVICE_ACCOUNTS = 8  # accounts one browser is remembered for


log = logging.getLogger("tracker.limits")
RETRY_REDIS_SECONDS = 5.0  # while Redis is down, how often a request tries it again


class FallbackStore:
    """Redis, or this process's memory while Redis does not answer: the same rules, counted per process
    during the outage (an attacker gains at most one allowance per server process, never an unlimited check).
    The outage and the recovery are each logged once, at the transition, under a lock."""

    def __init__(self, client: Any, *, retry_seconds: float = RETRY_REDIS_SECONDS):
        self.client = client
        self.shared = limits.RedisStore(client)
        self.local = limits.MemoryStore()
        self._retry = retry_seconds
        self._lock = threading.Lock()
        self._down_since: float | None = None
        self._next_try = 0.0

    @property
    def degraded(self) -> bool:
        """Whether the limits are counted in this process's memory because Redis does not answer."""
        return self._down_since is not None

    def _step(self, name: str, *args, **kwargs):
        if self._down_since is not None and time.monotonic() < self._next_try:
            return getattr(self.local, name)(*args, **kwargs)
        try:
            answer = getattr(self.shared, name)(*args, **kwargs)
        except redis.RedisError as error:
            self._went_down(error)
            return getattr(self.local, name)(*args, **kwargs)
        self._came_back()
        return answer

    def _went_down(self, error: Exception) -> None:
        with self._lock:
            self._next_try = time.monotonic() + self._retry
            if self._down_since is None:
                self._down_since = time.monotonic()
                log.warning("Redis does not answer (%s); counting attempt limits in this process's memory until "
                            "it does", type(error).__name__)

    def _came_back(self) -> None:
        if self._down_since is None:
            return
        with self._lock:
            if self._down_since is not None:
                log.info("Redis answers again after %.1f s; attempt limits are shared again",
                         time.monotonic() - self._down_since)
                self._down_since = None

    def check(self) -> bool:
        """Ask Redis now (for /readyz); whether the limits are degraded to this process's memory."""
        try:
            self.client.ping()
        except redis.RedisError as error:
            self._went_down(error)
        else:
            self._came_back()
        return self.degraded

    def take(self, counters: Sequence[limits.Counter], *, now: float) -> tuple[int, float]:
        return self._step("take", counters, now=now)

    def give_back(self, counters: Sequence[limits.Counter], *, now: float) -> None:
        self._step("give_back", counters, now=now)

    def tally(self, key: str, *, seconds: float, now: float) -> int:
        return self._step("tally", key, seconds=seconds, now=now)


class Attempt:
    """One counted attempt; `did_not_count()` gives it back (a success, or an answer that reveals nothing)."""

    def __init__(self, counters: Sequence[limits.Counter]):
        self.counters = counters
        self.counts = True

    def did_not_count(self) -> None:
        self.counts = False


def init_app(app: Flask) -> None:
    uri = app.config["RATELIMIT_STORAGE_URI"]
    if uri.startswith(("redis://", "rediss://", "unix://")):
        app.extensions[STORE] = FallbackStore(redis.Redis.from_url(uri, socket_timeout=2, socket_connect_timeout=2))
    else:
        app.extensions[STORE] = limits.MemoryStore()


def store() -> limits.Store:
    found: limits.Store = current_app.extensions[STORE]
    return found


def degraded() -> bool:
    """Whether the limits are counted in this process only, because Redis does not answer (asks Redis now)."""
    found = store()
    return found.check() if isinstance(found, FallbackStore) else False


@contextmanager
def counted(counters: Sequence[limits.Counter], *, username: str = "") -> Iterator[Attempt]:
    """Count an attempt on every counter before the work (refusing with 429 when one says wait), and give it
    back at the end if the work says it did not count (even when it then raises); an error raised without
saying so leaves it counted."""
    index, wait = store().take(counters, now=time.time())
    if index >= 0:
        counter = counters[index]
        which = ":".join(counter.key.split(":", 2)[:2])  # "sign-in:pair", never the username or address
        record_sampled(SecurityEventKind.throttled, key=which, username=username,
                       detail=f"{which}, wait {limits.wait_text(wait)}")
        raise limits.refusal(counter, wait)
    attempt = Attempt(counters)
    try:
        yield attempt
    finally:
        if not attempt.counts:
            store().give_back(counters, now=time.time())


def sign_in_attempt(username: str) -> AbstractContextManager[Attempt]:
    """Around a sign-in's password check; a success gives the attempt back (`did_not_count`)."""
    return counted(limits.sign_in_counters(username=username, address=client_address(),
                                           known_device=username in known_accounts()), username=username)


def sign_up_attempt() -> AbstractContextManager[Attempt]:
    """Around creating an account; answers that neither make one nor say a name is taken give it back."""
    return counted(limits.sign_up_counters(address=client_address()))


def password_check(user: User) -> AbstractContextManager[Attempt]:
    """Around every check of a signed-in person's password: wrong ones are counted per account."""
    assert user.id is not None
    return counted(limits.password_check_counters(user_id=user.id), username=user.username)


def client_address() -> str:
    """The client's address: the peer, or what trusted proxies (TRACKER_TRUSTED_PROXIES) say it is."""
    return (request.remote_addr or "")[:64]


# ---------------------------------------------------------------- known devices

def _device_cookie_name() -> str:
    return ("__Host-" if current_app.config["SECURE_COOKIES"] else "") + DEVICE_COOKIE


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="tracker-known-device")


def known_accounts() -> list[str]:
    """The accounts this browser signed in to before (a signed cookie), newest last."""
    raw = request.cookies.get(_device_cookie_name(), "")
    if not raw or len(raw) > 2048:
        return []
    try:
        names = _serializer().loads(raw, max_age=DEVICE_AGE_DAYS * 86400)
    except BadSignature:
        return []
    return [n for n in names if isinstance(n, str)] if isinstance(names, list) else []


def remember_device(response: Response, username: str) -> Response:
    """After a good sign-in: this browser is known for the account, so attacks on the account from elsewhere
    never slow it down."""
    names = [*[n for n in known_accounts() if n != username][-(DEVICE_ACCOUNTS - 1):], username]
    response.set_cookie(_device_cookie_name(), _serializer().dumps(names), max_age=DEVICE_AGE_DAYS * 86400,
                        path="/", secure=current_app.config["SECURE_COOKIES"], httponly=True, samesite="Lax")
    return response


# ---------------------------------------------------------------- repeated events

def record_sampled(kind: SecurityEventKind, *, key: str, user: User | None = None, username: str = "",
                   detail: str = "") -> None:
    """Record an event that a client can repeat at will (a refusal, a throttled attempt): the 1st, 2nd, 4th,
    8th … alike event from one address in a minute gets a row saying which one it is; the rest are only counted
    in the metrics."""
    address = client_address()
    repeat = store().tally(f"{kind.value}|{address}|{key}", seconds=60, now=time.time())
    security_log.record_repeated(session=get_session(), kind=kind, repeat=repeat, user=user, username=username,
                                 address=address, detail=detail)
