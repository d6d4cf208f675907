"""An in-memory ``StoreRepository`` for unit tests and quick demos."""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Iterable
from datetime import datetime

from commerce.records import (
    FeedbackEntry,
    HandoffTicket,
    Order,
    OrderStatus,
    Photo,
    Product,
    Rating,
    ReturnRequest,
)
from shopdesk.errors import NotFoundError


class InMemoryStoreRepository:
    """Keeps everything in dictionaries guarded by one lock."""

    def __init__(self, products: Iterable[Product] = (), orders: Iterable[Order] = ()) -> None:
        self._lock = threading.Lock()
        self._products = {p.sku: p for p in products}
        self._orders = {o.number: o for o in orders}
        self._returns: list[ReturnRequest] = []
        self._handoffs: list[HandoffTicket] = []
        self._claimed: dict[str, tuple[datetime, datetime]] = {}  # ticket -> (asked, claimed)
        self._feedback: list[FeedbackEntry] = []
        self._photos: dict[str, Photo] = {}
        self._ratings: list[Rating] = []

    def get_order(self, number: str) -> Order | None:
        with self._lock:
            return self._orders.get(number)

    def orders_for_email(self, email: str) -> list[Order]:
        wanted = email.strip().lower()
        with self._lock:
            found = [o for o in self._orders.values() if o.customer_email.lower() == wanted]
        return sorted(found, key=lambda o: o.placed_at, reverse=True)

    def _replace(self, number: str, **changes: object) -> Order:
        with self._lock:
            order = self._orders.get(number)
            if order is None:
                raise NotFoundError(f"order {number} does not exist")
            updated = dataclasses.replace(order, **changes)  # type: ignore[arg-type]
            self._orders[number] = updated
            return updated

    def set_order_status(self, number: str, status: OrderStatus) -> Order:
        return self._replace(number, status=status)

    def set_shipping_address(self, number: str, address: str) -> Order:
        return self._replace(number, shipping_address=address)

    def add_return(self, request: ReturnRequest) -> ReturnRequest:
        with self._lock:
            self._returns.append(request)
        return request

    def returns_for_order(self, number: str) -> list[ReturnRequest]:
        with self._lock:
            return [r for r in self._returns if r.order_number == number]

    def list_products(self) -> list[Product]:
        with self._lock:
            return sorted(self._products.values(), key=lambda p: p.sku)

    def add_handoff(self, ticket: HandoffTicket) -> HandoffTicket:
        with self._lock:
            self._handoffs.append(ticket)
        return ticket

    def handoffs_for_sender(self, sender_id: str) -> list[HandoffTicket]:
        with self._lock:
            return [t for t in self._handoffs if t.sender_id == sender_id]

    def set_handoff_status(self, ticket: str, status: str) -> HandoffTicket:
        with self._lock:
            for i, t in enumerate(self._handoffs):
                if t.ticket == ticket:
                    self._handoffs[i] = dataclasses.replace(t, status=status)
                    return self._handoffs[i]
        raise NotFoundError(f"no handoff ticket {ticket}")

    def handoffs_since(self, since: datetime) -> list[HandoffTicket]:
        with self._lock:
            found = [t for t in self._handoffs if t.created_at >= since]
        return sorted(found, key=lambda t: (t.created_at, t.ticket))

    def open_handoffs(self) -> list[HandoffTicket]:
        with self._lock:
            found = [t for t in self._handoffs if t.status == "queued"]
        return sorted(found, key=lambda t: (t.created_at, t.ticket))

    def mark_handoff_claimed(self, ticket: str, at: datetime) -> None:
        with self._lock:
            found = next((t for t in self._handoffs if t.ticket == ticket), None)
            if found is None:
                raise NotFoundError(f"no handoff ticket {ticket}")
            self._claimed.setdefault(ticket, (found.created_at, at))

    def handoff_waits(self, since: datetime) -> list[tuple[datetime, datetime]]:
        with self._lock:
            found = sorted((asked, claimed, ticket) for ticket, (asked, claimed)
                           in self._claimed.items() if asked >= since)
        return [(asked, claimed) for asked, claimed, _ in found]

    def add_feedback(self, sender_id: str, kind: str, text: str,
                     created_at: datetime) -> FeedbackEntry:
        with self._lock:
            entry = FeedbackEntry(
                id=len(self._feedback) + 1,
                sender_id=sender_id,
                kind=kind,
                text=text,
                created_at=created_at,
            )
            self._feedback.append(entry)
        return entry

    def feedback_for_sender(self, sender_id: str) -> list[FeedbackEntry]:
        with self._lock:
            return [f for f in self._feedback if f.sender_id == sender_id]

    def add_photo(self, photo: Photo) -> Photo:
        with self._lock:
            self._photos[photo.id] = photo
        return photo

    def get_photo(self, photo_id: str) -> Photo | None:
        with self._lock:
            return self._photos.get(photo_id)

    def photos_for_sender(self, sender_id: str) -> list[Photo]:
        with self._lock:
            found = [p for p in self._photos.values() if p.sender_id == sender_id]
        return sorted(found, key=lambda p: (p.created_at, p.id))

    def link_photos(self, sender_id: str, case_ref: str) -> int:
        with self._lock:
            loose = [p for p in self._photos.values() if p.sender_id == sender_id and not p.case_ref]
            for photo in loose:
                self._photos[photo.id] = dataclasses.replace(photo, case_ref=case_ref)
        return len(loose)

    def add_rating(self, rating: Rating) -> Rating:
        with self._lock:
            stored = dataclasses.replace(rating, id=len(self._ratings) + 1)
            self._ratings.append(stored)
        return stored

    def set_rating_comment(self, rating_id: int, comment: str) -> None:
        with self._lock:
            for i, r in enumerate(self._ratings):
                if r.id == rating_id:
                    self._ratings[i] = dataclasses.replace(r, comment=comment)

    def ratings(self, since: datetime | None = None) -> list[Rating]:
        with self._lock:
            return [r for r in self._ratings if since is None or r.created_at >= since]
