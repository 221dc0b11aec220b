"""Attempt limits: how many password checks and sign-ups are let through, and how long to wait after that.

Nothing here locks an account. Past a free allowance each failure doubles the wait before the next attempt
(1 s, 2 s, 4 s … at most 15 minutes); a success does not count and clears its (account, address) pair.
An attempt is counted *before* the password is checked, in one atomic step with the check of every counter
it touches (so parallel guesses cannot slip past a limit), and given back when it succeeds.

Two stores keep the counters with the same semantics:
- `MemoryStore`: this process's memory, each step under one lock (the default server is one process);
- `RedisStore`: each step one Lua script, shared by every process and machine.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal, Protocol

from tracker.services.errors import DomainError

WAIT_CAP = 15 * 60  # the longest wait, in seconds, however many failures there were
MAX_ENTRIES = 100_000  # counters one process keeps in memory; the oldest go first past this


@dataclass(frozen=True)
class Backoff:
    """Failures allowed before any wait (`free`), then waits doubling from 1 s up to `cap`; the count is
    forgotten `keep` seconds after the last counted attempt."""

    free: int
    cap: float = WAIT_CAP
    keep: float = 24 * 3600


@dataclass(frozen=True)
class Window:
    """At most `limit` counted attempts in a fixed window of `seconds`."""

    limit: int
    seconds: float


@dataclass(frozen=True)
class Counter:
    """One count an attempt adds to: its key, its rule, what a success does to it (`reset` forgets every
    failure, `refund` takes back only the attempt itself), and the message when it refuses."""

    key: str
    rule: Backoff | Window
    on_success: Literal["reset", "refund"]
    message: str


class Throttled(DomainError):
    """Too many attempts: the message says how long to wait; `retry_after` is that wait in whole seconds."""

    status = 429

    def __init__(self, message: str, *, retry_after: int):
        super().__init__(message, retry_after=retry_after)
        self.retry_after = retry_after


# What is counted, and under which key. Usernames are the ones typed (unknown ones are counted alike, so a
# refusal says nothing about whether an account exists).
PAIR = Backoff(free=5)
ACCOUNT = Backoff(free=20, keep=3600)
ADDRESS = Window(limit=60, seconds=5 * 60)
SIGN_UP = Window(limit=10, seconds=3600)
PASSWORD_CHECK = Backoff(free=5)
WRONG_PASSWORDS = "Too many wrong passwords for this account. Try again in {wait}."


def sign_in_counters(*, username: str, address: str, known_device: bool) -> list[Counter]:
    """A sign-in counts for its (account, address) pair, for the address, and (unless this browser signed
    in to the account before) for the account from every address: an attacker elsewhere slows strangers
    down, never the owner's own device or address."""
    counters = [
        Counter(f"sign-in:pair:{username}|{address}", PAIR, "reset",
                "Too many wrong passwords for this account from your address. Try again in {wait}."),
        Counter(f"sign-in:address:{address}", ADDRESS, "refund",
                "Too many failed sign-ins from your address. Try again in {wait}."),
    ]
    if not known_device:
        counters.append(Counter(f"sign-in:account:{username}", ACCOUNT, "refund", WRONG_PASSWORDS))
    return counters


def sign_up_counters(*, address: str) -> list[Counter]:
    """Sign-ups per address: each account made and each 'that username is taken' answer counts, so the
    answer stays useful to people and useless for listing accounts."""
    return [Counter(f"sign-up:address:{address}", SIGN_UP, "refund",
                    "Too many sign-ups from your address. Try again in {wait}.")]


SCIM_TOKEN = Backoff(free=10)


def scim_token_counters(*, address: str) -> list[Counter]:
    """Refused SCIM bearer tokens per address: a provisioning client with a good token is never slowed, one
    guessing tokens waits longer after each failure."""
    return [Counter(f"scim-token:address:{address}", SCIM_TOKEN, "reset",
                    "Too many refused SCIM tokens from your address. Try again in {wait}.")]


def password_check_counters(*, user_id: int) -> list[Counter]:
    """Every form that asks a signed-in person for their password (changing it, deleting the account, on the
    pages or the API) counts wrong answers per account, together."""
    return [Counter(f"password-check:{user_id}", PASSWORD_CHECK, "reset", WRONG_PASSWORDS)]


