"""A Pwned Passwords range service on 127.0.0.1, answering as the real one does (its protocol, not our code).

`GET /range/ABCDE` answers `SUFFIX:COUNT` lines (35 upper-case hex digits, a count) for the known SHA-1
hashes starting with ABCDE; with `Add-Padding: true`, zero-count lines of random suffixes are added so
that every answer has 800 to 1,000 lines. A prefix that is not 5 hex digits gets 400. Every request's path
and headers are kept, to check what left the tracker. `behaviour` makes it misbehave: "slow" (answers
after `delay` seconds), "error" (503), "garbled" (a page that is not a range answer).
"""

from __future__ import annotations

import hashlib
import random
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PREFIX = re.compile(r"^/range/([0-9A-Fa-f]{5})$")


def sha1_hex(password: str) -> str:
    return hashlib.sha1(password.encode("utf-8")).hexdigest().upper()


class RangeService:
    def __init__(self, breached: dict[str, int]) -> None:
        self.counts = {sha1_hex(password): count for password, count in breached.items()}
        self.requests: list[tuple[str, dict[str, str]]] = []
        self.behaviour = "answer"
        self.delay = 5.0
        self._released = threading.Event()
        service = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                service.requests.append((self.path, dict(self.headers.items())))
                if service.behaviour == "slow":
                    service._released.wait(service.delay)
                if service.behaviour == "error":
                    return self._answer(503, "Service Unavailable")
                if service.behaviour == "garbled":
                    return self._answer(200, "<html><body>Please sign in to the hotel Wi-Fi</body></html>")
                found = PREFIX.match(self.path)
                if not found:
                    return self._answer(400, "The hash prefix was not in a valid format")
                padded = self.headers.get("Add-Padding", "").lower() == "true"
                return self._answer(200, service.answer(found.group(1).upper(), padded=padded))

            def _answer(self, status: int, body: str) -> None:
                data = body.encode("ascii")
                self.send_response(status)
                self.send_header("Content-Type", "text/plain")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/range/"

    def answer(self, prefix: str, *, padded: bool) -> str:
        lines = [f"{digest[5:]}:{count}" for digest, count in self.counts.items() if digest.startswith(prefix)]
        if padded:
            rng = random.Random(prefix)
            lines += [f"{rng.getrandbits(140):035X}:0" for _ in range(rng.randint(800, 1000) - len(lines))]
            rng.shuffle(lines)
        return "\r\n".join(lines)

    def __enter__(self) -> RangeService:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._released.set()
        self.server.shutdown()
        self.server.server_close()
