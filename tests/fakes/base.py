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

            def do_PUT(self) -> None:  # noqa: N802
                self._serve("PUT")

            def _serve(self, method: str) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                status, headers, body = fake.handle(method, self.path, dict(self.headers.items()),
                                                    raw)
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def handle(self, method: str, path: str, headers: dict[str, str], raw: bytes
               ) -> tuple[int, dict[str, str], bytes]:
        """One request: (status, response headers, body). Injected failures come first."""
        call = ApiCall(method, path, {k.lower(): v for k, v in headers.items()}, raw)
        kind = call.headers.get("content-type", "")
        if "json" in kind and raw:
            call.json = json.loads(raw)
        elif "x-www-form-urlencoded" in kind:
            call.form = {k: v[-1] for k, v in parse_qs(raw.decode()).items()}
        with self._lock:
            status = self.failures.pop(0) if self.failures else 0
            (self.refused if status else self.calls).append(call)
        if status:
            payload, extra = self.failure(status)
            return status, {"Content-Type": "application/json", **extra}, \
                json.dumps(payload).encode()
        answer = self.answer(call)
        status, payload = answer[0], answer[1]
        if isinstance(payload, bytes | bytearray):  # a file: (status, bytes, type)
            return status, {"Content-Type": answer[2]}, bytes(payload)
        extra = answer[2] if len(answer) > 2 else {}  # (status, JSON, headers)
        return status, {"Content-Type": "application/json", **extra}, json.dumps(payload).encode()

    def failure(self, status: int) -> tuple[Any, dict[str, str]]:
        """The body and headers of an injected failure (429 carries ``Retry-After: 1``)."""
        return {"error": "injected failure"}, ({"Retry-After": "1"} if status == 429 else {})

    def transport(self) -> Any:
        """This fake as an ``httpx`` transport: the same answers without a socket (unit tests)."""
        import httpx

        def respond(request: httpx.Request) -> httpx.Response:
            target = request.url.raw_path.decode()
            status, headers, body = self.handle(request.method, target, dict(request.headers),
                                                request.read())
            return httpx.Response(status, headers=headers, content=body)

        return httpx.MockTransport(respond)

    def env(self) -> dict[str, str]:
        """The SHOPDESK_* variables that switch our channel on against this fake."""
        raise NotImplementedError

    def answer(self, call: ApiCall) -> tuple[Any, ...]:
        """(status, JSON payload[, response headers]), or (status, bytes, content type) for a
        file."""
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