def wait_after(rule: Backoff, failures: int) -> float:
    """Seconds before the next attempt once `failures` are counted: none within the free allowance, then
    1, 2, 4 … up to the cap."""
    if failures <= rule.free:
        return 0.0
    return float(min(2 ** min(failures - rule.free - 1, 32), rule.cap))


def wait_text(seconds: float) -> str:
    """A wait as a person reads it, rounded up: '1 second', '8 seconds', '4 minutes', '1 hour'."""
    whole = max(1, math.ceil(seconds))
    if whole < 60:
        return f"{whole} second{'s' if whole != 1 else ''}"
    minutes = math.ceil(whole / 60)
    if minutes < 60:
        return f"{minutes} minute{'s' if minutes != 1 else ''}"
    hours = math.ceil(minutes / 60)
    return f"{hours} hour{'s' if hours != 1 else ''}"


def refusal(counter: Counter, wait: float) -> Throttled:
    """The 429 for an attempt `counter` refuses, with the wait in its message and in whole seconds."""
    return Throttled(counter.message.format(wait=wait_text(wait)), retry_after=max(1, math.ceil(wait)))


def worth_recording(repeat: int) -> bool:
    """Whether the `repeat`-th alike event in its minute gets its own row: the 1st, 2nd, 4th, 8th … so a
    flood leaves a handful of rows saying how large it was, never one row per request."""
    return repeat >= 1 and repeat & (repeat - 1) == 0


class Store(Protocol):
    def take(self, counters: Sequence[Counter], *, now: float) -> tuple[int, float]:
        """Count one attempt on every counter, or on none: (-1, 0) when counted, else the index of the counter
        that refuses (the longest wait) and its wait in seconds."""
        ...

    def give_back(self, counters: Sequence[Counter], *, now: float) -> None:
        """The attempt succeeded (or was not one that counts): reset or refund each counter."""
        ...

    def tally(self, key: str, *, seconds: float, now: float) -> int:
        """Add one to a count kept for `seconds` from its first; the count so far."""
        ...


def _admit(rule: Backoff | Window, n: int, until: float, now: float) -> tuple[float, int, float, float]:
    """One counter's step: (wait, new count, new `until`, seconds to keep). A window's `until` is its end;
    a backoff's is when the next attempt may come."""
    if isinstance(rule, Window):
        if now >= until:
            n, until = 0, now + rule.seconds
        if n >= rule.limit:
            return until - now, n, until, until - now
        return 0.0, n + 1, until, until - now
    if now < until:
        return until - now, n, until, rule.keep
    return 0.0, n + 1, now + wait_after(rule, n + 1), rule.keep


class MemoryStore:
    """Counters in this process's memory, each step under one lock."""

    def __init__(self, max_entries: int = MAX_ENTRIES):
        self._lock = threading.Lock()
        self._entries: dict[str, tuple[int, float, float]] = {}  # key -> (count, until, forgotten at)
        self._max = max_entries

    def _get(self, key: str, now: float) -> tuple[int, float]:
        entry = self._entries.get(key)
        if entry is None or entry[2] <= now:
            return 0, 0.0
        return entry[0], entry[1]

    def _put(self, key: str, value: tuple[int, float, float], now: float) -> None:
        self._entries.pop(key, None)  # re-inserted last: the dict's order is the order of last use
        self._entries[key] = value
        if len(self._entries) > self._max:
            for stale in [k for k, (_, _, gone) in self._entries.items() if gone <= now]:
                del self._entries[stale]
            while len(self._entries) > self._max * 0.9:  # room to spare, so this runs now and then
                del self._entries[next(iter(self._entries))]

    def take(self, counters: Sequence[Counter], *, now: float) -> tuple[int, float]:
        with self._lock:
            steps = [_admit(c.rule, *self._get(c.key, now), now) for c in counters]
            worst = max(range(len(steps)), key=lambda i: steps[i][0], default=-1)
            if worst >= 0 and steps[worst][0] > 0:
                return worst, steps[worst][0]
            for counter, (_, n, until, keep) in zip(counters, steps, strict=True):
                self._put(counter.key, (n, until, now + keep), now)
            return -1, 0.0

    def give_back(self, counters: Sequence[Counter], *, now: float) -> None:
        with self._lock:
            for counter in counters:
                entry = self._entries.get(counter.key)
                if entry is None:
                    continue
                if counter.on_success == "reset":
                    del self._entries[counter.key]
                else:
                    self._entries[counter.key] = (max(entry[0] - 1, 0), entry[1], entry[2])

    def tally(self, key: str, *, seconds: float, now: float) -> int:
        with self._lock:
            n, until = self._get(key, now)
            n, until = (n + 1, until) if n else (1, now + seconds)
            self._put(key, (n, until, until), now)
            return n


