"""Realistic, deterministic seed data for the demo store.

Dates are relative to ``now`` (the moment of seeding, from the injected clock) so the
demo's return windows and deliveries make sense on the day it is seeded; the moment is
recorded in ``store_meta`` so :mod:`commerce.demo` can tell when the data has aged. The
first customer, Jane Doe, owns a fixed set of orders that exercise every flow (the README's
table, checked by :func:`commerce.demo.demo_promises`).
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from commerce.catalogue import CATALOGUE
from commerce.records import (
    Order,
    OrderItem,
    OrderStatus,
    PaymentStatus,
    Product,
    Shipment,
)
from commerce.sql_models import (
    Base,
    CustomerRow,
    OrderItemRow,
    OrderRow,
    ProductRow,
    ShipmentRow,
    StoreMetaRow,
)

DEMO_EMAIL = "jane.doe@example.com"
_FIRST = ["Jane", "Liam", "Priya", "Marco", "Aisha", "Tom", "Mei", "Oliver", "Sofia", "Kwame",
          "Emma", "Lucas", "Hannah", "Diego", "Chloe", "Yusuf", "Grace", "Noah", "Ingrid", "Ravi"]
_LAST = ["Doe", "Murphy", "Patel", "Rossi", "Khan", "Baker", "Chen", "Smith", "Garcia", "Mensah",
         "Wilson", "Martin", "Schmidt", "Lopez", "Dubois", "Yilmaz", "Brown", "Taylor", "Berg", "Iyer"]
_STREETS = ["Maple Street", "Harbour Road", "Elm Avenue", "Station Lane", "Kingsway",
            "Mill Road", "Park Drive", "Church Street", "Orchard Way", "High Street"]
_CITIES = [("Leeds", "LS1 4AP"), ("Bristol", "BS1 5TR"), ("Manchester", "M1 2WD"),
           ("Edinburgh", "EH1 1YZ"), ("Cardiff", "CF10 1EP"), ("York", "YO1 7HH")]
_CARRIERS = [("DPD", "15501"), ("Royal Mail", "RM"), ("UPS", "1Z")]
_METHODS = ["Visa ending 4242", "Mastercard ending 5454", "PayPal", "Amex ending 0005"]


def _address(rng: random.Random) -> str:
    city, postcode = rng.choice(_CITIES)
    return f"{rng.randint(1, 220)} {rng.choice(_STREETS)}, {city} {postcode}, United Kingdom"


def _tracking(rng: random.Random, carrier: str) -> str:
    prefix = dict(_CARRIERS)[carrier]
    if carrier == "Royal Mail":
        return f"RM{rng.randint(10**8, 10**9 - 1)}GB"
    return f"{prefix}{rng.randint(10**9, 10**10 - 1)}"


def _items(rng: random.Random, products: list[Product], count: int) -> tuple[OrderItem, ...]:
    chosen = rng.sample(products, count)
    return tuple(
        OrderItem(
            sku=p.sku,
            name=p.name,
            quantity=1 if p.price_cents > 5000 else rng.randint(1, 2),
            unit_price_cents=p.price_cents,
            size=rng.choice(p.sizes) if p.sizes else "",
            colour=rng.choice(p.colours) if p.colours else "",
        )
        for p in chosen
    )


def _make_order(
    rng: random.Random,
    number: str,
    email: str,
    name: str,
    status: OrderStatus,
    age_days: int,
    products: list[Product],
    now: datetime,
    *,
    item_skus: tuple[str, ...] = (),
    payment: PaymentStatus | None = None,
    payment_note: str = "",
    late: bool = False,
) -> Order:
    placed = (now - timedelta(days=age_days)).replace(microsecond=0)
    by_sku = {p.sku: p for p in products}
    if item_skus:
        items = tuple(
            OrderItem(s, by_sku[s].name, 1, by_sku[s].price_cents,
                      by_sku[s].sizes[len(by_sku[s].sizes) // 2] if by_sku[s].sizes else "",
                      by_sku[s].colours[0] if by_sku[s].colours else "")
            for s in item_skus
        )
    else:
        items = _items(rng, products, rng.randint(1, 3))
    total = sum(i.unit_price_cents * i.quantity for i in items)
    shipping = 0 if total >= 5000 else 495
    shipment = None
    if status in (OrderStatus.SHIPPED, OrderStatus.DELIVERED):
        carrier = rng.choice(_CARRIERS)[0]
        shipped = placed.date() + timedelta(days=1)
        eta = shipped + timedelta(days=3 if not late else 2)
        if status is OrderStatus.DELIVERED:
            delivered = eta - timedelta(days=rng.randint(0, 1))
            shipment = Shipment(carrier, _tracking(rng, carrier), "delivered", shipped, eta,
                                delivered, f"Delivered and signed for on {delivered:%d %b}")
        else:
            label = "delayed at the carrier's depot" if late else "in transit"
            event = ("Held at regional depot: weather delay" if late
                     else "Arrived at local delivery centre")
            shipment = Shipment(carrier, _tracking(rng, carrier), label, shipped, eta, None, event)
    if payment is None:
        payment = (PaymentStatus.REFUNDED if status is OrderStatus.CANCELLED
                   else PaymentStatus.AUTHORISED if status is OrderStatus.PLACED
                   else PaymentStatus.CAPTURED)
    return Order(number, email, name, status, placed, _address(rng), total + shipping, payment,
                 rng.choice(_METHODS), items, shipment, payment_note)


DEMO_SEEDED_AT = "demo_seeded_at"


def demo_orders(now: datetime, seed: int = 7) -> list[Order]:
    """Every seeded order, dated relative to ``now``; Jane Doe's fixed ones first."""
    rng = random.Random(seed)
    products = list(CATALOGUE)
    jane = "Jane Doe"
    orders = [
        _make_order(rng, "100234", DEMO_EMAIL, jane, OrderStatus.SHIPPED, 1, products, now,
                    item_skus=("PC-2001", "PC-2004")),
        _make_order(rng, "100235", DEMO_EMAIL, jane, OrderStatus.DELIVERED, 5, products, now,
                    item_skus=("PC-1001", "PC-1003")),
        _make_order(rng, "100236", DEMO_EMAIL, jane, OrderStatus.PROCESSING, 0, products, now,
                    item_skus=("PC-3001",)),
        _make_order(rng, "100237", DEMO_EMAIL, jane, OrderStatus.DELIVERED, 75, products, now,
                    item_skus=("PC-4001",)),
        _make_order(rng, "100238", DEMO_EMAIL, jane, OrderStatus.CANCELLED, 20, products, now,
                    item_skus=("PC-1002",)),
        _make_order(rng, "100239", DEMO_EMAIL, jane, OrderStatus.PLACED, 1, products, now,
                    item_skus=("PC-2002",), payment=PaymentStatus.DECLINED,
                    payment_note="Card issuer declined the payment (insufficient funds or a "
                    "security check). The order is on hold for 48 hours."),
        _make_order(rng, "100240", DEMO_EMAIL, jane, OrderStatus.SHIPPED, 9, products, now,
                    item_skus=("PC-3003",), late=True),
    ]
    statuses = [OrderStatus.PLACED, OrderStatus.PROCESSING, OrderStatus.SHIPPED,
                OrderStatus.DELIVERED, OrderStatus.DELIVERED, OrderStatus.DELIVERED,
                OrderStatus.CANCELLED]
    number = 100300
    for i in range(1, 40):
        name = f"{_FIRST[i % len(_FIRST)]} {_LAST[(i * 7) % len(_LAST)]}"
        email = f"{name.lower().replace(' ', '.')}{i}@example.com"
        for _ in range(rng.randint(1, 4)):
            number += rng.randint(1, 9)
            status = rng.choice(statuses)
            age = {OrderStatus.PLACED: 0, OrderStatus.PROCESSING: 1, OrderStatus.SHIPPED: 3}.get(
                status, rng.randint(5, 120)
            )
            orders.append(_make_order(rng, str(number), email, name, status, age, products, now))
    return orders


