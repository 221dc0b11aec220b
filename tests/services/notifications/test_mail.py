"""Notifications by email, sent by the scheduled round to a real SMTP server started for the test."""

from datetime import UTC, datetime

import pytest
from sqlmodel import select

from tests import factories
from tracker.models import EmailFrequency, Notification, NotificationKind
from tracker.services.errors import Invalid
from tracker.services.notifications import in_app as notifications
from tracker.services.notifications import mail
from tracker.services.operations import scheduled
from tracker.services.people import accounts


def _round(app, session, now):
    return scheduled.scheduled_round(session=session, now=now, config=app.config)


def _email(session, name, frequency, zone="UTC"):
    user = factories.user(session, name)
    accounts.set_time_zone(session=session, user=user, time_zone=zone)
    return accounts.update_settings(session=session, user=user, email=f"{name}@example.com", frequency=frequency)


def _notify(session, user, key, message, link="/notifications"):
    notifications.notify(session=session, user=user, kind=NotificationKind.shared_note, key=key, message=message,
                         link=link)
    session.commit()


def test_each_notification_is_emailed_once_with_its_link(app, session, smtp_server):
    app.config.update(SMTP_URL=smtp_server.url, MAIL_FROM="tracker@team.example", PUBLIC_URL="https://learn.example")
    mona = _email(session, "mona", EmailFrequency.immediate)
    _notify(session, mona, "n1", "Lena shared a note on “HTTP Protocol”.", "/mentor/mentees/lena")
    first = _round(app, session, datetime.now(UTC))
    assert (first.mail.sent, first.mail.failed) == (1, "")
    (message,) = smtp_server.wait_for(1)
    assert message["To"] == "mona@example.com" and message["From"] == "tracker@team.example"
    assert message["Subject"] == "Lena shared a note on “HTTP Protocol”."
    assert "Open it: https://learn.example/mentor/mentees/lena" in message.get_content()
    assert _round(app, session, datetime.now(UTC)).mail.sent == 0  # never twice
    assert len(smtp_server.messages) == 1


def test_a_notification_read_in_the_app_first_is_not_emailed(app, session, smtp_server):
    app.config["SMTP_URL"] = smtp_server.url
    mona = _email(session, "mona", EmailFrequency.immediate)
    _notify(session, mona, "n1", "Seen already")
    notifications.mark_read(session=session, user=mona)
    assert _round(app, session, datetime.now(UTC)).mail.sent == 0
    assert smtp_server.messages == []


def test_the_daily_digest_waits_for_the_morning_of_the_users_zone(app, session, smtp_server):
    app.config["SMTP_URL"] = smtp_server.url
    lena = _email(session, "lena", EmailFrequency.daily, zone="Asia/Tokyo")  # UTC+9
    _notify(session, lena, "a", "“API Designer” is due Mar 12.")
    _notify(session, lena, "b", "Mona replied to your note.")
    night = datetime(2026, 3, 10, 20, 0, tzinfo=UTC)  # 05:00 in Tokyo: too early
    assert _round(app, session, night).mail.sent == 0
    morning = datetime(2026, 3, 10, 22, 30, tzinfo=UTC)  # 07:30 on Mar 11 in Tokyo
    assert _round(app, session, morning).mail.sent == 1
    (digest,) = smtp_server.wait_for(1)
    assert digest["Subject"] == "Your learning tracker: 2 notifications"
    body = digest.get_content()
    assert "“API Designer” is due Mar 12." in body and "Mona replied to your note." in body
    _notify(session, lena, "c", "Later the same day")
    assert _round(app, session, datetime(2026, 3, 11, 5, tzinfo=UTC)).mail.sent == 0  # one digest a day
    assert _round(app, session, datetime(2026, 3, 11, 22, 30, tzinfo=UTC)).mail.sent == 1  # the next morning
    session.expire_all()
    assert factories.user(session, "lena").digest_sent_on.isoformat() == "2026-03-12"


def test_when_the_mail_server_is_down_nothing_is_lost(app, session, smtp_server):
    mona = _email(session, "mona", EmailFrequency.immediate)
    _notify(session, mona, "n1", "Kept for the next round")
    app.config["SMTP_URL"] = "smtp://127.0.0.1:9"  # nothing listens there
    failed = _round(app, session, datetime.now(UTC))
    assert failed.mail.sent == 0 and "ConnectionRefusedError" in failed.mail.failed
    session.expire_all()
    assert session.exec(select(Notification.emailed_at).where(Notification.key == "n1")).one() is None
    app.config["SMTP_URL"] = smtp_server.url
    assert _round(app, session, datetime.now(UTC)).mail.sent == 1
    assert smtp_server.wait_for(1)[0]["Subject"] == "Kept for the next round"


def test_the_reminders_command_sends_the_mail_and_says_so(app, runner, session, smtp_server):
    app.config["SMTP_URL"] = smtp_server.url
    mona = _email(session, "mona", EmailFrequency.immediate)
    _notify(session, mona, "n1", "From cron")
    result = runner.invoke(args=["reminders"])
    assert result.exit_code == 0 and "1 email sent." in result.output
    app.config["SMTP_URL"] = "smtp://127.0.0.1:9"
    _notify(session, mona, "n2", "Not this time")
    failed = runner.invoke(args=["reminders"])
    assert failed.exit_code == 1 and "email stopped: ConnectionRefusedError" in failed.output


@pytest.mark.parametrize(("url", "message"), [
    ("http://mail.example", "expected smtp://"),
    ("smtp://mail.example:abc", "the port is not a number"),
])
def test_a_wrong_smtp_url_is_refused_in_one_line(url, message):
    with pytest.raises(Invalid, match=message):
        mail.parse_smtp_url(url)
    assert mail.parse_smtp_url("smtps://u%40x:p%2Fw@mail.example").port == 465
