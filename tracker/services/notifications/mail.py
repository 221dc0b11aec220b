"""Notifications by email: each one as it comes, or a daily digest, sent by the scheduled job.

Nothing here runs inside a request. A round (`send_due_mail`) first claims the notifications it will send
by stamping `emailed_at` in one conditional UPDATE, so two processes running rounds at once never send
the same notification twice; if the SMTP server refuses or cannot be reached, the claim is taken back and
the next round tries again. Notifications read in the app before their email went out are not sent.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, time, tzinfo
from email.message import EmailMessage
from email.utils import make_msgid
from typing import Any
from urllib.parse import unquote, urlsplit

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import update
from sqlmodel import Session, col, select

from tracker.models import EmailFrequency, Notification, User
from tracker.services.errors import Invalid
from tracker.services.people.time_zones import local_time, zone_of

log = logging.getLogger(__name__)

DIGEST_TIME = time(7, 0)  # a daily digest goes out at the first round after 07:00 in the user's zone
DIGEST_MAX = 50           # notifications listed in one digest; older ones are counted, not listed
SMTP_TIMEOUT = 15         # seconds to connect or to get an answer


@dataclass(frozen=True)
class SmtpServer:
    host: str
    port: int
    tls: bool  # TLS from the first byte (smtps); otherwise STARTTLS when the server offers it
    username: str = ""
    password: str = field(default="", repr=False)


def parse_smtp_url(url: str) -> SmtpServer:
    """smtp://[USER:PASSWORD@]HOST[:PORT] or smtps://...; Invalid with a one-line reason otherwise."""
    parts = urlsplit(url)
    if parts.scheme not in {"smtp", "smtps"} or not parts.hostname:
        raise Invalid("expected smtp://[USER:PASSWORD@]HOST[:PORT] or smtps://...")
    try:
        port = parts.port or (465 if parts.scheme == "smtps" else 25)
    except ValueError:
        raise Invalid("the port is not a number") from None
    return SmtpServer(host=parts.hostname, port=port, tls=parts.scheme == "smtps",
                      username=unquote(parts.username or ""), password=unquote(parts.password or ""))


def check_address(address: str) -> str:
    """A normalised email address, or "" for none; Invalid saying what is wrong with it."""
    address = (address or "").strip()
    if not address:
        return ""
    try:
        return validate_email(address, check_deliverability=False).normalized
    except EmailNotValidError as exc:
        raise Invalid(f"That email address is not valid: {exc}") from None


@dataclass(frozen=True)
class Outbox:
    """Where mail goes and how it is signed."""

    server: SmtpServer
    sender: str
    public_url: str

    def send(self, messages: list[EmailMessage]) -> None:
        """Send every message over one connection; raises OSError or SMTPException if any fails."""
        if not messages:
            return
        context = ssl.create_default_context()
        client: smtplib.SMTP  # SMTP_SSL is one too
        if self.server.tls:
            client = smtplib.SMTP_SSL(self.server.host, self.server.port, timeout=SMTP_TIMEOUT, context=context)
        else:
            client = smtplib.SMTP(self.server.host, self.server.port, timeout=SMTP_TIMEOUT)
        with client:
            if not self.server.tls:
                client.ehlo()
                if client.has_extn("starttls"):
                    client.starttls(context=context)
                    client.ehlo()
            if self.server.username:
                client.login(self.server.username, self.server.password)
            for message in messages:
                client.send_message(message)


def outbox_from_config(config: Mapping[str, Any]) -> Outbox | None:
    """The configured outbox, or None when TRACKER_SMTP_URL is not set (email is then not offered)."""
    if not config.get("SMTP_URL"):
        return None
    return Outbox(server=parse_smtp_url(config["SMTP_URL"]), sender=config["MAIL_FROM"],
                  public_url=config["PUBLIC_URL"])


@dataclass
class MailRound:
    sent: int = 0        # emails sent
    notifications: int = 0  # notifications they carried
    failed: str = ""     # why the round stopped, if it did


