"""The demo store over time: the README's table, aged data, and reseeding that keeps the rest."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, delete, func, select
from sqlalchemy.orm import Session

from commerce.demo import PROMISES, days_the_table_holds, demo_age, reseed_demo_orders, seeded_at
from commerce.records import HandoffTicket, OrderStatus
from commerce.seed import DEMO_EMAIL, demo_orders, seed_database
from commerce.service import StoreService
from commerce.sql_models import OrderRow, StoreMetaRow
from commerce.sql_repository import SqlStoreRepository
from profiles.crypto import FieldCipher
from profiles.migrate import upgrade
from profiles.store import SqlProfileStore
from shopdesk import cli
from shopdesk.clock import FixedClock
from shopdesk.database import make_engine
from shopdesk.errors import InvalidRequestError
from shopdesk.settings import PROJECT_ROOT, Settings
from tests.conftest import NOW

README = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")


def _engine(tmp_path: Path) -> Engine:
    return make_engine(f"sqlite:///{tmp_path / 'shopdesk.db'}")


def _store(engine: Engine, clock: FixedClock) -> StoreService:
    return StoreService(SqlStoreRepository(engine), clock)


def test_the_readme_table_is_the_list_of_promises() -> None:
    rows = re.findall(r"^\| (1002\d\d) \| ([^|]+?) +\|", README, re.M)
    assert [number for number, _ in rows] == [p.order for p in PROMISES]
    for (_, state), promise in zip(rows, PROMISES, strict=True):
        assert state == promise.state


def test_the_readme_says_how_long_the_table_holds() -> None:
    stated = re.search(r"The table holds for (\d+) days after seeding", README)
    assert stated, "the README must say how long its table holds"
    assert int(stated.group(1)) == days_the_table_holds(NOW)


@pytest.mark.parametrize("seeded", [
    NOW,
    datetime(2028, 2, 29, 23, 59, tzinfo=UTC),   # leap day, a minute before midnight
    datetime(2026, 12, 31, 0, 0, tzinfo=UTC),    # new year inside the window
    datetime(2027, 3, 28, 1, 30, tzinfo=UTC),    # the UK clocks change
])
def test_every_promise_holds_on_the_day_of_seeding_and_as_long_as_the_readme_says(
        tmp_path: Path, seeded: datetime) -> None:
    engine = _engine(tmp_path)
    seed_database(engine, seeded)
    clock = FixedClock(seeded)
    holds = days_the_table_holds(seeded)
    assert holds == days_the_table_holds(NOW)
    for _ in range(holds + 1):
        assert demo_age(engine, _store(engine, clock)).broken == []  # type: ignore[union-attr]
        clock.advance(timedelta(days=1))
    aged = demo_age(engine, _store(engine, clock))
    assert aged is not None and aged.stale
    engine.dispose()


def test_aged_demo_data_is_reported_with_the_command_that_refreshes_it(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    settings = Settings.from_env({"SHOPDESK_DATA_DIR": str(tmp_path)})
    three_weeks_ago = FixedClock(NOW - timedelta(days=21))
    cli._seed(settings, three_weeks_ago)
    assert "created with the demo store's data" in capsys.readouterr().out

    cli._seed(settings, FixedClock(NOW))
    out = capsys.readouterr().out
    assert "21 days ago" in out and "make reseed" in out
    assert "100234: the table says 'shipped, in transit', the data shows 'late'" in out

    cli._seed(settings, FixedClock(NOW - timedelta(days=20)))  # a day later: nothing to say
    assert "make reseed" not in capsys.readouterr().out


def test_reseeding_dates_the_demo_orders_from_today_and_keeps_everything_else(
        tmp_path: Path) -> None:
    engine = _engine(tmp_path)
    then = NOW - timedelta(days=40)
    seed_database(engine, then)
    repo = SqlStoreRepository(engine)
    store = StoreService(repo, FixedClock(then))
    store.create_return("100235", DEMO_EMAIL, "jacket", "too small")
    store.cancel("100236", DEMO_EMAIL)
    repo.add_handoff(HandoffTicket("H000001", "web-1", "requested", "Customer: help", then))
    store.record_feedback("web-1", "complaint", "late again")
    upgrade(engine)
    profiles = SqlProfileStore(engine, FieldCipher("test-profile-key-0123456789abcdef"),
                               FixedClock(then))
    customer = profiles.resolve("email", DEMO_EMAIL)
    with Session(engine) as s:
        orders_before = s.scalar(select(func.count()).select_from(OrderRow))

    now_store = _store(engine, FixedClock(NOW))
    broken = {b.order for b in demo_age(engine, now_store).broken}  # type: ignore[union-attr]
    assert broken == {"100234", "100235", "100236"}

    assert reseed_demo_orders(engine, NOW) == len(demo_orders(NOW))
    age = demo_age(engine, now_store)
    assert age is not None and age.broken == [] and age.age_days == 0
    assert seeded_at(engine) == NOW
    assert repo.returns_for_order("100235") == []
    assert repo.get_order("100236").status is OrderStatus.PROCESSING  # type: ignore[union-attr]
    assert [t.ticket for t in repo.handoffs_for_sender("web-1")] == ["H000001"]
    assert len(repo.feedback_for_sender("web-1")) == 1
    assert profiles.find("email", DEMO_EMAIL) == customer
    with Session(engine) as s:
        assert s.scalar(select(func.count()).select_from(OrderRow)) == orders_before
    profiles.close()
    engine.dispose()


def test_reseeding_refuses_a_store_that_is_not_the_demo(tmp_path: Path) -> None:
    engine = _engine(tmp_path)
    seed_database(engine, NOW)
    with Session(engine) as s, s.begin():  # a store whose data did not come from the demo seed
        s.execute(delete(StoreMetaRow))
        s.delete(s.get(OrderRow, "100236"))
    with pytest.raises(InvalidRequestError, match="no demo data"):
        reseed_demo_orders(engine, NOW)
    assert SqlStoreRepository(engine).get_order("100237") is not None
    assert demo_age(engine, _store(engine, FixedClock(NOW))) is None
    engine.dispose()


def test_a_database_seeded_before_the_date_was_recorded_is_still_dated(tmp_path: Path) -> None:
    engine = _engine(tmp_path)
    seed_database(engine, NOW - timedelta(days=9))
    with Session(engine) as s, s.begin():
        s.execute(delete(StoreMetaRow))
    assert seeded_at(engine) == (NOW - timedelta(days=9)).replace(microsecond=0)
    age = demo_age(engine, _store(engine, FixedClock(NOW)))
    assert age is not None and age.age_days == 9 and age.stale
    engine.dispose()


def test_a_row_changed_by_a_demo_conversation_is_reported_as_such(tmp_path: Path) -> None:
    engine = _engine(tmp_path)
    seed_database(engine, NOW)
    store = _store(engine, FixedClock(NOW))
    store.cancel("100236", DEMO_EMAIL)
    age = demo_age(engine, store)
    assert age is not None and [b.order for b in age.broken] == ["100236"]
    assert "no longer match the README's table" in age.notice()
    assert "'processing', the data shows 'cancelled'" in age.notice()
    engine.dispose()
