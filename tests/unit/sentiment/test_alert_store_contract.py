"""One contract, every AlertStore: in memory and SQL (SQLite)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from sentiment.alert_store import AlertStore, InMemoryAlertStore, SqlAlertStore
from sentiment.alerts import AlertEvent
from shopdesk.database import make_engine

T0 = datetime(2031, 6, 1, 9, 0, tzinfo=UTC)


@pytest.fixture(params=["memory", "sqlite"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[AlertStore]:
    if request.param == "memory":
        yield InMemoryAlertStore()
        return
    engine = make_engine(f"sqlite:///{tmp_path / 'alerts.db'}")
    sql = SqlAlertStore(engine)
    sql.create_schema()
    yield sql
    engine.dispose()


def test_alerts_open_close_and_list_open_first(store: AlertStore) -> None:
    store.record(AlertEvent("opened", "topic:returns", T0, 0.7, 0.15, 40))
    store.record(AlertEvent("opened", "product:PC-3001", T0 + timedelta(hours=1), 0.8, 0.1, 25))
    store.record(AlertEvent("closed", "topic:returns", T0 + timedelta(hours=2), 0.1, 0.15, 30))
    store.record(AlertEvent("opened", "topic:shipping", T0 + timedelta(hours=3), 0.6, 0.2, 22))
    alerts = store.alerts()
    assert [(a.key, a.closed_at is None) for a in alerts] == [
        ("topic:shipping", True), ("product:PC-3001", True), ("topic:returns", False)]
    assert alerts[2].closed_at == T0 + timedelta(hours=2)
    assert "topic returns" in alerts[2].message and alerts[2].to_json()["kind"] == "topic"
    assert len(store.alerts(limit=1)) == 1
