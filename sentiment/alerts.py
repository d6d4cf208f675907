"""Sentiment spike alerts: negative sentiment on a topic or product rising well above normal.

The stream of scored customer messages is cut into time buckets (``bucket_minutes``, by the
messages' own timestamps: no wall clock). For every key (``topic:<t>`` and ``product:<p>``) the
detector keeps

* a **baseline** negative rate, an exponentially weighted moving average (EWMA, weight
  ``alpha`` per bucket with messages) that is frozen while an alert is open, so a spike never
  becomes the new normal;
* a one-sided Bernoulli **CUSUM**: the log-likelihood ratio of "the negative share rose by
  ``shift``" (``p1 = p0 + shift``) against "it is at the baseline ``p0``", summed over the
  messages: a bucket with ``k`` negatives out of ``n`` adds
  ``k·log(p1/p0) + (n-k)·log((1-p1)/(1-p0))``, and ``S = max(0, S + that)``. Unlike a
  standardised count it stays honest on quiet keys (one negative message is not five
  standard deviations).

An alert **opens** when ``S`` exceeds ``threshold`` and at least ``min_volume`` messages make up
the evidence (those since ``S`` last stood at zero: a few upset messages on a quiet topic are not
a trend); it is **de-duplicated** (one open alert per key) and **closes** when ``S`` falls back to
zero — the negative rate is back at its baseline. A key needs ``warmup`` buckets with messages
before it can alert (it has no baseline before that). The defaults were chosen on simulated
streams (``sentiment.alert_eval``) and are reported there on other streams.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class ScoredMessage:
    at: datetime            # when the customer wrote it (aware UTC)
    sentiment: float        # the model's score, -1 (negative) … +1 (positive)
    topic: str = ""         # e.g. "returns", "shipping"
    product: str = ""       # a product the message is about, when known


@dataclass(frozen=True)
class AlertSettings:
    bucket_minutes: float = 15
    negative_below: float = -0.25   # a message at or below this score counts as negative
    alpha: float = 0.05             # EWMA weight of each new bucket in the baseline
    prior_rate: float = 0.2         # baseline before a key has history
    shift: float = 0.3              # rise of the negative share the CUSUM looks for
    threshold: float = 6.0          # CUSUM level (log-likelihood ratio) that opens an alert
    min_volume: int = 20            # messages behind the evidence (since the CUSUM left zero)
    warmup: int = 8                 # buckets with messages before a key may alert


@dataclass(frozen=True)
class AlertEvent:
    kind: str                # "opened" or "closed"
    key: str                 # "topic:returns", "product:PC-3001"
    at: datetime             # the end of the bucket that decided it
    negative_rate: float     # in that bucket
    baseline: float
    volume: int              # messages behind the evidence (since the CUSUM left zero)

    def message(self) -> str:
        what = self.key.replace(":", " ", 1)
        if self.kind == "opened":
            return (f"Negative sentiment spike on {what}: {self.negative_rate:.0%} of "
                    f"{self.volume} recent messages are negative (normally "
                    f"{self.baseline:.0%}).")
        return f"Negative sentiment on {what} is back to normal ({self.baseline:.0%})."


@dataclass
class _KeyState:
    baseline: float
    cusum: float = 0.0
    seen_buckets: int = 0
    open_since: datetime | None = None
    run_messages: int = 0       # messages since the CUSUM last stood at zero


class SpikeDetector:
    """Feed it scored messages in time order with :meth:`observe`; it returns the alerts each
    completed bucket opened or closed. :meth:`flush` closes the current bucket at ``now``."""

    def __init__(self, settings: AlertSettings | None = None) -> None:
        self.settings = settings or AlertSettings()
        self._bucket = timedelta(minutes=self.settings.bucket_minutes)
        self._current: datetime | None = None         # start of the bucket being filled
        self._counts: dict[str, list[int]] = {}       # key -> [messages, negatives]
        self._keys: dict[str, _KeyState] = {}

    @property
    def open_alerts(self) -> dict[str, datetime]:
        return {k: s.open_since for k, s in self._keys.items() if s.open_since is not None}

    def _start(self, at: datetime) -> datetime:
        epoch = datetime(2000, 1, 1, tzinfo=at.tzinfo)
        return epoch + ((at - epoch) // self._bucket) * self._bucket

    def observe(self, message: ScoredMessage) -> list[AlertEvent]:
        events: list[AlertEvent] = []
        start = self._start(message.at)
        if self._current is None:
            self._current = start
        while start > self._current:       # close every bucket before this message's
            events += self._close_bucket()
        negative = message.sentiment <= self.settings.negative_below
        for key in self.keys_of(message):
            counts = self._counts.setdefault(key, [0, 0])
            counts[0] += 1
            counts[1] += int(negative)
        return events

    def observe_all(self, messages: Iterable[ScoredMessage]) -> list[AlertEvent]:
        return [e for m in messages for e in self.observe(m)]

    def flush(self, now: datetime) -> list[AlertEvent]:
        """Close the buckets that ended by ``now`` (the caller's clock)."""
        events: list[AlertEvent] = []
        while self._current is not None and self._current + self._bucket <= now:
            events += self._close_bucket()
        return events

    @staticmethod
    def keys_of(message: ScoredMessage) -> list[str]:
        keys = [f"topic:{message.topic}"] if message.topic else []
        return keys + ([f"product:{message.product}"] if message.product else [])

    def _close_bucket(self) -> list[AlertEvent]:
        assert self._current is not None
        end = self._current + self._bucket
        events = self.add_bucket(end, {k: (v[0], v[1]) for k, v in self._counts.items()})
        self._counts = {}
        self._current = end
        return events

    def add_bucket(self, end: datetime, counts: dict[str, tuple[int, int]]) -> list[AlertEvent]:
        """One completed bucket, as (messages, negatives) per key; the alerts it decides.
        (:meth:`observe` calls it; the offline evaluation feeds simulated counts directly.)"""
        s = self.settings
        events: list[AlertEvent] = []
        for key in set(self._keys) | set(counts):
            n, k = counts.get(key, (0, 0))
            state = self._keys.setdefault(key, _KeyState(baseline=s.prior_rate))
            if n == 0:
                continue
            p0 = min(max(state.baseline, 0.01), 0.9)
            p1 = min(p0 + s.shift, 0.97)
            state.cusum = max(0.0, state.cusum + k * math.log(p1 / p0)
                              + (n - k) * math.log((1 - p1) / (1 - p0)))
            state.run_messages = state.run_messages + n if state.cusum > 0 else 0
            state.seen_buckets += 1
            volume = state.run_messages
            if state.open_since is None:
                if (state.cusum > s.threshold and volume >= s.min_volume
                        and state.seen_buckets > s.warmup):
                    state.open_since = end
                    events.append(AlertEvent("opened", key, end, k / n, state.baseline, volume))
                else:  # learn the normal rate only while nothing is wrong (a plain mean at first)
                    weight = max(s.alpha, 1.0 / state.seen_buckets)
                    state.baseline += weight * (k / n - state.baseline)
                    if state.seen_buckets <= s.warmup:
                        state.cusum = 0.0
            elif state.cusum == 0.0:
                state.open_since = None
                events.append(AlertEvent("closed", key, end, k / n, state.baseline, volume))
        return events
