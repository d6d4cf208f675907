"""The demo store over time: what the README's table promises, whether it still holds, reseeding.

The demo orders are dated from the moment they were seeded, so they age: the parcel in transit
becomes late, the delivered jacket leaves its return window. :func:`demo_promises` checks every
row of the README's table against the stored data on the injected clock's day; ``make run``
reports the rows that no longer hold, and ``make reseed`` (:func:`reseed_demo_orders`) dates the
demo orders from today again. Reseeding touches only the demo store's orders (with their items,
shipments and returns); customer profiles, conversations, handoffs and feedback stay.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Engine, delete, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from commerce.catalogue import CATALOGUE
from commerce.memory_repository import InMemoryStoreRepository
from commerce.records import Order, OrderStatus, PaymentStatus
from commerce.repository import StoreRepository
from commerce.seed import DEMO_EMAIL, DEMO_SEEDED_AT, add_orders, demo_orders, mark_seeded
from commerce.service import StoreService
from commerce.sql_models import (
    Base,
    CustomerRow,
    OrderItemRow,
    OrderRow,
    ProductRow,
    ReturnRow,
    ShipmentRow,
    StoreMetaRow,
)
from shopdesk.clock import FixedClock, aware
from shopdesk.errors import InvalidRequestError, StoreUnavailableError


@dataclass(frozen=True)
class Promise:
    """One row of the README's "Try it" table."""

    order: str
    state: str
    holds: Callable[[Order, StoreService], bool]


def _in_transit(order: Order, store: StoreService) -> bool:
    s = order.shipment
    return (order.status is OrderStatus.SHIPPED and s is not None
            and s.estimated_delivery >= store.today())


def _late(order: Order, store: StoreService) -> bool:
    s = order.shipment
    return (order.status is OrderStatus.SHIPPED and s is not None
            and s.estimated_delivery < store.today())


# The README's table, row by row: keep the two in step (tests/unit/test_demo_store.py checks).
PROMISES = (
    Promise("100234", "shipped, in transit",
            _in_transit),
    Promise("100235", "delivered, inside the 30-day return window",
            lambda o, s: o.status is OrderStatus.DELIVERED and s.return_eligibility(o).allowed),
    Promise("100236", "processing",
            lambda o, s: o.status is OrderStatus.PROCESSING),
    Promise("100237", "delivered, outside the 30-day return window",
            lambda o, s: o.status is OrderStatus.DELIVERED and not s.return_eligibility(o).allowed),
    Promise("100238", "cancelled and refunded",
            lambda o, s: o.status is OrderStatus.CANCELLED),
    Promise("100239", "payment declined, on hold",
            lambda o, s: o.payment_status is PaymentStatus.DECLINED),
    Promise("100240", "shipped, late",
            _late),
)


@dataclass(frozen=True)
class Broken:
    order: str
    promised: str
    actual: str


def demo_promises(store: StoreService) -> list[Broken]:
    """The rows of the README's table that the stored data no longer shows today."""
    broken = []
    for promise in PROMISES:
        order = store.find_order(promise.order)
        if order is None or order.customer_email != DEMO_EMAIL:
            broken.append(Broken(promise.order, promise.state, "missing"))
        elif not promise.holds(order, store):
            broken.append(Broken(promise.order, promise.state, describe(order, store)))
    return broken


def describe(order: Order, store: StoreService) -> str:
    s = order.shipment
    if order.status is OrderStatus.SHIPPED and s is not None:
        return "late" if s.estimated_delivery < store.today() else "in transit"
    if order.status is OrderStatus.DELIVERED:
        inside = store.return_eligibility(order).allowed
        return f"delivered, {'inside' if inside else 'outside'} the return window"
    return order.status.value


def days_the_table_holds(seeded_at: datetime) -> int:
    """How many whole days after seeding every promise still holds (0: only the seeding day)."""
    repository: StoreRepository = InMemoryStoreRepository(CATALOGUE, demo_orders(seeded_at))
    clock = FixedClock(seeded_at)
    store = StoreService(repository, clock)
    days = -1
    while days < 400 and not demo_promises(store):
        days += 1
        clock.advance(timedelta(days=1))
    return max(days, 0)


@dataclass(frozen=True)
class DemoAge:
    seeded_at: datetime | None
    age_days: int
    holds_days: int
    broken: list[Broken]

    @property
    def stale(self) -> bool:
        return bool(self.broken)

    def notice(self) -> str:
        """What ``make run`` prints when the README's table no longer matches the data."""
        when = f"{self.seeded_at:%d %b %Y}" if self.seeded_at else "an unknown day"
        if self.age_days > self.holds_days:
            head = (f"Note: the demo orders were seeded on {when} ({self.age_days} days ago); the "
                    f"README's table holds for {self.holds_days} days after seeding.")
        else:
            head = f"Note: some demo orders no longer match the README's table (seeded on {when})."
        rows = "\n".join(f"    {b.order}: the table says '{b.promised}', the data shows '{b.actual}'"
                         for b in self.broken)
        return (f"{head}\n{rows}\n"
                "  Run `make reseed` to date the demo orders from today (customer profiles and "
                "conversations are kept).")


def _seeded_at(session: Session) -> datetime | None:
    """When the demo data was seeded; None if this store holds no demo data."""
    row = session.get(StoreMetaRow, DEMO_SEEDED_AT)
    if row is not None:
        try:
            return aware(datetime.fromisoformat(row.value))
        except ValueError:
            pass
    # databases seeded before the date was recorded: the demo customer's order 100236 was
    # placed at seeding
    placed = session.scalar(select(OrderRow.placed_at).where(
        OrderRow.number == "100236", OrderRow.customer.has(CustomerRow.email == DEMO_EMAIL)))
    return aware(placed) if placed is not None else None


def seeded_at(engine: Engine) -> datetime | None:
    """When the demo data was seeded; None if this store holds no demo data."""
    with Session(engine) as session:
        return _seeded_at(session)


def demo_age(engine: Engine, store: StoreService) -> DemoAge | None:
    """How old the demo data is and which promises broke; None when there is no demo data.

    Expects the store's tables to exist (``seed_database`` creates them)."""
    when = seeded_at(engine)
    if when is None:
        return None
    age = max(0, (store.today() - when.date()).days)
    return DemoAge(when, age, days_the_table_holds(when), demo_promises(store))


def reseed_demo_orders(engine: Engine, now: datetime) -> int:
    """Replace the demo store's orders with ones dated from ``now``; returns how many.

    Only the demo orders (and their items, shipments and returns) are replaced, in one
    transaction; products, other orders, handoffs, feedback, profiles and conversations stay.

    Raises:
        InvalidRequestError: the database holds no demo store (nothing of the company's is touched).
        StoreUnavailableError: the database cannot be reached; nothing was changed.
    """
    Base.metadata.create_all(engine)
    fresh = demo_orders(now)
    numbers = [o.number for o in fresh]
    try:
        with Session(engine) as session, session.begin():
            if _seeded_at(session) is None or not session.scalar(select(ProductRow.sku).limit(1)):
                raise InvalidRequestError("this store holds no demo data, so there is nothing "
                                          "to reseed")
            for table in (ReturnRow, OrderItemRow, ShipmentRow):
                column = table.order_number  # type: ignore[attr-defined]
                session.execute(delete(table).where(column.in_(numbers)))
            session.execute(delete(OrderRow).where(OrderRow.number.in_(numbers)))
            add_orders(session, fresh)
            mark_seeded(session, now)
    except SQLAlchemyError as e:
        raise StoreUnavailableError(f"store database unavailable: {e}") from e
    return len(fresh)
