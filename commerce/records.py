"""Frozen value objects that cross the commerce boundary."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum


class OrderStatus(StrEnum):
    PLACED = "placed"
    PROCESSING = "processing"
    SHIPPED = "shipped"
    DELIVERED = "delivered"
    CANCELLED = "cancelled"


class PaymentStatus(StrEnum):
    AUTHORISED = "authorised"
    CAPTURED = "captured"
    DECLINED = "declined"
    REFUNDED = "refunded"
    PARTIALLY_REFUNDED = "partially_refunded"


@dataclass(frozen=True)
class Product:
    sku: str
    name: str
    category: str
    price_cents: int
    description: str
    sizes: tuple[str, ...] = ()
    colours: tuple[str, ...] = ()
    stock: int = 0
    features: tuple[str, ...] = ()


@dataclass(frozen=True)
class OrderItem:
    sku: str
    name: str
    quantity: int
    unit_price_cents: int
    size: str = ""
    colour: str = ""


@dataclass(frozen=True)
class Shipment:
    carrier: str
    tracking_number: str
    status: str
    shipped_on: date
    estimated_delivery: date
    delivered_on: date | None = None
    last_event: str = ""


@dataclass(frozen=True)
class Order:
    number: str
    customer_email: str
    customer_name: str
    status: OrderStatus
    placed_at: datetime
    shipping_address: str
    total_cents: int
    payment_status: PaymentStatus
    payment_method: str
    items: tuple[OrderItem, ...] = ()
    shipment: Shipment | None = None
    payment_note: str = ""


@dataclass(frozen=True)
class ReturnRequest:
    rma: str
    order_number: str
    sku: str
    item_name: str
    reason: str
    refund_cents: int
    created_at: datetime
    status: str = "awaiting_parcel"


@dataclass(frozen=True)
class HandoffTicket:
    ticket: str
    sender_id: str
    reason: str
    summary: str
    created_at: datetime
    status: str = "queued"


@dataclass(frozen=True)
class Photo:
    """A photo a customer attached, already made inert (``commerce.photos``). ``case_ref`` is
    the complaint (``C00012``) or return (an RMA) it belongs to, "" until one is opened."""

    id: str
    sender_id: str
    content_type: str
    data: bytes = field(repr=False)
    width: int
    height: int
    created_at: datetime
    case_ref: str = ""


@dataclass(frozen=True)
class Rating:
    """A customer's 1-5 rating of a conversation (CSAT), with who served them and the topic."""

    id: int
    sender_id: str
    score: int
    created_at: datetime
    agent: str = ""          # the person who took over, "" when the bot served alone
    topic: str = ""
    comment: str = ""


@dataclass(frozen=True)
class FeedbackEntry:
    id: int
    sender_id: str
    kind: str
    text: str
    created_at: datetime
