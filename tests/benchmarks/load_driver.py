"""What the load benchmark drives its servers with: starting and stopping them, signing in, `wrk`, CPU time."""

from __future__ import annotations

import http.cookiejar
import json
import os
import re
import signal
import socket
import subprocess
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

from tracker.services.operations.demo_data import DEMO_PASSWORD

TICKS = os.sysconf("SC_CLK_TCK")
SEPARATOR = "\x1f"  # between alternating bodies in the script's environment

# Each connection sends the scenario's bodies in turn (done, then reading, ...); `done` prints the figures.
WRK_SCRIPT = r"""
local bodies, headers, counter = {}, {}, 0
for body in string.gmatch(os.getenv("BENCH_BODIES") or "", "[^\31]+") do table.insert(bodies, body) end
for name, value in string.gmatch(os.getenv("BENCH_HEADERS") or "", "([^:\n]+): ([^\n]*)") do headers[name] = value end
local method = os.getenv("BENCH_METHOD") or "GET"
request = function()
  counter = counter + 1
  local body = nil
  if #bodies > 0 then body = bodies[(counter % #bodies) + 1] end
  return wrk.format(method, nil, headers, body)
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('{"requests": %d, "duration_us": %d, "errors": %d, "status_errors": %d, '
    .. '"p50": %d, "p95": %d, "p99": %d}\n', summary.requests, summary.duration,
    e.connect + e.read + e.write + e.timeout, e.status,
    latency:percentile(50), latency:percentile(95), latency:percentile(99)))
end
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Server:
    """A server process on 127.0.0.1 and a free port (`{port}` in the command is replaced)."""

    def __init__(self, command: list[str], *, env: dict[str, str], log) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.process = subprocess.Popen([part.replace("{port}", str(self.port)) for part in command], env=env,
                                        stdout=log, stderr=log)

    def pids(self) -> list[int]:
        """The server and its worker processes."""
        pids = [self.process.pid]
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    if int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1]) == self.process.pid:
                        pids.append(int(entry.name))
                except (OSError, IndexError, ValueError):
                    continue
        return pids

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def cpu_seconds(pids: list[int]) -> float:
    """User and system CPU time of these processes so far."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15 of stat)
    return total / TICKS


def wait_until_up(url: str, server: Server, seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise SystemExit(f"the server stopped (exit {server.process.returncode}); see server.log")
        try:
            with urllib.request.urlopen(url, timeout=5) as answer:
                answer.read()
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"{url} did not answer in {seconds:.0f} s")


def sign_in(base: str, username: str) -> dict[str, str]:
    """Headers of a signed-in browser: its session cookie and the CSRF token its pages carry."""
    jar = http.cookiejar.CookieJar()
    browser = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = browser.open(f"{base}/signin").read().decode()
    form_token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
    if not form_token:
        raise SystemExit(f"{base}/signin has no sign-in form with a CSRF token")
    body = urllib.parse.urlencode({"username": username, "password": DEMO_PASSWORD,
                                   "csrf_token": form_token.group(1)}).encode()
    browser.open(f"{base}/signin", data=body).read()
    home = browser.open(f"{base}/").read().decode()
    found = re.search(r'"X-CSRFToken": "([^"]+)"', home)
    if not found:
        raise SystemExit(f"could not sign in as {username}")
    return {"Cookie": "; ".join(f"{c.name}={c.value}" for c in jar), "X-CSRFToken": found.group(1)}


def run_wrk(*, url: str, method: str, headers: dict[str, str], bodies: list[str], connections: int,
            seconds: int) -> dict:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(WRK_SCRIPT)
    try:
        answer = subprocess.run(
            ["wrk", f"-t{min(2, connections)}", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s",
             "-s", script.name, url], capture_output=True, text=True, check=True,
            env=os.environ | {"BENCH_METHOD": method, "BENCH_BODIES": SEPARATOR.join(bodies),
                              "BENCH_HEADERS": "".join(f"{k}: {v}\n" for k, v in headers.items())})
    finally:
        os.unlink(script.name)
    return json.loads([line for line in answer.stdout.splitlines() if line.startswith("{")][-1])
