"""The one clock: every "what time is it?" in the product asks a :data:`Clock`.

A clock is any callable that returns the current moment as an aware UTC ``datetime``. The
composition root (:func:`shopdesk.composition.build_services`) and the process entry points
(``shopdesk.cli``, ``profiles.cli``, ``retrieval.cli``, ``sentiment.cli``, the e2e fixtures) pass
:func:`system_clock` on; everything else receives a clock and never reads the wall clock itself.
Tests inject a :class:`FixedClock`, so they give the same answers on any date.

``time.monotonic()`` is not a clock in this sense: it measures durations and may be used freely.
``tests/unit/test_one_clock.py`` fails if a wall-clock read appears anywhere else.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta, timezone

UTC = timezone.utc  # noqa: UP017 (datetime.UTC is 3.11+; the Rasa side runs Python 3.10)

Clock = Callable[[], datetime]


def system_clock() -> datetime:
    """The wall clock, in UTC. The only place in the product that reads it."""
    return datetime.now(UTC)


def today(clock: Clock) -> date:
    """The current calendar day (UTC) by ``clock``."""
    return clock().date()


def aware(value: datetime) -> datetime:
    """``value`` with UTC attached if it came back naive (SQLite drops the zone)."""
    return value if value.tzinfo else value.replace(tzinfo=UTC)


class FixedClock:
    """A clock that stands still until it is moved: for tests and reproducible runs."""

    def __init__(self, at: datetime) -> None:
        if at.tzinfo is None:
            raise ValueError("FixedClock needs an aware datetime (e.g. tzinfo=UTC)")
        self._at = at.astimezone(UTC)

    def __call__(self) -> datetime:
        return self._at

    def advance(self, delta: timedelta) -> None:
        self._at += delta

    def set(self, at: datetime) -> None:
        if at.tzinfo is None:
            raise ValueError("FixedClock needs an aware datetime (e.g. tzinfo=UTC)")
        self._at = at.astimezone(UTC)

    def __repr__(self) -> str:
        return f"FixedClock({self._at.isoformat()})"
