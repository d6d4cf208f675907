"""Business rules of the demo store, shared by every storage backend."""

from __future__ import annotations

import difflib
import re
import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from commerce.photos import make_inert
from commerce.records import (
    FeedbackEntry,
    HandoffTicket,
    Order,
    OrderItem,
    OrderStatus,
    Photo,
    Product,
    Rating,
    ReturnRequest,
)
from commerce.repository import StoreRepository
from shopdesk.clock import Clock
from shopdesk.errors import InvalidRequestError, NotFoundError
from shopdesk.redact import redact

RETURN_WINDOW_DAYS = 30
WARRANTY_YEARS = 2  # own-brand products, against manufacturing faults
REPAIR_FROM = "£15"
ORDER_NUMBER = re.compile(r"^[1-9]\d{5}$")
EMAIL = re.compile(r"^[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9.-]{1,253}\.[A-Za-z]{2,24}$")
_FIELD_LIMIT = 500
MAX_PHOTOS_PER_CONVERSATION = 10


def normalise_order_number(text: str | None) -> str | None:
    """Turn '#100234', 'order no. 100 234' or ' 100234 ' into '100234'; None if not one."""
    if not text:
        return None
    digits = re.sub(r"\D", "", str(text)[:40])
    return digits if ORDER_NUMBER.match(digits) else None


def normalise_email(text: str | None) -> str | None:
    if not text:
        return None
    candidate = str(text).strip().strip("<>.,;").lower()
    return candidate if EMAIL.match(candidate) else None


def money(cents: int) -> str:
    return f"£{cents / 100:,.2f}"


@dataclass(frozen=True)
class FaultRemedy:
    """What the store's policy offers for a faulty, damaged or wrong item of one order."""

    kind: str  # "replace_or_refund" (inside the return window), "warranty", "repair_service"
    policy: str  # the sentence the customer is told
    opens_claim: bool  # whether a replacement/refund or warranty claim is opened


@dataclass(frozen=True)
class ReturnEligibility:
    allowed: bool
    reason: str
    days_left: int = 0


