"""A fake WooCommerce REST API v3, seeded with the demo store's orders in WooCommerce's shape.

What it follows from WooCommerce's documentation: paths under ``/wp-json/wc/v3/``, the
consumer key and secret as HTTP Basic auth (none: 401 ``woocommerce_rest_cannot_view``; a
wrong key: 401 ``woocommerce_rest_authentication_error``), errors as ``{"code", "message",
"data": {"status"}}``, plain JSON arrays for lists with ``page`` / ``per_page`` (at most 100)
and the ``X-WP-Total`` / ``X-WP-TotalPages`` headers (and a ``Link`` header), ``search``
across the order number, e-mail and names, money as decimal strings, ``*_gmt`` times without an
offset, order ``number`` ≠ ``id`` (as with an order-number plugin), statuses pending / on-hold
/ failed / processing / completed / cancelled / refunded, refunds (a full one turns the order
"refunded"), and shipment tracking in the order meta ``_wc_shipment_tracking_items`` as the
Shipment Tracking extension keeps it (plus our documented ``_shopdesk_delivery``).

WooCommerce has no rate-limit headers of its own; a host in front of it may answer 429, which
``fail_next(n, 429)`` plays. ``outage = True`` answers 503 to everything (the host is down);
``gateway_refunds = False`` makes refunds fail as a gateway without automatic refunds does;
``read_only = True`` plays a key with Read permission only.
"""

from __future__ import annotations

import base64
import math
import secrets
import threading
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from commerce.records import Order, OrderStatus, PaymentStatus
from shopdesk.clock import system_clock
from tests.fakes.base import ApiCall, FakePlatform
from tests.fakes.shop_seed import address, money, noon, page, seed_orders, seed_products

BASE = "/wp-json/wc/v3/"
STATUSES = ("pending", "processing", "on-hold", "completed", "cancelled", "refunded", "failed")


def _gmt(moment: datetime) -> str:
    return moment.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="seconds")


def _error(status: int, code: str, message: str) -> tuple[int, Any, dict[str, str]]:
    return status, {"code": code, "message": message, "data": {"status": status}}, {}


