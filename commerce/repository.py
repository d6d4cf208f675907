"""The storage seam for the store's data."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

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


class StoreRepository(Protocol):
    """Plain storage: reads and writes, no business rules (see ``StoreService``).

    Every method raises :class:`shopdesk.errors.StoreUnavailableError` when the
    backing store cannot be reached. A store on a company's e-commerce platform raises
    :class:`shopdesk.errors.PlatformLimitError` for a change its API cannot make (a return,
    a refused address change): the flows hand those to a person
    (``commerce.platform_repository``).
    """

    def get_order(self, number: str) -> Order | None: ...

    def orders_for_email(self, email: str) -> list[Order]: ...

    def set_order_status(self, number: str, status: OrderStatus) -> Order: ...

    def set_shipping_address(self, number: str, address: str) -> Order: ...

    def add_return(self, request: ReturnRequest) -> ReturnRequest: ...

    def returns_for_order(self, number: str) -> list[ReturnRequest]: ...

    def list_products(self) -> list[Product]: ...

    def add_handoff(self, ticket: HandoffTicket) -> HandoffTicket: ...

    def handoffs_for_sender(self, sender_id: str) -> list[HandoffTicket]: ...

    def set_handoff_status(self, ticket: str, status: str) -> HandoffTicket:
        """Raises NotFoundError for an unknown ticket."""
        ...

    def handoffs_since(self, since: datetime) -> list[HandoffTicket]:
        """Every ticket created at or after ``since``, whatever its status, oldest first."""
        ...

    def open_handoffs(self) -> list[HandoffTicket]:
        """Every ticket still waiting for a person (status "queued"), oldest first."""
        ...

    def mark_handoff_claimed(self, ticket: str, at: datetime) -> None:
        """A person claimed the ticket at ``at``; only the first claim counts (a ticket released
        and claimed again waited until the first). Raises NotFoundError for an unknown ticket."""
        ...

    def handoff_waits(self, since: datetime) -> list[tuple[datetime, datetime]]:
        """(asked for, first claimed) of every claimed ticket asked for at or after ``since``,
        oldest first."""
        ...

    def add_feedback(self, sender_id: str, kind: str, text: str,
                     created_at: datetime) -> FeedbackEntry: ...

    def feedback_for_sender(self, sender_id: str) -> list[FeedbackEntry]: ...

    def add_rating(self, rating: Rating) -> Rating:
        """Stores it with a new id (the ``id`` given is ignored)."""
        ...

    def set_rating_comment(self, rating_id: int, comment: str) -> None: ...

    def ratings(self, since: datetime | None = None) -> list[Rating]:
        """Oldest first."""
        ...

    def add_photo(self, photo: Photo) -> Photo: ...

    def get_photo(self, photo_id: str) -> Photo | None: ...

    def photos_for_sender(self, sender_id: str) -> list[Photo]: ...

    def link_photos(self, sender_id: str, case_ref: str) -> int:
        """Give the sender's photos that belong to no case yet to ``case_ref``; how many."""
        ...
