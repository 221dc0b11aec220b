"""Assignment rules: a path assigned to every member of a group, kept true as people join and leave.

A rule says: every member of this group follows this path, due on a fixed date or so many days after they
joined (counted in their own time zone), optionally starting over every so many months. Running it (`run`)
makes that true and changes nothing when it already is; `preview` says what a run would do, person by person,
writing nothing. A join or a leave (`member_joined` / `member_left`, called by `add_member` / `remove_member`
in their transaction) applies the group's rules to that one person at once, in a few statements.

What a rule never does: overwrite an assignment a mentor made (it stays the mentor's, with their due date), or
take away a path another group's rule still gives the person (the assignment moves to that rule instead).
Withdrawing keeps the learner's progress, as a mentor's withdrawal does.

Every write is conditional on what was read (`INSERT ... ON CONFLICT DO NOTHING` on the one row per learner
and path, `UPDATE ... WHERE` the state the plan saw), so two workers running the same rule at once assign,
withdraw and notify once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum

from sqlalchemy import delete, or_, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, col, select

from tracker.models import (
    Assignment,
    AssignmentRule,
    Group,
    GroupMember,
    LearningPath,
    NotificationKind,
    RuleRun,
    RuleRunStatus,
    User,
    utcnow,
)
from tracker.services import access
from tracker.services.audit import AuditKind, record
from tracker.services.errors import Invalid, NotFound
from tracker.services.notifications import in_app as notifications
from tracker.services.people import time_zones

DUE_DAYS_MAX = 3650
RECUR_MONTHS_MAX = 60
NOTE_MAX = 1000
RULE_ACTOR = "rule"  # the actor of what a join, a leave or a rule's run changes
SCHEDULE_ACTOR = "schedule"  # who started the hourly reconciliation's runs
_CHUNK = 500  # rows per multi-row statement: well inside either database's limit of bound values


class RuleError(Invalid):
    """A rule's path, due date, repeat or note is refused."""


class ChangeKind(StrEnum):
    """What a run does for one person."""

    assign = "assign"
    withdraw = "withdraw"
    due_date = "change due date"
    keep = "unchanged"


@dataclass
class Change:
    """One person's line of a plan: what changes, the due date they end up with, and why."""

    kind: ChangeKind
    learner: User
    due_on: date | None
    reason: str
    assignment: Assignment | None = None  # the row as the plan read it (None: a new one)
    cover: AssignmentRule | None = None  # a withdrawal that moves to this rule instead


@dataclass
class RulePlan:
    """What running a rule would do, person by person (people it does not concern are left out)."""

    rule: AssignmentRule
    group: Group
    path: LearningPath
    changes: list[Change] = field(default_factory=list)

    def count(self, kind: ChangeKind) -> int:
        return sum(1 for change in self.changes if change.kind is kind)


@dataclass
class Counts:
    assigned: int = 0
    withdrawn: int = 0
    due_changed: int = 0
    unchanged: int = 0
    errors: int = 0

    def describe(self) -> str:
        return (f"{self.assigned} assigned, {self.withdrawn} withdrawn, {self.due_changed} due dates changed, "
                f"{self.unchanged} unchanged" + (f", {self.errors} errors" if self.errors else ""))


# ---------------------------------------------------------------- the rules themselves

def describe_due(rule: AssignmentRule) -> str:
    """The rule's due date and repeat as people read it: "due 30 days after joining, every 12 months"."""
    if rule.due_on is not None:
        due = f"due {rule.due_on.strftime('%b %-d, %Y')}"
    elif rule.due_days_after_joining is not None:
        days = rule.due_days_after_joining
        due = f"due {days} day{'s' if days != 1 else ''} after joining"
    else:
        due = "no due date"
    if rule.recur_months:
        due += f", every {rule.recur_months} month{'s' if rule.recur_months != 1 else ''}"
    return due


def label(rule: AssignmentRule, path: LearningPath) -> str:
    return f"{path.title} ({describe_due(rule)})"[:200]