class FakeWooCommerce(FakePlatform):
    title = "WooCommerce"

    def __init__(self, key: str, secret: str, now: datetime) -> None:
        super().__init__()
        self.key, self.secret = key, secret
        self.outage = False
        self.gateway_refunds = True
        self.read_only = False  # a key with Read permission only
        self._data_lock = threading.Lock()
        self._next_id = 9000
        self.orders: dict[int, dict[str, Any]] = {}
        for n, order in enumerate(seed_orders(now)):
            self._add(4000 + 7 * n, order)
        self.products = [self._product(n, p) for n, p in enumerate(seed_products())]

    def _id(self) -> int:
        self._next_id += 1
        return self._next_id

    # ---- seeding: our records in WooCommerce's shape
    def _add(self, oid: int, order: Order) -> None:
        where = address(order.shipping_address)
        first, _, last = order.customer_name.partition(" ")
        status = {OrderStatus.PROCESSING: "processing", OrderStatus.SHIPPED: "completed",
                  OrderStatus.DELIVERED: "completed", OrderStatus.CANCELLED: "cancelled",
                  OrderStatus.PLACED: "failed" if order.payment_status is PaymentStatus.DECLINED
                  else "on-hold"}[order.status]
        paid = order.payment_status in (PaymentStatus.CAPTURED, PaymentStatus.REFUNDED)
        meta: list[dict[str, Any]] = []
        if order.shipment is not None:
            s = order.shipment
            shipped = int(noon(s.shipped_on).replace(tzinfo=UTC).timestamp())
            meta.append({"id": self._id(), "key": "_wc_shipment_tracking_items", "value": [
                {"tracking_provider": s.carrier, "custom_tracking_provider": "",
                 "custom_tracking_link": "", "tracking_number": s.tracking_number,
                 "date_shipped": str(shipped), "tracking_id": secrets.token_hex(16)}]})
            meta.append({"id": self._id(), "key": "_shopdesk_delivery", "value": {
                "estimated_delivery": s.estimated_delivery.isoformat(),
                "delivered_on": s.delivered_on.isoformat() if s.delivered_on else "",
                "status": s.status, "last_event": s.last_event}})
        refunds = ([{"id": self._id(), "reason": "Order cancelled",
                     "total": "-" + money(order.total_cents)}]
                   if order.payment_status is PaymentStatus.REFUNDED else [])
        self.orders[oid] = {
            "id": oid, "number": order.number, "status": status, "currency": "GBP",
            "date_created_gmt": _gmt(order.placed_at),
            "date_paid_gmt": _gmt(order.placed_at) if paid else None,
            "date_paid": _gmt(order.placed_at) if paid else None,
            "date_completed_gmt": (_gmt(noon(order.shipment.shipped_on).replace(tzinfo=UTC))
                                   if order.shipment else None),
            "total": money(order.total_cents),
            "billing": {"first_name": first, "last_name": last, "email": order.customer_email},
            "shipping": {"first_name": first, "last_name": last, "address_1": where.line1,
                         "address_2": "", "city": where.city, "state": "",
                         "postcode": where.postcode, "country": "GB"},
            "payment_method": "paypal" if order.payment_method == "PayPal" else "stripe",
            "payment_method_title": order.payment_method,
            "line_items": [{"id": self._id(), "name": i.name, "sku": i.sku,
                            "quantity": i.quantity, "price": i.unit_price_cents / 100,
                            "total": money(i.unit_price_cents * i.quantity),
                            "meta_data": [m for m in (
                                {"id": self._id(), "key": "pa_size", "value": i.size.lower(),
                                 "display_key": "Size", "display_value": i.size},
                                {"id": self._id(), "key": "pa_colour", "value": i.colour,
                                 "display_key": "Colour", "display_value": i.colour})
                                if m["display_value"]]}
                           for i in order.items],
            "meta_data": meta, "refunds": refunds,
        }

    @staticmethod
    def _product(n: int, p: Any) -> dict[str, Any]:
        attributes = [a for a in ({"id": 1, "name": "Size", "options": list(p.sizes)},
                                  {"id": 2, "name": "Colour", "options": list(p.colours)})
                      if a["options"]]
        return {"id": 300 + n, "name": p.name, "sku": p.sku, "price": money(p.price_cents),
                "description": f"<p>{p.description}</p>",
                "categories": [{"id": 10 + n, "name": p.category}], "attributes": attributes,
                "stock_quantity": p.stock, "tags": [{"id": 50 + i, "name": f}
                                                     for i, f in enumerate(p.features)]}

    # ---- the API
    def env(self) -> dict[str, str]:
        return {"SHOPDESK_STORE": "woocommerce", "SHOPDESK_WOOCOMMERCE_URL": self.url,
                "SHOPDESK_WOOCOMMERCE_KEY": self.key, "SHOPDESK_WOOCOMMERCE_SECRET": self.secret}

    def failure(self, status: int) -> tuple[Any, dict[str, str]]:
        extra = {"Retry-After": "1"} if status == 429 else {}
        return {"code": "http_error", "message": "The service is temporarily unavailable.",
                "data": {"status": status}}, extra

    def _authorised(self, call: ApiCall) -> tuple[int, Any, dict[str, str]] | None:
        header = call.headers.get("authorization", "")
        if not header.startswith("Basic "):
            return _error(401, "woocommerce_rest_cannot_view",
                          "Sorry, you cannot list resources.")
        try:
            key, _, secret = base64.b64decode(header[6:]).decode().partition(":")
        except ValueError:
            key = secret = ""
        if key != self.key:
            return _error(401, "woocommerce_rest_authentication_error", "Consumer key is invalid.")
        if secret != self.secret:
            return _error(401, "woocommerce_rest_authentication_error", "Invalid signature - "
                          "provided signature does not match.")
        return None

    def answer(self, call: ApiCall) -> tuple[Any, ...]:
        if self.outage:
            return 503, {"code": "http_error", "message": "Service Unavailable",
                         "data": {"status": 503}}
        parts = urlsplit(call.path)
        if not parts.path.startswith(BASE):
            return _error(404, "rest_no_route", "No route was found matching the URL and "
                                                "request method.")
        refused = self._authorised(call)
        if refused is not None:
            return refused
        if self.read_only and call.method != "GET":
            return _error(401, "woocommerce_rest_cannot_edit",
                          "Sorry, you are not allowed to edit this resource.")
        query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        route = parts.path.removeprefix(BASE).strip("/").split("/")
        with self._data_lock:
            return self._route(call.method, route, query, call.json or {})

    def _route(self, method: str, route: list[str], query: dict[str, str], body: dict[str, Any]
               ) -> tuple[int, Any, dict[str, str]]:
        match (method, route):
            case ("GET", ["orders"]):
                wanted = query.get("search", "").lower()
                found = [o for o in self.orders.values() if not wanted or wanted in " ".join(
                    (o["number"], str(o["id"]), o["billing"]["email"], o["billing"]["first_name"],
                     o["billing"]["last_name"])).lower()]
                found.sort(key=lambda o: o["date_created_gmt"], reverse=True)
                return self._list(found, query, "orders")
            case ("GET", ["products"]):
                return self._list(self.products, query, "products")
            case (_, ["orders", oid]):
                order = self.orders.get(int(oid)) if oid.isdigit() else None
                if order is None:
                    return _error(404, "woocommerce_rest_shop_order_invalid_id", "Invalid ID.")
                if method == "GET":
                    return 200, order, {}
                if method == "PUT":
                    return self._update(order, body)
            case ("POST", ["orders", oid, "refunds"]):
                order = self.orders.get(int(oid)) if oid.isdigit() else None
                if order is None:
                    return _error(404, "woocommerce_rest_shop_order_invalid_id", "Invalid ID.")
                return self._refund(order, body)
        return _error(404, "rest_no_route", "No route was found matching the URL and request "
                                            "method.")

    def _list(self, items: list[Any], query: dict[str, str], path: str
              ) -> tuple[int, Any, dict[str, str]]:
        try:
            per_page, number = int(query.get("per_page", "10")), int(query.get("page", "1"))
        except ValueError:
            return _error(400, "rest_invalid_param", "Invalid parameter(s): per_page, page")
        if not 1 <= per_page <= 100 or number < 1:
            return _error(400, "rest_invalid_param", "Invalid parameter(s): per_page")
        pages = max(1, math.ceil(len(items) / per_page))
        headers = {"X-WP-Total": str(len(items)), "X-WP-TotalPages": str(pages)}
        if number < pages:
            url = f"{self.url}{BASE}{path}?" + urlencode({**query, "page": number + 1})
            headers["Link"] = f'<{url}>; rel="next"'
        return 200, page(items, number, per_page), headers

    def _update(self, order: dict[str, Any], body: dict[str, Any]
                ) -> tuple[int, Any, dict[str, str]]:
        if "status" in body:
            if body["status"] not in STATUSES:
                return _error(400, "rest_invalid_param", "Invalid parameter(s): status")
            order["status"] = body["status"]
        if "shipping" in body:
            order["shipping"] = {**order["shipping"], **body["shipping"]}
        return 200, order, {}

    def _refund(self, order: dict[str, Any], body: dict[str, Any]
                ) -> tuple[int, Any, dict[str, str]]:
        if body.get("api_refund", True) and not self.gateway_refunds:
            return _error(500, "woocommerce_rest_cannot_create_order_refund",
                          "The payment gateway for this order does not support automatic "
                          "refunds.")
        already = sum(float(r["total"]) for r in order["refunds"])  # negative amounts
        amount = float(body.get("amount") or 0)
        if amount <= 0 or amount > float(order["total"]) + already + 1e-9:
            return _error(400, "woocommerce_rest_cannot_create_order_refund",
                          "Invalid refund amount.")
        refund = {"id": self._id(), "reason": str(body.get("reason") or ""),
                  "total": f"-{amount:.2f}"}
        order["refunds"].append(refund)
        if abs(float(order["total"]) + already - amount) < 1e-9:
            order["status"] = "refunded"
        return 201, {**refund, "amount": f"{amount:.2f}"}, {}

    def order_by_number(self, number: str) -> dict[str, Any]:
        return next(o for o in self.orders.values() if o["number"] == number)


def make_fake(now: datetime | None = None) -> FakeWooCommerce:
    return FakeWooCommerce(f"ck_{secrets.token_hex(20)}", f"cs_{secrets.token_hex(20)}",
                           now or system_clock())
