"""When people are there to take over: the support team's opening hours, in the company's time
zone, with holidays — from configuration (``SHOPDESK_SUPPORT_HOURS``, ``SHOPDESK_SUPPORT_TIMEZONE``,
``SHOPDESK_SUPPORT_HOLIDAYS``), asked with the one clock's time.

    SHOPDESK_SUPPORT_HOURS="mon-fri 08:00-18:00; sat 09:00-13:00"
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from shopdesk.errors import ConfigError

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_PART = re.compile(r"(?P<first>[a-z]{3})(?:-(?P<last>[a-z]{3}))?\s+"
                   r"(?P<open>\d{1,2}:\d{2})-(?P<close>\d{1,2}:\d{2})")


def _clock_time(text: str, whole: str) -> time:
    hours, minutes = (int(x) for x in text.split(":"))
    if hours == 24 and minutes == 0:
        return time(23, 59, 59)
    if not (0 <= hours < 24 and 0 <= minutes < 60):
        raise ConfigError(f"SHOPDESK_SUPPORT_HOURS: {text!r} is not a time of day in {whole!r}")
    return time(hours, minutes)


def parse_hours(spec: str) -> dict[int, tuple[time, time]]:
    """``"mon-fri 08:00-18:00; sat 09:00-13:00"`` → {weekday: (opens, closes)}."""
    weekly: dict[int, tuple[time, time]] = {}
    for part in (p.strip().lower() for p in spec.split(";")):
        if not part:
            continue
        match = _PART.fullmatch(part)
        if not match or match["first"] not in DAYS or (match["last"] or "mon") not in DAYS:
            raise ConfigError(f"SHOPDESK_SUPPORT_HOURS: cannot read {part!r}; write e.g. "
                              "\"mon-fri 08:00-18:00; sat 09:00-13:00\"")
        first = DAYS.index(match["first"])
        last = DAYS.index(match["last"]) if match["last"] else first
        opens, closes = _clock_time(match["open"], part), _clock_time(match["close"], part)
        if closes <= opens:
            raise ConfigError(f"SHOPDESK_SUPPORT_HOURS: {part!r} closes before it opens")
        for day in range(first, last + 1) if first <= last else [*range(first, 7),
                                                                   *range(0, last + 1)]:
            weekly[day] = (opens, closes)
    return weekly


@dataclass(frozen=True)
class SupportHours:
    weekly: dict[int, tuple[time, time]] = field(default_factory=lambda: parse_hours(
        "mon-fri 08:00-18:00; sat 09:00-13:00"))
    zone_name: str = "Europe/London"
    holidays: frozenset[date] = frozenset()

    @classmethod
    def from_config(cls, hours: str, zone: str, holidays: str) -> SupportHours:
        try:
            ZoneInfo(zone)
        except (ZoneInfoNotFoundError, ValueError):
            raise ConfigError(f"SHOPDESK_SUPPORT_TIMEZONE: {zone[:60]!r} is not a time zone "
                              "such as Europe/London") from None
        days = set()
        for item in re.split(r"[,\s]+", holidays.strip()):
            if item:
                try:
                    days.add(date.fromisoformat(item))
                except ValueError:
                    raise ConfigError(f"SHOPDESK_SUPPORT_HOLIDAYS: {item[:20]!r} is not a date "
                                      "(YYYY-MM-DD)") from None
        return cls(parse_hours(hours), zone, frozenset(days))

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.zone_name)

    def is_open(self, at: datetime) -> bool:
        local = at.astimezone(self.zone)
        hours = self.weekly.get(local.weekday())
        return (hours is not None and local.date() not in self.holidays
                and hours[0] <= local.time() < hours[1])

    def next_open(self, at: datetime) -> datetime | None:
        """When people are next there (``at`` itself when open now); None if never."""
        if self.is_open(at):
            return at
        local = at.astimezone(self.zone)
        for ahead in range(0, 60):
            day = local.date() + timedelta(days=ahead)
            hours = self.weekly.get(day.weekday())
            if hours is None or day in self.holidays:
                continue
            opening = datetime.combine(day, hours[0], tzinfo=self.zone)
            if opening > local:
                return opening
        return None

    def describe(self) -> str:
        """"Monday to Friday 08:00–18:00 and Saturday 09:00–13:00 (Europe/London time)"."""
        runs: list[tuple[int, int, tuple[time, time]]] = []
        for day in sorted(self.weekly):
            if runs and runs[-1][1] == day - 1 and runs[-1][2] == self.weekly[day]:
                runs[-1] = (runs[-1][0], day, runs[-1][2])
            else:
                runs.append((day, day, self.weekly[day]))
        parts = [(f"{NAMES[a]} to {NAMES[b]}" if a != b else NAMES[a])
                 + f" {o:%H:%M}–{c:%H:%M}" for a, b, (o, c) in runs]
        text = " and ".join([", ".join(parts[:-1]), parts[-1]] if len(parts) > 1 else parts)
        return f"{text} ({self.zone_name.replace('_', ' ')} time)"


def when(at: datetime, now: datetime, zone: ZoneInfo) -> str:
    """"today at 08:00", "tomorrow at 09:00", "on Monday at 08:00", "on 2 January at 08:00"."""
    local, today = at.astimezone(zone), now.astimezone(zone).date()
    days = (local.date() - today).days
    day = ("today" if days == 0 else "tomorrow" if days == 1 else
           f"on {NAMES[local.weekday()]}" if days < 7 else f"on {local.day} {local:%B}")
    return f"{day} at {local:%H:%M}"
