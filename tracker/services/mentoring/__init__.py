"""Mentoring: who mentors whom, the paths they assign, and what they see of their mentees.

Owns the `mentorship` and `assignment` rows.

- `mentorships`: `link`, `unlink`, `invite`, `respond`, `mentees`, `get_mentee`.
- `assignments`: `assign_path`, `withdraw`, `change_due_date`; `holding_assignment`, `describe_holding` and
  `refuse_unfollow` (an assigned path cannot be unfollowed: only its mentor can withdraw it).
- `rules`: an assignment's status, forecast and staleness (pure): `assignment_status`, `forecast_finish`.
- `standings`: each assignment with its tally, status and plan, for many learners at once:
  `assignment_views`, `learner_assignments`, `learner_paths`.
- `overview`: the mentor's matrix: `overview`, `progress_series`.
- `reminders`: due-date reminders for learners and their mentors: `remind_due_dates`, `remind_everyone`.
- `recurrence`: recurring assignments: `current_period`, `describe_period`, `refreshed_on`, and
  `start_due_periods` (the scheduled restart of every period that ended, once however many workers run it).
"""
