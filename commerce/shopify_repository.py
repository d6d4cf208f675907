"""``StoreRepository`` on a Shopify store's Admin REST API (support records in our database).

Calls (``/admin/api/<version>/…``, header ``X-Shopify-Access-Token``):

=============================================  ==============================  ===============
what                                           call                            access scope
=============================================  ==============================  ===============
an order by the number customers know          ``GET orders.json?name=%23N``   read_orders
its tracking events (ETA, delivered, last)     ``GET orders/ID/fulfillments/`` read_orders
                                               ``FID/events.json``
why a pending payment failed                   ``GET orders/ID/transactions``  read_orders
a customer's orders (console, panel)           ``GET customers/search.json``   read_customers
                                               ``GET customers/ID/orders``
cancel (refunding what was paid)               ``POST orders/ID/cancel.json``  write_orders
change the delivery address                    ``PUT orders/ID.json``          write_orders
the catalogue                                  ``GET products.json``           read_products
=============================================  ==============================  ===============

How Shopify's order maps onto ours: ``order_number`` (the ``name`` "#100234" without its
"#") is the number; ``cancelled_at`` → cancelled; a successful fulfilment → shipped, or
delivered once its ``shipment_status`` (or a tracking event) says so; otherwise paid →
processing, not yet paid → placed. ``financial_status``: paid / partially_paid → captured,
authorized / pending → authorised (declined when the last transaction failed),
refunded / voided → refunded, partially_refunded → partly refunded. Shopify's REST
fulfilment has no delivery estimate: the carrier's events give one
(``estimated_delivery_at``), else three days after shipping. Returns are not in the REST API
(only GraphQL), so they go to the team (:class:`PlatformLimitError`); so does an address
change Shopify refuses (the order was fulfilled meanwhile).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx

from commerce.platform_http import PlatformHttp, RetryPolicy, link_next
from commerce.platform_repository import (
    PlatformStoreRepository,
    cents,
    join_address,
    plain_text,
    size_and_colour,
    split_address,
)
from commerce.records import (
    Order,
    OrderItem,
    OrderStatus,
    PaymentStatus,
    Product,
    Shipment,
)
from commerce.repository import StoreRepository
from shopdesk.clock import Clock
from shopdesk.errors import InvalidRequestError, NotFoundError, PlatformLimitError
from shopdesk.settings import StoreBackend

DEFAULT_ETA_DAYS = 3
# a write Shopify refuses (422), or an app without write_orders (401/403): a person does it
WRITE_REFUSALS = (401, 403, 404, 422)
_GATEWAYS = {"shopify_payments": "card", "paypal": "PayPal", "manual": "manual payment",
             "gift_card": "gift card", "bogus": "test card"}


def leaky_bucket_pace(response: httpx.Response) -> float:
    """Seconds to wait before the next call, from ``X-Shopify-Shop-Api-Call-Limit: used/size``.

    Shopify's REST bucket leaks 2 calls a second (20 on Plus, where the bucket is 400); we
    keep a margin of 4 calls and, inside it, wait for enough to leak that the next call
    fits — a burst slows down instead of meeting 429s.
    """
    raw = response.headers.get("X-Shopify-Shop-Api-Call-Limit", "")
    try:
        used, size = (int(x) for x in raw.split("/", 1))
    except ValueError:
        return 0.0
    leak = 20.0 if size >= 400 else 2.0
    over = used - (size - 4)
    return (over + 1) / leak if over >= 0 else 0.0


def make_http(backend: StoreBackend, clock: Clock, transport: httpx.BaseTransport | None = None,
              policy: RetryPolicy | None = None, **kwargs: Any) -> PlatformHttp:
    """The client for the configured shop (the token only ever in its header)."""
    return PlatformHttp(f"{backend.url}/admin/api/{backend.api_version}", "Shopify", clock,
                        headers={"X-Shopify-Access-Token": backend.key.reveal()},
                        policy=policy, pace=leaky_bucket_pace, transport=transport, **kwargs)


class ShopifyStoreRepository(PlatformStoreRepository):
    """Orders and products from Shopify; support records from ``support`` (our database)."""

    platform = "Shopify"

    def __init__(self, http: PlatformHttp, support: StoreRepository, clock: Clock) -> None:
        super().__init__(support, clock)
        self.http = http

    # --- reads -------------------------------------------------------------------------------

    def _raw_order(self, number: str) -> dict[str, Any] | None:
        if not number.isdigit():
            return None  # only numbers are order numbers; nothing else is sent to Shopify
        for page in self.http.pages("orders.json", {"name": f"#{number}", "status": "any",
                                                    "limit": 50}, link_next):
            for raw in page.get("orders") or []:
                if str(raw.get("order_number")) == number:
                    return raw
        return None

    def get_order(self, number: str) -> Order | None:
        raw = self._raw_order(number)
        return self._order(raw) if raw is not None else None

    def _orders_for_email(self, email: str) -> list[Order]:
        found = self.http.get_json("customers/search.json",
                                   {"query": f"email:{email}", "fields": "id,email"}) or {}
        orders: list[Order] = []
        for customer in found.get("customers") or []:
            if str(customer.get("email") or "").lower() != email:
                continue
            for page in self.http.pages(f"customers/{int(customer['id'])}/orders.json",
                                        {"status": "any", "limit": 250}, link_next):
                orders.extend(self._order(raw) for raw in page.get("orders") or [])
        return orders

    def _fetch_products(self) -> list[Product]:
        products = []
        for page in self.http.pages("products.json", {"limit": 250}, link_next):
            for raw in page.get("products") or []:
                variants = raw.get("variants") or [{}]
                options = {str(o.get("name", "")).lower(): tuple(o.get("values") or ())
                           for o in raw.get("options") or []}
                tags = [t.strip() for t in str(raw.get("tags") or "").split(",") if t.strip()]
                products.append(Product(
                    sku=str(variants[0].get("sku") or raw.get("handle") or raw.get("id")),
                    name=str(raw.get("title") or ""),
                    category=str(raw.get("product_type") or "").lower(),
                    price_cents=cents(variants[0].get("price")),
                    description=plain_text(str(raw.get("body_html") or "")),
                    sizes=options.get("size", ()),
                    colours=options.get("colour") or options.get("color") or (),
                    stock=sum(int(v.get("inventory_quantity") or 0) for v in variants),
                    features=tuple(tags)))
        return products

    # --- changes -----------------------------------------------------------------------------

    def set_order_status(self, number: str, status: OrderStatus) -> Order:
        if status is not OrderStatus.CANCELLED:
            raise InvalidRequestError(f"Shopify sets an order's {status.value} status itself")
        raw = self._existing(number)
        body: dict[str, Any] = {"reason": "customer", "email": True}
        if raw.get("financial_status") in ("paid", "partially_paid", "partially_refunded"):
            # with an amount, Shopify refunds (or voids) the payment as it cancels
            body.update(amount=str(raw.get("total_price") or "0"),
                        currency=str(raw.get("currency") or "GBP"))
        status_code, answer = self.http.send_json(
            "POST", f"orders/{int(raw['id'])}/cancel.json", body, allow=WRITE_REFUSALS)
        if status_code == 404:
            raise NotFoundError(f"order {number} does not exist")
        if status_code >= 300:
            raise PlatformLimitError(f"cancel order {number} (Shopify refused: "
                                     f"{_errors(answer)})")
        return self._changed(self._order(answer.get("order") or self._existing(number)))

    def set_shipping_address(self, number: str, address: str) -> Order:
        raw = self._existing(number)
        parts = split_address(address)
        current = raw.get("shipping_address") or {}
        new = {"address1": parts.line1, "address2": parts.line2, "city": parts.city,
               "zip": parts.postcode, "province": "", "country": current.get("country") or "",
               "first_name": current.get("first_name") or "",
               "last_name": current.get("last_name") or ""}
        status_code, answer = self.http.send_json(
            "PUT", f"orders/{int(raw['id'])}.json",
            {"order": {"id": int(raw["id"]), "shipping_address": new}}, allow=WRITE_REFUSALS)
        if status_code == 404:
            raise NotFoundError(f"order {number} does not exist")
        if status_code >= 300:
            raise PlatformLimitError(f"change the delivery address of order {number} to "
                                     f"{address[:200]} (Shopify refused: {_errors(answer)})")
        return self._changed(self._order(answer.get("order") or self._existing(number)))

    def _existing(self, number: str) -> dict[str, Any]:
        raw = self._raw_order(number)
        if raw is None:
            raise NotFoundError(f"order {number} does not exist")
        return raw

    # --- mapping -----------------------------------------------------------------------------

    def _order(self, raw: dict[str, Any]) -> Order:
        customer = raw.get("customer") or {}
        ship_to = raw.get("shipping_address") or {}
        name = " ".join(filter(None, (customer.get("first_name"), customer.get("last_name")))) \
            or str(ship_to.get("name") or "")
        shipment = self._shipment(raw)
        financial = str(raw.get("financial_status") or "pending")
        payment, note, method = self._payment(raw, financial)
        if raw.get("cancelled_at"):
            status = OrderStatus.CANCELLED
        elif shipment is not None:
            status = OrderStatus.DELIVERED if shipment.delivered_on else OrderStatus.SHIPPED
        elif financial in ("paid", "partially_paid", "partially_refunded"):
            status = OrderStatus.PROCESSING
        else:
            status = OrderStatus.PLACED
        items = []
        catalogue = {p.sku: p for p in self.list_products()} if raw.get("line_items") else {}
        for line in raw.get("line_items") or []:
            size, colour = size_and_colour(str(line.get("variant_title") or ""),
                                           catalogue.get(str(line.get("sku") or "")))
            items.append(OrderItem(sku=str(line.get("sku") or ""),
                                   name=str(line.get("title") or line.get("name") or ""),
                                   quantity=int(line.get("quantity") or 0),
                                   unit_price_cents=cents(line.get("price")),
                                   size=size, colour=colour))
        return Order(
            number=str(raw.get("order_number") or str(raw.get("name", "")).lstrip("#")),
            customer_email=str(raw.get("email") or raw.get("contact_email")
                               or customer.get("email") or ""),
            customer_name=name,
            status=status,
            placed_at=_when(raw.get("created_at")) or self._clock(),
            shipping_address=join_address(
                str(ship_to.get("address1") or ""), str(ship_to.get("address2") or ""),
                " ".join(filter(None, (ship_to.get("city"), ship_to.get("zip")))),
                str(ship_to.get("country") or "")),
            total_cents=cents(raw.get("total_price")),
            payment_status=payment,
            payment_method=method,
            items=tuple(items),
            shipment=shipment,
            payment_note=note)

    def _payment(self, raw: dict[str, Any], financial: str) -> tuple[PaymentStatus, str, str]:
        gateways = raw.get("payment_gateway_names") or []
        method = _GATEWAYS.get(str(gateways[0]), str(gateways[0]).replace("_", " ")) \
            if gateways else "card"
        mapping = {"paid": PaymentStatus.CAPTURED, "partially_paid": PaymentStatus.CAPTURED,
                   "refunded": PaymentStatus.REFUNDED, "voided": PaymentStatus.REFUNDED,
                   "partially_refunded": PaymentStatus.PARTIALLY_REFUNDED,
                   "authorized": PaymentStatus.AUTHORISED}
        if financial in mapping:
            return mapping[financial], "", method
        # pending: was the last attempt declined? Only then is it worth a call.
        found = self.http.get_json(f"orders/{int(raw['id'])}/transactions.json") or {}
        transactions = found.get("transactions") or []
        last = transactions[-1] if transactions else {}
        card = last.get("payment_details") or {}
        if card.get("credit_card_company"):
            digits = str(card.get("credit_card_number") or "")[-4:]
            method = f"{card['credit_card_company']} ending {digits}" if digits else method
        if last.get("status") == "failure":
            return PaymentStatus.DECLINED, str(last.get("message") or ""), method
        return PaymentStatus.AUTHORISED, "", method

    def _shipment(self, raw: dict[str, Any]) -> Shipment | None:
        fulfilled = [f for f in raw.get("fulfillments") or [] if f.get("status") == "success"]
        if not fulfilled:
            return None
        first = fulfilled[0]
        shipped = (_when(first.get("created_at")) or self._clock()).date()
        events = (self.http.get_json(
            f"orders/{int(raw['id'])}/fulfillments/{int(first['id'])}/events.json") or {}
        ).get("fulfillment_events") or []
        events = sorted(events, key=lambda e: str(e.get("happened_at") or ""))
        eta: date | None = None
        delivered: date | None = None
        for event in events:
            when = _when(event.get("estimated_delivery_at"))
            eta = when.date() if when else eta
            if event.get("status") == "delivered":
                delivered = (_when(event.get("happened_at")) or self._clock()).date()
        state = str(first.get("shipment_status") or (events[-1].get("status") if events else "")
                    or "in_transit")
        if state == "delivered" and delivered is None:
            delivered = (_when(first.get("updated_at")) or self._clock()).date()
        last = str(events[-1].get("message") or "") if events else ""
        return Shipment(
            carrier=str(first.get("tracking_company") or "the carrier"),
            tracking_number=str(first.get("tracking_number") or ""),
            status=state.replace("_", " "),
            shipped_on=shipped,
            estimated_delivery=eta or delivered or shipped + timedelta(days=DEFAULT_ETA_DAYS),
            delivered_on=delivered,
            last_event=last or state.replace("_", " ").capitalize())


def _when(value: object) -> datetime | None:
    """Shopify's ISO 8601 times carry the shop's offset ("…-05:00"); we keep UTC."""
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None
    return (parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)).astimezone(UTC)


def _errors(answer: Any) -> str:
    """Shopify's error body: {"errors": "…"} or {"errors": {"field": ["…"]}}."""
    errors = answer.get("errors", answer) if isinstance(answer, dict) else answer
    if isinstance(errors, dict):
        return "; ".join(f"{k}: {', '.join(map(str, v)) if isinstance(v, list) else v}"
                         for k, v in errors.items())[:200]
    return str(errors)[:200]
