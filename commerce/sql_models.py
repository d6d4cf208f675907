"""SQLAlchemy 2.x tables for the store's data."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Date, DateTime, ForeignKey, Integer, LargeBinary, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class Base(DeclarativeBase):
    pass


class CustomerRow(Base):
    __tablename__ = "store_customers"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(320), unique=True, index=True)
    orders: Mapped[list[OrderRow]] = relationship(back_populates="customer")


class ProductRow(Base):
    __tablename__ = "store_products"

    sku: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    category: Mapped[str] = mapped_column(String(80))
    price_cents: Mapped[int] = mapped_column(Integer)
    description: Mapped[str] = mapped_column(Text)
    sizes: Mapped[list[str]] = mapped_column(JSON, default=list)
    colours: Mapped[list[str]] = mapped_column(JSON, default=list)
    features: Mapped[list[str]] = mapped_column(JSON, default=list)
    stock: Mapped[int] = mapped_column(Integer, default=0)


class OrderRow(Base):
    __tablename__ = "store_orders"

    number: Mapped[str] = mapped_column(String(16), primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("store_customers.id"), index=True)
    status: Mapped[str] = mapped_column(String(20))
    placed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    shipping_address: Mapped[str] = mapped_column(String(500))
    total_cents: Mapped[int] = mapped_column(Integer)
    payment_status: Mapped[str] = mapped_column(String(30))
    payment_method: Mapped[str] = mapped_column(String(60))
    payment_note: Mapped[str] = mapped_column(String(500), default="")

    customer: Mapped[CustomerRow] = relationship(back_populates="orders")
    items: Mapped[list[OrderItemRow]] = relationship(
        back_populates="order", cascade="all, delete-orphan", order_by="OrderItemRow.id"
    )
    shipment: Mapped[ShipmentRow | None] = relationship(
        back_populates="order", cascade="all, delete-orphan", uselist=False
    )


class OrderItemRow(Base):
    __tablename__ = "store_order_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_number: Mapped[str] = mapped_column(ForeignKey("store_orders.number"), index=True)
    sku: Mapped[str] = mapped_column(ForeignKey("store_products.sku"))
    name: Mapped[str] = mapped_column(String(200))
    quantity: Mapped[int] = mapped_column(Integer)
    unit_price_cents: Mapped[int] = mapped_column(Integer)
    size: Mapped[str] = mapped_column(String(20), default="")
    colour: Mapped[str] = mapped_column(String(40), default="")
    order: Mapped[OrderRow] = relationship(back_populates="items")


class ShipmentRow(Base):
    __tablename__ = "store_shipments"

    order_number: Mapped[str] = mapped_column(ForeignKey("store_orders.number"), primary_key=True)
    carrier: Mapped[str] = mapped_column(String(60))
    tracking_number: Mapped[str] = mapped_column(String(60))
    status: Mapped[str] = mapped_column(String(40))
    shipped_on: Mapped[date] = mapped_column(Date)
    estimated_delivery: Mapped[date] = mapped_column(Date)
    delivered_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    last_event: Mapped[str] = mapped_column(String(300), default="")
    order: Mapped[OrderRow] = relationship(back_populates="shipment")


class ReturnRow(Base):
    __tablename__ = "store_returns"

    rma: Mapped[str] = mapped_column(String(20), primary_key=True)
    order_number: Mapped[str] = mapped_column(ForeignKey("store_orders.number"), index=True)
    sku: Mapped[str] = mapped_column(String(32))
    item_name: Mapped[str] = mapped_column(String(200))
    reason: Mapped[str] = mapped_column(String(500))
    refund_cents: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    status: Mapped[str] = mapped_column(String(30))


class HandoffRow(Base):
    __tablename__ = "support_handoffs"

    ticket: Mapped[str] = mapped_column(String(20), primary_key=True)
    sender_id: Mapped[str] = mapped_column(String(200), index=True)
    reason: Mapped[str] = mapped_column(String(60))
    summary: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    status: Mapped[str] = mapped_column(String(20))


class HandoffWaitRow(Base):
    """How long a handoff waited: when it was asked for and when a person first claimed it.
    No customer data (the ticket is a random number), so it outlives the ticket's erasure."""

    __tablename__ = "support_handoff_waits"

    ticket: Mapped[str] = mapped_column(String(20), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    claimed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class RatingRow(Base):
    __tablename__ = "support_ratings"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    sender_id: Mapped[str] = mapped_column(String(200), index=True)
    score: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    agent: Mapped[str] = mapped_column(String(120), default="")
    topic: Mapped[str] = mapped_column(String(60), default="")
    comment: Mapped[str] = mapped_column(Text, default="")


class PhotoRow(Base):
    __tablename__ = "support_photos"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    sender_id: Mapped[str] = mapped_column(String(200), index=True)
    content_type: Mapped[str] = mapped_column(String(40))
    data: Mapped[bytes] = mapped_column(LargeBinary)
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    case_ref: Mapped[str] = mapped_column(String(40), default="")


class FeedbackRow(Base):
    __tablename__ = "support_feedback"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    sender_id: Mapped[str] = mapped_column(String(200), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class StoreMetaRow(Base):
    """Facts about the store's data itself, e.g. ``demo_seeded_at`` (ISO 8601, UTC)."""

    __tablename__ = "store_meta"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(String(200))
