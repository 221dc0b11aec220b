"""`tracker groups rules | rule-add | run-rules`: an operator lists, adds and runs a group's assignment rules."""

from sqlmodel import select

from tests import factories
from tracker.models import Assignment, RuleRun
from tracker.services import teams


def _platform(session):
    group = teams.create_group(session=session, name="Platform")
    for name in ("lena", "leo"):
        teams.add_member(session=session, group=group, user=factories.user(session, name))
    session.commit()
    return group


def test_an_operator_adds_a_rule_that_runs_at_once_lists_it_and_runs_it_again(runner, session):
    _platform(session)
    added = runner.invoke(args=["groups", "rule-add", "platform", "api-designer", "--due-days", "30",
                                "--every-months", "12"])
    assert added.exit_code == 0, added.output
    assert "API Designer (due 30 days after joining, every 12 months) for Platform. 2 assigned" in added.output
    listed = runner.invoke(args=["groups", "rules", "platform"])
    assert "api-designer\tdue 30 days after joining, every 12 months" in listed.output
    preview = runner.invoke(args=["groups", "run-rules", "platform", "--preview"])
    assert "lena\tlena\tunchanged\t" in preview.output
    again = runner.invoke(args=["groups", "run-rules"])
    assert again.exit_code == 0 and "0 assigned, 0 withdrawn, 0 due dates changed, 2 unchanged." in again.output
    session.expire_all()
    assert len(session.exec(select(Assignment).where(Assignment.rule_id != None)).all()) == 2  # noqa: E711
    assert {run.started_by_label for run in session.exec(select(RuleRun))} == {"command line"}


def test_a_bad_rule_or_an_unknown_group_is_refused_in_one_line(runner, session):
    _platform(session)
    bad = runner.invoke(args=["groups", "rule-add", "platform", "api-designer", "--due-days", "0"])
    assert bad.exit_code == 1 and "Days after joining must be from 1 to 3650." in bad.output
    assert runner.invoke(args=["groups", "rules", "nowhere"]).output == "Error: There is no group 'nowhere'.\n"
    assert "No rules." in runner.invoke(args=["groups", "rules", "platform"]).output