def seed_database(engine: Engine, now: datetime) -> bool:
    """Create the tables and load the seed data, dated from ``now``, if the store is empty.

    Returns:
        True if data was inserted, False if the store already had products.
    """
    Base.metadata.create_all(engine)
    with Session(engine) as session, session.begin():
        if session.scalar(select(func.count()).select_from(ProductRow)):
            return False
        for p in CATALOGUE:
            session.add(ProductRow(sku=p.sku, name=p.name, category=p.category,
                                   price_cents=p.price_cents, description=p.description,
                                   sizes=list(p.sizes), colours=list(p.colours),
                                   features=list(p.features), stock=p.stock))
        add_orders(session, demo_orders(now))
        mark_seeded(session, now)
    return True


def mark_seeded(session: Session, now: datetime) -> None:
    """Record when the demo data was (re)seeded."""
    session.merge(StoreMetaRow(key=DEMO_SEEDED_AT, value=now.isoformat()))


def add_orders(session: Session, orders: list[Order]) -> None:
    """Insert ``orders``, creating their customers (or reusing those already stored)."""
    customers = {c.email: c for c in session.scalars(select(CustomerRow))}
    for order in orders:
        customer = customers.get(order.customer_email)
        if customer is None:
            customer = CustomerRow(name=order.customer_name, email=order.customer_email)
            customers[order.customer_email] = customer
            session.add(customer)
        row = OrderRow(number=order.number, customer=customer, status=order.status.value,
                       placed_at=order.placed_at, shipping_address=order.shipping_address,
                       total_cents=order.total_cents,
                       payment_status=order.payment_status.value,
                       payment_method=order.payment_method, payment_note=order.payment_note)
        row.items = [OrderItemRow(sku=i.sku, name=i.name, quantity=i.quantity,
                                  unit_price_cents=i.unit_price_cents, size=i.size,
                                  colour=i.colour) for i in order.items]
        if order.shipment:
            s = order.shipment
            row.shipment = ShipmentRow(carrier=s.carrier, tracking_number=s.tracking_number,
                                       status=s.status, shipped_on=s.shipped_on,
                                       estimated_delivery=s.estimated_delivery,
                                       delivered_on=s.delivered_on, last_event=s.last_event)
        session.add(row)
