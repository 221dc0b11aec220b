"""Reading the audit log: days on the reader's clock, pages back and forth by (at, id), and the filters."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from tests import factories
from tracker.services.audit import AuditFilters, AuditKind, record, search
from tracker.services.errors import Invalid


def test_a_day_is_the_readers_day(session):
    lena = factories.user(session, "lena")
    record(session=session, kind=AuditKind.followed, actor=lena, subject=lena,
           detail="late").at = datetime(2026, 1, 5, 23, 30, tzinfo=UTC)
    session.commit()
    day = AuditFilters(since=date(2026, 1, 6), until=date(2026, 1, 6), kind="followed")
    assert search(session=session, filters=day).rows == []
    (row,) = search(session=session, filters=day, zone=ZoneInfo("Europe/Berlin")).rows
    assert row.event.detail == "late"


def test_pages_go_older_and_back_newer_to_the_same_entries(session):
    lena = factories.user(session, "lena")
    start = datetime(2026, 2, 1, tzinfo=UTC)
    for i in range(25):
        record(session=session, kind=AuditKind.followed, actor=lena, subject=lena,
               detail=str(i)).at = start + timedelta(seconds=i // 5)  # five to a moment
    session.commit()
    mine = AuditFilters(kind="followed", actor="lena")
    first = search(session=session, filters=mine, limit=10)
    second = search(session=session, filters=mine, limit=10, before=first.older)
    third = search(session=session, filters=mine, limit=10, before=second.older)
    details = [r.event.detail for page in (first, second, third) for r in page.rows]
    assert details == [str(i) for i in range(24, -1, -1)] and third.older is None and first.newer is None
    back = search(session=session, filters=mine, limit=10, after=third.newer)
    assert [r.event.detail for r in back.rows] == [r.event.detail for r in second.rows]
    assert search(session=session, filters=mine, limit=10, after=back.newer).rows == first.rows
    assert search(session=session, filters=mine, limit=10, after=back.newer).newer is None


def test_group_and_path_filters_follow_the_entrys_links(session):
    lena, ada = factories.user(session, "lena"), factories.user(session, "ada")
    path = factories.path(session, "api-designer")
    record(session=session, kind=AuditKind.enrolled, actor=ada, subject=lena, path=path)
    session.commit()
    (row,) = search(session=session, filters=AuditFilters(path="API-Designer")).rows
    assert (row.path_slug, row.path_title, row.label) == ("api-designer", path.title, "enrolled")
    assert search(session=session, filters=AuditFilters(path="no-such-path")).rows == []
    assert search(session=session, filters=AuditFilters(group="no-such-group")).rows == []


@pytest.mark.parametrize("args", [{"kind": "made_up"}, {"since": "2026-13-01"}, {"actor": "x" * 81},
                                  {"since": "2026-02-02", "until": "2026-02-01"}])
def test_filters_that_make_no_sense_are_refused_with_the_field_named(args):
    with pytest.raises(Invalid, match=next(iter(args))):
        AuditFilters.from_args(args)


@pytest.mark.parametrize("cursor", ["1.2.3", "x.1", "99999999999999999999.1", "-5.1", "1"])
def test_a_cursor_this_log_did_not_give_is_refused(session, cursor):
    with pytest.raises(Invalid, match="not a cursor"):
        search(session=session, before=cursor)
