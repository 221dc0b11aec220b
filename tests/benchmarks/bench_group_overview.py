"""Server CPU time of a big group's overview, in process, on the load benchmark's data set.

    tracker demo-data --users 10000 --events 1000000        # with TRACKER_DATA_DIR (or TRACKER_DATABASE_URL) set
    python tests/benchmarks/bench_group_overview.py [--members 5000] [--repeat 15]   # the same environment

Makes (once) a group `bench-<members>` of that many learners (those with assignments first) managed by the
mentor with the most mentees, then calls through Flask's test client, signed in as that manager: the overview's
first page, a filtered page (by status, which reads every member's standing), the CSV of every member, the
JSON, and the group list. Each is measured cold (the group's kept counts and trend dropped first), as after a
member's mark (the counts dropped, the trend's past weeks kept) and warm (the median of --repeat calls after one
uncounted call): CPU is `time.process_time()` around the request, so
on SQLite it includes the database's own work.
"""

from __future__ import annotations

import argparse
import statistics
import time

from bench_requests import signed_in  # type: ignore[import-not-found]  # run from this folder, as its siblings are
from sqlalchemy import event, func
from sqlmodel import col, select

from tracker import create_app, db
from tracker.models import Assignment, GroupMember, Mentorship, ProgressEvent, User
from tracker.services.teams import groups
from tracker.services.teams import overview as group_overviews


def the_group(session, members: int):
    """The benchmark's group, made the first time: `members` learners, managed by the busiest mentor."""
    slug = f"bench-{members}"
    group = groups.find_group(session=session, slug=slug)
    manager_id = session.exec(select(Mentorship.mentor_id).group_by(col(Mentorship.mentor_id))
                              .order_by(func.count().desc()).limit(1)).one()
    if group is None:
        group = groups.create_group(session=session, name=f"Bench {members}", slug=slug)
        assigned = list(session.exec(select(Assignment.learner_id).where(col(Assignment.withdrawn_at).is_(None))
                                     .distinct().order_by(col(Assignment.learner_id)).limit(members)))
        others = list(session.exec(select(User.id).where(col(User.id).not_in(assigned), User.id != manager_id)
                                   .order_by(col(User.id)).limit(max(0, members - len(assigned)))))
        # Bulk rows: the audited add_member per member would take minutes and prove nothing here.
        session.add_all([GroupMember(group_id=group.id, user_id=user_id) for user_id in assigned + others])
        session.add(GroupMember(group_id=group.id, user_id=manager_id, is_manager=True))
        session.commit()
    return group, session.get_one(User, manager_id).username


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--members", type=int, default=5000)
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()
    app = create_app()
    with app.app_context():
        session = db.get_session()
        group, manager = the_group(session, args.members)
        slug = group.slug
        events = session.exec(select(func.count()).select_from(ProgressEvent)).one()
        assignments = session.exec(
            select(func.count()).select_from(Assignment)
            .join(GroupMember, col(GroupMember.user_id) == Assignment.learner_id)
            .where(GroupMember.group_id == group.id, col(Assignment.withdrawn_at).is_(None))).one()
    counted: list[int] = []
    event.listen(app.extensions["tracker.engine"], "before_cursor_execute", lambda *a: counted.append(1))
    app.extensions["tracker.has_users"] = True  # generated data has no administrator: skip the first-run page
    client, _ = signed_in(app, manager)
    routes = [
        ("overview, first page", lambda: client.get(f"/groups/{slug}")),
        ("overview, HTMX page 2", lambda: client.get(f"/groups/{slug}?page=2",
                                                      headers={"HX-Request": "true", "HX-Target": "group-table"})),
        ("overview, status filter", lambda: client.get(f"/groups/{slug}?status=overdue")),
        ("overview CSV (every member)", lambda: client.get(f"/groups/{slug}.csv")),
        ("API overview", lambda: client.get(f"/api/v1/groups/{slug}/overview")),
        ("group list", lambda: client.get("/groups/")),
    ]
    print(f"{events:,} events; group {slug}: {args.members:,} members, {assignments:,} active assignments; "
          f"manager {manager}; warm = median of {args.repeat}")
    print(f"{'route':<30}{'status':>7}{'cold CPU ms':>13}{'new mark ms':>13}{'warm CPU ms':>13}{'warm ms':>9}"
          f"{'statements':>12}{'KB':>7}")
    for name, call in routes:
        group_overviews.forget_kept()
        began = time.process_time()
        call()
        cold = (time.process_time() - began) * 1000
        group_overviews.forget_kept(weeks=False)  # as after a member's mark: the counts again, the past weeks kept
        began = time.process_time()
        call()
        marked = (time.process_time() - began) * 1000
        times, cpu = [], []
        for _ in range(args.repeat):
            counted.clear()
            began, began_cpu = time.perf_counter(), time.process_time()
            answer = call()
            times.append((time.perf_counter() - began) * 1000)
            cpu.append((time.process_time() - began_cpu) * 1000)
        print(f"{name:<30}{answer.status_code:>7}{cold:>13.1f}{marked:>13.1f}{statistics.median(cpu):>13.1f}"
              f"{statistics.median(times):>9.1f}{len(counted):>12}{len(answer.data) // 1024:>7}", flush=True)


if __name__ == "__main__":
    main()
