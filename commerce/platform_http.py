"""The one HTTP client the e-commerce platform adapters share (Shopify, WooCommerce).

What a real platform needs from a careful client, in one place:

* **timeouts** on every request (connect and read), never a hung action;
* **bounded retries** with exponential back-off (``base_delay · 2^n``, capped) on timeouts,
  connection errors, ``429`` and ``5xx``, honouring ``Retry-After`` when the platform sends it;
* **pacing**: a platform may say how full its rate-limit bucket is after each call (Shopify's
  ``X-Shopify-Shop-Api-Call-Limit: 32/40``); ``pace`` turns that into a wait before the next
  call, so a burst slows down before it is refused;
* **pagination** (:meth:`PlatformHttp.pages`) by the ``Link: <…>; rel="next"`` header (Shopify's
  ``page_info`` cursors) or by page numbers and ``X-WP-TotalPages`` (WooCommerce);
* one error for "the platform can't be used now": :class:`StoreUnavailableError`, which every
  action already turns into a polite "try again shortly" while the conversation goes on.

Credentials travel only in headers (``auth``/``headers``), never in URLs, and nothing here logs
a URL's query (it may hold a customer's e-mail) or a header.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import Any

import httpx

from shopdesk.clock import Clock
from shopdesk.errors import StoreUnavailableError

logger = logging.getLogger(__name__)

RETRYABLE = frozenset({429, 500, 502, 503, 504})


@dataclass(frozen=True)
class RetryPolicy:
    """How hard to try before telling the customer the store can't be reached."""

    attempts: int = 4          # tries in all, the first included
    base_delay: float = 0.5    # seconds before the first retry, doubled for each further one
    max_delay: float = 8.0     # longest single wait (a larger Retry-After is capped to it)
    timeout: float = 10.0      # seconds per request (connect, read, write, pool)
    max_pages: int = 50        # longest listing followed (bounded, like the retries)


def retry_after(response: httpx.Response, clock: Clock) -> float | None:
    """The ``Retry-After`` header in seconds (delta-seconds, a decimal, or an HTTP date)."""
    raw = response.headers.get("Retry-After", "").strip()
    if not raw:
        return None
    try:
        return max(0.0, float(raw))
    except ValueError:
        pass
    try:
        return max(0.0, (parsedate_to_datetime(raw) - clock()).total_seconds())
    except (TypeError, ValueError):
        return None