def _message(outbox: Outbox, user: User, subject: str, body: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = outbox.sender
    message["To"] = user.email
    message["Subject"] = subject
    message["Message-ID"] = make_msgid(domain=outbox.sender.rpartition("@")[2] or None)
    message["Auto-Submitted"] = "auto-generated"
    footer = (f"\n\n--\nYou receive this because your notifications are sent by email. Change it on your "
              f"account page: {outbox.public_url}/account")
    message.set_content(body + footer)
    return message


def _line(outbox: Outbox, notification: Notification, zone: tzinfo) -> str:
    when = local_time(notification.created_at, zone).strftime("%b %-d, %H:%M")
    link = f"\n  {outbox.public_url}{notification.link}" if notification.link else ""
    return f"- {when}: {notification.message}{link}"


def _single(outbox: Outbox, user: User, notification: Notification) -> EmailMessage:
    body = f"Hello {user.name},\n\n{notification.message}"
    if notification.link:
        body += f"\n\nOpen it: {outbox.public_url}{notification.link}"
    return _message(outbox, user, notification.message if len(notification.message) <= 90
                    else notification.message[:87] + "...", body)


def _digest(outbox: Outbox, user: User, items: list[Notification]) -> EmailMessage:
    zone = zone_of(user)
    shown = items[-DIGEST_MAX:]
    lines = "\n".join(_line(outbox, n, zone) for n in shown)
    more = f"\n\n...and {len(items) - len(shown)} older ones: {outbox.public_url}/notifications" \
        if len(items) > len(shown) else ""
    count = f"{len(items)} notification{'' if len(items) == 1 else 's'}"
    return _message(outbox, user, f"Your learning tracker: {count}",
                    f"Hello {user.name},\n\nSince your last digest:\n\n{lines}{more}")


def _due_digest(user: User, now: datetime) -> bool:
    local = local_time(now, zone_of(user))
    return local.time() >= DIGEST_TIME and (user.digest_sent_on is None or user.digest_sent_on < local.date())


def _claim(session: Session, ids: list[int], now: datetime) -> list[int]:
    """Stamp these notifications as emailed unless another round already did; the ones this round won."""
    if not ids:
        return []
    claimed = session.exec(update(Notification)
                           .where(col(Notification.id).in_(ids), col(Notification.emailed_at).is_(None))
                           .values(emailed_at=now).returning(col(Notification.id))).all()
    session.commit()
    return [row[0] for row in claimed]


def _release(session: Session, ids: list[int]) -> None:
    session.exec(update(Notification).where(col(Notification.id).in_(ids)).values(emailed_at=None))
    session.commit()


def send_due_mail(*, session: Session, outbox: Outbox, now: datetime) -> MailRound:
    """One round: every pending notification of users who chose "each one", and the digests that are due."""
    result = MailRound()
    readers = list(session.exec(select(User).where(
        col(User.is_active).is_(True), User.email != "", User.email_notifications != EmailFrequency.off)))
    if not readers:
        return result
    by_id = {user.id: user for user in readers}
    pending: dict[int, list[Notification]] = defaultdict(list)
    for notification in session.exec(select(Notification).where(
            col(Notification.user_id).in_(by_id), col(Notification.emailed_at).is_(None))
            .order_by(col(Notification.created_at), col(Notification.id))):
        pending[notification.user_id].append(notification)

    # Read in the app already: nothing to tell by email.
    seen = [n.id for items in pending.values() for n in items if n.read_at is not None]
    _claim(session, seen, now)

    for user_id, items in pending.items():
        user = by_id[user_id]
        unread = [n for n in items if n.read_at is None]
        if not unread:
            continue
        if user.email_notifications == EmailFrequency.daily and not _due_digest(user, now):
            continue
        won = set(_claim(session, [n.id for n in unread], now))
        mine = [n for n in unread if n.id in won]
        if not mine:
            continue
        if user.email_notifications == EmailFrequency.daily:
            messages = [_digest(outbox, user, mine)]
        else:
            messages = [_single(outbox, user, n) for n in mine]
        try:
            outbox.send(messages)
        except (OSError, smtplib.SMTPException) as exc:
            _release(session, list(won))
            result.failed = f"{type(exc).__name__}: {exc}"[:300]
            log.warning("Sending notification email failed; it is tried again next round (%s)", result.failed)
            return result
        if user.email_notifications == EmailFrequency.daily:
            session.exec(update(User).where(col(User.id) == user.id).values(
                digest_sent_on=local_time(now, zone_of(user)).date()))
            session.commit()
        result.sent += len(messages)
        result.notifications += len(mine)
    return result


def pass_over_pending(*, session: Session, user: User, now: datetime) -> None:
    """Mark the user's notifications so far as not for email (when they switch email on, old ones stay in
    the app). The caller commits."""
    session.exec(update(Notification).where(col(Notification.user_id) == user.id,
                                            col(Notification.emailed_at).is_(None))
                 .values(emailed_at=now))

