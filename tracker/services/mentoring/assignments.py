"""Path assignments: a mentor asks learners to follow a path by a due date; each assignment's live numbers."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from sqlmodel import Session, col, select

from tracker.models import (
    Assignment,
    LearningPath,
    NotificationKind,
    User,
    utcnow,
)
from tracker.services import access
from tracker.services.audit.log import AuditKind, record
from tracker.services.errors import Conflict, NotFound
from tracker.services.mentoring.mentorships import MentoringError, NotYourMentee, get_mentee
from tracker.services.mentoring.rules import RECUR_MONTHS_MAX, RECUR_MONTHS_MIN, describe_recurrence, period_end
from tracker.services.notifications import in_app as notifications

NOTE_MAX = 1000


class NotAMentee(MentoringError):
    """A bulk request names someone who is not the mentor's mentee (the API answers 404)."""

    status = 404


class _Keep:
    """For a path assigned again: leave this field as the earlier assignment has it."""

    def __repr__(self) -> str:
        return "KEEP"


KEEP = _Keep()


@dataclass
class AssignOutcome:
    """What assigning did for one learner: a new (or revived) assignment, changes to an active one, or nothing."""

    assignment: Assignment
    learner: User
    created: bool
    changes: list[str]


def _day(value: date | None) -> str:
    return value.strftime("%b %-d, %Y") if value else "none"