def _check(*, path: LearningPath | None, due_on: date | None, due_days_after_joining: int | None,
           recur_months: int | None, note: str, today: date, changed_due: bool = True) -> str:
    if path is None:
        raise RuleError("Choose a path to assign.", field="path")
    if not access.can_be_assigned(path):
        raise RuleError(f"“{path.title}” is {path.status}; only published paths can be assigned.", field="path")
    if due_on is not None and due_days_after_joining is not None:
        raise RuleError("Give a fixed due date or a number of days after joining, not both.", field="due_on")
    if due_on is not None and changed_due and due_on < today:
        raise RuleError("The due date is in the past.", field="due_on")
    if due_days_after_joining is not None and not 1 <= due_days_after_joining <= DUE_DAYS_MAX:
        raise RuleError(f"Days after joining must be from 1 to {DUE_DAYS_MAX}.", field="due_days_after_joining")
    if recur_months is not None and not 1 <= recur_months <= RECUR_MONTHS_MAX:
        raise RuleError(f"Repeat every 1 to {RECUR_MONTHS_MAX} months (or leave it empty for once).",
                        field="recur_months")
    note = note.strip()
    if len(note) > NOTE_MAX:
        raise RuleError(f"The note is {len(note)} characters; the limit is {NOTE_MAX}.", field="note")
    return note


def create_rule(*, session: Session, group: Group, path: LearningPath | None, due_on: date | None = None,
                due_days_after_joining: int | None = None, recur_months: int | None = None, note: str = "",
                actor: User | None, today: date) -> AssignmentRule:
    """Add a rule to the group (it assigns nobody until it runs). One rule per group and path. Does not commit."""
    note = _check(path=path, due_on=due_on, due_days_after_joining=due_days_after_joining,
                  recur_months=recur_months, note=note, today=today)
    assert path is not None
    taken = session.exec(select(AssignmentRule.id).where(AssignmentRule.group_id == group.id,
                                                         AssignmentRule.path_id == path.id)).first()
    if taken is not None:
        raise RuleError(f"{group.name} already has a rule for “{path.title}”; change that one.", field="path")
    rule = AssignmentRule(group_id=group.id, path_id=path.id, due_on=due_on,
                          due_days_after_joining=due_days_after_joining, recur_months=recur_months, note=note,
                          created_by=actor.id if actor else None)
    session.add(rule)
    session.flush()
    record(session=session, kind=AuditKind.rule_created, actor=actor, group=group, path=path,
           detail=label(rule, path))
    return rule


def edit_rule(*, session: Session, rule: AssignmentRule, due_on: date | None, due_days_after_joining: int | None,
              recur_months: int | None, note: str, enabled: bool, actor: User | None, today: date) -> bool:
    """Change a rule's due date, repeat, note or whether it assigns new members; False when nothing changed.
    Its path stays (a rule for another path is another rule). Does not commit."""
    path = session.get_one(LearningPath, rule.path_id)
    note = _check(path=path, due_on=due_on, due_days_after_joining=due_days_after_joining,
                  recur_months=recur_months, note=note, today=today, changed_due=due_on != rule.due_on)
    before = (rule.due_on, rule.due_days_after_joining, rule.recur_months, rule.note, rule.enabled)
    after = (due_on, due_days_after_joining, recur_months, note, enabled)
    if before == after:
        return False
    changes = []
    if before[:3] != after[:3]:
        old = describe_due(rule)
        rule.due_on, rule.due_days_after_joining, rule.recur_months = due_on, due_days_after_joining, recur_months
        changes.append(f"{old} → {describe_due(rule)}")
    if note != rule.note:
        rule.note = note
        changes.append("note")
    if enabled != rule.enabled:
        rule.enabled = enabled
        changes.append("enabled" if enabled else "disabled")
    rule.updated_at = utcnow()
    session.add(rule)
    session.flush()
    record(session=session, kind=AuditKind.rule_changed, actor=actor, group=session.get(Group, rule.group_id),
           path=path, detail=f"{path.title}: {'; '.join(changes)}")
    return True


