"""Time and peak memory of `tracker backup` and `tracker restore` on a team-sized installation.

    python tests/benchmarks/bench_backup.py [--events 1000000] [--postgresql URL]

Builds the data set of `tracker demo-data` (10,000 users, 1M events by default) in a temporary SQLite
database, backs it up, and restores the file into a fresh SQLite database and, with --postgresql
(an empty database's URL), into PostgreSQL too. Each command runs in its own process; the figures are
its wall time and peak resident memory. They depend on the machine: compare runs on the same one.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def timed(args: list[str], env: dict) -> tuple[float, float, str]:
    """Run `tracker ARGS`; its wall time (s), peak memory (MiB) and last output line."""
    began = time.perf_counter()
    process = subprocess.Popen([sys.executable, "-m", "tracker", *args], env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True)
    _pid, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - began
    assert process.stdout is not None  # stdout=PIPE
    output = process.stdout.read().strip()
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"tracker {' '.join(args)} failed:\n{output}")
    return seconds, usage.ru_maxrss / 1024, output.splitlines()[-1]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--users", type=int, default=10_000)
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--postgresql", help="an empty PostgreSQL database to restore into as well")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="tracker-bench-backup-"))
    source = f"sqlite:///{work / 'source.db'}"
    # built in its own process, so this one stays small (a child's peak memory counts what it forked from)
    base = os.environ | {"TRACKER_DATA_DIR": str(work / "data"), "TRACKER_SECRET_KEY": "bench-" + "x" * 32}
    built = subprocess.run([sys.executable, "-m", "tracker", "demo-data", "--users", str(args.users),
                            "--events", str(args.events)], env=base | {"TRACKER_DATABASE_URL": source},
                           check=True, capture_output=True, text=True)
    print("data set:", built.stdout.strip().splitlines()[-1])
    file = work / "tracker.backup.json.gz"

    rows = [("backup (SQLite)", *timed(["backup", str(file)], base | {"TRACKER_DATABASE_URL": source}))]
    size = file.stat().st_size / 2**20
    restored_env = base | {"TRACKER_DATABASE_URL": f"sqlite:///{work / 'restored.db'}"}
    rows.append(("restore into SQLite", *timed(["restore", str(file)], restored_env)))
    if args.postgresql:
        postgresql_env = base | {"TRACKER_DATABASE_URL": args.postgresql}
        rows.append(("restore into PostgreSQL", *timed(["restore", str(file)], postgresql_env)))
        rows.append(("backup (PostgreSQL)", *timed(["backup", str(work / "pg.json.gz")], postgresql_env)))
    print(f"backup file: {size:.1f} MiB")
    print(f"{'step':<26}{'seconds':>9}{'peak MiB':>10}  output")
    for name, seconds, mib, output in rows:
        print(f"{name:<26}{seconds:>9.1f}{mib:>10.0f}  {output}")


if __name__ == "__main__":
    main()
