"""The live side of the spike alerts: every scored customer message goes through one
:class:`~sentiment.alerts.SpikeDetector`; an alert that opens or closes is logged and sent to the
company's webhook (``SHOPDESK_ALERT_WEBHOOK_URL``: Slack-compatible JSON ``{"text": …}``, so a
Slack or Mattermost incoming webhook works as it is).

The detector lives in the action server's memory (one per process: with several replicas, each
watches its share of the traffic — a shared store is the scale-out step). Sending never blocks
a customer's turn: it runs on a background thread with a few retries, and a failure is logged
without the webhook's address (it is a secret).
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable

import httpx

from sentiment.alert_store import AlertStore
from sentiment.alerts import AlertEvent, AlertSettings, ScoredMessage, SpikeDetector
from shopdesk.clock import Clock

logger = logging.getLogger(__name__)


class WebhookNotifier:
    """Posts each alert to a Slack-compatible incoming webhook, off the caller's thread."""

    def __init__(self, url: str, store_name: str, attempts: int = 3, timeout: float = 5.0,
                 post: Callable[..., httpx.Response] = httpx.post) -> None:
        self._url = url
        self.store_name = store_name
        self.attempts = attempts
        self.timeout = timeout
        self._post = post

    def payload(self, event: AlertEvent) -> dict[str, str]:
        icon = ":rotating_light:" if event.kind == "opened" else ":white_check_mark:"
        return {"text": f"{icon} {self.store_name}: {event.message()}"}

    def send(self, event: AlertEvent) -> None:
        """Deliver ``event`` now, on this thread (what :meth:`__call__` runs in the background)."""
        for attempt in range(self.attempts):
            try:
                answer = self._post(self._url, json=self.payload(event), timeout=self.timeout)
                if answer.status_code < 300:
                    return
                problem = f"HTTP {answer.status_code}"
                if 400 <= answer.status_code < 500 and answer.status_code != 429:
                    break
            except httpx.HTTPError as e:
                problem = type(e).__name__
            time.sleep(0.5 * 2 ** attempt)
        logger.error("the alert webhook refused an alert (%s)", problem)

    def __call__(self, event: AlertEvent) -> None:
        threading.Thread(target=self.send, args=(event,), name="alert-webhook",
                         daemon=True).start()


class AlertMonitor:
    """Thread-safe front of the detector for the action server; keeps the recent alerts."""

    def __init__(self, clock: Clock, settings: AlertSettings | None = None,
                 notify: Callable[[AlertEvent], None] | None = None, keep: int = 200,
                 store: AlertStore | None = None) -> None:
        self._clock = clock
        self._detector = SpikeDetector(settings)
        self._notify = notify
        self._store = store
        self._lock = threading.Lock()
        self.recent: deque[AlertEvent] = deque(maxlen=keep)

    @property
    def open_alerts(self) -> dict[str, object]:
        with self._lock:
            return dict(self._detector.open_alerts)

    def record(self, sentiment: float, topic: str = "", product: str = "") -> list[AlertEvent]:
        """One scored customer message, now (by the one clock)."""
        message = ScoredMessage(self._clock(), sentiment, topic[:60], product[:60])
        with self._lock:
            events = self._detector.observe(message)
            self.recent.extend(events)
        for event in events:
            logger.warning("sentiment alert %s: %s", event.kind, event.message())
            if self._store is not None:
                try:
                    self._store.record(event)  # for the agent console
                except Exception:
                    logger.exception("could not keep an alert for the console")
            if self._notify is not None:
                try:
                    self._notify(event)
                except Exception:  # an alert must never break a customer's turn
                    logger.exception("could not hand an alert to the webhook")
        return events
