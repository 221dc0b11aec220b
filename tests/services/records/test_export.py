"""A person's data: the export holds every table with user data, and deleting an account leaves nothing behind."""

import json
import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import func, or_, update
from sqlalchemy import select as sa_select
from sqlmodel import SQLModel, col, select

from tests import factories
from tests.conftest import PASSWORD
from tracker.models import (
    Assignment,
    Credential,
    Notification,
    NotificationKind,
    PathVersion,
    ProgressEvent,
    Role,
    SecurityEvent,
    SecurityEventKind,
    User,
    XapiOutbox,
    utcnow,
)
from tracker.services.errors import Invalid, NotAllowed
from tracker.services.learning import notes
from tracker.services.mentoring import mentorships
from tracker.services.notifications import in_app as notifications
from tracker.services.people import accounts, security_log
from tracker.services.records import deletion as account_deletion
from tracker.services.records import export as my_data

# ---------------------------------------------------------------- helpers other test modules use

def user_columns() -> dict[str, list]:
    """Every table with a column referencing user.id -> those columns."""
    found: dict[str, list] = {}
    for table in SQLModel.metadata.sorted_tables:
        for column in table.columns:
            if any(fk.column.table.name == "user" and fk.column.name == "id" for fk in column.foreign_keys):
                found.setdefault(table.name, []).append(column)
    return found


def rows_pointing_at(session, user_id: int) -> dict[str, int]:
    """Per table, how many rows reference the user in any column referencing user.id (tables with none left out)."""
    counts = {}
    for name, columns in user_columns().items():
        table = columns[0].table
        count = session.execute(sa_select(func.count()).select_from(table)
                                .where(or_(*(column == user_id for column in columns)))).scalar_one()
        if count:
            counts[name] = count
    return counts


def lived_in_everywhere(session, make_client) -> None:
    """`factories.lived_in`, plus what it leaves out: a credential and xAPI statements for lena, a path version
    saved by ada, a progress change made on a path page, a failed sign-in on lena's name, an admin action."""
    factories.lived_in(session, make_client)
    lena, ada = factories.user(session, "lena"), factories.user(session, "ada")
    path = factories.path(session, "api-designer")
    session.add(Credential(public_id=uuid.uuid4().hex, user_id=lena.id, path_id=path.id, path_slug=path.slug,
                           path_title=path.title, path_version=path.version, articles_read=3, jwt="eyJhbGciOi.x.y"))
    session.add_all([XapiOutbox(statement_id=str(uuid.uuid4()), user_id=lena.id, statement="{}", sent_at=utcnow()),
                     XapiOutbox(statement_id=str(uuid.uuid4()), user_id=lena.id, statement="{}")])
    session.add(PathVersion(path_id=path.id, version=path.version + 1, author_id=ada.id, summary="Title changed",
                            definition="slug: api-designer\n"))
    first = session.exec(select(ProgressEvent).where(ProgressEvent.user_id == lena.id)).first()
    first.path_id = path.id
    session.commit()
    make_client().post("/signin", data={"username": "lena", "password": "not her password"})
    make_client("ada").post("/admin/users/mona", data={"action": "role", "role": "mentor"})


def exported(document: dict, field: str) -> int:
    value: Any = document  # a JSON document: each step down may be a dict, a list or a number
    for part in field.split("."):
        value = value[part]
    return len(value) if isinstance(value, list) else int(value)


@pytest.fixture
def lived_in(session, make_client):
    lived_in_everywhere(session, make_client)
    session.expire_all()


# ---------------------------------------------------------------- export

def test_every_table_with_user_data_is_in_the_export(session, lived_in):
    """Walks the schema: a table with a column referencing user.id that the export does not cover fails here."""
    tables = set(user_columns())
    assert set(my_data.PERSONAL_TABLES) - {"user"} == tables, "a table with user data is missing from the export"
    exercised = set()
    for name in ("lena", "mona", "ada", "sam"):
        user = factories.user(session, name)
        document = my_data.export_account(session=session, user=user, now=utcnow()).model_dump(mode="json")
        for table, count in rows_pointing_at(session, user.id).items():
            exercised.add(table)
            total = sum(exported(document, field) for field in my_data.PERSONAL_TABLES[table])
            if table == "security_event":  # also the failed sign-ins typed with the username
                assert total >= count, (name, table)
            else:
                assert total == count, (name, table, total, count)
    assert exercised == tables, f"no test data for {tables - exercised}"