def delete_rule(*, session: Session, rule: AssignmentRule, actor: User | None, now: datetime) -> Counts:
    """Delete a rule, withdrawing what it assigned (progress is kept; a path another group's rule still gives
    someone moves to that rule). What was done is logged as the rule's last run. Does not commit."""
    plan = preview(session=session, rule=rule, now=now, removing=True)
    counts = _apply(session, plan, now=now)
    record(session=session, kind=AuditKind.rule_deleted, actor=actor, group=plan.group, path=plan.path,
           detail=f"{label(rule, plan.path)}: {counts.describe()}")
    session.add(RuleRun(group_id=rule.group_id, rule_label=f"deleted: {label(rule, plan.path)}"[:200],
                        started_by_id=actor.id if actor else None,
                        started_by_label=(actor.username if actor else RULE_ACTOR),
                        status=RuleRunStatus.done, queued_at=now, started_at=now, finished_at=utcnow(),
                        assigned=counts.assigned, withdrawn=counts.withdrawn, due_changed=counts.due_changed,
                        unchanged=counts.unchanged, errors=counts.errors, detail="the rule was deleted"))
    session.flush()
    session.connection().execute(delete(AssignmentRule).where(col(AssignmentRule.id) == rule.id))
    session.expunge(rule)
    return counts


def rule_path(*, session: Session, viewer: User | None, slug: str) -> LearningPath:
    """The path a rule would give, by slug; NotFound for an unknown one, and for a draft the viewer may not see
    (its title is not for them)."""
    path = session.exec(select(LearningPath).where(LearningPath.slug == slug)).first()
    if path is None or not access.can_see_path(viewer, path):
        raise NotFound(f"There is no path called '{slug[:80]}'.")
    return path


def get_rule(*, session: Session, group: Group, rule_id: int) -> AssignmentRule:
    """The group's rule `rule_id`, or NotFound (a rule of another group is not found either)."""
    rule = session.get(AssignmentRule, rule_id)
    if rule is None or rule.group_id != group.id:
        raise NotFound("There is no such rule in this group.")
    return rule


def enabled_rules(*, session: Session, group: Group | None = None) -> list[AssignmentRule]:
    """The enabled rules (of `group`, or of every group), in the order they were made."""
    query = select(AssignmentRule).where(AssignmentRule.enabled == True)  # noqa: E712 (SQL, not Python)
    if group is not None:
        query = query.where(AssignmentRule.group_id == group.id)
    return list(session.exec(query.order_by(col(AssignmentRule.id))))


def list_rules(*, session: Session, group: Group) -> list[tuple[AssignmentRule, LearningPath]]:
    """The group's rules with their paths, by path title."""
    return [(rule, path) for rule, path in session.exec(
        select(AssignmentRule, LearningPath).join(LearningPath, col(LearningPath.id) == AssignmentRule.path_id)
        .where(AssignmentRule.group_id == group.id).order_by(col(LearningPath.title), col(AssignmentRule.id)))]


def assignable_paths(*, session: Session) -> list[LearningPath]:
    """The paths a rule may assign: the published ones, by title."""
    return [path for path in session.exec(select(LearningPath).order_by(col(LearningPath.title)))
            if access.can_be_assigned(path)]


# ---------------------------------------------------------------- planning

def due_for(rule: AssignmentRule, joined_at: datetime, user: User) -> date | None:
    """The due date the rule gives a member: its fixed date, or the day they joined (in their time zone) plus
    the rule's days."""
    if rule.due_on is not None:
        return rule.due_on
    if rule.due_days_after_joining is not None:
        joined = time_zones.local_day(joined_at, time_zones.zone_of(user))
        return joined + timedelta(days=rule.due_days_after_joining)
    return None


def _day(value: date | None) -> str:
    return value.strftime("%b %-d, %Y") if value else "none"


def _member_change(rule: AssignmentRule, assignment: Assignment | None, user: User, joined_at: datetime) -> Change:
    due = due_for(rule, joined_at, user)
    if assignment is None or assignment.withdrawn_at is not None:
        again = " again" if assignment is not None else ""
        return Change(ChangeKind.assign, user, due, f"a member without the path{again}", assignment)
    if assignment.rule_id == rule.id:
        if assignment.due_on != due:
            return Change(ChangeKind.due_date, user, due,
                          f"the rule's due date moved: {_day(assignment.due_on)} → {_day(due)}", assignment)
        return Change(ChangeKind.keep, user, assignment.due_on, "assigned by this rule as it stands", assignment)
    if assignment.rule_id is None:
        return Change(ChangeKind.keep, user, assignment.due_on,
                      "a mentor assigned it; their assignment and due date stand", assignment)
    return Change(ChangeKind.keep, user, assignment.due_on, "another group's rule assigned it", assignment)


