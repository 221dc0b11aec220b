"""The password policy: this site's words and the person's own, the shipped breached list, the range service."""

import logging
import socket
import time

import pytest

from tests.pwned_range_server import RangeService, sha1_hex
from tracker.services.people import passwords
from tracker.services.people.passwords import BREACHED, PasswordPolicy, password_problem, personal_words, site_words

COMPANY = passwords.policy_for_site(public_url="https://learn.company.com")
STRONG = "gravel lanterns outpace the tide"


@pytest.fixture(autouse=True)
def _range_service_state():
    """Each test starts as a fresh process would: no failure of the range service seen yet."""
    passwords._RangeService.failing = False
    yield
    passwords._RangeService.failing = False


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_the_site_s_words_come_from_its_public_address_without_the_top_level_domain():
    assert site_words("https://learn.company.com") == ("learn", "company")
    assert site_words("https://www.acme-academy.co.uk:8443/tracker") == ("acme", "academy")
    assert site_words("http://localhost:5000") == ("localhost",)
    assert site_words("http://127.0.0.1:5000") == ()
    assert site_words("http://[::1]:5000") == ()


def test_a_person_s_words_are_their_username_name_and_email_address():
    assert personal_words(username="m.okonkwo", display_name="Marguerite Okonkwo",
                          email="marguerite@okonkwo-family.example") == (
        "m.okonkwo", "okonkwo", "marguerite", "family")


@pytest.mark.parametrize("password", ["Tracker2026", "Company2024!", "Learning2026!", "learning path tracker",
                                      "LEARN company 2025"])
def test_passwords_built_on_the_product_s_or_the_site_s_words_are_refused(password):
    problem = password_problem(password, policy=COMPANY)
    assert problem is not None and "this site's name or words" in problem


@pytest.mark.parametrize("password", ["Okonkwo2026!", "mokonkwo#2026", "marguerite okonkwo"])
def test_passwords_built_on_the_person_s_own_name_or_address_are_refused(password):
    words = personal_words(username="mokonkwo", display_name="Marguerite Okonkwo", email="marguerite@mail.example")
    problem = password_problem(password, policy=COMPANY, words=words)
    assert problem is not None and "your own name or address" in problem
    assert password_problem(password, policy=COMPANY) is None  # their words are what gives it away


def test_a_common_pattern_is_refused_with_zxcvbn_s_own_warning():
    assert password_problem("Summer2024", policy=COMPANY) == (
        "This is similar to a commonly used password. Choose a longer or less common password.")


@pytest.mark.parametrize("password", ["password1", "P@ssw0rd", "iloveyou", "trustno1", "qwerty123", "1q2w3e4r",
                                      "princess1", "baseball1"])
def test_breached_passwords_from_the_shipped_list_are_refused(password):
    assert password_problem(password, policy=PasswordPolicy()) == BREACHED


@pytest.mark.parametrize("password", [STRONG, "correct horse battery staple", "пароль-секрет-ключ 🔑 ok"])
def test_strong_passwords_pass(password):
    assert password_problem(password, policy=COMPANY) is None


def test_the_shipped_list_is_small_on_disk_and_holds_the_common_passwords_of_eight_characters_and_more():
    assert passwords.BREACHED_LIST.stat().st_size < 1024 * 1024
    listed = passwords.shipped_list()
    assert len(listed) > 200_000
    assert listed.itemsize * len(listed) < 2 * 1024 * 1024  # in memory: 8 bytes a password
    assert list(listed) == sorted(listed)


def test_only_five_hex_digits_of_the_hash_leave_the_tracker_and_padding_is_asked_for():
    with RangeService({"Tr0ub4dor&3": 1_234}) as service:
        assert passwords.in_range_service("Tr0ub4dor&3", url=service.url, timeout=2)
        assert not passwords.in_range_service(STRONG, url=service.url, timeout=2)
    digests = [sha1_hex("Tr0ub4dor&3"), sha1_hex(STRONG)]
    assert [path for path, _ in service.requests] == [f"/range/{d[:5]}" for d in digests]
    for path, headers in service.requests:
        assert headers["Add-Padding"] == "true"
        sent = path + repr(headers)
        assert not any(d[5:] in sent for d in digests) and "Tr0ub4dor" not in sent and "gravel" not in sent


def test_padding_lines_with_a_zero_count_do_not_make_a_password_breached():
    with RangeService({STRONG: 0}) as service:
        body = service.answer(sha1_hex(STRONG)[:5], padded=True)
        assert f"{sha1_hex(STRONG)[5:]}:0" in body
        assert not passwords.in_range_service(STRONG, url=service.url, timeout=2)


def test_with_the_range_service_a_breached_password_missing_from_the_shipped_list_is_refused():
    assert password_problem("Tr0ub4dor&3", policy=PasswordPolicy()) is None  # the shipped list does not have it
    with RangeService({"Tr0ub4dor&3": 1_234}) as service:
        policy = PasswordPolicy(range_url=service.url)
        assert password_problem("Tr0ub4dor&3", policy=policy) == BREACHED
        assert password_problem(STRONG, policy=policy) is None
        assert password_problem("Summer2024", policy=policy) is not None
    # Refused before the service is asked: a weak or listed password's prefix never leaves the tracker.
    assert len(service.requests) == 2


@pytest.mark.parametrize("behaviour", ["down", "slow", "error", "garbled"])
def test_a_range_service_that_fails_leaves_the_shipped_list_in_charge_and_is_logged_once(behaviour, caplog):
    with RangeService({STRONG: 9}) as service:
        service.behaviour, service.delay = behaviour, 5.0
        url = f"http://127.0.0.1:{closed_port()}/range/" if behaviour == "down" else service.url
        policy = PasswordPolicy(range_url=url, range_timeout=0.5)
        with caplog.at_level(logging.WARNING, logger="tracker.passwords"):
            started = time.monotonic()
            assert password_problem(STRONG, policy=policy) is None
            assert password_problem("correct horse battery staple", policy=policy) is None
            assert password_problem("password1", policy=policy) == BREACHED
            assert time.monotonic() - started < 3  # two waits of at most half a second, and the rest
    warnings = [r for r in caplog.records if r.name == "tracker.passwords"]
    assert len(warnings) == 1 and url in warnings[0].getMessage()
    with RangeService({STRONG: 9}) as service, caplog.at_level(logging.INFO, logger="tracker.passwords"):
        assert password_problem(STRONG, policy=PasswordPolicy(range_url=service.url)) == BREACHED
    assert "answers again" in caplog.records[-1].getMessage()
