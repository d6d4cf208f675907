"""Limits on the web app's API: a per-IP rate limit and a maximum body size.

A plain ASGI middleware in front of ``/api/``: a client over its rate gets a 429 with
``Retry-After``; a body over ``SHOPDESK_MAX_BODY_BYTES`` gets a 413 — read at most one byte
past the limit, whatever the Content-Length says. Static files (the widget script, the page)
are not limited here.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

from shopdesk.ratelimit import RateLimiter

Scope = dict[str, Any]
Message = dict[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]


async def _json(send: Send, status: int, body: dict[str, Any],
                headers: list[tuple[bytes, bytes]] | None = None) -> None:
    data = json.dumps(body).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"),
                            (b"content-length", str(len(data)).encode()), *(headers or [])]})
    await send({"type": "http.response.body", "body": data})


class ApiLimits:
    def __init__(self, app: Callable[..., Awaitable[None]], per_ip: RateLimiter,
                 max_body_bytes: int, prefixes: tuple[str, ...] = ("/api/",),
                 larger: dict[str, int] | None = None) -> None:
        self.app = app
        self.larger = larger or {}  # routes that take bigger bodies (a photo upload)
        self.per_ip = per_ip
        self.max_body_bytes = max_body_bytes
        self.prefixes = prefixes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not str(scope.get("path", "")).startswith(self.prefixes):
            await self.app(scope, receive, send)
            return
        client = scope.get("client") or ("?", 0)
        allowed, wait = self.per_ip.allow(client[0])
        if not allowed:
            seconds = max(1, int(wait + 0.999))
            await _json(send, 429, {"error": "Too many requests; try again shortly.",
                                    "retry_after_seconds": seconds},
                        [(b"retry-after", str(seconds).encode())])
            return
        limit = self.larger.get(str(scope.get("path", "")).rstrip("/"), self.max_body_bytes)
        too_big = {"error": f"The body is larger than {limit:,} bytes."}
        declared = dict(scope.get("headers") or []).get(b"content-length", b"0")
        if not declared.isdigit() or int(declared) > limit:
            if declared.isdigit():
                await _json(send, 413, too_big)
            else:
                await _json(send, 400, {"error": "Content-Length is not a number."})
            return
        chunks, size = [], 0
        while True:  # read the body here (bounded), then hand it on
            message = await receive()
            if message["type"] != "http.request":
                break
            chunks.append(message.get("body", b""))
            size += len(chunks[-1])
            if size > limit:
                await _json(send, 413, too_big)
                return
            if not message.get("more_body"):
                break
        body, sent = b"".join(chunks), False

        async def replay() -> Message:
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)
