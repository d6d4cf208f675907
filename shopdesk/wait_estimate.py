"""An honest wait for a person, measured from history.

How long recent customers actually waited: from the moment they were handed over (the handoff
ticket) until a person in the agent console first claimed their conversation. Only handoffs
asked for while the team was in (``SupportHours``) count — one asked for at night waits for
the morning, which says nothing about the wait now — and only within the last
:data:`WINDOW_DAYS` days. With fewer than :data:`LEAST` such waits there is no estimate, and
the customer is told so rather than given a number nobody measured.

The figure is the median ("half of them less"). Tickets nobody has claimed yet are not in it:
while the queue is long, the true wait is longer than the median of those already served.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from shopdesk.support_hours import SupportHours

WINDOW_DAYS = 30
LEAST = 5


@dataclass(frozen=True)
class WaitEstimate:
    median: timedelta
    measured: int      # how many waits it stands on
    days: int          # over how many days


def estimate_wait(waits: Iterable[tuple[datetime, datetime]], hours: SupportHours, now: datetime,
                  days: int = WINDOW_DAYS, least: int = LEAST) -> WaitEstimate | None:
    """The median wait of the ``(asked for, first claimed)`` pairs asked for within opening
    hours in the last ``days`` days; None with fewer than ``least`` of them."""
    since = now - timedelta(days=days)
    measured = [claimed - asked for asked, claimed in waits
                if since <= asked <= now and claimed >= asked and hours.is_open(asked)]
    if len(measured) < max(least, 1):
        return None
    return WaitEstimate(statistics.median(measured), len(measured), days)


def duration_words(span: timedelta) -> str:
    """"less than a minute", "about a minute", "about 6 minutes", "about 1 hour 20 minutes"."""
    minutes = round(span.total_seconds() / 60)
    if span < timedelta(seconds=30):
        return "less than a minute"
    if minutes <= 1:
        return "about a minute"
    if minutes < 60:
        return f"about {minutes} minutes"
    hours, rest = divmod(5 * round(minutes / 5), 60)
    words = f"about {hours} hour{'s' if hours > 1 else ''}"
    return words + (f" {rest} minutes" if rest else "")


def wait_sentence(estimate: WaitEstimate | None, place: int) -> str:
    """What a customer handed over while the team is in is told: their place, and the measured
    wait or an honest "can't say"."""
    if estimate is None:
        ahead = "You're next" if place <= 1 else f"You're number {place} in the queue"
        return (f"{ahead}; a person will join here as soon as they're free. I can't tell you "
                "how long that will take: we haven't measured enough recent waits to give an "
                "honest estimate.")
    ahead = "you're next" if place <= 1 else f"you're number {place} in the queue"
    return (f"People who asked for a person in the last {estimate.days} days waited "
            f"{duration_words(estimate.median)} (half of them less); {ahead}. A person will "
            "join here as soon as they're free.")
