"""An honest wait when a customer is handed over: measured from how long recent customers
waited until a person claimed them, said only when there is enough history."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from actions.support import ActionHandoff
from commerce.memory_repository import InMemoryStoreRepository
from commerce.records import HandoffTicket
from commerce.service import StoreService
from commerce.sql_repository import SqlStoreRepository
from shopdesk.clock import FixedClock
from shopdesk.composition import Services
from shopdesk.database import make_engine
from shopdesk.settings import Settings
from shopdesk.wait_estimate import duration_words, estimate_wait, wait_sentence
from tests.conftest import make_tracker
from tests.helpers import run_action, texts
from tests.unit.test_console_api import app, signed_in  # noqa: F401 (the console fixture)

HOURS = Settings.from_env({}).support_hours   # mon-fri 08:00-18:00; sat 09:00-13:00, London
MONDAY_10 = datetime(2031, 6, 2, 9, 0, tzinfo=UTC)   # 10:00 in London (summer time)
SUNDAY = datetime(2031, 6, 1, 12, 0, tzinfo=UTC)


def waits(minutes: list[float], start: datetime = MONDAY_10 - timedelta(days=3)
          ) -> list[tuple[datetime, datetime]]:
    """One handoff per hour from ``start`` (open hours), each claimed after ``minutes``."""
    return [(start + timedelta(hours=i), start + timedelta(hours=i, minutes=m))
            for i, m in enumerate(minutes)]


def test_the_median_wait_of_recent_handoffs_in_opening_hours() -> None:
    found = estimate_wait(waits([2, 4, 6, 9, 30]), HOURS, MONDAY_10)
    assert found is not None and found.median == timedelta(minutes=6) and found.measured == 5
    even = estimate_wait(waits([2, 4, 6, 8, 30, 40]), HOURS, MONDAY_10)
    assert even is not None and even.median == timedelta(minutes=7)


def test_no_estimate_without_enough_history() -> None:
    assert estimate_wait([], HOURS, MONDAY_10) is None
    assert estimate_wait(waits([2, 4, 6, 9]), HOURS, MONDAY_10) is None  # four points only


def test_handoffs_asked_for_outside_hours_or_long_ago_do_not_count() -> None:
    night = waits([600] * 5, start=datetime(2031, 5, 28, 22, 0, tzinfo=UTC))  # 23:00 onwards
    sunday = waits([900] * 5, start=SUNDAY)
    old = waits([1] * 5, start=MONDAY_10 - timedelta(days=45))
    assert estimate_wait(night + sunday + old, HOURS, MONDAY_10) is None
    assert estimate_wait(night + sunday + waits([3] * 5), HOURS, MONDAY_10).median \
        == timedelta(minutes=3)  # type: ignore[union-attr]


def test_the_wait_is_said_in_plain_words() -> None:
    assert duration_words(timedelta(seconds=20)) == "less than a minute"
    assert duration_words(timedelta(seconds=70)) == "about a minute"
    assert duration_words(timedelta(minutes=6, seconds=10)) == "about 6 minutes"
    assert duration_words(timedelta(minutes=82)) == "about 1 hour 20 minutes"
    assert duration_words(timedelta(minutes=121)) == "about 2 hours"
    told = wait_sentence(estimate_wait(waits([2, 4, 6, 9, 30]), HOURS, MONDAY_10), 2)
    assert told.startswith("People who asked for a person in the last 30 days waited about 6 "
                           "minutes (half of them less); you're number 2 in the queue.")


def handoff_reply(now: datetime, history: list[tuple[datetime, datetime]],
                  waiting_before: int = 0) -> str:
    repo = InMemoryStoreRepository()
    for i, (asked, claimed) in enumerate(history):
        repo.add_handoff(HandoffTicket(f"H1{i:05d}", f"past-{i}", "requested", "", asked,
                                       status="closed"))
        repo.mark_handoff_claimed(f"H1{i:05d}", claimed)
    for i in range(waiting_before):
        repo.add_handoff(HandoffTicket(f"H2{i:05d}", f"other-{i}", "requested", "",
                                       now - timedelta(minutes=1)))
    clock = FixedClock(now)
    services = Services(settings=Settings.from_env({}), store=StoreService(repo, clock),
                        qa=None, clock=clock)  # type: ignore[arg-type]
    messages, _ = run_action(ActionHandoff(services), make_tracker("a person please",
                                                                 "human_handoff"))
    return texts(messages)


def test_a_handed_over_customer_hears_the_measured_wait_and_their_place() -> None:
    told = handoff_reply(MONDAY_10, waits([2, 4, 6, 9, 30]), waiting_before=1)
    assert "waited about 6 minutes (half of them less); you're number 2 in the queue" in told


@pytest.mark.parametrize("history", [[], waits([2, 4, 6])])
def test_without_enough_history_the_customer_is_told_there_is_no_estimate(
        history: list[tuple[datetime, datetime]]) -> None:
    told = handoff_reply(MONDAY_10, history)
    assert "You're next" in told and "can't tell you how long" in told
    assert "minutes" not in told  # no promise nobody measured


def test_outside_hours_the_customer_is_told_when_the_team_is_back_not_a_wait() -> None:
    told = handoff_reply(SUNDAY, waits([2, 4, 6, 9, 30]))
    assert "offline right now" in told and "tomorrow at 08:00" in told
    assert "waited" not in told


def test_a_claim_in_the_console_records_the_wait(app, tmp_path) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    client, csrf = signed_in(app, "agent")
    assert client.post("/console/api/queue/H000001/claim",
                       headers={"X-CSRF-Token": csrf}).status_code == 200
    repo = SqlStoreRepository(make_engine(f"sqlite:///{tmp_path / 'shopdesk.db'}"))
    (asked, claimed), = repo.handoff_waits(datetime(2000, 1, 1, tzinfo=UTC))
    assert claimed - asked == timedelta(minutes=30)  # the fixture's ticket, asked 30 min before