class StoreService:
    """What the assistant may do with the store's data, and the rules for it.

    ``clock`` is the product's one clock (:mod:`shopdesk.clock`): return windows, delivery
    wording and the records this service creates all read the time from it.
    """

    def __init__(self, repository: StoreRepository, clock: Clock) -> None:
        self._repo = repository
        self._clock = clock

    def today(self) -> date:
        """The store's current day, by the injected clock."""
        return self._clock().date()

    # --- lookups -------------------------------------------------------------------------

    def find_order(self, number: str | None) -> Order | None:
        normalised = normalise_order_number(number)
        return self._repo.get_order(normalised) if normalised else None

    def order_for_customer(self, number: str | None, email: str | None) -> Order:
        """The order, if it exists and was placed with this e-mail address.

        Raises:
            NotFoundError: no such order for that address (we do not reveal which part is wrong).
        """
        order = self.find_order(number)
        wanted = normalise_email(email)
        if order is None or wanted is None or order.customer_email.lower() != wanted:
            raise NotFoundError("no order with that number for that e-mail address")
        return order

    def recent_orders(self, email: str | None, limit: int = 5) -> list[Order]:
        wanted = normalise_email(email)
        return self._repo.orders_for_email(wanted)[:limit] if wanted else []

    def products(self) -> list[Product]:
        return self._repo.list_products()

    def match_products(self, text: str, limit: int = 3) -> list[Product]:
        """Products whose name best matches the free text (typos tolerated)."""
        query = _words(text)
        if not query:
            return []
        scored: list[tuple[float, Product]] = []
        for product in self._repo.list_products():
            name_words = _words(product.name)
            hits = 0.0
            for word in name_words:
                if word in query:
                    hits += 1
                elif difflib.get_close_matches(word, query, n=1, cutoff=0.8):
                    hits += 0.8
            score = hits / max(len(name_words), 1)
            if score >= 0.5:
                scored.append((score, product))
        scored.sort(key=lambda pair: (-pair[0], pair[1].sku))
        return [p for _, p in scored[:limit]]

    # --- rules ---------------------------------------------------------------------------

    @staticmethod
    def can_cancel(order: Order) -> bool:
        return order.status in (OrderStatus.PLACED, OrderStatus.PROCESSING)

    @staticmethod
    def can_change_address(order: Order) -> bool:
        return order.status in (OrderStatus.PLACED, OrderStatus.PROCESSING)

    def return_eligibility(self, order: Order) -> ReturnEligibility:
        if order.status is OrderStatus.CANCELLED:
            return ReturnEligibility(False, "this order was cancelled, so there is nothing to return")
        if order.status is not OrderStatus.DELIVERED or order.shipment is None:
            return ReturnEligibility(
                False, "this order hasn't been delivered yet — you can return it once it arrives"
            )
        delivered = order.shipment.delivered_on or order.shipment.estimated_delivery
        deadline = delivered + timedelta(days=RETURN_WINDOW_DAYS)
        days_left = (deadline - self.today()).days
        if days_left < 0:
            return ReturnEligibility(
                False,
                f"it was delivered on {delivered:%d %B %Y}, more than {RETURN_WINDOW_DAYS} days ago",
            )
        return ReturnEligibility(True, "", days_left)

    def fault_remedy(self, order: Order) -> FaultRemedy:
        """Which policy applies to a fault in ``order``, by the days since it was delivered.

        Raises:
            InvalidRequestError: the order was cancelled or has not been delivered yet.
        """
        if order.status is OrderStatus.CANCELLED:
            raise InvalidRequestError("this order was cancelled, so nothing from it was sent")
        if order.status is not OrderStatus.DELIVERED or order.shipment is None:
            raise InvalidRequestError("this order hasn't been delivered yet")
        delivered = order.shipment.delivered_on or order.shipment.estimated_delivery
        age = (self.today() - delivered).days
        if age <= RETURN_WINDOW_DAYS:
            return FaultRemedy(
                "replace_or_refund",
                f"It arrived less than {RETURN_WINDOW_DAYS} days ago, so you can choose a "
                "replacement or a full refund, including the original delivery cost.", True)
        if delivered + timedelta(days=365 * WARRANTY_YEARS) >= self.today():
            return FaultRemedy(
                "warranty",
                f"It's covered by our {WARRANTY_YEARS}-year warranty against manufacturing "
                "faults (lifetime on tent poles and backpack frames): we'll repair or replace "
                "it free of charge once we've checked the fault.", True)
        return FaultRemedy(
            "repair_service",
            f"It was delivered on {delivered:%d %B %Y}, so it's past the {WARRANTY_YEARS}-year "
            f"warranty — but our repair service can fix zips, tears and seams from {REPAIR_FROM}.",
            False)

    def open_fault_claim(self, number: str, email: str, item_text: str,
                         description: str) -> tuple[ReturnRequest, FaultRemedy]:
        """Open a replacement/refund or warranty claim for a faulty, damaged or wrong item.

        Raises:
            NotFoundError: no such order for this e-mail, or no such item in it.
            InvalidRequestError: not delivered, cancelled, past the warranty, or already claimed.
        """
        order = self.order_for_customer(number, email)
        remedy = self.fault_remedy(order)
        if not remedy.opens_claim:
            raise InvalidRequestError(remedy.policy)
        warranty = remedy.kind == "warranty"
        request = self._open_return(order, item_text, "faulty: " + description,
                                    "W" if warranty else "R",
                                    "warranty_claim" if warranty else "faulty_awaiting_parcel")
        return request, remedy

    @staticmethod
    def match_item(order: Order, text: str | None) -> OrderItem | None:
        """The order line the customer means ('the boots', 'blue fleece', a SKU)."""
        if not text:
            return None
        wanted = _words(text)
        lowered = text.lower()
        best: tuple[float, OrderItem | None] = (0.0, None)
        for item in order.items:
            if item.sku.lower() in lowered:
                return item
            name = _words(item.name)
            hits = sum(
                1.0 if w in wanted else (0.8 if difflib.get_close_matches(w, wanted, 1, 0.8) else 0)
                for w in name
            )
            score = hits / max(len(name), 1)
            if score > best[0]:
                best = (score, item)
        if best[0] > 0:
            return best[1]
        if len(order.items) == 1 and lowered.strip() in {"it", "the item", "that", "everything"}:
            return order.items[0]
        return None

    # --- changes -------------------------------------------------------------------------

    def cancel(self, number: str, email: str) -> Order:
        order = self.order_for_customer(number, email)
        if not self.can_cancel(order):
            raise InvalidRequestError(f"order {order.number} is {order.status.value}")
        return self._repo.set_order_status(order.number, OrderStatus.CANCELLED)

    def change_address(self, number: str, email: str, address: str) -> Order:
        order = self.order_for_customer(number, email)
        if not self.can_change_address(order):
            raise InvalidRequestError(f"order {order.number} is {order.status.value}")
        clean = " ".join(address.split())[:_FIELD_LIMIT]
        return self._repo.set_shipping_address(order.number, clean)

    def create_return(self, number: str, email: str, item_text: str, reason: str) -> ReturnRequest:
        order = self.order_for_customer(number, email)
        eligibility = self.return_eligibility(order)
        if not eligibility.allowed:
            raise InvalidRequestError(eligibility.reason)
        return self._open_return(order, item_text, reason, "R", "awaiting_parcel")

    def _open_return(self, order: Order, item_text: str, reason: str, prefix: str,
                     status: str) -> ReturnRequest:
        """A return or claim for the order line ``item_text`` names (one open per line)."""
        item = self.match_item(order, item_text)
        if item is None:
            raise NotFoundError(f"no item matching {item_text[:60]!r} in order {order.number}")
        if any(r.sku == item.sku for r in self._repo.returns_for_order(order.number)):
            raise InvalidRequestError(f"a return or claim for the {item.name} is already open")
        return self._repo.add_return(ReturnRequest(
            rma=f"{prefix}{secrets.randbelow(10**7):07d}",
            order_number=order.number,
            sku=item.sku,
            item_name=item.name,
            reason=" ".join(reason.split())[:_FIELD_LIMIT],
            refund_cents=item.unit_price_cents * item.quantity,
            created_at=self._clock(),
            status=status,
        ))

    def record_handoff(self, sender_id: str, reason: str, summary: str) -> HandoffTicket:
        ticket = HandoffTicket(
            ticket=f"H{secrets.randbelow(10**6):06d}",
            sender_id=sender_id[:200],
            reason=reason[:60],
            summary=summary[:4000],
            created_at=self._clock(),
        )
        return self._repo.add_handoff(ticket)

    def close_handoff(self, ticket: str) -> HandoffTicket:
        """A person finished with the conversation (handed it back to the bot)."""
        return self._repo.set_handoff_status(ticket, "closed")

    def handoffs_between(self, since: datetime) -> list[HandoffTicket]:
        """Every ticket since ``since`` (the dashboard's handoff and containment counts)."""
        return self._repo.handoffs_since(since)

    def handoff_claimed(self, ticket: str) -> None:
        """A person claimed the ticket now (the first claim is its measured wait)."""
        self._repo.mark_handoff_claimed(ticket, self._clock())

    def handoff_waits(self, since: datetime) -> list[tuple[datetime, datetime]]:
        """(asked for, first claimed) of the claimed tickets asked for since ``since``."""
        return self._repo.handoff_waits(since)

    def waiting_handoffs(self) -> list[HandoffTicket]:
        """Every conversation waiting for a person, oldest first (the agents' queue)."""
        return self._repo.open_handoffs()

    def open_handoff(self, sender_id: str) -> HandoffTicket | None:
        queued = [t for t in self._repo.handoffs_for_sender(sender_id) if t.status == "queued"]
        return queued[-1] if queued else None

    def record_feedback(self, sender_id: str, kind: str, text: str) -> FeedbackEntry:
        if kind not in {"feedback", "complaint"}:
            raise InvalidRequestError(f"unknown feedback kind {kind!r}")
        # feedback feeds analytics: personal data is redacted before it is stored
        return self._repo.add_feedback(sender_id[:200], kind, redact(text[:4000]), self._clock())

    # --- ratings (CSAT) ---------------------------------------------------------------------

    def record_rating(self, sender_id: str, score: int, agent: str = "", topic: str = ""
                      ) -> Rating:
        if not isinstance(score, int) or not 1 <= score <= 5:
            raise InvalidRequestError("a rating is a whole number from 1 to 5")
        return self._repo.add_rating(Rating(0, sender_id[:200], score, self._clock(),
                                            agent[:120], topic[:60]))

    def comment_rating(self, rating_id: int, comment: str) -> None:
        """The customer's words after their rating, redacted like all feedback."""
        self._repo.set_rating_comment(rating_id, redact(" ".join(comment.split())[:1000]))

    def ratings(self, since: datetime | None = None) -> list[Rating]:
        return self._repo.ratings(since)

    def rated(self, sender_id: str) -> bool:
        return any(r.sender_id == sender_id for r in self._repo.ratings())

    # --- photos --------------------------------------------------------------------------

    def attach_photo(self, sender_id: str, raw: bytes, max_bytes: int) -> Photo:
        """Store a photo the customer attached, made inert first (``commerce.photos``).

        Raises:
            InvalidRequestError: not a photo we accept (the message says why), or too many.
        """
        inert = make_inert(raw, max_bytes)
        if len(self._repo.photos_for_sender(sender_id)) >= MAX_PHOTOS_PER_CONVERSATION:
            raise InvalidRequestError(f"A conversation can hold at most "
                                      f"{MAX_PHOTOS_PER_CONVERSATION} photos.")
        return self._repo.add_photo(Photo(
            id=f"P{secrets.token_hex(8).upper()}", sender_id=sender_id[:200],
            content_type=inert.content_type, data=inert.data, width=inert.width,
            height=inert.height, created_at=self._clock()))

    def photo_of(self, sender_id: str, photo_id: str) -> Photo | None:
        """The photo, if it was attached in this conversation (ids of others are refused)."""
        photo = self._repo.get_photo(photo_id) if isinstance(photo_id, str) else None
        return photo if photo is not None and photo.sender_id == sender_id else None

    def photo_by_id(self, photo_id: str) -> Photo | None:
        """Any conversation's photo (for staff, behind the admin token)."""
        return self._repo.get_photo(photo_id)

    def photos(self, sender_id: str) -> list[Photo]:
        return self._repo.photos_for_sender(sender_id)

    def link_photos(self, sender_id: str, case_ref: str) -> int:
        """The conversation's photos that belong to no case yet now belong to ``case_ref``."""
        return self._repo.link_photos(sender_id, case_ref)


def _words(text: str) -> list[str]:
    return [w for w in re.findall(r"[a-z0-9]+", text.lower()[:2000]) if len(w) > 1]
