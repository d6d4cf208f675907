"""The shared part of the platform fakes: a threaded HTTP server that records API calls."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs


@dataclass
class ApiCall:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    json: Any = None
    form: dict[str, str] = field(default_factory=dict)


class FakePlatform:
    """Records every call to its API; ``answer`` builds the platform's reply to one call.

    ``fail_next(n, status)`` makes the next ``n`` calls fail with ``status`` (429 carries
    ``Retry-After: 1``), as a slow or overloaded platform would."""

    title = "platform"

    def __init__(self) -> None:
        self.calls: list[ApiCall] = []
        self.failures: list[int] = []
        self.refused: list[ApiCall] = []
        self.files: dict[str, tuple[bytes, str]] = {}  # path -> (bytes, type): media it hosts
        self._lock = threading.RLock()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *_: Any) -> None:
                return None

            def do_GET(self) -> None:  # noqa: N802
                self._serve("GET")

            def do_POST(self) -> None:  # noqa: N802
                self._serve("POST")

            def _serve(self, method: str) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                call = ApiCall(method, self.path, {k.lower(): v for k, v in self.headers.items()},
                               raw)
                kind = call.headers.get("content-type", "")
                if "json" in kind and raw:
                    call.json = json.loads(raw)
                elif "x-www-form-urlencoded" in kind:
                    call.form = {k: v[-1] for k, v in parse_qs(raw.decode()).items()}
                with fake._lock:
                    status = fake.failures.pop(0) if fake.failures else 0
                    (fake.refused if status else fake.calls).append(call)
                if status:
                    self.send_response(status)
                    if status == 429:
                        self.send_header("Retry-After", "1")
                    body = json.dumps({"error": "injected failure"}).encode()
                    kind = "application/json"
                else:
                    answer = fake.answer(call)
                    status, payload = answer[0], answer[1]
                    self.send_response(status)
                    if isinstance(payload, bytes | bytearray):  # a file: (status, bytes, type)
                        body, kind = bytes(payload), answer[2]
                    else:
                        body, kind = json.dumps(payload).encode(), "application/json"
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def env(self) -> dict[str, str]:
        """The SHOPDESK_* variables that switch our channel on against this fake."""
        raise NotImplementedError

    def answer(self, call: ApiCall) -> tuple[Any, ...]:
        """(status, JSON payload), or (status, bytes, content type) for a file."""
        return 200, {"ok": True}

    def start(self) -> FakePlatform:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def fail_next(self, count: int, status: int) -> None:
        with self._lock:
            self.failures.extend([status] * count)

    def sent(self, predicate: Callable[[ApiCall], bool] = lambda c: True) -> list[ApiCall]:
        with self._lock:
            return [c for c in self.calls if predicate(c)]

    def wait_for(self, predicate: Callable[[list[ApiCall]], Any], timeout: float = 60
                 ) -> Any:
        """Wait until ``predicate(calls)`` is truthy; return its value (fails on timeout)."""
        deadline = time.monotonic() + timeout
        while True:
            value = predicate(self.sent())
            if value or time.monotonic() > deadline:
                assert value, f"{self.title}: timed out; calls so far: " \
                              f"{[(c.path, c.json or c.form) for c in self.calls][-8:]}"
                return value
            time.sleep(0.1)
