"""The support team's hours: configured, in the company's time zone, with holidays; what a
customer asking for a person is told in and out of them."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from actions.support import ActionHandoff
from commerce.memory_repository import InMemoryStoreRepository
from commerce.records import HandoffTicket
from commerce.service import StoreService
from shopdesk.clock import FixedClock
from shopdesk.composition import Services
from shopdesk.errors import ConfigError
from shopdesk.settings import Settings
from shopdesk.support_hours import SupportHours, parse_hours, when
from tests.conftest import make_tracker
from tests.helpers import run_action, texts

HOURS = SupportHours.from_config("mon-fri 08:00-18:00; sat 09:00-13:00", "Europe/London",
                                 "2031-12-25, 2031-12-26")


@pytest.mark.parametrize("at,open_", [
    (datetime(2031, 6, 2, 7, 30, tzinfo=UTC), True),     # Monday 08:30 in London (BST)
    (datetime(2031, 6, 2, 6, 59, tzinfo=UTC), False),    # Monday 07:59 in London
    (datetime(2031, 6, 7, 11, 59, tzinfo=UTC), True),    # Saturday 12:59
    (datetime(2031, 6, 7, 12, 0, tzinfo=UTC), False),    # Saturday 13:00: closed
    (datetime(2031, 6, 8, 12, 0, tzinfo=UTC), False),    # Sunday
    (datetime(2031, 12, 25, 10, 0, tzinfo=UTC), False),  # a Thursday, but Christmas
])
def test_open_hours_follow_the_local_clock_and_holidays(at: datetime, open_: bool) -> None:
    assert HOURS.is_open(at) is open_


def test_the_next_opening_skips_nights_weekends_and_holidays() -> None:
    saturday_evening = datetime(2031, 6, 7, 18, 0, tzinfo=UTC)
    opening = HOURS.next_open(saturday_evening)
    assert opening is not None and opening.isoformat() == "2031-06-09T08:00:00+01:00"
    assert when(opening, saturday_evening, HOURS.zone) == "on Monday at 08:00"
    christmas_eve = datetime(2031, 12, 24, 19, 0, tzinfo=UTC)
    assert HOURS.next_open(christmas_eve).isoformat() == "2031-12-27T09:00:00+00:00"  # type: ignore[union-attr]
    assert HOURS.describe() == ("Monday to Friday 08:00–18:00 and Saturday 09:00–13:00 "
                                "(Europe/London time)")


@pytest.mark.parametrize("spec,problem", [
    ("weekdays 9-5", "cannot read"), ("mon-fri 18:00-08:00", "closes before"),
    ("mon 25:00-26:00", "not a time"),
])
def test_bad_hours_are_refused_with_the_variable_named(spec: str, problem: str) -> None:
    with pytest.raises(ConfigError, match=problem):
        parse_hours(spec)
    with pytest.raises(ConfigError, match="SHOPDESK_SUPPORT_TIMEZONE"):
        Settings.from_env({"SHOPDESK_SUPPORT_TIMEZONE": "Mars/Olympus"})
    with pytest.raises(ConfigError, match="SHOPDESK_SUPPORT_HOLIDAYS"):
        Settings.from_env({"SHOPDESK_SUPPORT_HOLIDAYS": "Christmas"})


def handoff_reply(at: datetime, waiting_before: int) -> str:
    repo = InMemoryStoreRepository()
    for i in range(waiting_before):
        repo.add_handoff(HandoffTicket(f"H00000{i}", f"other-{i}", "requested", "", at))
    settings = Settings.from_env({"SHOPDESK_SUPPORT_HOLIDAYS": "2031-12-25"})
    services = Services(settings=settings, store=StoreService(repo, FixedClock(at)), qa=None,  # type: ignore[arg-type]
                        clock=FixedClock(at))
    messages, _ = run_action(ActionHandoff(services), make_tracker("a person please",
                                                                 "human_handoff"))
    return texts(messages)


def test_a_customer_is_told_their_place_in_the_queue_or_when_the_team_is_back() -> None:
    assert "You're number 3 in the queue" in handoff_reply(datetime(2031, 6, 2, 9, tzinfo=UTC), 2)
    assert "You're next" in handoff_reply(datetime(2031, 6, 2, 9, tzinfo=UTC), 0)
    closed = handoff_reply(datetime(2031, 12, 25, 10, tzinfo=UTC), 0)
    assert "offline right now" in closed and "tomorrow at 08:00" in closed
    assert "10 minutes" not in closed  # no promise nobody measured
