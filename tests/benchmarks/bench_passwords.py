"""The breached-password list shipped with the tracker: its size on disk and in memory, the time to read it
once, and the time of one look-up and of the whole policy for one password.

    python tests/benchmarks/bench_passwords.py [--lookups 200000]

Each figure is the median of several runs in this process. They depend on the machine: compare runs on
the same one.
"""

from __future__ import annotations

import argparse
import gzip
import resource
import secrets
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tracker.services.people import passwords


def median_seconds(action, runs: int = 5) -> float:
    times = []
    for _ in range(runs):
        began = time.perf_counter()
        action()
        times.append(time.perf_counter() - began)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--lookups", type=int, default=200_000)
    args = parser.parse_args()

    on_disk = passwords.BREACHED_LIST.stat().st_size
    with gzip.open(passwords.BREACHED_LIST, "rb") as listed:
        as_text = len(listed.read())
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    began = time.perf_counter()
    prefixes = passwords.shipped_list()
    first_read = time.perf_counter() - began
    rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    reread = median_seconds(lambda: passwords.shipped_list.__wrapped__(), runs=3)

    listed_ones = ["password1", "P@ssw0rd", "iloveyou", "trustno1", "qwerty123"]
    unlisted = [secrets.token_urlsafe(12) for _ in range(1000)]
    candidates = (listed_ones + unlisted) * (args.lookups // (len(listed_ones) + len(unlisted)) + 1)
    candidates = candidates[:args.lookups]

    def look_up_all() -> None:
        for candidate in candidates:
            passwords.in_shipped_list(candidate)

    lookup = median_seconds(look_up_all) / len(candidates)
    policy = passwords.policy_for_site(public_url="https://learn.company.com")
    whole = median_seconds(lambda: passwords.password_problem("gravel lanterns outpace the tide", policy=policy),
                           runs=21)

    print(f"passwords in the list:        {len(prefixes):,}")
    print(f"on disk (gzip'd text):        {on_disk / 1024:,.0f} KiB ({as_text / 1024:,.0f} KiB as text)")
    print(f"in memory (8-byte prefixes):  {prefixes.itemsize * len(prefixes) / 1024:,.0f} KiB "
          f"(peak resident memory grew {(rss_after - rss_before) / 1024:,.1f} MiB while reading it)")
    print(f"first read (once a process):  {first_read * 1000:,.0f} ms (median of re-reads {reread * 1000:,.0f} ms)")
    print(f"one look-up:                  {lookup * 1e6:,.2f} µs (median over {len(candidates):,} look-ups)")
    print(f"the whole policy, one password (zxcvbn included, no range service): {whole * 1000:,.1f} ms")


if __name__ == "__main__":
    main()
