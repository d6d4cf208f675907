"""``StoreRepository`` on a WooCommerce store's REST API v3 (support records in our database).

Calls (``/wp-json/wc/v3/…``, the consumer key and secret as HTTP Basic auth over https):

====================================  ===========================================  =========
what                                  call                                         key needs
====================================  ===========================================  =========
an order by the number customers know ``GET orders?search=N`` (then ``orders/N``)  Read
a customer's orders                   ``GET orders?search=EMAIL`` (all pages)      Read
cancel                                ``POST orders/ID/refunds`` (when paid), then  Read/Write
                                      ``PUT orders/ID {"status": "cancelled"}``
change the delivery address           ``PUT orders/ID {"shipping": {…}}``          Read/Write
the catalogue                         ``GET products`` (all pages)                 Read
====================================  ===========================================  =========

The number is the order's ``number`` (what the customer's e-mail shows; order-number plugins
make it differ from the internal ``id``). Statuses: pending / on-hold → placed (payment
authorised), failed → placed with the payment declined, processing → processing (paid),
completed → shipped, or delivered once the delivery meta says so, cancelled → cancelled,
refunded → cancelled (or delivered, when it had been completed) with the payment refunded.
Refunds listed on the order make the payment partly refunded or refunded.

Tracking is not part of WooCommerce itself; the Shipment Tracking extension keeps it in the
order meta ``_wc_shipment_tracking_items`` (provider, number, date shipped, link), which we
read. Delivery news is in no standard field: a carrier integration may write the meta
``_shopdesk_delivery`` = ``{"estimated_delivery": "YYYY-MM-DD", "delivered_on": "YYYY-MM-DD",
"status": "in transit", "last_event": "…"}``; without it the estimate is three days after
shipping. WooCommerce has no returns, so they go to the team (:class:`PlatformLimitError`),
as does a cancellation whose refund the payment gateway cannot make.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx

from commerce.platform_http import PlatformHttp, RetryPolicy, total_pages_next
from commerce.platform_repository import (
    PlatformStoreRepository,
    cents,
    join_address,
    plain_text,
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
# a write WooCommerce refuses (400), or a Read-only key (401/403): a person does it
WRITE_REFUSALS = (400, 401, 403, 404)
TRACKING_META = "_wc_shipment_tracking_items"
DELIVERY_META = "_shopdesk_delivery"
_COUNTRIES = {"GB": "United Kingdom", "IE": "Ireland", "US": "United States", "FR": "France",
              "DE": "Germany", "NL": "Netherlands", "ES": "Spain", "IT": "Italy"}
_DECLINED_NOTE = "The payment didn't go through, so the order is waiting for a new one."


def make_http(backend: StoreBackend, clock: Clock, transport: httpx.BaseTransport | None = None,
              policy: RetryPolicy | None = None, **kwargs: Any) -> PlatformHttp:
    """The client for the configured shop: HTTP Basic auth with the consumer key and secret
    (never the ``consumer_key`` query parameters, which would put them in URLs and logs)."""
    return PlatformHttp(f"{backend.url}/wp-json/wc/v3", "WooCommerce", clock,
                        auth=httpx.BasicAuth(backend.key.reveal(), backend.secret.reveal()),
                        policy=policy, transport=transport, **kwargs)


class WooCommerceStoreRepository(PlatformStoreRepository):
    """Orders and products from WooCommerce; support records from ``support``."""

    platform = "WooCommerce"

    def __init__(self, http: PlatformHttp, support: StoreRepository, clock: Clock) -> None:
        super().__init__(support, clock)
        self.http = http

    # --- reads -------------------------------------------------------------------------------

    def _search(self, text: str) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = []
        for page in self.http.pages("orders", {"search": text, "per_page": 100, "page": 1},
                                    total_pages_next):
            found.extend(page if isinstance(page, list) else [])
        return found

    def _raw_order(self, number: str) -> dict[str, Any] | None:
        if not number.isdigit():
            return None
        for raw in self._search(number):
            if str(raw.get("number")) == number:
                return raw
        # without an order-number plugin the number is the id, which search may not match
        raw = self.http.get_json(f"orders/{int(number)}")
        return raw if isinstance(raw, dict) and str(raw.get("number")) == number else None

    def get_order(self, number: str) -> Order | None:
        raw = self._raw_order(number)
        return self._order(raw) if raw is not None else None

    def _orders_for_email(self, email: str) -> list[Order]:
        return [self._order(raw) for raw in self._search(email)
                if str((raw.get("billing") or {}).get("email") or "").lower() == email]

    def _fetch_products(self) -> list[Product]:
        products = []
        for page in self.http.pages("products", {"per_page": 100, "page": 1}, total_pages_next):
            for raw in page if isinstance(page, list) else []:
                attributes = {str(a.get("name", "")).lower(): tuple(a.get("options") or ())
                              for a in raw.get("attributes") or []}
                products.append(Product(
                    sku=str(raw.get("sku") or raw.get("id")),
                    name=str(raw.get("name") or ""),
                    category=str(((raw.get("categories") or [{}])[0]).get("name") or "").lower(),
                    price_cents=cents(raw.get("price")),
                    description=plain_text(str(raw.get("description") or "")),
                    sizes=attributes.get("size", ()),
                    colours=attributes.get("colour") or attributes.get("color") or (),
                    stock=int(raw.get("stock_quantity") or 0),
                    features=tuple(str(t.get("name")) for t in raw.get("tags") or [])))
        return products

    # --- changes -----------------------------------------------------------------------------

    def set_order_status(self, number: str, status: OrderStatus) -> Order:
        if status is not OrderStatus.CANCELLED:
            raise InvalidRequestError(f"WooCommerce sets an order's {status.value} status itself")
        raw = self._existing(number)
        paid = raw.get("date_paid") and raw.get("status") in ("processing", "on-hold")
        refunded = sum(abs(cents(r.get("total"))) for r in raw.get("refunds") or [])
        left = cents(raw.get("total")) - refunded
        if paid and left > 0:
            # WooCommerce does not refund on cancelling: refund first, through the gateway
            status_code, answer = self.http.send_json(
                "POST", f"orders/{int(raw['id'])}/refunds",
                {"amount": f"{left / 100:.2f}", "reason": "Cancelled by the customer",
                 "api_refund": True}, allow=(*WRITE_REFUSALS, 500))
            if status_code >= 300:
                raise PlatformLimitError(f"cancel order {number} and refund {left / 100:.2f} "
                                         f"(WooCommerce refused the refund: {_message(answer)})")
        status_code, answer = self.http.send_json(
            "PUT", f"orders/{int(raw['id'])}", {"status": "cancelled"}, allow=WRITE_REFUSALS)
        if status_code == 404:
            raise NotFoundError(f"order {number} does not exist")
        if status_code >= 300:
            raise PlatformLimitError(f"cancel order {number} (WooCommerce refused: "
                                     f"{_message(answer)})")
        return self._changed(self._order(answer))

    def set_shipping_address(self, number: str, address: str) -> Order:
        raw = self._existing(number)
        parts = split_address(address)
        status_code, answer = self.http.send_json(
            "PUT", f"orders/{int(raw['id'])}",
            {"shipping": {"address_1": parts.line1, "address_2": parts.line2,
                          "city": parts.city, "postcode": parts.postcode, "state": ""}},
            allow=WRITE_REFUSALS)
        if status_code == 404:
            raise NotFoundError(f"order {number} does not exist")
        if status_code >= 300:
            raise PlatformLimitError(f"change the delivery address of order {number} to "
                                     f"{address[:200]} (WooCommerce refused: {_message(answer)})")
        return self._changed(self._order(answer))

    def _existing(self, number: str) -> dict[str, Any]:
        raw = self._raw_order(number)
        if raw is None:
            raise NotFoundError(f"order {number} does not exist")
        return raw

    # --- mapping -----------------------------------------------------------------------------

    def _order(self, raw: dict[str, Any]) -> Order:
        billing = raw.get("billing") or {}
        ship_to = raw.get("shipping") or {}
        meta = {str(m.get("key")): m.get("value") for m in raw.get("meta_data") or []}
        state = str(raw.get("status") or "pending")
        completed = _when(raw.get("date_completed_gmt"))
        shipment = self._shipment(meta, completed) if state in ("completed", "refunded") else None
        if state in ("completed",) and shipment is not None:
            status = OrderStatus.DELIVERED if shipment.delivered_on else OrderStatus.SHIPPED
        elif state == "refunded":
            status = OrderStatus.DELIVERED if shipment and shipment.delivered_on else \
                OrderStatus.CANCELLED
        elif state == "cancelled":
            status = OrderStatus.CANCELLED
        elif state == "processing":
            status = OrderStatus.PROCESSING
        elif state in ("pending", "on-hold", "failed", "checkout-draft"):
            status = OrderStatus.PLACED
        else:  # a plugin's own status ("shipped", "packing"): not ours to guess past processing
            status = OrderStatus.PROCESSING
        total = cents(raw.get("total"))
        refunded = sum(abs(cents(r.get("total"))) for r in raw.get("refunds") or [])
        if state == "refunded" or (refunded and refunded >= total):
            payment = PaymentStatus.REFUNDED
        elif refunded:
            payment = PaymentStatus.PARTIALLY_REFUNDED
        elif state == "failed":
            payment = PaymentStatus.DECLINED
        elif raw.get("date_paid") or state in ("processing", "completed"):
            payment = PaymentStatus.CAPTURED
        else:
            payment = PaymentStatus.AUTHORISED
        country = str(ship_to.get("country") or "")
        return Order(
            number=str(raw.get("number") or raw.get("id")),
            customer_email=str(billing.get("email") or ""),
            customer_name=" ".join(filter(None, (billing.get("first_name"),
                                                 billing.get("last_name")))),
            status=status,
            placed_at=_when(raw.get("date_created_gmt")) or self._clock(),
            shipping_address=join_address(
                str(ship_to.get("address_1") or ""), str(ship_to.get("address_2") or ""),
                " ".join(filter(None, (ship_to.get("city"), ship_to.get("postcode")))),
                _COUNTRIES.get(country, country)),
            total_cents=total,
            payment_status=payment,
            payment_method=str(raw.get("payment_method_title") or raw.get("payment_method")
                               or "card"),
            items=tuple(self._item(line) for line in raw.get("line_items") or []),
            shipment=shipment,
            payment_note=_DECLINED_NOTE if payment is PaymentStatus.DECLINED else "")

    @staticmethod
    def _item(line: dict[str, Any]) -> OrderItem:
        meta = {str(m.get("display_key") or m.get("key") or "").lower(): str(m.get("display_value")
                                                                           or m.get("value") or "")
                for m in line.get("meta_data") or []}
        return OrderItem(sku=str(line.get("sku") or ""), name=str(line.get("name") or ""),
                         quantity=int(line.get("quantity") or 0),
                         unit_price_cents=cents(line.get("price")),
                         size=meta.get("size", ""),
                         colour=meta.get("colour") or meta.get("color") or "")

    def _shipment(self, meta: dict[str, Any], completed: datetime | None) -> Shipment | None:
        items = meta.get(TRACKING_META) or []
        tracking = items[-1] if isinstance(items, list) and items else {}
        delivery = meta.get(DELIVERY_META) if isinstance(meta.get(DELIVERY_META), dict) else {}
        shipped = _day(tracking.get("date_shipped")) or (completed.date() if completed else None)
        if shipped is None:
            return None
        delivered = _day(delivery.get("delivered_on"))
        if not tracking and delivered is None:
            delivered = shipped  # completed without any tracking: handed over when completed
        status = str(delivery.get("status") or ("delivered" if delivered else "in transit"))
        return Shipment(
            carrier=str(tracking.get("custom_tracking_provider") or tracking.get("tracking_provider")
                        or "our courier"),
            tracking_number=str(tracking.get("tracking_number") or ""),
            status=status,
            shipped_on=shipped,
            estimated_delivery=(_day(delivery.get("estimated_delivery")) or delivered
                                or shipped + timedelta(days=DEFAULT_ETA_DAYS)),
            delivered_on=delivered,
            last_event=str(delivery.get("last_event") or status.capitalize()))


def _when(value: object) -> datetime | None:
    """WooCommerce's ``*_gmt`` times are UTC without an offset ("2026-12-01T10:00:00")."""
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None
    return (parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)).astimezone(UTC)


def _day(value: object) -> date | None:
    """A date from "2026-12-01" or a Unix time ("1764583200"), as the tracking meta keeps it."""
    if value in (None, ""):
        return None
    text = str(value)
    if text.isdigit():
        return datetime.fromtimestamp(int(text), UTC).date()
    try:
        return date.fromisoformat(text[:10])
    except ValueError:
        return None


def _message(answer: Any) -> str:
    """WooCommerce's error body: {"code": …, "message": …, "data": {"status": …}}."""
    return str(answer.get("message") if isinstance(answer, dict) else answer)[:200]