# KEYS: the counters; ARGV: now, then per counter its kind ("w" window, "b" backoff) and three numbers
# (a window's limit and seconds; a backoff's free allowance, cap and seconds kept). Mirrors `_admit`.
TAKE_SCRIPT = """
local now = tonumber(ARGV[1])
local steps = {}
local worst, worst_at = 0, 0
for i, key in ipairs(KEYS) do
  local kind, a, b, c = ARGV[i * 4 - 2], tonumber(ARGV[i * 4 - 1]), tonumber(ARGV[i * 4]), tonumber(ARGV[i * 4 + 1])
  local n = tonumber(redis.call('HGET', key, 'n') or '0')
  local till = tonumber(redis.call('HGET', key, 'until') or '0')
  local wait, keep = 0, c
  if kind == 'w' then
    if now >= till then n, till = 0, now + b end
    keep = till - now
    if n >= a then wait = till - now else n = n + 1 end
  else
    if now < till then
      wait = till - now
    else
      n = n + 1
      local delay = 0
      if n > a then delay = math.min(2 ^ math.min(n - a - 1, 32), b) end
      till = now + delay
    end
  end
  steps[i] = {n, till, keep}
  if wait > worst then worst, worst_at = wait, i end
end
if worst > 0 then return {worst_at - 1, tostring(worst)} end
for i, key in ipairs(KEYS) do
  redis.call('HSET', key, 'n', steps[i][1], 'until', tostring(steps[i][2]))
  redis.call('PEXPIRE', key, math.max(1, math.ceil(steps[i][3] * 1000)))
end
return {-1, '0'}
"""
# KEYS: the counters; ARGV: per counter "reset" or "refund".
GIVE_BACK_SCRIPT = """
for i, key in ipairs(KEYS) do
  if ARGV[i] == 'reset' then
    redis.call('DEL', key)
  else
    local n = tonumber(redis.call('HGET', key, 'n') or '0')
    if n > 0 then redis.call('HSET', key, 'n', n - 1) end
  end
end
return 0
"""
TALLY_SCRIPT = """
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return n
"""


class RedisStore:
    """Counters in Redis (`client` is a redis.Redis), each step one Lua script: atomic across processes.
    The time comes from the caller, so every server's clock should agree (NTP)."""

    def __init__(self, client: Any, prefix: str = "tracker:limits:"):
        self._prefix = prefix
        self._take = client.register_script(TAKE_SCRIPT)
        self._give_back = client.register_script(GIVE_BACK_SCRIPT)
        self._tally = client.register_script(TALLY_SCRIPT)

    def take(self, counters: Sequence[Counter], *, now: float) -> tuple[int, float]:
        args: list[Any] = [repr(now)]
        for c in counters:
            if isinstance(c.rule, Window):
                args += ["w", c.rule.limit, repr(float(c.rule.seconds)), 0]
            else:
                args += ["b", c.rule.free, repr(float(c.rule.cap)), repr(float(c.rule.keep))]
        index, wait = self._take(keys=[self._prefix + c.key for c in counters], args=args)
        return int(index), float(wait)

    def give_back(self, counters: Sequence[Counter], *, now: float) -> None:
        self._give_back(keys=[self._prefix + c.key for c in counters], args=[c.on_success for c in counters])

    def tally(self, key: str, *, seconds: float, now: float) -> int:
        return int(self._tally(keys=[self._prefix + "tally:" + key], args=[max(1, math.ceil(seconds * 1000))]))