def test_the_export_holds_the_account_and_its_history_but_no_secret(session, lived_in):
    lena = factories.user(session, "lena")
    document = my_data.export_account(session=session, user=lena, now=utcnow())
    data = json.loads(my_data.as_json(document))
    assert data["schema_version"] == 1 and data["exported_at"].endswith("Z")
    assert data["account"] | {"created_at": None} == {
        "username": "lena", "display_name": "", "role": "learner", "is_active": True, "time_zone": "UTC", "email": "",
        "email_notifications": "off", "digest_sent_on": None, "created_at": None, "public_id": lena.public_id,
        "first_administrator": False}
    assert {(p["article_slug"], p["state"]) for p in data["progress"]} >= {("http-protocol", "done")}
    assert data["progress"][0]["article_title"] and data["progress"][0]["source"]
    assert data["progress_events"][0]["path_slug"] == "api-designer"
    [note] = [n for n in data["notes"] if n["article_slug"] == "http-protocol"]
    assert note["body"] == "Kept" and note["shared"] and [r["author"] for r in note["replies"]] == ["mona"]
    assert [(a["path_slug"], a["assigned_by"], a["due_on"]) for a in data["assignments"]] == [
        ("api-designer", "mona", "2030-01-31")]
    [own] = data["own_paths"]  # her copy of a path, which she follows too
    assert own["copied_from"] == "backend-capstone" and "caching" in own["definition"]
    assert [f["path_slug"] for f in data["path_follows"]] == ["api-designer", own["slug"]]
    assert [(m["mentor"], m["status"]) for m in data["mentorships"]] == [("mona", "active")]
    assert {n["kind"] for n in data["notifications"]} >= {"assigned", "reply"}
    assert data["sessions"] and set(data["sessions"][0]) >= {"user_agent", "address", "created_at"}
    assert [(t["name"], t["hint"][:4]) for t in data["api_tokens"]] == [("script", "trk_")]
    assert {e["kind"] for e in data["security_events"]} >= {"sign_in", "sign_in_failed"}
    assert data["credentials"][0]["jwt"] == "eyJhbGciOi.x.y" and data["credentials"][0]["path_slug"] == "api-designer"
    mine = list(session.exec(select(XapiOutbox).where(XapiOutbox.user_id == lena.id)))
    assert data["xapi_statements"] == {"count": len(mine), "sent": sum(1 for row in mine if row.sent_at)}
    text = my_data.as_json(document)
    assert lena.password_hash not in text and "token_hash" not in text and "password" not in text


def test_a_mentor_s_export_holds_what_the_mentor_may_see(session, lived_in):
    lena, mona, ada = (factories.user(session, name) for name in ("lena", "mona", "ada"))
    notes.save_note(session=session, user=lena, article=factories.article(session, "restful-api-design"),
                    body="Private thoughts", shared=False)
    session.add(Assignment(learner_id=lena.id, path_id=factories.path(session, "production-services").id,
                           mentor_id=ada.id))
    session.commit()
    seen = my_data.export_mentee(session=session, viewer=mona, learner=lena, now=utcnow()).model_dump(mode="json")
    assert seen["learner"] == {"username": "lena", "display_name": ""} and seen["exported_by"] == "mona"
    assert [n["body"] for n in seen["shared_notes"]] == ["Kept"]
    assert [a["assigned_by"] for a in seen["assignments"]] == ["mona"]
    assert seen["progress"] and seen["progress_events"]
    assert "Private thoughts" not in json.dumps(seen) and "sessions" not in seen and "api_tokens" not in seen
    by_admin = my_data.export_mentee(session=session, viewer=ada, learner=lena, now=utcnow())
    assert sorted(a.assigned_by for a in by_admin.assignments) == ["ada", "mona"]


def test_the_file_is_named_after_the_user_and_their_day(session):
    lena = factories.user(session, "lena")
    lena.time_zone = "Pacific/Auckland"
    assert my_data.export_filename(user=lena, now=datetime(2026, 3, 1, 20, 0, tzinfo=UTC)) == \
        "tracker-lena-2026-03-02.json"


# ---------------------------------------------------------------- deletion