def _covers(session: Session, *, path_id: int, user_ids: Sequence[int],
            leaving_rule_id: int) -> dict[int, tuple[AssignmentRule, GroupMember, Group]]:
    """For people losing a rule's assignment: another enabled rule of a group they are still in that gives the
    same path (the earliest made), with that membership."""
    if not user_ids:
        return {}
    found: dict[int, tuple[AssignmentRule, GroupMember, Group]] = {}
    for start in range(0, len(user_ids), _CHUNK):
        for rule, member, group in session.exec(
                select(AssignmentRule, GroupMember, Group)
                .join(GroupMember, col(GroupMember.group_id) == AssignmentRule.group_id)
                .join(Group, col(Group.id) == AssignmentRule.group_id)
                .where(AssignmentRule.path_id == path_id, AssignmentRule.id != leaving_rule_id,
                       AssignmentRule.enabled == True,  # noqa: E712 (SQL, not Python)
                       col(GroupMember.user_id).in_(user_ids[start:start + _CHUNK]))
                .order_by(col(AssignmentRule.id))):
            found.setdefault(member.user_id, (rule, member, group))
    return found


def _leaver_changes(session: Session, rule: AssignmentRule, leaving: list[tuple[Assignment, User]],
                    reason: str) -> list[Change]:
    covers = _covers(session, path_id=rule.path_id, user_ids=[user.id for _, user in leaving],
                     leaving_rule_id=rule.id)
    changes = []
    for assignment, user in leaving:
        cover = covers.get(user.id)
        if cover is None:
            changes.append(Change(ChangeKind.withdraw, user, assignment.due_on,
                                  f"{reason}; progress is kept", assignment))
        else:
            other, member, group = cover
            due = due_for(other, member.joined_at, user)
            kind = ChangeKind.due_date if due != assignment.due_on else ChangeKind.keep
            changes.append(Change(kind, user, due, f"{reason}, but {group.name}'s rule also assigns it: kept under "
                                                   "that rule", assignment, cover=other))
    return changes


def preview(*, session: Session, rule: AssignmentRule, now: datetime, removing: bool = False) -> RulePlan:
    """What running the rule would do now, person by person; with `removing`, what deleting it would do.
    Writes nothing. A disabled rule assigns nobody new and changes no due dates, but still withdraws from those
    who left."""
    group = session.get_one(Group, rule.group_id)
    path = session.get_one(LearningPath, rule.path_id)
    plan = RulePlan(rule=rule, group=group, path=path)
    members = {} if removing else {member.user_id: (member, user) for member, user in session.exec(
        select(GroupMember, User).join(User, col(User.id) == GroupMember.user_id)
        .where(GroupMember.group_id == group.id).order_by(col(User.username)))}
    in_group = select(GroupMember.user_id).where(GroupMember.group_id == group.id)
    mine = (col(Assignment.rule_id) == rule.id) & col(Assignment.withdrawn_at).is_(None)
    existing: dict[int, Assignment] = {}
    leaving: list[tuple[Assignment, User]] = []
    query = select(Assignment, User).join(User, col(User.id) == Assignment.learner_id).where(
        Assignment.path_id == path.id, mine if removing else or_(col(Assignment.learner_id).in_(in_group), mine))
    for assignment, user in session.exec(query.order_by(col(User.username))):
        if assignment.learner_id in members:
            existing[assignment.learner_id] = assignment
        else:
            leaving.append((assignment, user))
    if rule.enabled and access.can_be_assigned(path):
        for user_id, (member, user) in members.items():
            plan.changes.append(_member_change(rule, existing.get(user_id), user, member.joined_at))
    plan.changes += _leaver_changes(session, rule, leaving,
                                    "the rule is deleted" if removing else f"no longer in {group.name}")
    plan.changes.sort(key=lambda change: change.learner.username)
    return plan


# ---------------------------------------------------------------- applying

def _insert(session: Session):
    return pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert


def _start_day(user: User, now: datetime) -> date:
    return time_zones.local_day(now, time_zones.zone_of(user))