def check_recur_months(value: object) -> int | None:
    """How many months a period lasts (None: the assignment happens once); MentoringError saying what is allowed
    for anything else (0, 61, "x")."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not RECUR_MONTHS_MIN <= value <= RECUR_MONTHS_MAX:
        shown = str(value)[:20]
        raise MentoringError(f"Repeat every: a whole number of months from {RECUR_MONTHS_MIN} to {RECUR_MONTHS_MAX} "
                             f"('{shown}' given), or empty for once.")
    return value


def _checked_request(*, mentor: User, path: LearningPath, due_on: date | _Keep | None,
                     note: str | _Keep | None, recur_months: int | _Keep | None,
                     today: date) -> tuple[str | _Keep | None, int | _Keep | None]:
    """What `assign_path` refuses before it looks at anyone: the path, the due date, the recurrence and the note
    (the note trimmed and the recurrence checked, as they are kept)."""
    if not access.can_see_path(mentor, path):  # a draft's title is not for those who cannot see drafts
        raise NotFound(f"There is no path called '{path.slug}'.")
    if not access.can_be_assigned(path):
        raise MentoringError(f"“{path.title}” is {path.status}; only published paths can be assigned.")
    if isinstance(due_on, date) and due_on < today:
        raise MentoringError("The due date is in the past.")
    if not isinstance(recur_months, _Keep):
        recur_months = check_recur_months(recur_months)
        if recur_months is not None and isinstance(due_on, date) and \
                due_on >= (ends := period_end(started_on=today, months=recur_months)):
            raise MentoringError(f"The due date must fall within the first period, which ends {_day(ends)}: "
                                 f"it repeats {describe_recurrence(recur_months)}.")
    if isinstance(note, str):
        note = note.strip()
        if len(note) > NOTE_MAX:
            raise MentoringError(f"The note is {len(note)} characters; the limit is {NOTE_MAX}.")
    return note, recur_months


def assign_path(*, session: Session, mentor: User, usernames: Iterable[str], path: LearningPath | None,
                due_on: date | _Keep | None = KEEP, note: str | _Keep | None = KEEP,
                recur_months: int | _Keep | None = KEEP, today: date, preview: bool = False) -> list[AssignOutcome]:
    """Assign a path to several mentees at once. All or nothing: any problem writes nothing. Commits.

    A mentee who already has the path keeps what this request leaves out (KEEP): only a due date, note or
    recurrence given here replaces theirs, and they get one notification saying what changed (none if nothing
    did). With `recur_months` the path repeats: its first period starts `today` and the due date, if any, must
    fall within it (see `recurrence`). With `preview`, nothing is written: the outcomes say what assigning would do.
    """
    usernames = list(dict.fromkeys(u.strip().lower() for u in usernames if u.strip()))
    if not usernames:
        raise MentoringError("Choose at least one mentee.")
    if path is None:
        raise MentoringError("Choose a path to assign.")
    note, recur_months = _checked_request(mentor=mentor, path=path, due_on=due_on, note=note,
                                          recur_months=recur_months, today=today)
    learners = []
    for username in usernames:
        try:
            learners.append(get_mentee(session=session, viewer=mentor, username=username))
        except NotYourMentee:
            raise NotAMentee(f"'{username}' is not one of your mentees; nothing was assigned.") from None
    outcomes = []
    try:
        for learner in learners:
            assignment = session.exec(select(Assignment).where(Assignment.learner_id == learner.id,
                                                               Assignment.path_id == path.id)).one_or_none()
            if assignment is None or assignment.withdrawn_at is not None:
                outcomes.append(_start(session, mentor, learner, path, assignment, due_on, note, recur_months,
                                       today))
            else:
                outcomes.append(_update(session, mentor, learner, path, assignment, due_on, note, recur_months,
                                        today))
        if preview:
            session.rollback()
        else:
            session.commit()
    except BaseException:
        session.rollback()
        raise
    return outcomes


def _start(session, mentor, learner, path, assignment, due_on, note, recur_months, today) -> AssignOutcome:
    """A new assignment, or a withdrawn one made live again: it starts now (its first period, when it recurs)."""
    if assignment is None:
        assignment = Assignment(learner_id=learner.id, path_id=path.id, mentor_id=mentor.id)
    assignment.mentor_id, assignment.withdrawn_at, assignment.created_at = mentor.id, None, utcnow()
    assignment.rule_id = None  # the mentor's own now: no group's rule takes it away
    assignment.due_on = None if isinstance(due_on, _Keep) else due_on
    assignment.note = "" if isinstance(note, _Keep) else (note or "")
    revived = assignment.id is not None
    assignment.recur_months = None if isinstance(recur_months, _Keep) else recur_months
    assignment.period_started_on = today if assignment.recur_months is not None else None
    session.add(assignment)
    session.flush()
    record(session=session, kind=AuditKind.enrolled, actor=mentor, subject=learner, path=path,
           detail=(f"due {_day(assignment.due_on)}" if assignment.due_on else "no due date")
           + ("; assigned again after a withdrawal" if revived else ""))
    due = f", due {_day(assignment.due_on)}" if assignment.due_on else ""
    if assignment.recur_months is not None:
        due += f", repeating {describe_recurrence(assignment.recur_months)}"
    notifications.notify(session=session, user=learner, kind=NotificationKind.assigned,
                         key=f"assigned:{assignment.id}:{assignment.created_at.isoformat()}",
                         message=f"{mentor.name} assigned you “{path.title}”{due}.", link=f"/paths/{path.slug}")
    return AssignOutcome(assignment=assignment, learner=learner, created=True, changes=[])


def _update(session, mentor, learner, path, assignment, due_on, note, recur_months, today) -> AssignOutcome:
    """An active assignment: only what was given changes, and the learner hears what changed. Making it recur
    starts its first period today; a new length keeps the current period's start; making it once ends periods."""
    changes = []
    if not isinstance(recur_months, _Keep) and recur_months != assignment.recur_months:
        changes.append(f"repeats {describe_recurrence(recur_months)}" if recur_months is not None
                       else "happens once (no longer repeats)")
        if recur_months is None:
            assignment.period_started_on = None
        elif assignment.period_started_on is None:
            assignment.period_started_on = today
        assignment.recur_months = recur_months
    if not isinstance(due_on, _Keep):
        _check_within_period(assignment, due_on)
    if not isinstance(due_on, _Keep) and due_on != assignment.due_on:
        changes.append(f"due date {_day(assignment.due_on)} → {_day(due_on)}")
        record(session=session, kind=AuditKind.due_date_changed, actor=mentor, subject=learner, path=path,
               detail=f"{_day(assignment.due_on)} → {_day(due_on)}")
        assignment.due_on = due_on
    if not isinstance(note, _Keep) and (note or "") != assignment.note:
        changes.append("a new note" if note else "note removed")
        assignment.note = note or ""
    if changes:
        session.add(assignment)
        session.flush()
        notifications.notify(session=session, user=learner, kind=NotificationKind.assignment_changed,
                             key=f"assignment-changed:{assignment.id}:{utcnow().isoformat()}",
                             message=f"{mentor.name} changed “{path.title}”: {'; '.join(changes)}.",
                             link=f"/paths/{path.slug}")
    return AssignOutcome(assignment=assignment, learner=learner, created=False, changes=changes)


def _check_within_period(assignment: Assignment, due_on: date | None) -> None:
    """A recurring assignment's due date is a deadline within its current period: MentoringError if it is not."""
    if due_on is None or assignment.recur_months is None or assignment.period_started_on is None:
        return
    ends = period_end(started_on=assignment.period_started_on, months=assignment.recur_months)
    if due_on >= ends:
        raise MentoringError(f"The due date must fall within the current period, which ends {_day(ends)}: "
                             f"it repeats {describe_recurrence(assignment.recur_months)}.")


def describe_outcomes(path: LearningPath, outcomes: list[AssignOutcome]) -> str:
    """One sentence per kind of outcome, for the mentor who assigned."""
    created = [o.learner.name for o in outcomes if o.created]
    changed = [f"{o.learner.name} ({'; '.join(o.changes)})" for o in outcomes if not o.created and o.changes]
    same = [o.learner.name for o in outcomes if not o.created and not o.changes]
    parts = []
    if created:
        parts.append(f"Assigned “{path.title}” to {', '.join(created)}.")
    if changed:
        parts.append(f"Updated for {', '.join(changed)}.")
    if same:
        parts.append(f"{', '.join(same)} already {'has' if len(same) == 1 else 'have'} it as given; nothing changed.")
    return " ".join(parts)