def test_deleting_an_account_leaves_no_row_pointing_at_it(session, lived_in):
    """A mentor, their mentee and an admin deleted in turn: between them they have rows in every table that
    references user.id, and afterwards no column referencing user.id holds their ids (CASCADE or SET NULL)."""
    session.add(User(username="root", password_hash=factories.user(session, "ada").password_hash, role=Role.admin))
    session.commit()
    exercised = set()
    for name in ("mona", "lena", "ada", "sam"):
        user = factories.user(session, name)
        user_id, before = user.id, rows_pointing_at(session, user.id)
        exercised |= set(before)
        account_deletion.delete_own_account(session=session, user=user,
                                            password=factories.PASSWORD_OF_SAM if name == "sam" else PASSWORD)
        session.expire_all()
        assert rows_pointing_at(session, user_id) == {}, name
        assert session.get(User, user_id) is None
    assert exercised == set(user_columns())
    left = set(session.exec(select(User.id)))  # leo, and root: their records stay theirs
    assert set(session.exec(select(Credential.user_id))) <= left | {None}  # status-only records name no one
    kept = session.exec(select(Credential).where(col(Credential.user_id).is_(None))).all()
    assert kept and all(c.jwt == "" and c.holder_deleted_at is not None for c in kept)
    assert set(session.exec(select(XapiOutbox.user_id))) <= left


def test_a_wrong_or_missing_password_deletes_nothing(session, lived_in):
    lena = factories.user(session, "lena")
    before = rows_pointing_at(session, lena.id)
    with pytest.raises(account_deletion.WrongPassword):
        account_deletion.delete_own_account(session=session, user=lena, password="not my password")
    with pytest.raises(Invalid, match="Type your password"):
        account_deletion.delete_own_account(session=session, user=lena, password="")
    session.expire_all()
    assert rows_pointing_at(session, lena.id) == before


def test_a_deleted_mentor_s_assignments_stay_with_their_mentees_without_a_name(session, lived_in, caplog):
    mona = factories.user(session, "mona")
    with caplog.at_level("INFO", logger="tracker.security"):
        account_deletion.delete_user(session=session, admin=factories.user(session, "ada"), user=mona)
    assert [json.loads(r.message) for r in caplog.records] == [{"event": "account_deleted", "by": "admin ada"}]
    session.expire_all()
    assignment = session.exec(select(Assignment).where(col(Assignment.rule_id).is_(None))).one()  # not a rule's
    assert assignment.mentor_id is None and assignment.learner_id == factories.user(session, "lena").id
    lena = factories.user(session, "lena")
    document = my_data.export_account(session=session, user=lena, now=utcnow())
    assert [a.assigned_by for a in document.assignments] == [None]
    assert [n.replies for n in document.notes if n.article_slug == "http-protocol"] == [[]]  # her reply went


def test_the_security_log_keeps_kind_and_time_but_nothing_that_names_the_deleted_user(session, lived_in, make_client):
    # refused, and logged with the URL, which names leo in lena's event
    assert make_client("lena").post("/admin/users/leo", data={"action": "deactivate"}).status_code == 403
    leo, ada = factories.user(session, "leo"), factories.user(session, "ada")
    security_log.record(session=session, kind=SecurityEventKind.sign_in, user=leo, address="203.0.113.9",
                        detail="remembered")
    kinds_before = session.exec(select(func.count(SecurityEvent.id))).one()
    account_deletion.delete_user(session=session, admin=ada, user=leo)
    session.expire_all()
    assert session.exec(select(func.count(SecurityEvent.id))).one() == kinds_before
    assert session.exec(select(SecurityEvent).where(or_(SecurityEvent.username == "leo",
                                                        SecurityEvent.detail.contains("leo")))).all() == []
    refused = session.exec(select(SecurityEvent).where(SecurityEvent.kind == SecurityEventKind.access_refused)).all()
    assert any("/admin/users/[deleted account]:" in event.detail for event in refused)
    anonymous = session.exec(select(SecurityEvent).where(SecurityEvent.user_id.is_(None),
                                                         SecurityEvent.kind == SecurityEventKind.sign_in)).all()
    assert anonymous and {(e.username, e.address, e.detail) for e in anonymous} == {("", "", "")}


def test_an_admin_s_name_leaves_the_records_of_what_they_did(session, lived_in):
    ada = factories.user(session, "ada")
    session.add(User(username="root", password_hash=ada.password_hash, role=Role.admin))
    session.commit()
    role_changes = select(SecurityEvent.detail).where(SecurityEvent.kind == SecurityEventKind.role_changed)
    assert session.exec(role_changes).one() == "mentor, by ada"
    account_deletion.delete_own_account(session=session, user=ada, password=PASSWORD)
    session.expire_all()
    assert session.exec(role_changes).one() == "mentor, by [deleted account]"
    version = session.exec(select(PathVersion).where(PathVersion.summary == "Title changed")).one()
    assert version.author_id is None