def _apply(session: Session, plan: RulePlan, *, now: datetime) -> Counts:
    """Make the plan true, each write conditional on what the plan read: a change someone else made first is
    counted unchanged, and not notified twice. Audits and notifies what it changed. Does not commit.

    Long on purpose: each kind of change's conditional write, count, notification and audit entry side by side.
    """
    rule, group, path = plan.rule, plan.group, plan.path
    counts = Counts()
    notices: list[tuple[User, NotificationKind, str, str, str]] = []
    link = f"/paths/{path.slug}"

    def audit(kind: AuditKind, user: User, detail: str) -> None:
        record(session=session, kind=kind, actor_label=RULE_ACTOR, subject=user, group=group, path=path,
               detail=detail)

    def assigned(assignment_id: int, change: Change) -> None:
        counts.assigned += 1
        due = f", due {_day(change.due_on)}" if change.due_on else ""
        notices.append((change.learner, NotificationKind.assigned, f"rule-assigned:{assignment_id}:{now.isoformat()}",
                        f"{group.name}: you are assigned “{path.title}”{due}.", link))
        audit(AuditKind.enrolled, change.learner, f"by {group.name}'s rule{due}")

    def recurring(user: User) -> dict:
        return {"recur_months": rule.recur_months,
                "period_started_on": _start_day(user, now) if rule.recur_months else None}

    fresh = [c for c in plan.changes if c.kind is ChangeKind.assign and c.assignment is None]
    for start in range(0, len(fresh), _CHUNK):
        chunk = fresh[start:start + _CHUNK]
        rows = [{"learner_id": c.learner.id, "path_id": path.id, "mentor_id": None, "due_on": c.due_on,
                 "note": rule.note, "created_at": now, "rule_id": rule.id, **recurring(c.learner)} for c in chunk]
        # One statement, compiled once and cached; the rows go as parameters (batched by the driver).
        statement = (_insert(session)(Assignment).on_conflict_do_nothing(index_elements=["learner_id", "path_id"])
                     .returning(col(Assignment.id), col(Assignment.learner_id)))
        made = {learner_id: assignment_id for assignment_id, learner_id in
                session.connection().execute(statement, rows)}
        for change in chunk:
            if change.learner.id in made:
                assigned(made[change.learner.id], change)
            else:
                counts.unchanged += 1  # assigned meanwhile by someone else
    connection = session.connection()
    for change in plan.changes:
        if change.kind is ChangeKind.keep and change.cover is None:
            counts.unchanged += 1
            continue
        assignment = change.assignment
        if assignment is None:
            continue  # a new one, inserted above
        this = update(Assignment).where(col(Assignment.id) == assignment.id)
        if change.kind is ChangeKind.assign:  # a withdrawn assignment made live again
            done = connection.execute(this.where(col(Assignment.withdrawn_at).is_not(None)).values(
                withdrawn_at=None, mentor_id=None, rule_id=rule.id, created_at=now, due_on=change.due_on,
                note=rule.note, **recurring(change.learner))).rowcount
            if done:
                assigned(assignment.id, change)
            else:
                counts.unchanged += 1
            continue
        live = this.where(col(Assignment.withdrawn_at).is_(None), col(Assignment.rule_id) == rule.id)
        if change.kind is ChangeKind.withdraw:
            done = connection.execute(live.values(withdrawn_at=now)).rowcount
            if done:
                counts.withdrawn += 1
                notices.append((change.learner, NotificationKind.assignment_changed,
                                f"rule-withdrawn:{assignment.id}:{now.isoformat()}",
                                f"“{path.title}” is withdrawn ({change.reason.split(';')[0]}). Your progress on it "
                                "is kept.", link))
                audit(AuditKind.unenrolled, change.learner, change.reason)
            else:
                counts.unchanged += 1
            continue
        if change.cover is not None:  # moves to the rule of another group the person is in
            cover = change.cover
            done = connection.execute(live.values(rule_id=cover.id, due_on=change.due_on, note=cover.note,
                                                  recur_months=cover.recur_months)).rowcount
        else:
            same_due = (col(Assignment.due_on).is_(None) if assignment.due_on is None
                        else col(Assignment.due_on) == assignment.due_on)
            done = connection.execute(live.where(same_due).values(due_on=change.due_on)).rowcount
        if done and change.kind is ChangeKind.due_date:
            counts.due_changed += 1
            notices.append((change.learner, NotificationKind.assignment_changed,
                            f"rule-due:{assignment.id}:{now.isoformat()}",
                            f"“{path.title}”: due date {_day(assignment.due_on)} → {_day(change.due_on)}.", link))
            audit(AuditKind.due_date_changed, change.learner,
                  f"{_day(assignment.due_on)} → {_day(change.due_on)} ({change.reason})")
        else:
            counts.unchanged += 1
    notifications.notify_many(session=session, notices=notices)
    for change in plan.changes:  # what this session holds of the rows is out of date now
        if change.assignment is not None and change.assignment in session:
            session.expire(change.assignment)
    return counts


