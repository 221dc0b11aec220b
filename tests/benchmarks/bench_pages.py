"""Latency and throughput of the busiest pages, against a local server with the demo data.

    python tests/benchmarks/bench_pages.py [--requests 400] [--threads 4]

Starts `tracker run --demo` on 127.0.0.1 in its own process (waitress, SQLite in a temporary
data dir), signs in as the demo learner and the demo mentor, then sends a bounded number of
requests per page and prints the median and 95th-percentile latency, requests per second and the
server's peak memory. Figures depend on the machine; compare runs on the same one.
"""

from __future__ import annotations

import argparse
import http.cookiejar
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=400, help="requests per page (bounded)")
    parser.add_argument("--threads", type=int, default=4, help="concurrent clients")
    args = parser.parse_args()

    data_dir = tempfile.mkdtemp(prefix="tracker-bench-")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen([sys.executable, "-m", "tracker", "run", "--demo", "--port", str(port)],
                              env=os.environ | {"TRACKER_DATA_DIR": data_dir, "PYTHONUNBUFFERED": "1"}, stdout=subprocess.PIPE, text=True)
    passwords = {}
    for line in server.stdout:
        if "password:" in line:
            _role, username, _label, password = line.split()
            passwords[username] = password
        if line.startswith("Serving on"):
            break
    base = f"http://127.0.0.1:{port}"
    try:
        measure(base, passwords, args, server.pid)
    finally:
        server.terminate()
        server.wait(timeout=10)


def wait_for(base: str) -> None:
    for _ in range(100):
        try:
            urllib.request.urlopen(f"{base}/api/v1/topics", timeout=2).read()
            return
        except OSError:
            time.sleep(0.1)
    raise SystemExit("the server did not start")


def measure(base: str, passwords: dict[str, str], args, server_pid: int) -> None:
    wait_for(base)

    def opener(username: str):
        jar = http.cookiejar.CookieJar()
        session = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
        page = session.open(f"{base}/signin").read().decode()
        token = re.search(r'"X-CSRFToken": "([^"]+)"', page).group(1)
        body = urllib.parse.urlencode({"username": username, "password": passwords[username],
                                       "csrf_token": token}).encode()
        session.open(f"{base}/signin", data=body).read()
        return session

    learner, mentor = opener("demo-learner"), opener("demo-mentor")
    anonymous = urllib.request.build_opener()
    pages = [
        ("learner dashboard", learner, "/"),
        ("path page", learner, "/paths/production-services"),
        ("catalog search", learner, "/catalog?q=database"),
        ("mentor overview", mentor, "/mentor/"),
        ("public API articles", anonymous, "/api/v1/articles?per_page=100"),
    ]
    print(f"{'page':<22} {'p50 ms':>8} {'p95 ms':>8} {'req/s':>8}")
    for name, client, path in pages:
        def one(_):
            started = time.perf_counter()
            with client.open(base + path) as response:
                response.read()
                assert response.status == 200, (path, response.status)
            return (time.perf_counter() - started) * 1000

        for _ in range(10):  # warm up
            one(None)
        started = time.perf_counter()
        with ThreadPoolExecutor(args.threads) as pool:
            timings = sorted(pool.map(one, range(args.requests)))
        elapsed = time.perf_counter() - started
        p95 = timings[int(0.95 * len(timings)) - 1]
        print(f"{name:<22} {statistics.median(timings):8.1f} {p95:8.1f} {args.requests / elapsed:8.0f}")
    with open(f"/proc/{server_pid}/status") as status:
        peak = int(re.search(r"VmHWM:\s+(\d+) kB", status.read()).group(1)) / 1024
    print(f"server peak memory (VmHWM): {peak:.0f} MiB")


if __name__ == "__main__":
    main()
