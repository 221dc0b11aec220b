"""The scheduled round: what runs every few minutes outside requests (reminders, email, xAPI statements)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import Session

from tracker.services.learning.plans import remind_plan_days
from tracker.services.mentoring.recurrence import start_due_periods
from tracker.services.mentoring.reminders import remind_everyone
from tracker.services.notifications import mail
from tracker.services.records import outbox as xapi_outbox


@dataclass
class RoundResult:
    reminders: int
    mail: mail.MailRound | None  # None when the tracker sends no email
    xapi: xapi_outbox.PushResult | None = None  # None when no Learning Record Store is configured
    periods: int = 0  # recurring assignments that began their next period


def scheduled_round(*, session: Session, now: datetime, config: Mapping[str, Any]) -> RoundResult:
    """What the scheduled job does each time: start the next period of recurring assignments whose period ended, add
    due-date and plan-day reminders, email what is due, and send new xAPI statements to the Learning Record Store
    (each when configured)."""
    periods = len(start_due_periods(session=session, now=now))
    reminders = remind_everyone(session=session, now=now) + remind_plan_days(session=session, now=now)
    outbox = mail.outbox_from_config(config)
    sent = None if outbox is None else mail.send_due_mail(session=session, outbox=outbox, now=now)
    store = xapi_outbox.record_store_from_config(config)
    pushed = None
    if store is not None:
        xapi_outbox.enqueue_new(session=session, site=config["PUBLIC_URL"], now=now)
        pushed = xapi_outbox.push(session=session, store=store, now=now)
    return RoundResult(reminders=reminders, mail=sent, xapi=pushed, periods=periods)