# ---------------------------------------------------------------- runs

def queue_run(*, session: Session, rule: AssignmentRule, actor: User | None,
              actor_label: str = RULE_ACTOR) -> RuleRun:
    """Log a run of the rule as queued (the job queue runs it: `run_queued`). Does not commit."""
    path = session.get_one(LearningPath, rule.path_id)
    run = RuleRun(rule_id=rule.id, group_id=rule.group_id, rule_label=label(rule, path),
                  started_by_id=actor.id if actor else None,
                  started_by_label=(actor.username if actor else actor_label)[:80])
    session.add(run)
    session.flush()
    return run


def _finish(session: Session, run: RuleRun, rule: AssignmentRule, *, actor: User | None, now: datetime) -> RuleRun:
    """Apply the rule and complete its run's log row and audit entry. Commits (or rolls back and logs the
    failure)."""
    rule_id, run_id = rule.id, run.id
    try:
        plan = preview(session=session, rule=rule, now=now)
        counts = _apply(session, plan, now=now)
        run = session.get_one(RuleRun, run_id)
        run.status, run.finished_at = RuleRunStatus.done, utcnow()
        run.assigned, run.withdrawn, run.due_changed = counts.assigned, counts.withdrawn, counts.due_changed
        run.unchanged, run.errors = counts.unchanged, counts.errors
        run.detail = ("" if rule.enabled else "the rule is disabled: only those who left were withdrawn; ") + \
            ("" if access.can_be_assigned(plan.path) else f"the path is {plan.path.status}: nobody new assigned; ")
        run.detail = run.detail.strip("; ")
        session.add(run)
        record(session=session, kind=AuditKind.rule_run, actor=actor, actor_label=run.started_by_label,
               group=plan.group, path=plan.path, detail=f"{run.rule_label}: {counts.describe()}")
        session.commit()
    except Exception as exc:
        session.rollback()
        run = session.get_one(RuleRun, run_id)
        run.status, run.finished_at, run.errors = RuleRunStatus.failed, utcnow(), 1
        run.detail = f"{type(exc).__name__}: {exc}"[:500]
        session.add(run)
        session.commit()
        raise RuleRunFailed(f"The run of rule {rule_id} failed: {exc}") from exc
    return run


class RuleRunFailed(Exception):
    """A run could not be applied (its log row says why); the job queue retries it."""


def run(*, session: Session, rule: AssignmentRule | None = None, group: Group | None = None, actor: User | None,
        actor_label: str = RULE_ACTOR, now: datetime) -> list[RuleRun]:
    """Run one rule, or every enabled rule of a group, now: each logged as a run with its counts and one audit
    entry. Running again changes nothing. Commits after each rule."""
    if rule is not None:
        rules = [rule]
    elif group is not None:
        rules = [r for r, _ in list_rules(session=session, group=group) if r.enabled]
    else:
        raise ValueError("run needs a rule or a group")
    runs = []
    for each in rules:
        queued = queue_run(session=session, rule=each, actor=actor, actor_label=actor_label)
        queued.status, queued.started_at = RuleRunStatus.running, utcnow()
        runs.append(_finish(session, queued, each, actor=actor, now=now))
    return runs


def run_queued(*, session: Session, run_id: int, now: datetime) -> RuleRun | None:
    """Run a queued run (the job queue's task). Claimed first: a run that another worker started, or that is
    done, is left alone (None). Commits."""
    claimed = session.connection().execute(
        update(RuleRun).where(col(RuleRun.id) == run_id, col(RuleRun.status) == RuleRunStatus.queued)
        .values(status=RuleRunStatus.running, started_at=utcnow())).rowcount
    session.commit()
    if not claimed:
        return None
    queued = session.get_one(RuleRun, run_id)
    rule = session.get(AssignmentRule, queued.rule_id) if queued.rule_id is not None else None
    if rule is None:  # deleted after it was queued
        queued.status, queued.finished_at, queued.detail = RuleRunStatus.done, utcnow(), "the rule was deleted"
        session.add(queued)
        session.commit()
        return queued
    actor = session.get(User, queued.started_by_id) if queued.started_by_id is not None else None
    return _finish(session, queued, rule, actor=actor, now=now)


