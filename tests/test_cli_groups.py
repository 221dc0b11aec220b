"""`tracker groups`: list, create, show, delete, add, remove and manager, one-line errors and exit codes, every
change audited as the command line's."""

from __future__ import annotations

from sqlmodel import select

from tracker.models import AuditEvent, Group, GroupMember, GroupSource
from tracker.services import teams


def names(session, slug: str) -> list[str]:
    session.expire_all()
    group = teams.get_group(session=session, slug=slug)
    return sorted(u.username for _, u in teams.members(session=session, group=group))


def test_a_group_is_made_filled_shown_listed_and_deleted(runner, session):
    before = max((e.id for e in session.exec(select(AuditEvent))), default=0)  # the accounts' own entries
    made = runner.invoke(args=["groups", "create", "Platform team", "--idp-name", "platform"])
    assert made.exit_code == 0 and "Made the group 'Platform team' at platform-team." in made.output
    added = runner.invoke(args=["groups", "add", "platform-team", "lena", "leo"])
    assert added.exit_code == 0 and "Added 2 to Platform team: lena, leo." in added.output
    managed = runner.invoke(args=["groups", "manager", "platform-team", "mona"])
    assert managed.exit_code == 0 and "mona manages Platform team." in managed.output
    shown = runner.invoke(args=["groups", "show", "platform-team"])
    assert shown.exit_code == 0 and "provider group platform" in shown.output and "3 members:" in shown.output
    assert shown.output.splitlines()[2].split()[:2] == ["mona", "manager"]
    listed = runner.invoke(args=["groups", "list"])
    assert "platform-team" in listed.output and "3 members" in listed.output
    removed = runner.invoke(args=["groups", "remove", "platform-team", "leo"])
    assert removed.exit_code == 0 and names(session, "platform-team") == ["lena", "mona"]
    unmade = runner.invoke(args=["groups", "manager", "platform-team", "mona", "--off"])
    assert unmade.exit_code == 0 and "mona no longer manages Platform team." in unmade.output
    deleted = runner.invoke(args=["groups", "delete", "platform-team", "--yes"])
    assert deleted.exit_code == 0 and session.exec(select(Group)).all() == []
    labels = {e.actor_label for e in session.exec(select(AuditEvent).where(AuditEvent.id > before))}
    assert labels == {"command line"}


def test_an_unknown_username_adds_nobody_in_one_line(runner, session):
    runner.invoke(args=["groups", "create", "Platform team"])
    result = runner.invoke(args=["groups", "add", "platform-team", "lena", "ghost", "leo"])
    assert result.exit_code == 1
    assert result.output.strip() == "Error: No account has the username ghost. Nobody was added."
    assert names(session, "platform-team") == []


def test_a_csv_file_is_added_and_its_unknown_lines_named(runner, session, tmp_path):
    runner.invoke(args=["groups", "create", "Cohort"])
    bad = tmp_path / "bad.csv"
    bad.write_text("name,username\nLena,lena\nNobody,nobody\n")
    refused = runner.invoke(args=["groups", "add", "cohort", "--file", str(bad)])
    assert refused.exit_code == 1 and "nobody (line 3). Nobody was added." in refused.output
    good = tmp_path / "good.csv"
    good.write_text("name,username\nLena,lena\nLeo,leo\n")
    assert runner.invoke(args=["groups", "add", "cohort", "--file", str(good)]).exit_code == 0
    assert names(session, "cohort") == ["lena", "leo"]


def test_a_taken_address_and_an_unknown_group_are_one_line_errors(runner, session):
    runner.invoke(args=["groups", "create", "Platform team"])
    taken = runner.invoke(args=["groups", "create", "Platform Team"])
    assert taken.exit_code == 1
    assert taken.output.strip() == "Error: A group with the address “platform-team” already exists."
    missing = runner.invoke(args=["groups", "show", "nowhere"])
    assert missing.exit_code == 1 and missing.output.strip() == \
        "Error: No group 'nowhere'. See `tracker groups list`."


def test_removing_someone_not_in_the_group_takes_nobody_out(runner, session):
    runner.invoke(args=["groups", "create", "Platform team"])
    runner.invoke(args=["groups", "add", "platform-team", "lena"])
    result = runner.invoke(args=["groups", "remove", "platform-team", "lena", "leo"])
    assert result.exit_code == 1 and "Not in Platform team: leo. Nobody was taken out." in result.output
    assert names(session, "platform-team") == ["lena"]


def test_a_provisioned_groups_members_are_left_to_the_identity_provider(runner, session):
    teams.create_group(session=session, name="Engineering", source=GroupSource.scim)
    session.commit()
    result = runner.invoke(args=["groups", "add", "engineering", "lena"])
    assert result.exit_code == 1 and "identity provider manages who is in Engineering" in result.output
    assert session.exec(select(GroupMember)).all() == []


def test_deleting_asks_first_unless_told_yes(runner, session):
    runner.invoke(args=["groups", "create", "Platform team"])
    result = runner.invoke(args=["groups", "delete", "platform-team"], input="n\n")
    assert result.exit_code == 1 and len(session.exec(select(Group)).all()) == 1
