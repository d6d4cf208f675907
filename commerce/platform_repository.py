"""What every e-commerce platform adapter shares: the composite behind ``StoreRepository``.

``StoreRepository`` holds two kinds of data. The company's *order data* (orders, items,
shipments, payments, products) lives in its platform and is read and changed there by a
subclass (``ShopifyStoreRepository``, ``WooCommerceStoreRepository``). Our own *support
records* (handoff tickets and their waits, feedback, ratings, photos) stay in our database
whatever the platform: this class hands them to the SQL repository it wraps. So the protocol,
``StoreService`` and the flows stay exactly as they are.

What a platform's API cannot do raises :class:`PlatformLimitError`, which the actions turn
into a ticket for the team and a plain "a person will do this" to the customer. Returns are
such a thing on both platforms (Shopify's REST API has no returns resource — returns exist
only in its GraphQL API — and WooCommerce has none at all), so ``add_return`` refuses here.

A subclass implements the order part: ``get_order``, ``_orders_for_email``,
``set_order_status``, ``set_shipping_address`` and ``_products``; the contract suite
(``tests/unit/test_store_repository_contract.py``) is its checklist.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
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
from commerce.repository import StoreRepository
from shopdesk.clock import Clock
from shopdesk.errors import PlatformLimitError

PRODUCTS_TTL_S = 300.0   # the catalogue changes rarely; product questions should not cost a call
ORDERS_TTL_S = 60.0      # a customer's order list for the console's queue and profile panel
_SIZE = re.compile(r"(?i)^(xxs|xs|s|m|l|xl|xxl|xxxl|one size|\d{1,3}(\.\d)?|(uk|eu|us) ?\d{1,2})$")
_POSTCODE = re.compile(r"(?i)(?:^|\s+)([A-Z]{1,2}\d[A-Z\d]?\s*\d[A-Z]{2}|\d{4,6}(-\d{4})?)$")


@dataclass(frozen=True)
class AddressParts:
    """A customer's free-text address, cut into the fields platforms keep."""

    line1: str
    line2: str
    city: str
    postcode: str


def split_address(text: str) -> AddressParts:
    """Cut "12 Oak Lane, Flat 2, Leeds LS2 9JT" into street lines, city and postcode.

    The country is not read from the text: an order keeps its country (a customer moving a
    parcel abroad is a job for a person).

    Raises:
        PlatformLimitError: too little to fill the platform's fields safely (one line only).
    """
    parts = [p.strip() for p in re.split(r"[,\n]", text) if p.strip()]
    if len(parts) < 2:
        raise PlatformLimitError(f"change the delivery address to one the form can't hold: "
                                 f"{text[:200]}")
    last = parts[-1]
    match = _POSTCODE.search(last)
    if match and last[:match.start()].strip():
        city, postcode = last[:match.start()].strip(), match.group(1).upper()
    elif match:  # "York, YO1 7HH": the postcode on its own after the city
        if len(parts) < 3:
            raise PlatformLimitError(f"change the delivery address to: {text[:200]}")
        city, postcode, parts = parts[-2], match.group(1).upper(), parts[:-1]
    else:
        city, postcode = last, ""
    return AddressParts(parts[0], ", ".join(parts[1:-1]), city, postcode)


def join_address(*lines: str) -> str:
    """One line of an address from its fields, blanks skipped: "12 Oak Lane, Leeds LS2 9JT"."""
    return ", ".join(" ".join(line.split()) for line in lines if line and line.strip())


def size_and_colour(variant: str, product: Product | None = None) -> tuple[str, str]:
    """("M", "navy") from a variant title such as "M / navy": by the product's own sizes and
    colours when it is known, else by the look of the words (Shopify joins the options with
    " / ", so "grey/lime" stays one colour)."""
    size = colour = ""
    for part in (p.strip() for p in variant.split(" / ") if p.strip()):
        if product is not None and (part in product.sizes or part in product.colours):
            is_size = part in product.sizes
        else:
            is_size = bool(_SIZE.match(part))
        if is_size and not size:
            size = part
        elif not is_size and not colour:
            colour = part
    return size, colour


def plain_text(html: str) -> str:
    """Product descriptions come as HTML; the bot speaks plain text."""
    return " ".join(re.sub(r"<[^>]+>", " ", html or "").replace("&amp;", "&").split())


def cents(amount: object) -> int:
    """Platforms send money as decimal strings ("189.00"); we count whole pence."""
    try:
        return round(float(str(amount or "0")) * 100)
    except ValueError:
        return 0