def reconcile(*, session: Session, now: datetime) -> list[RuleRun]:
    """The hourly round: runs still queued (their job was lost), then every enabled rule, each logged as a run
    started by the schedule. Commits."""
    done = []
    for (run_id,) in session.connection().execute(
            select(col(RuleRun.id)).where(col(RuleRun.status) == RuleRunStatus.queued).order_by(col(RuleRun.id))):
        found = run_queued(session=session, run_id=run_id, now=now)
        if found is not None:
            done.append(found)
    for rule in enabled_rules(session=session):
        done += run(session=session, rule=rule, actor=None, actor_label=SCHEDULE_ACTOR, now=now)
    return done


PREVIEW_HEADER = ("username", "name", "change", "due date", "reason")


def preview_rows(plan: RulePlan) -> list[tuple[str, str, str, str, str]]:
    """The plan as rows of text: username, name, change, due date, reason (the page, the CSV, the CLI)."""
    return [(c.learner.username, c.learner.name, c.kind.value, c.due_on.isoformat() if c.due_on else "", c.reason)
            for c in plan.changes]


def list_runs(*, session: Session, group: Group, limit: int = 100) -> list[RuleRun]:
    """The group's latest runs, the latest first."""
    return list(session.exec(select(RuleRun).where(RuleRun.group_id == group.id)
                             .order_by(col(RuleRun.queued_at).desc(), col(RuleRun.id).desc()).limit(limit)))


# ---------------------------------------------------------------- joins and leaves

def member_joined(*, session: Session, group: Group, user: User, member: GroupMember, now: datetime) -> int:
    """Give a member who just joined the paths of the group's enabled rules; how many were assigned. A few
    statements however many members the group has. Does not commit."""
    # Nothing these reads look at is waiting in the session (assignments are written by statements, not added),
    # so they skip the autoflush: in a long transaction of many joins, each would walk everything it holds.
    with session.no_autoflush:
        rules = session.exec(select(AssignmentRule, LearningPath)
                             .join(LearningPath, col(LearningPath.id) == AssignmentRule.path_id)
                             .where(AssignmentRule.group_id == group.id,
                                    AssignmentRule.enabled == True)).all()  # noqa: E712
        rules = [(rule, path) for rule, path in rules if access.can_be_assigned(path)]
        if not rules:
            return 0
        existing = {a.path_id: a for a in session.exec(select(Assignment).where(
            Assignment.learner_id == user.id, col(Assignment.path_id).in_([path.id for _, path in rules])))}
    assigned = 0
    for rule, path in rules:
        change = _member_change(rule, existing.get(path.id), user, member.joined_at)
        if change.kind is not ChangeKind.keep:
            plan = RulePlan(rule=rule, group=group, path=path, changes=[change])
            assigned += _apply(session, plan, now=now).assigned
    return assigned


def member_left(*, session: Session, group: Group, user: User, now: datetime) -> int:
    """Withdraw what the group's rules gave someone who just left (progress kept), or move it to another group's
    rule that gives the same path; how many were withdrawn. Does not commit."""
    with session.no_autoflush:  # the leave itself is flushed already (see member_joined)
        rows = session.exec(select(Assignment, AssignmentRule, LearningPath)
                            .join(AssignmentRule, col(AssignmentRule.id) == Assignment.rule_id)
                            .join(LearningPath, col(LearningPath.id) == Assignment.path_id)
                            .where(Assignment.learner_id == user.id, AssignmentRule.group_id == group.id,
                                   col(Assignment.withdrawn_at).is_(None))).all()
    withdrawn = 0
    for assignment, rule, path in rows:
        with session.no_autoflush:
            changes = _leaver_changes(session, rule, [(assignment, user)], f"no longer in {group.name}")
        withdrawn += _apply(session, RulePlan(rule=rule, group=group, path=path, changes=changes), now=now).withdrawn
    return withdrawn
