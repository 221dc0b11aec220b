"""`tracker audit export`: the audit log as CSV or JSON Lines, filtered by days and kind, to a file or standard
output; and the command line's own changes are in it, naming it as the actor."""

from __future__ import annotations

import csv
import io
import json
import stat
from datetime import UTC, datetime, timedelta

from tests import factories
from tracker.services.audit import AuditKind, record


def seed(session) -> None:
    lena, ada = factories.user(session, "lena"), factories.user(session, "ada")
    for day, kind, detail in [(1, AuditKind.followed, "=cmd|' /C calc'!A0"), (2, AuditKind.role_changed, "x"),
                              (3, AuditKind.followed, "third")]:
        record(session=session, kind=kind, actor=ada if kind is AuditKind.role_changed else lena, subject=lena,
               detail=detail).at = datetime(2026, 4, day, 12, tzinfo=UTC)
    session.commit()


def test_the_csv_export_keeps_to_the_days_and_the_kind_and_neutralises_formulas(runner, session):
    seed(session)
    result = runner.invoke(args=["audit", "export", "--since", "2026-04-01", "--until", "2026-04-02",
                                 "--kind", "followed"])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert [(r["kind"], r["detail"]) for r in rows] == [("followed", "'=cmd|' /C calc'!A0")]
    assert rows[0]["at"] == "2026-04-01T12:00:00+00:00" and rows[0]["actor"] == "lena"


def test_the_json_lines_export_goes_to_a_file_only_its_owner_reads(runner, session, tmp_path):
    seed(session)
    out = tmp_path / "audit.jsonl"
    result = runner.invoke(args=["audit", "export", "--since", "2026-04-01", "--until", "2026-04-30",
                                 "--format", "jsonl", "--output", str(out)])
    assert result.exit_code == 0, result.output
    assert "Wrote 3 audit entries" in result.stderr
    entries = [json.loads(line) for line in out.read_text().splitlines()]
    assert [e["detail"] for e in entries] == ["third", "x", "=cmd|' /C calc'!A0"]  # newest first, as stored
    assert stat.S_IMODE(out.stat().st_mode) == 0o600


def test_bad_options_are_refused_with_the_option_named(runner):
    bad_day = runner.invoke(args=["audit", "export", "--since", "April"])
    assert bad_day.exit_code == 2 and "--since" in bad_day.output
    backwards = runner.invoke(args=["audit", "export", "--since", "2026-04-02", "--until", "2026-04-01"])
    assert backwards.exit_code == 2 and "after the last one" in backwards.output
    assert runner.invoke(args=["audit", "export", "--kind", "nonsense"]).exit_code == 2


def test_an_export_of_many_entries_reads_them_in_batches_and_misses_none(runner, session):
    lena = factories.user(session, "lena")
    start = datetime(2026, 5, 1, tzinfo=UTC)
    for i in range(1203):  # more than two batches, several entries to a moment
        record(session=session, kind=AuditKind.followed, actor=lena, subject=lena,
               detail=f"{i:04d}").at = start + timedelta(seconds=i // 4)
    session.commit()
    result = runner.invoke(args=["audit", "export", "--since", "2026-05-01", "--until", "2026-05-31", "--format",
                                 "jsonl"])
    details = [json.loads(line)["detail"] for line in result.stdout.splitlines()]
    assert details == [f"{i:04d}" for i in range(1202, -1, -1)]


def test_accounts_and_links_made_from_the_command_line_are_audited_as_such(runner, session):
    made = runner.invoke(args=["users", "create", "grace", "--role", "mentor", "--password-stdin"],
                         input="a long enough passphrase\n")
    assert made.exit_code == 0, made.output
    assert runner.invoke(args=["mentors", "link", "grace", "lena"]).exit_code == 0
    result = runner.invoke(args=["audit", "export", "--actor", "command line", "--format", "jsonl"])
    entries = [json.loads(line) for line in result.stdout.splitlines()]
    assert [(e["kind"], e["subject"], e["detail"]) for e in entries] == [
        ("mentor_linked", "lena", "mentor grace"), ("user_created", "grace", "as mentor")]
