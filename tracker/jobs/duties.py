"""The periodic duties as tasks, and the clock that queues each once per period across every worker.

Each task is a thin wrapper: the service does the work and claims it in the database, so a task that runs twice
(a retry, a second machine) sends nothing twice. A duty that reports it stopped (the mail server or the Learning
Record Store refused) raises DutyStopped, so the queue retries it with backoff and shows it if it keeps failing.
"""

from __future__ import annotations

import time

from flask import current_app

from tracker import db
from tracker.jobs.queue import DutyStopped, Jobs
from tracker.models import utcnow
from tracker.services.learning.plans import remind_plan_days
from tracker.services.mentoring.recurrence import start_due_periods
from tracker.services.mentoring.reminders import remind_everyone
from tracker.services.notifications import chat, mail
from tracker.services.records import outbox as xapi_outbox
from tracker.services.teams import assignment_rules
from tracker.services.webhooks import delivery as webhook_delivery
from tracker.services.webhooks import events as webhook_events


def due_date_reminders() -> None:
    """Due-date reminders for every learner."""
    remind_everyone(session=db.get_session(), now=utcnow())


def period_restarts() -> None:
    """Start the next period of every recurring assignment whose period ended (each once, however many run it)."""
    start_due_periods(session=db.get_session(), now=utcnow())


def plan_day_reminders() -> None:
    """Reminders for the days learners planned to study."""
    remind_plan_days(session=db.get_session(), now=utcnow())


def notification_email() -> None:
    """Email the notifications that are due (when the tracker sends email)."""
    outbox = mail.outbox_from_config(current_app.config)
    if outbox is None:
        return
    sent = mail.send_due_mail(session=db.get_session(), outbox=outbox, now=utcnow())
    if sent.failed:
        raise DutyStopped(f"email stopped after {sent.sent} sent: {sent.failed}")


def chat_notifications() -> None:
    """Post the new notifications of users who gave a Slack or Teams incoming webhook."""
    posted = chat.send_due_chat(session=db.get_session(), public_url=current_app.config["PUBLIC_URL"], now=utcnow())
    if posted.failed:
        raise DutyStopped(f"chat posting stopped after {posted.posted} posted: {posted.failed}")


def xapi_statements() -> None:
    """Queue new xAPI statements and send them to the Learning Record Store (when one is set up)."""
    store = xapi_outbox.record_store_from_config(current_app.config)
    if store is None:
        return
    session = db.get_session()
    now = utcnow()
    xapi_outbox.enqueue_new(session=session, site=current_app.config["PUBLIC_URL"], now=now)
    pushed = xapi_outbox.push(session=session, store=store, now=now)
    if pushed.failed:
        raise DutyStopped(f"the LRS did not take a batch after {pushed.sent} sent: {pushed.failed}")


def webhook_events_round(jobs: Jobs) -> None:
    """Queue one delivery job per endpoint for each event the outbox holds, then mark them dispatched."""
    session = db.get_session()
    targets = webhook_events.dispatch_pending(session=session, now=utcnow())
    try:
        for endpoint_id, event_id in targets:
            jobs.tasks[WEBHOOK_DELIVERY](endpoint_id, event_id)
    except Exception:
        session.rollback()  # not queued: the events stay pending for the next round
        raise
    session.commit()


def webhook_delivery_try(endpoint_id: int, event_id: int, attempt: int) -> None:
    """One try to deliver an event to an endpoint; raises (so the queue retries) when it was not taken."""
    webhook_delivery.deliver(session=db.get_session(), endpoint_id=endpoint_id, event_id=event_id,
                             attempt=attempt, now=utcnow())


def assignment_rules_round() -> None:
    """Every enabled assignment rule run again (and any run whose job was lost), each logged as a run."""
    assignment_rules.reconcile(session=db.get_session(), now=utcnow())


def rule_run(run_id: int, attempt: int) -> None:
    """A queued run of one rule (made, changed or "Run now"): claimed first, so a second worker does nothing."""
    assignment_rules.run_queued(session=db.get_session(), run_id=run_id, now=utcnow())


# In the order they are queued each period: new periods before the reminders of their due dates, and reminders
# before the email that carries them.
PERIODIC = {"period-restarts": period_restarts, "due-date-reminders": due_date_reminders,
            "plan-day-reminders": plan_day_reminders,
            "notification-email": notification_email, "chat-notifications": chat_notifications,
            "xapi-statements": xapi_statements}
# Queued after each commit that records an event, and each period for any a crash left behind.
WEBHOOK_EVENTS, WEBHOOK_DELIVERY = "webhook-events", "webhook-delivery"
PERIOD_KEY = "tracker:period:{name}:{slot}"
# Claimed once an hour, whatever the period of the others.
HOURLY = {"assignment-rules": assignment_rules_round}
HOUR = 3600
RULE_RUN = "assignment-rule-run"


def define_duties(jobs: Jobs) -> None:
    """Every periodic duty as a task of the queue."""
    for name, work in PERIODIC.items():
        jobs.define(name, work)
    jobs.define(WEBHOOK_EVENTS, lambda: webhook_events_round(jobs))
    for name, work in HOURLY.items():
        jobs.define(name, work)
    jobs.define_tries(RULE_RUN, rule_run)
    jobs.define_tries(WEBHOOK_DELIVERY, webhook_delivery_try)


def enqueue_due(jobs: Jobs, *, now: float | None = None) -> list[str]:
    """Queue each periodic duty whose period has begun and that no worker has queued for it yet; their names.

    The period's claim is one atomic write-if-absent in the queue's storage (HSETNX in Redis), so however many
    workers' clocks tick at once, one of them queues the duty."""
    if not jobs.period_seconds:
        return []
    moment = time.time() if now is None else now
    slot, hour = int(moment // jobs.period_seconds), int(moment // HOUR)
    storage = jobs.huey.storage
    queued = []
    for names, period in (([*PERIODIC, WEBHOOK_EVENTS], slot), (list(HOURLY), hour)):
        for name in names:
            if storage.put_if_empty(PERIOD_KEY.format(name=name, slot=period), b"1"):
                storage.pop_data(PERIOD_KEY.format(name=name, slot=period - 2))  # older claims are of no more use
                jobs.tasks[name]()
                queued.append(name)
    return queued
