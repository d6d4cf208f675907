"""Where spike alerts are kept, so the agent console can show them (the action server raises
them; the web app reads them): ``AlertStore`` with an in-memory and a SQL implementation (table
``sentiment_alerts`` in the product's database; one contract test for both)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol, TypeVar

from sqlalchemy import DateTime, Engine, Float, Integer, String, Text, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker

from sentiment.alerts import AlertEvent
from shopdesk.clock import aware
from shopdesk.errors import StoreUnavailableError

T = TypeVar("T")


@dataclass(frozen=True)
class StoredAlert:
    id: int
    key: str
    opened_at: datetime
    closed_at: datetime | None
    negative_rate: float
    baseline: float
    volume: int
    message: str

    def to_json(self) -> dict[str, object]:
        kind, _, name = self.key.partition(":")
        return {"id": self.id, "kind": kind, "name": name, "opened_at": self.opened_at.isoformat(),
                "closed_at": self.closed_at.isoformat() if self.closed_at else None,
                "negative_rate": round(self.negative_rate, 3), "baseline": round(self.baseline, 3),
                "volume": self.volume, "message": self.message}


class AlertStore(Protocol):
    def record(self, event: AlertEvent) -> None:
        """An alert opened (a new row) or closed (its open row gets ``closed_at``)."""
        ...

    def alerts(self, limit: int = 50) -> list[StoredAlert]:
        """Open ones first, then the most recently opened."""
        ...


def _order(alerts: list[StoredAlert], limit: int) -> list[StoredAlert]:
    return sorted(alerts, key=lambda a: (a.closed_at is not None, -a.opened_at.timestamp(),
                                         -a.id))[:limit]


class InMemoryAlertStore:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._alerts: list[StoredAlert] = []

    def record(self, event: AlertEvent) -> None:
        with self._lock:
            if event.kind == "opened":
                self._alerts.append(StoredAlert(len(self._alerts) + 1, event.key, event.at, None,
                                                event.negative_rate, event.baseline,
                                                event.volume, event.message()))
                return
            for i, alert in enumerate(self._alerts):
                if alert.key == event.key and alert.closed_at is None:
                    self._alerts[i] = StoredAlert(alert.id, alert.key, alert.opened_at,
                                                  event.at, alert.negative_rate,
                                                  alert.baseline, alert.volume, alert.message)

    def alerts(self, limit: int = 50) -> list[StoredAlert]:
        with self._lock:
            return _order(list(self._alerts), limit)


class AlertBase(DeclarativeBase):
    pass


class AlertRow(AlertBase):
    __tablename__ = "sentiment_alerts"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    key: Mapped[str] = mapped_column(String(140), index=True)
    opened_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    negative_rate: Mapped[float] = mapped_column(Float)
    baseline: Mapped[float] = mapped_column(Float)
    volume: Mapped[int] = mapped_column(Integer)
    message: Mapped[str] = mapped_column(Text)


class SqlAlertStore:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._sessions = sessionmaker(engine, expire_on_commit=False)

    def create_schema(self) -> None:
        self._run(lambda _s: AlertBase.metadata.create_all(self._engine))

    def _run(self, work: Callable[[Session], T]) -> T:
        try:
            with self._sessions.begin() as session:
                return work(session)
        except SQLAlchemyError as e:
            raise StoreUnavailableError(f"alert store error: {type(e).__name__}") from e

    def record(self, event: AlertEvent) -> None:
        def work(s: Session) -> None:
            if event.kind == "opened":
                s.add(AlertRow(key=event.key, opened_at=event.at, closed_at=None,
                               negative_rate=event.negative_rate, baseline=event.baseline,
                               volume=event.volume, message=event.message()))
                return
            for row in s.scalars(select(AlertRow).where(AlertRow.key == event.key,
                                                         AlertRow.closed_at.is_(None))):
                row.closed_at = event.at
        self._run(work)

    def alerts(self, limit: int = 50) -> list[StoredAlert]:
        def work(s: Session) -> list[StoredAlert]:
            rows = s.scalars(select(AlertRow).order_by(AlertRow.opened_at.desc()).limit(500))
            return [StoredAlert(r.id, r.key, aware(r.opened_at),
                                aware(r.closed_at) if r.closed_at else None, r.negative_rate,
                                r.baseline, r.volume, r.message) for r in rows]
        return _order(self._run(work), limit)
