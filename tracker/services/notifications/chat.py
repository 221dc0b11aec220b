"""Notifications in chat: each in-app notification of a user who gave a Slack or Microsoft Teams incoming
webhook is posted there too, as a short text with a link, by the job queue.

A round (`send_due_chat`) claims the notifications it posts by stamping `chatted_at` in one conditional UPDATE
(two rounds at once never post one twice); a post the chat service does not take gives the claim back, and the
job is retried with backoff. Setting a URL passes over the notifications so far: only new ones are posted.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any
from urllib.parse import urlsplit

import requests
from sqlalchemy import update
from sqlmodel import Session, col, select

from tracker.models import Notification, User
from tracker.services.errors import Invalid

log = logging.getLogger(__name__)

URL_LENGTH = 500
TIMEOUT = (3.0, 5.0)  # seconds to connect, then to get an answer
POSTED = "tracker.chat.posted"  # in session.info: a notification was added, post it after the commit
OFFICIAL_HOSTS = ("hooks.slack.com",)
OFFICIAL_SUFFIXES = (".webhook.office.com", ".logic.azure.com")


class ChatHosts(StrEnum):
    """Which incoming-webhook URLs the operator allows (TRACKER_CHAT_HOSTS)."""

    official = "official"    # https to Slack's and Microsoft's hosts only
    any_https = "any-https"  # any https host (a self-hosted Mattermost, a proxy)
    any = "any"              # http too: tests and development only


def check_chat_url(url: str, *, hosts: ChatHosts | str) -> str:
    """The URL trimmed, "" for none; Invalid saying what is wrong (not a URL, not https, a host not allowed)."""
    url = (url or "").strip()
    if not url:
        return ""
    allowed = ChatHosts(hosts)
    if len(url) > URL_LENGTH:
        raise Invalid(f"The URL is longer than {URL_LENGTH} characters.")
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018  # a port that is not a number raises here
    except ValueError:
        raise Invalid("That is not a URL.") from None
    if not parts.hostname or parts.scheme not in {"http", "https"} or any(c.isspace() for c in url):
        raise Invalid("That is not an incoming-webhook URL: it starts with https://.")
    if parts.username or parts.password:
        raise Invalid("Leave user names and passwords out of the URL.")
    if parts.scheme != "https" and allowed is not ChatHosts.any:
        raise Invalid("The URL must start with https://: what is posted there is private.")
    host = parts.hostname.lower()
    if allowed is ChatHosts.official and host not in OFFICIAL_HOSTS and not host.endswith(OFFICIAL_SUFFIXES):
        raise Invalid("Give a Slack (hooks.slack.com) or Microsoft Teams (webhook.office.com or "
                      "logic.azure.com) incoming-webhook URL.")
    return url


def set_chat_url(*, session: Session, user: User, url: str, hosts: ChatHosts | str, now: datetime) -> User:
    """Set (or with "" remove) where the user's notifications are posted; the ones so far are not. Commits."""
    checked = check_chat_url(url, hosts=hosts)
    if checked and checked != user.chat_webhook_url:
        session.exec(update(Notification).where(col(Notification.user_id) == user.id,
                                                col(Notification.chatted_at).is_(None)).values(chatted_at=now))
    user.chat_webhook_url = checked
    session.add(user)
    session.commit()
    return user


def is_slack(url: str) -> bool:
    """Slack's incoming webhooks live under /services/ (its link markup differs from Teams' Markdown)."""
    return urlsplit(url).path.startswith("/services/")


def chat_message(*, url: str, notification: Notification, public_url: str) -> dict[str, Any]:
    """The JSON posted: {"text": …} with the message and a link, in Slack's markup or Teams' Markdown."""
    text = notification.message
    if notification.link:
        link = f"{public_url}{notification.link}"
        text += f" <{link}|Open>" if is_slack(url) else f" [Open]({link})"
    return {"text": text}


def post_json(url: str, body: dict[str, Any]) -> None:
    """POST the body; raises requests' errors, or HTTPError for anything but 2xx. No redirect is followed."""
    answer = requests.post(url, json=body, timeout=TIMEOUT, allow_redirects=False, stream=True)
    answer.close()
    if not 200 <= answer.status_code < 300:
        raise requests.HTTPError(f"the chat service answered {answer.status_code}")


@dataclass
class ChatRound:
    posted: int = 0
    failed: str = ""  # why the round stopped, if it did


def send_due_chat(*, session: Session, public_url: str, now: datetime,
                  post: Callable[[str, dict[str, Any]], None] = post_json) -> ChatRound:
    """Post every notification not yet posted of the users with a chat URL, the oldest first. Commits."""
    result = ChatRound()
    rows = session.exec(select(Notification, User).join(User, col(User.id) == col(Notification.user_id)).where(
        col(Notification.chatted_at).is_(None), User.chat_webhook_url != "", col(User.is_active).is_(True))
        .order_by(col(Notification.created_at), col(Notification.id))).all()
    for notification, user in rows:
        won = session.exec(update(Notification).where(col(Notification.id) == notification.id,
                                                      col(Notification.chatted_at).is_(None))
                           .values(chatted_at=now).returning(col(Notification.id))).first()
        session.commit()
        if won is None:
            continue  # another round posted it
        try:
            post(user.chat_webhook_url, chat_message(url=user.chat_webhook_url, notification=notification,
                                                     public_url=public_url))
        except requests.RequestException as exc:
            session.exec(update(Notification).where(col(Notification.id) == notification.id)
                         .values(chatted_at=None))
            session.commit()
            result.failed = f"{type(exc).__name__}: {exc}"[:300]
            log.warning("Posting a notification to chat failed; it is tried again (%s)", result.failed)
            return result
        result.posted += 1
    return result


def posted_in(session: Any) -> bool:
    """Whether the session's transaction added a notification (and forget it): after its commit, post."""
    return bool(session.info.pop(POSTED, False))