def test_mentors_lose_the_notifications_about_a_deleted_mentee_and_keep_the_others(session, lived_in):
    lena, leo, mona = (factories.user(session, name) for name in ("lena", "leo", "mona"))
    mentorships.link(session=session, mentor=mona, learner=leo)
    for learner in (lena, leo):
        notifications.notify(session=session, user=mona, kind=NotificationKind.mentee_finished, key=f"x:{learner.id}",
                             message=f"{learner.name} finished", link=f"/mentor/mentees/{learner.username}/paths/x")
    session.commit()
    account_deletion.delete_own_account(session=session, user=lena, password=PASSWORD)
    session.expire_all()
    messages = session.exec(select(Notification.message).where(Notification.user_id == mona.id)).all()
    assert "leo finished" in messages and not [m for m in messages if "lena" in m]


def test_the_last_administrator_cannot_delete_themselves(session, lived_in):
    ada = factories.user(session, "ada")
    before = rows_pointing_at(session, ada.id)
    with pytest.raises(account_deletion.LastAdministrator, match="last administrator"):
        account_deletion.delete_own_account(session=session, user=ada, password=PASSWORD)
    session.expire_all()
    assert accounts.get_user(session=session, username="ada") is not None
    assert rows_pointing_at(session, ada.id) == before
    # a deactivated admin does not count: nobody could administer the tracker
    session.exec(update(User).where(User.username == "mona").values(role=Role.admin, is_active=False))
    session.commit()
    with pytest.raises(account_deletion.LastAdministrator):
        account_deletion.delete_own_account(session=session, user=factories.user(session, "ada"), password=PASSWORD)
    session.exec(update(User).where(User.username == "mona").values(is_active=True))
    session.commit()
    account_deletion.delete_own_account(session=session, user=factories.user(session, "ada"), password=PASSWORD)
    assert accounts.get_user(session=session, username="ada") is None


def test_an_admin_deletes_others_but_not_themselves_that_way(session):
    ada = factories.user(session, "ada")
    with pytest.raises(NotAllowed, match="account page"):
        account_deletion.delete_user(session=session, admin=ada, user=ada)
    account_deletion.delete_user(session=session, admin=ada, user=factories.user(session, "leo"))
    assert accounts.get_user(session=session, username="leo") is None


# ---------------------------------------------------------------- the command line

def test_export_writes_one_user_s_document_or_everyone_s(runner, session, tmp_path):
    result = runner.invoke(args=["export", "--user", "lena"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["account"]["username"] == "lena"
    target = tmp_path / "lena.json"
    assert runner.invoke(args=["export", "--user", "LENA", "--out", str(target)]).exit_code == 0
    assert json.loads(target.read_text())["schema_version"] == 1 and target.stat().st_mode & 0o077 == 0
    folder = tmp_path / "all"
    result = runner.invoke(args=["export", "--all", "--out", str(folder)])
    assert result.exit_code == 0, result.output
    day = utcnow().date().isoformat()
    assert sorted(p.name for p in folder.iterdir()) == [f"tracker-{name}-{day}.json"
                                                         for name in ("ada", "lena", "leo", "mona")]


@pytest.mark.parametrize(("args", "message"), [
    (["export", "--user", "nobody"], "Error: There is no user called 'nobody'."),
    (["export"], "give either --user NAME or --all"),
    (["export", "--all"], "give the folder with --out DIR"),
])
def test_export_refuses_in_one_line(runner, args, message):
    result = runner.invoke(args=args)
    assert result.exit_code != 0 and message in result.output


def test_users_delete_asks_first_and_keeps_the_last_admin(runner, session):
    assert runner.invoke(args=["users", "delete", "leo"], input="n\n").exit_code != 0
    assert accounts.get_user(session=session, username="leo") is not None
    result = runner.invoke(args=["users", "delete", "leo"], input="y\n")
    assert result.exit_code == 0 and "Deleted 'leo'." in result.output
    session.expire_all()
    assert accounts.get_user(session=session, username="leo") is None
    result = runner.invoke(args=["users", "delete", "ada", "--yes"])
    assert result.exit_code == 1 and "last administrator" in result.output
    assert runner.invoke(args=["users", "delete", "nobody", "--yes"]).output.strip() == \
        "Error: There is no user called 'nobody'."