def needs_confirmation(outcomes: list[AssignOutcome]) -> bool:
    """Whether assigning touches a mentee who already has the path: the mentor sees what changes first."""
    return any(not outcome.created for outcome in outcomes)


def assigned_path_ids(*, session: Session, learner: User | None) -> set[int]:
    if learner is None:
        return set()
    return set(session.exec(select(Assignment.path_id).where(Assignment.learner_id == learner.id,
                                                             col(Assignment.withdrawn_at).is_(None))))


class AssignedPath(Conflict):
    """A learner asks to stop following a path a mentor assigned them: only the mentor can take it away."""


def holding_assignment(*, session: Session, learner: User, path: LearningPath) -> tuple[Assignment, User | None] | None:
    """The active assignment that keeps `path` on the learner's dashboard, with the mentor who made it (None once
    their account is gone); the earliest one when several mentors assigned it."""
    row = session.exec(select(Assignment, User).join(User, col(User.id) == Assignment.mentor_id, isouter=True)
                       .where(Assignment.learner_id == learner.id, Assignment.path_id == path.id,
                              col(Assignment.withdrawn_at).is_(None))
                       .order_by(col(Assignment.id))).first()
    return (row[0], row[1]) if row is not None else None


def describe_holding(path: LearningPath, assignment: Assignment, mentor: User | None) -> str:
    """Who assigned the path and when it is due, as the learner reads it."""
    who = (f"Your mentor {mentor.name}" if mentor is not None else
           "A rule of your group" if assignment.rule_id is not None else "A mentor")
    due = f", due {_day(assignment.due_on)}" if assignment.due_on is not None else ""
    return f"{who} assigned “{path.title}”{due}"


def refuse_unfollow(*, session: Session, learner: User, path: LearningPath) -> None:
    """Raises AssignedPath when an active assignment holds the path: unfollowing would change nothing the
    learner sees (it stays on their dashboard), so it is refused with the reason and who can lift it."""
    held = holding_assignment(session=session, learner=learner, path=path)
    if held is not None:
        assignment, mentor = held
        asker = mentor.name if mentor is not None else "your mentor"
        raise AssignedPath(f"{describe_holding(path, assignment, mentor)}, so it stays on your dashboard; ask "
                           f"{asker} to withdraw it.", path=path.slug,
                           assigned_by=mentor.username if mentor is not None else None,
                           due_on=assignment.due_on.isoformat() if assignment.due_on else None)


def _managed_assignment(session: Session, mentor: User, assignment_id: int) -> tuple[Assignment, User]:
    """The active assignment and its learner, when `mentor` looks after the learner; NotYourMentee otherwise."""
    assignment = session.get(Assignment, assignment_id)
    if assignment is None or assignment.withdrawn_at is not None:
        raise NotYourMentee("No such assignment.")
    learner = session.get(User, assignment.learner_id)
    if learner is None or not access.can_look_after(session=session, viewer=mentor, learner=learner):
        raise NotYourMentee("No such assignment.")
    return assignment, learner


def withdraw(*, session: Session, mentor: User, assignment_id: int) -> Assignment:
    """Withdraw an assignment; the learner keeps their progress. Commits."""
    assignment, learner = _managed_assignment(session, mentor, assignment_id)
    assignment.withdrawn_at = utcnow()
    path = session.get_one(LearningPath, assignment.path_id)
    record(session=session, kind=AuditKind.unenrolled, actor=mentor, subject=learner, path=path,
           detail=f"was due {_day(assignment.due_on)}" if assignment.due_on else "had no due date")
    notifications.notify(session=session, user=learner,
                         kind=NotificationKind.assignment_changed,
                         key=f"withdrawn:{assignment.id}:{assignment.withdrawn_at.isoformat()}",
                         message=f"{mentor.name} withdrew “{path.title}”. Your progress on it is kept.",
                         link=f"/paths/{path.slug}")
    session.commit()
    return assignment


def change_due_date(*, session: Session, mentor: User, assignment_id: int, due_on: date | None,
                    today: date) -> Assignment:
    """Move (or clear) the due date. Commits."""
    assignment, learner = _managed_assignment(session, mentor, assignment_id)
    if due_on is not None and due_on < today:
        raise MentoringError("The due date is in the past.")
    _check_within_period(assignment, due_on)
    if due_on != assignment.due_on:
        path = session.get_one(LearningPath, assignment.path_id)
        record(session=session, kind=AuditKind.due_date_changed, actor=mentor, subject=learner, path=path,
               detail=f"{_day(assignment.due_on)} → {_day(due_on)}")
        notifications.notify(session=session, user=learner,
                             kind=NotificationKind.assignment_changed,
                             key=f"assignment-changed:{assignment.id}:{utcnow().isoformat()}",
                             message=f"{mentor.name} changed “{path.title}”: due date {_day(assignment.due_on)} → "
                                     f"{_day(due_on)}.", link=f"/paths/{path.slug}")
    assignment.due_on = due_on
    session.commit()
    return assignment


