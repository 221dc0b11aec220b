"""The password policy: a length, zxcvbn's estimate of guesses knowing this site's words and the person's own,
and lists of breached passwords: the list shipped with the tracker, and where the operator turns it on, a
Pwned Passwords range service asked with only the first five hex digits of the password's SHA-1."""

from __future__ import annotations

import bisect
import functools
import gzip
import hashlib
import ipaddress
import logging
import re
import time
from array import array
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import requests
from zxcvbn import zxcvbn

PASSWORD_MIN = 8
PASSWORD_MAX = 1024
# zxcvbn's score 3: at least 10^8 guesses. Score 2 let "Summer2024" (2 million guesses) through.
MIN_SCORE = 3
# zxcvbn judges the first 72 characters; a longer password is at least that strong.
JUDGED_LENGTH = 72
# The product's own words: the first an attacker who knows the site tries.
PRODUCT_WORDS = ("tracker", "learning", "path", "paths", "learn", "reading", "article", "mentor", "curriculum")
BREACHED_LIST = Path(__file__).with_name("breached_passwords.txt.gz")
BREACHED = "This password appears in lists of breached passwords; choose another."
BUILT_ON_CONTEXT = "This password is built on this site's name or words or on your own name or address"
# Letters a password needs besides the context words it contains.
CONTEXT_FREE_LETTERS = 4
RANGE_TIMEOUT_SECONDS = 2.0
# A range answer is about 40 KB with padding; more than this is not one.
RANGE_ANSWER_LIMIT = 1024 * 1024

log = logging.getLogger("tracker.passwords")


@dataclass(frozen=True)
class PasswordPolicy:
    """What the policy knows beyond the password: the site's words (from its public address) and, when the
    operator turned it on, the Pwned Passwords range service's address (ending in /range/)."""

    site_words: tuple[str, ...] = ()
    range_url: str | None = None
    range_timeout: float = RANGE_TIMEOUT_SECONDS


def policy_for_site(*, public_url: str, range_url: str | None = None) -> PasswordPolicy:
    """The policy of the site at `public_url` (its host's words), asking `range_url` too when it is set."""
    return PasswordPolicy(site_words=site_words(public_url), range_url=range_url or None)


def _words(text: str) -> list[str]:
    """The pieces of a name, an address or a host worth guessing: letters and digits, 3 characters or more."""
    return [w for w in re.split(r"[^\w]+|_", text.lower()) if len(w) >= 3]


def site_words(public_url: str) -> tuple[str, ...]:
    """The words of the site's host (tracker.example.com: tracker, example), its top-level domain left out;
    none for an IP address."""
    host = (urlsplit(public_url).hostname or "").lower()
    try:
        ipaddress.ip_address(host)
    except ValueError:
        pass
    else:
        return ()
    labels = host.split(".")
    if len(labels) > 1:
        labels = labels[:-1]  # .com, .org, .io: in every address, no clue to this one
    return tuple(dict.fromkeys(w for label in labels for w in _words(label) if w != "www"))


def personal_words(*, username: str = "", display_name: str = "", email: str | None = None) -> tuple[str, ...]:
    """The person's own words: the username and its pieces, the display name's, the email address's."""
    local, _, domain = (email or "").lower().partition("@")
    found = [username.lower(), *_words(username), *_words(display_name), local, *_words(local),
             *_words(domain.rpartition(".")[0])]
    return tuple(dict.fromkeys(w for w in found if len(w) >= 3))


def password_problem(password: str, *, policy: PasswordPolicy, words: tuple[str, ...] = ()) -> str | None:
    """Why this password is refused, in words fit to show, or None. `words` are the person's own (see
    `personal_words`). Local checks first; the range service is asked only about an otherwise good password."""
    if len(password) < PASSWORD_MIN:
        return f"Passwords need at least {PASSWORD_MIN} characters."
    if len(password) > PASSWORD_MAX:
        return f"Passwords can be at most {PASSWORD_MAX} characters."
    if in_shipped_list(password):
        return BREACHED
    context = (*PRODUCT_WORDS, *policy.site_words, *words)
    weakness = context_problem(password, words=context) or guessability_problem(password, words=context)
    if weakness is not None:
        return weakness
    if policy.range_url and in_range_service(password, url=policy.range_url, timeout=policy.range_timeout):
        return BREACHED
    return None