class PlatformHttp:
    """A small, thread-safe JSON client for one platform's API.

    Args:
        base_url: the API's root (``https://shop.myshopify.com/admin/api/2026-10``).
        platform: its name for messages and logs ("Shopify").
        clock: the product's clock (a ``Retry-After`` may be a date).
        headers / auth: the credentials (a header, or ``httpx.BasicAuth``).
        pace: reads a response and says how long to wait before the next request (0: none).
        sleep / monotonic: injectable for tests (no real waiting).
        transport: an ``httpx`` transport (tests pass a fake platform without a socket).
    """

    def __init__(self, base_url: str, platform: str, clock: Clock, *, headers: dict[str, str] | None = None,
                 auth: httpx.Auth | None = None, policy: RetryPolicy | None = None,
                 pace: Callable[[httpx.Response], float] | None = None,
                 sleep: Callable[[float], None] = time.sleep,
                 monotonic: Callable[[], float] = time.monotonic,
                 transport: httpx.BaseTransport | None = None) -> None:
        self.base_url = base_url.rstrip("/")
        self.platform = platform
        self.policy = policy or RetryPolicy()
        self._pace = pace
        self._sleep = sleep
        self._monotonic = monotonic
        self._clock = clock
        self._lock = threading.Lock()
        self._not_before = 0.0
        self.waits: list[tuple[str, float]] = []  # (why, seconds): back-off and pacing, newest last
        self._client = httpx.Client(
            base_url=self.base_url, headers={"Accept": "application/json", **(headers or {})},
            auth=auth, timeout=self.policy.timeout, transport=transport, follow_redirects=False)

    def close(self) -> None:
        self._client.close()

    # --- one request -------------------------------------------------------------------------

    def request(self, method: str, path: str, *, params: dict[str, Any] | None = None,
                json: Any = None, allow: tuple[int, ...] = (404,)) -> httpx.Response:
        """The platform's response: a 2xx, or one of the ``allow``-ed statuses for the caller to
        read (a 404, a 422 refusal).

        Raises:
            StoreUnavailableError: unreachable, timing out, overloaded past the retries, or
                refusing our credentials; the message names the platform and the status, never
                the URL's query or a credential.
        """
        where = f"{self.platform} {method} {_path_only(path)}"
        last = ""
        for attempt in range(self.policy.attempts):
            self._wait_for_pacing()
            try:
                # no params: a next-page URL keeps its own query (httpx drops it for {})
                response = self._client.request(method, path, params=params or None, json=json)
            except httpx.TimeoutException:
                last = "timed out"
                delay = self._backoff(attempt)
            except httpx.TransportError as e:
                last = f"unreachable ({type(e).__name__})"
                delay = self._backoff(attempt)
            else:
                self._after(response)
                status = response.status_code
                if 200 <= status < 300 or status in allow:
                    return response
                if status in (401, 403):
                    raise StoreUnavailableError(
                        f"{where}: {status} — the platform refused our API credentials (check "
                        "the key and its permissions)")
                if status not in RETRYABLE:
                    raise StoreUnavailableError(f"{where}: unexpected status {status}")
                last = f"status {status}"
                hinted = retry_after(response, self._clock)
                delay = (min(hinted, self.policy.max_delay) if hinted is not None
                         else self._backoff(attempt))
            if attempt + 1 < self.policy.attempts:
                logger.warning("%s: %s; retry %d of %d in %.1f s", where, last, attempt + 1,
                               self.policy.attempts - 1, delay)
                self._record("retry", delay)
                self._sleep(delay)
        raise StoreUnavailableError(f"{where}: {last} after {self.policy.attempts} tries")

    def get_json(self, path: str, params: dict[str, Any] | None = None) -> Any:
        """The decoded body of a GET; None for a 404."""
        response = self.request("GET", path, params=params)
        return None if response.status_code == 404 else _json(response, self.platform)

    def send_json(self, method: str, path: str, body: Any, allow: tuple[int, ...] = (404,)
                  ) -> tuple[int, Any]:
        """(status, decoded body) of a write; ``allow`` as in :meth:`request`."""
        response = self.request(method, path, json=body, allow=allow)
        return response.status_code, _json(response, self.platform)

    # --- listings ----------------------------------------------------------------------------

    def pages(self, path: str, params: dict[str, Any],
              next_page: Callable[[httpx.Response, dict[str, Any]], tuple[str, dict[str, Any]] | None]
              ) -> Iterator[Any]:
        """Each page's decoded body, following ``next_page`` (at most ``policy.max_pages``).

        ``next_page(response, params)`` returns the next (path, params), or None at the end; see
        :func:`link_next` and :func:`total_pages_next`.
        """
        for _ in range(self.policy.max_pages):
            response = self.request("GET", path, params=params)
            if response.status_code == 404:
                return
            yield _json(response, self.platform)
            following = next_page(response, params)
            if following is None:
                return
            path, params = following
            if path.startswith(("http://", "https://")) and not path.startswith(self.base_url + "/"):
                # a next link to another host would carry our credentials there
                raise StoreUnavailableError(f"{self.platform}: a pagination link left the shop")
        logger.warning("%s: stopped a listing after %d pages", self.platform, self.policy.max_pages)

    # --- waiting -----------------------------------------------------------------------------

    def _backoff(self, attempt: int) -> float:
        return min(self.policy.base_delay * (2 ** attempt), self.policy.max_delay)

    def _after(self, response: httpx.Response) -> None:
        if self._pace is None:
            return
        delay = min(self._pace(response), self.policy.max_delay)
        if delay > 0:
            with self._lock:
                self._not_before = max(self._not_before, self._monotonic() + delay)

    def _wait_for_pacing(self) -> None:
        with self._lock:
            delay = self._not_before - self._monotonic()
        if delay > 0:
            self._record("pace", delay)
            self._sleep(delay)

    def _record(self, why: str, seconds: float) -> None:
        with self._lock:
            self.waits.append((why, seconds))
            del self.waits[:-200]


def link_next(response: httpx.Response, _params: dict[str, Any]
              ) -> tuple[str, dict[str, Any]] | None:
    """The ``rel="next"`` URL of a ``Link`` header (Shopify's cursor pagination: the next URL
    carries ``page_info`` and ``limit``, and no other filter may be sent with it)."""
    url = response.links.get("next", {}).get("url")
    return (url, {}) if url else None


def total_pages_next(response: httpx.Response, params: dict[str, Any]
                     ) -> tuple[str, dict[str, Any]] | None:
    """The next ``page`` while it is within ``X-WP-TotalPages`` (WordPress / WooCommerce)."""
    try:
        total = int(response.headers.get("X-WP-TotalPages", "1"))
    except ValueError:
        return None
    page = int(params.get("page", 1))
    if page >= total:
        return None
    return str(response.request.url.copy_with(query=None)), {**params, "page": page + 1}


def _json(response: httpx.Response, platform: str) -> Any:
    try:
        return response.json()
    except ValueError as e:
        raise StoreUnavailableError(f"{platform}: the answer was not JSON "
                                    f"(status {response.status_code})") from e


def _path_only(path: str) -> str:
    """A path for logs and messages: no query (it may hold a customer's e-mail), no host."""
    path = path.split("?", 1)[0]
    if "://" in path:
        path = "/" + path.split("://", 1)[1].split("/", 1)[-1]
    return path[:120]
