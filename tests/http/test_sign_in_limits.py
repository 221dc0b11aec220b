"""Sign-in, sign-up and password-check limits that slow guessing down without locking anyone out, on this
process's memory (the default) and on Redis (a database of its own per test worker, emptied before and after).

What is counted: failures only, per (account, address) pair, per address, and per account from browsers that
never signed in to it; past each free allowance the wait doubles. Counting is one atomic step with the check.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from flask import Flask
from sqlmodel import col, func, select

from tests.conftest import PASSWORD, CSRFClient, make_app
from tests.http.test_shared_limits import redis_client
from tracker import db
from tracker.models import SecurityEvent, SecurityEventKind, User
from tracker.services.people import limits

# One Redis database per test worker: each test empties it, which must not wipe a neighbour's counters.
_DATABASES = {"": 11, "gw0": 11, "gw1": 9, "gw2": 10, "gw3": 8}
REDIS_URL = os.environ.get("TRACKER_TEST_LIMITS_REDIS_URL",
                           f"redis://127.0.0.1:6379/{_DATABASES.get(os.environ.get('PYTEST_XDIST_WORKER', ''), 11)}")



@pytest.fixture(params=["memory", "redis"])
def store(request) -> Iterator[str]:
    if request.param == "redis":
        client = redis_client(REDIS_URL)
        client.flushdb()
        yield REDIS_URL
        client.flushdb()
    else:
        yield ""


@pytest.fixture
def start() -> datetime:
    """Where a test freezes the clock: just after the real now (the browsers' signed cookies must not come
    from the future)."""
    return datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=30)


@pytest.fixture
def limited(database_url, tmp_path, store) -> Iterator[Flask]:
    """An app that trusts one proxy, so each test can speak from many addresses (X-Forwarded-For)."""
    app = make_app(database_url, tmp_path, TRUSTED_PROXIES=1, **({"REDIS_URL": store} if store else {}))
    app.test_client_class = CSRFClient
    yield app
    app.extensions["tracker.engine"].dispose()


def browser(app: Flask) -> CSRFClient:
    client = app.test_client()
    assert isinstance(client, CSRFClient)
    client.csrf_token()
    return client


def sign_in(client, username: str, password: str, address: str, **headers: str):
    return client.post("/signin", data={"username": username, "password": password},
                       headers={"X-Forwarded-For": address} | headers)


def events(app: Flask, kind: SecurityEventKind) -> list[SecurityEvent]:
    with app.app_context():
        return list(db.get_session().exec(select(SecurityEvent).where(SecurityEvent.kind == kind)
                                          .order_by(col(SecurityEvent.id))))


# ---------------------------------------------------------------- the rules

def test_the_wait_doubles_after_the_free_failures_and_stops_at_fifteen_minutes():
    rule = limits.Backoff(free=5)
    assert [limits.wait_after(rule, n) for n in range(1, 10)] == [0, 0, 0, 0, 0, 1, 2, 4, 8]
    assert limits.wait_after(rule, 15) == 512 and limits.wait_after(rule, 16) == 900
    assert limits.wait_after(rule, 10_000) == 900
    assert [limits.wait_text(s) for s in (0.2, 1, 2, 59.5, 61, 900, 3600)] == [
        "1 second", "1 second", "2 seconds", "1 minute", "2 minutes", "15 minutes", "1 hour"]


def test_only_the_first_second_fourth_eighth_alike_events_are_kept():
    assert [n for n in range(1, 70) if limits.worth_recording(n)] == [1, 2, 4, 8, 16, 32, 64]


# ---------------------------------------------------------------- nobody is locked out

@pytest.mark.parametrize("guesses", [10, 100])
def test_the_owner_signs_in_after_many_wrong_passwords_from_another_address(limited, guesses):
    attacker, owner = browser(limited), browser(limited)
    statuses = [sign_in(attacker, "lena", f"guess {i}", "203.0.113.5").status_code for i in range(guesses)]
    assert set(statuses) <= {400, 429} and 429 in statuses  # the attacker is slowed down
    assert sign_in(owner, "lena", PASSWORD, "198.51.100.20").status_code == 302


def test_guesses_from_a_hundred_addresses_slow_strangers_down_but_never_the_owners_browser(limited, start):
    owner, attacker, stranger = browser(limited), browser(limited), browser(limited)
    with time_machine.travel(start, tick=False):
        assert sign_in(owner, "lena", PASSWORD, "198.51.100.20").status_code == 302
        owner.sign_out()
        statuses = [sign_in(attacker, "lena", f"guess {i}", f"203.0.{i // 250}.{i % 250}").status_code
                    for i in range(100)]
        # 20 free failures for the account from unknown browsers, one more that starts the wait, then waiting
        assert statuses == [400] * 21 + [429] * 79
        refused = sign_in(stranger, "lena", PASSWORD, "192.0.2.44")
        assert refused.status_code == 429 and refused.headers["Retry-After"] == "1"
        assert "Too many wrong passwords for this account. Try again in 1 second." in refused.get_data(as_text=True)
        # the owner's browser signed in to the account before: the attack elsewhere does not slow it down,
        # even from a new address (on the road)
        assert sign_in(owner, "lena", PASSWORD, "192.0.2.99").status_code == 302


def test_ten_successful_sign_ins_in_five_minutes_never_lock_the_account(limited):
    workshop = browser(limited)
    for attempt in range(15):
        assert sign_in(workshop, "leo", PASSWORD, "198.51.100.30").status_code == 302, attempt
        workshop.sign_out()
    for attempt in range(15):  # fifteen people on the shared demo account, each their own browser
        assert sign_in(browser(limited), "leo", PASSWORD, "198.51.100.30").status_code == 302, attempt


def test_wrong_passwords_from_one_address_make_a_growing_wait_that_is_stated(limited, start):
    guesser, now = browser(limited), start
    with time_machine.travel(start, tick=False) as clock:
        assert [sign_in(guesser, "lena", f"guess {i}", "203.0.113.9").status_code for i in range(6)] == [400] * 6
        for wait in (1, 2, 4, 8):
            refused = sign_in(guesser, "lena", PASSWORD, "203.0.113.9")
            assert refused.status_code == 429 and refused.headers["Retry-After"] == str(wait)
            noun = "second" if wait == 1 else "seconds"
            assert (f"Too many wrong passwords for this account from your address. Try again in {wait} {noun}."
                    in refused.get_data(as_text=True))
            now += timedelta(seconds=wait)
            clock.move_to(now)
            assert sign_in(guesser, "lena", f"again {wait}", "203.0.113.9").status_code == 400
        # the right password once the wait is over: in, and the pair's count starts afresh
        now += timedelta(seconds=16)
        clock.move_to(now)
        assert sign_in(guesser, "lena", PASSWORD, "203.0.113.9").status_code == 302
        guesser.sign_out()
        assert [sign_in(guesser, "lena", f"fresh {i}", "203.0.113.9").status_code for i in range(6)] == [400] * 6


def test_a_refused_sign_in_is_a_429_with_the_wait_as_a_page_a_fragment_and_json(limited, start):
    guesser = browser(limited)
    with time_machine.travel(start, tick=False):
        for i in range(6):
            sign_in(guesser, "lena", f"guess {i}", "203.0.113.9")
        page = sign_in(guesser, "lena", PASSWORD, "203.0.113.9")
        fragment = sign_in(guesser, "lena", PASSWORD, "203.0.113.9", **{"HX-Request": "true"})
        answer = sign_in(guesser, "lena", PASSWORD, "203.0.113.9", Accept="application/json")
    message = "Too many wrong passwords for this account from your address. Try again in 1 second."
    assert page.status_code == 429 and "<html" in page.get_data(as_text=True)
    assert message in page.get_data(as_text=True) and page.headers["Retry-After"] == "1"
    assert fragment.status_code == 429 and fragment.headers["HX-Retarget"] == "#alerts"
    assert message in fragment.get_data(as_text=True) and "<html" not in fragment.get_data(as_text=True)
    assert answer.status_code == 429 and answer.headers["Retry-After"] == "1"
    assert answer.get_json() == {"error": {"status": 429, "message": message, "retry_after": 1}}
    throttled = events(limited, SecurityEventKind.throttled)
    assert throttled and throttled[0].username == "lena" and "sign-in:pair" in throttled[0].detail


# ---------------------------------------------------------------- counted exactly, in parallel

def _in_parallel(calls) -> list[int]:
    with ThreadPoolExecutor(max_workers=16) as pool:
        return list(pool.map(lambda call: call(), calls))


def test_a_hundred_parallel_wrong_passwords_for_one_account_are_counted_exactly(limited, start):
    clients = [browser(limited) for _ in range(100)]
    with time_machine.travel(start, tick=False):
        statuses = _in_parallel([lambda c=c, i=i: sign_in(c, "lena", f"guess {i}", "203.0.113.7").status_code
                                 for i, c in enumerate(clients)])
    assert sorted(statuses) == [400] * 6 + [429] * 94  # five free failures, the sixth starts the wait
    assert len(events(limited, SecurityEventKind.sign_in_failed)) == 6


def test_a_hundred_parallel_failures_from_one_address_are_counted_exactly(limited, start):
    clients = [browser(limited) for _ in range(100)]
    with time_machine.travel(start, tick=False):
        statuses = _in_parallel([lambda c=c, i=i: sign_in(c, f"nobody{i}", "guess", "203.0.113.8").status_code
                                 for i, c in enumerate(clients)])
        assert sorted(statuses) == [400] * 60 + [429] * 40
        refused = sign_in(browser(limited), "lena", PASSWORD, "203.0.113.8")
        assert refused.status_code == 429 and "from your address" in refused.get_data(as_text=True)
        # a colleague behind the same proxy is another client
        assert sign_in(browser(limited), "lena", PASSWORD, "203.0.113.80").status_code == 302


def test_parallel_sign_ups_never_make_more_accounts_than_the_limit_leaves(limited, start):
    def sign_up(name: str) -> int:
        return browser(limited).post("/signup", data={"username": name, "password": "a fine long passphrase",
                                                      "confirm": "a fine long passphrase"},
                                     headers={"X-Forwarded-For": "198.51.100.60"}).status_code

    with time_machine.travel(start, tick=False):
        assert [sign_up(f"early{i}") for i in range(5)] == [302] * 5
        statuses = _in_parallel([lambda i=i: sign_up(f"rushed{i}") for i in range(20)])
    assert sorted(statuses) == [302] * 5 + [429] * 15
    with limited.app_context():
        made = db.get_session().exec(select(func.count()).select_from(User)
                                     .where(col(User.username).startswith("rushed"))).one()
    assert made == 5


def test_taken_username_answers_count_so_sign_up_cannot_list_accounts(limited):
    prober = browser(limited)

    def sign_up(name: str):
        return prober.post("/signup", data={"username": name, "password": "a fine long passphrase",
                                            "confirm": "a fine long passphrase"},
                           headers={"X-Forwarded-For": "203.0.113.70"})

    first = sign_up("lena")
    assert first.status_code == 400 and "The username &#39;lena&#39; is taken." in first.get_data(as_text=True)
    assert [sign_up(name).status_code for name in ["leo", "ada", "mona"] + [f"maybe{i}" for i in range(6)]] \
        == [400] * 3 + [302] * 6
    refused = sign_up("another")
    assert refused.status_code == 429 and "Too many sign-ups from your address" in refused.get_data(as_text=True)
    # answers that reveal nothing (a weak password) are not counted against a person
    weak = prober.post("/signup", data={"username": "fresh", "password": "short", "confirm": "short"},
                       headers={"X-Forwarded-For": "203.0.113.71"})
    assert weak.status_code == 400


# ---------------------------------------------------------------- re-authentication

def test_guessing_the_current_password_is_slowed_on_every_form_that_asks_for_it(limited, start):
    lena = browser(limited)
    with time_machine.travel(start, tick=False) as clock:
        assert sign_in(lena, "lena", PASSWORD, "198.51.100.20").status_code == 302
        change = {"current": "guess", "password": "a brand new passphrase", "confirm": "a brand new passphrase"}
        assert [lena.post("/account/password", data=change).status_code for _ in range(3)] == [400] * 3
        deletions = [lena.post("/account/delete", data={"password": "guess", "understood": "y"}).status_code
                     for _ in range(3)]
        assert deletions == [400] * 3  # five free wrong passwords, the sixth starts the wait: shared
        right = lena.post("/account/password", data=change | {"current": PASSWORD})
        assert right.status_code == 429 and right.headers["Retry-After"] == "1"
        assert "Too many wrong passwords for this account. Try again in 1 second." in right.get_data(as_text=True)
        over_api = lena.delete("/api/v1/me", json={"password": PASSWORD})
        assert over_api.status_code == 429 and over_api.get_json()["error"]["retry_after"] == 1
        fragment = lena.post("/account/password", data=change | {"current": PASSWORD}, headers={"HX-Request": "true"})
        assert fragment.status_code == 429 and fragment.headers["HX-Retarget"] == "#alerts"
        clock.move_to(start + timedelta(seconds=1))
        assert lena.post("/account/password", data=change).status_code == 400
        clock.move_to(start + timedelta(seconds=3))
        assert lena.post("/account/password", data=change | {"current": PASSWORD}).status_code == 302
        assert sign_in(browser(limited), "lena", "a brand new passphrase", "198.51.100.20").status_code == 302


def test_a_right_current_password_with_a_refused_new_one_is_not_counted(limited):
    lena = browser(limited)
    sign_in(lena, "lena", PASSWORD, "198.51.100.20")
    weak = {"current": PASSWORD, "password": "password", "confirm": "password"}
    assert [lena.post("/account/password", data=weak).status_code for _ in range(10)] == [400] * 10


# ---------------------------------------------------------------- refusals in the security log

def test_fifty_refused_requests_leave_a_handful_of_rows_the_first_among_them(database_url, tmp_path):
    app = make_app(database_url, tmp_path, OPEN_SIGNUP=False)
    client = app.test_client()
    assert [client.get("/signup").status_code for _ in range(50)] == [403] * 50
    refused = events(app, SecurityEventKind.access_refused)
    app.extensions["tracker.engine"].dispose()
    assert len(refused) == 6  # the 1st, 2nd, 4th, 8th, 16th and 32nd
    assert refused[0].detail == "GET /signup: Sign-up is closed on this tracker. Ask an administrator for an account."
    assert refused[-1].detail.endswith("(#32 alike this minute)")


def test_a_refused_learner_is_sampled_per_address_and_view(make_client, session):
    lena = make_client("lena")
    for _ in range(20):
        assert lena.get("/admin/users").status_code == 403
    assert lena.get("/admin/security").status_code == 403  # another view: its own first row
    rows = session.exec(select(SecurityEvent).where(SecurityEvent.kind == SecurityEventKind.access_refused)).all()
    assert [r.detail.split(":")[0] for r in rows] == ["GET /admin/users"] * 5 + ["GET /admin/security"]
    assert all(r.username == "lena" for r in rows)


def test_without_its_redis_sign_in_goes_on_with_the_limits_in_memory(database_url, tmp_path):
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]  # nothing listens there once closed
    app = make_app(database_url, tmp_path, REDIS_URL=f"redis://127.0.0.1:{port}/0", OPEN_SIGNUP=False)
    app.test_client_class = CSRFClient
    client = browser(app)
    down = sign_in(client, "lena", PASSWORD, "198.51.100.20")
    assert down.status_code == 302  # Redis down never locks people out (tests/http/test_redis_outage.py)
    assert client.get("/signup").status_code == 403  # a refusal is still answered and recorded
    assert len(events(app, SecurityEventKind.sign_in)) == 1 and len(events(app, SecurityEventKind.access_refused)) == 1
    app.extensions["tracker.engine"].dispose()


def test_guessing_the_password_on_the_token_form_counts_with_the_other_checks(limited, start):
    """A stolen session cannot guess the password without limit through the token form either."""
    lena = browser(limited)
    with time_machine.travel(start, tick=False):
        assert sign_in(lena, "lena", PASSWORD, "198.51.100.21").status_code == 302
        token = {"name": "laptop", "scope": "read", "lifetime": "30"}
        made = [lena.post("/account/tokens", data=token | {"password": f"guess {i}"}).status_code for i in range(6)]
        assert made == [400] * 6  # five free, the sixth starts the wait
        right = lena.post("/account/tokens", data=token | {"password": PASSWORD})
        assert right.status_code == 429 and "Try again in 1 second." in right.get_data(as_text=True)
        change = {"current": PASSWORD, "password": "a brand new passphrase", "confirm": "a brand new passphrase"}
        assert lena.post("/account/password", data=change).status_code == 429  # one count for every form