def context_problem(password: str, *, words: tuple[str, ...]) -> str | None:
    """Refuse a password that is only context words with digits, spaces or punctuation between them
    ("learning path tracker", "Lena Tracker 2026"): zxcvbn scores such phrases by their length alone."""
    rest = password[:JUDGED_LENGTH].lower()
    for word in sorted(words, key=len, reverse=True):
        rest = rest.replace(word.lower(), " ")
    if rest == password[:JUDGED_LENGTH].lower() or sum(c.isalpha() for c in rest) >= CONTEXT_FREE_LETTERS:
        return None
    return f"{BUILT_ON_CONTEXT}. Choose a longer or less common password."


def guessability_problem(password: str, *, words: tuple[str, ...]) -> str | None:
    """zxcvbn's warning when the password takes fewer than 10^8 guesses to someone who knows `words`."""
    verdict = zxcvbn(password[:JUDGED_LENGTH], user_inputs=list(words))
    if verdict["score"] >= MIN_SCORE:
        return None
    built_on_context = any(match.get("dictionary_name") == "user_inputs" for match in verdict["sequence"])
    warning = BUILT_ON_CONTEXT if built_on_context else (verdict["feedback"]["warning"]
                                                         or "This password is too easy to guess")
    return f"{warning.rstrip('.')}. Choose a longer or less common password."


def _sha1(password: str) -> bytes:
    return hashlib.sha1(password.encode("utf-8"), usedforsecurity=False).digest()


@functools.cache
def shipped_list() -> array:
    """The shipped list as the sorted first 8 bytes of each password's SHA-1 (1.6 MB for 200,000 passwords;
    a false match is one chance in 10^14). Read once per process, at the first password checked."""
    with gzip.open(BREACHED_LIST, "rb") as listed:
        lines = listed.read().split(b"\n")  # UTF-8 already: hashed as they are
    sha1, from_bytes = hashlib.sha1, int.from_bytes
    return array("Q", sorted(from_bytes(sha1(line, usedforsecurity=False).digest()[:8]) for line in lines if line))


def in_shipped_list(password: str) -> bool:
    """Whether the password is in the breached-password list shipped with the tracker."""
    prefixes = shipped_list()
    wanted = int.from_bytes(_sha1(password)[:8], "big")
    at = bisect.bisect_left(prefixes, wanted)
    return at < len(prefixes) and prefixes[at] == wanted


class _RangeService:
    """Whether the last request to the range service failed: a failure is logged once, not at every sign-up."""

    failing = False


def in_range_service(password: str, *, url: str, timeout: float) -> bool:
    """Whether a Pwned Passwords range service (k-anonymity) knows the password: only the first 5 hex digits
    of its SHA-1 are sent, with Add-Padding; the suffixes that come back are compared here. False when the
    service cannot answer (down, slow, refusing, or answering nonsense): the shipped list alone then decides."""
    digest = _sha1(password).hex().upper()
    prefix, suffix = digest[:5], digest[5:]
    try:
        found = _suffix_listed(_range_answer(url + prefix, timeout=timeout), suffix)
    except (requests.RequestException, ValueError) as exc:
        if not _RangeService.failing:
            _RangeService.failing = True
            log.warning("The Pwned Passwords range service at %s did not answer (%s); passwords are checked "
                        "against the shipped list only until it does.", url, type(exc).__name__)
        return False
    if _RangeService.failing:
        _RangeService.failing = False
        log.info("The Pwned Passwords range service at %s answers again.", url)
    return found


def _range_answer(url: str, *, timeout: float) -> str:
    """The range service's answer, read within `timeout` seconds in all (a trickling server is cut off)."""
    deadline = time.monotonic() + timeout
    with requests.get(url, timeout=timeout, allow_redirects=False, stream=True,
                      headers={"Add-Padding": "true", "User-Agent": "learning-path-tracker"}) as response:
        if response.status_code != 200:
            raise ValueError(f"not a range answer: HTTP {response.status_code}")
        body = bytearray()
        for chunk in response.iter_content(16 * 1024):
            body += chunk
            if len(body) > RANGE_ANSWER_LIMIT or time.monotonic() > deadline:
                raise ValueError("not a range answer: too long or too slow")
    return body.decode("ascii")


def _suffix_listed(body: str, suffix: str) -> bool:
    """Whether `suffix` is among the body's SUFFIX:COUNT lines with a count above 0 (padding has 0).
    ValueError for a body that is not a range answer."""
    found = False
    for line in body.splitlines():
        if not line.strip():
            continue
        listed, separator, count = line.strip().partition(":")
        if not separator or len(listed) != 35 or not count.isdigit():
            raise ValueError("not a range answer")
        if listed.upper() == suffix and int(count) > 0:
            found = True
    return found