class PlatformStoreRepository:
    """Order data from the platform (subclasses), support records from ``support``."""

    platform = "platform"

    def __init__(self, support: StoreRepository, clock: Clock) -> None:
        self.support = support
        self._clock = clock
        self._lock = threading.Lock()
        self._products: tuple[float, list[Product]] | None = None
        self._orders: dict[str, tuple[float, list[Order]]] = {}

    # --- the order part: subclasses ----------------------------------------------------------

    def get_order(self, number: str) -> Order | None:
        raise NotImplementedError

    def set_order_status(self, number: str, status: OrderStatus) -> Order:
        raise NotImplementedError

    def set_shipping_address(self, number: str, address: str) -> Order:
        raise NotImplementedError

    def _orders_for_email(self, email: str) -> list[Order]:
        raise NotImplementedError

    def _fetch_products(self) -> list[Product]:
        raise NotImplementedError

    # --- shared order behaviour --------------------------------------------------------------

    def orders_for_email(self, email: str) -> list[Order]:
        """Newest first; kept for a minute (the console asks for every waiting customer)."""
        wanted = email.strip().lower()
        now = self._clock().timestamp()
        with self._lock:
            cached = self._orders.get(wanted)
        if cached is not None and now - cached[0] < ORDERS_TTL_S:
            return list(cached[1])
        found = [o for o in self._orders_for_email(wanted) if o.customer_email.lower() == wanted]
        found.sort(key=lambda o: o.placed_at, reverse=True)
        with self._lock:
            if len(self._orders) > 1000:
                self._orders.clear()
            self._orders[wanted] = (now, found)
        return list(found)

    def _changed(self, order: Order) -> Order:
        """Forget the cached list of the order's customer after a change."""
        with self._lock:
            self._orders.pop(order.customer_email.lower(), None)
        return order

    def list_products(self) -> list[Product]:
        now = self._clock().timestamp()
        with self._lock:
            cached = self._products
        if cached is not None and now - cached[0] < PRODUCTS_TTL_S:
            return list(cached[1])
        products = sorted(self._fetch_products(), key=lambda p: p.sku)
        with self._lock:
            self._products = (now, products)
        return list(products)

    def add_return(self, request: ReturnRequest) -> ReturnRequest:
        raise PlatformLimitError(
            f"open a return of the {request.item_name} ({request.sku}) from order "
            f"{request.order_number}, refund {request.refund_cents / 100:.2f}: "
            f"{request.reason[:200]}")

    def returns_for_order(self, number: str) -> list[ReturnRequest]:
        return []  # returns are opened by the team in the platform (see add_return)

    # --- the support part: our database ------------------------------------------------------

    def add_handoff(self, ticket: HandoffTicket) -> HandoffTicket:
        return self.support.add_handoff(ticket)

    def handoffs_for_sender(self, sender_id: str) -> list[HandoffTicket]:
        return self.support.handoffs_for_sender(sender_id)

    def set_handoff_status(self, ticket: str, status: str) -> HandoffTicket:
        return self.support.set_handoff_status(ticket, status)

    def handoffs_since(self, since: datetime) -> list[HandoffTicket]:
        return self.support.handoffs_since(since)

    def open_handoffs(self) -> list[HandoffTicket]:
        return self.support.open_handoffs()

    def mark_handoff_claimed(self, ticket: str, at: datetime) -> None:
        self.support.mark_handoff_claimed(ticket, at)

    def handoff_waits(self, since: datetime) -> list[tuple[datetime, datetime]]:
        return self.support.handoff_waits(since)

    def add_feedback(self, sender_id: str, kind: str, text: str,
                     created_at: datetime) -> FeedbackEntry:
        return self.support.add_feedback(sender_id, kind, text, created_at)

    def feedback_for_sender(self, sender_id: str) -> list[FeedbackEntry]:
        return self.support.feedback_for_sender(sender_id)

    def add_rating(self, rating: Rating) -> Rating:
        return self.support.add_rating(rating)

    def set_rating_comment(self, rating_id: int, comment: str) -> None:
        self.support.set_rating_comment(rating_id, comment)

    def ratings(self, since: datetime | None = None) -> list[Rating]:
        return self.support.ratings(since)

    def add_photo(self, photo: Photo) -> Photo:
        return self.support.add_photo(photo)

    def get_photo(self, photo_id: str) -> Photo | None:
        return self.support.get_photo(photo_id)

    def photos_for_sender(self, sender_id: str) -> list[Photo]:
        return self.support.photos_for_sender(sender_id)

    def link_photos(self, sender_id: str, case_ref: str) -> int:
        return self.support.link_photos(sender_id, case_ref)
