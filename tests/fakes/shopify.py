"""A fake Shopify Admin REST API, seeded with the demo store's orders in Shopify's shape.

What it follows from Shopify's documentation: paths under ``/admin/api/<version>/`` (another
version is a 404), the ``X-Shopify-Access-Token`` header (a wrong or missing one gets Shopify's
401 body), JSON wrapped in the resource's name (``{"order": …}``, ``{"orders": […]}``), money as
decimal strings, times with the shop's UTC offset, ``status=open`` by default on order lists,
cursor pagination (``limit`` up to 250, ``Link: <…page_info=…>; rel="next"``, and a 400 when a
filter is sent along with ``page_info``), the leaky bucket (40 calls, leaking 2 a second,
reported in ``X-Shopify-Shop-Api-Call-Limit``; a full bucket answers 429 with
``Retry-After: 1.0``), 422 ``{"errors": …}`` refusals (cancelling or re-addressing a fulfilled
order) and 404 ``{"errors": "Not Found"}``.

``outage = True`` answers 503 to everything; ``fail_next(n, status)`` injects failures.
"""

from __future__ import annotations

import base64
import json
import math
import secrets
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from commerce.records import Order, OrderStatus, PaymentStatus
from shopdesk.clock import Clock, system_clock
from shopdesk.settings import SHOPIFY_API_VERSION
from tests.fakes.base import ApiCall, FakePlatform
from tests.fakes.shop_seed import address, card, money, noon, seed_orders, seed_products

SHOP_ZONE = timezone(timedelta(hours=-5))  # the shop reports its times in New York's offset
UNAUTHORISED = {"errors": "[API] Invalid API key or access token (unrecognized login or wrong "
                          "password)"}
THROTTLED = {"errors": "Exceeded 2 calls per second for api client. Reduce request rates to "
                       "resume uninterrupted service."}


def _at(moment: datetime) -> str:
    return moment.astimezone(SHOP_ZONE).isoformat()


class FakeShopify(FakePlatform):
    title = "Shopify"

    def __init__(self, token: str, now: datetime, *, bucket_size: int = 40, leak: float = 2.0,
                 monotonic: Callable[[], float] = time.monotonic,
                 version: str = SHOPIFY_API_VERSION, clock: Clock = system_clock) -> None:
        super().__init__()
        self.clock = clock
        self.token = token
        self.version = version
        self.bucket_size, self.leak = bucket_size, leak
        self._level, self._monotonic = 0.0, monotonic
        self._last = monotonic()
        self.outage = False
        self.throttled = 0  # 429s the bucket gave
        self._ids = iter(range(7_000_000, 8_000_000))
        self._data_lock = threading.Lock()
        self.orders: dict[int, dict[str, Any]] = {}
        self.transactions: dict[int, list[dict[str, Any]]] = {}
        self.events: dict[int, list[dict[str, Any]]] = {}
        self.customers: dict[int, dict[str, Any]] = {}
        for order in seed_orders(now):
            self._add(order)
        self.products = [self._product(p) for p in seed_products()]

    # ---- seeding: our records in Shopify's shape
    def _customer(self, order: Order) -> dict[str, Any]:
        for customer in self.customers.values():
            if customer["email"] == order.customer_email:
                return customer
        first, _, last = order.customer_name.partition(" ")
        customer = {"id": 6_000_000 + len(self.customers), "email": order.customer_email,
                    "first_name": first, "last_name": last}
        self.customers[customer["id"]] = customer
        return customer

    def _add(self, order: Order) -> None:
        oid = 5_100_000_000 + len(self.orders)
        where = address(order.shipping_address)
        customer = self._customer(order)
        company, digits = card(order.payment_method)
        financial = {PaymentStatus.CAPTURED: "paid", PaymentStatus.AUTHORISED: "authorized",
                     PaymentStatus.DECLINED: "pending", PaymentStatus.REFUNDED: "refunded",
                     PaymentStatus.PARTIALLY_REFUNDED: "partially_refunded"}[order.payment_status]
        fulfillments = []
        if order.shipment is not None:
            s = order.shipment
            fid = next(self._ids)
            fulfillments.append({
                "id": fid, "order_id": oid, "status": "success",
                "created_at": _at(noon(s.shipped_on).replace(tzinfo=UTC)),
                "updated_at": _at(noon(s.delivered_on or s.shipped_on).replace(tzinfo=UTC)),
                "tracking_company": s.carrier, "tracking_number": s.tracking_number,
                "tracking_numbers": [s.tracking_number],
                "tracking_url": f"https://track.example.com/{s.tracking_number}",
                "shipment_status": "delivered" if s.delivered_on else "in_transit"})
            events = [{"id": next(self._ids), "fulfillment_id": fid, "status": "in_transit",
                       "happened_at": _at(noon(s.shipped_on).replace(tzinfo=UTC)),
                       "estimated_delivery_at": _at(noon(s.estimated_delivery).replace(tzinfo=UTC)),
                       "message": "Parcel collected by the carrier" if s.delivered_on
                       else s.last_event}]
            if s.delivered_on:
                events.append({"id": next(self._ids), "fulfillment_id": fid,
                               "status": "delivered",
                               "happened_at": _at(noon(s.delivered_on).replace(tzinfo=UTC)),
                               "estimated_delivery_at": None, "message": s.last_event})
            self.events[fid] = events
        transaction = {"id": next(self._ids), "order_id": oid,
                       "kind": "authorization" if financial in ("authorized", "pending")
                       else "sale",
                       "status": "failure" if order.payment_status is PaymentStatus.DECLINED
                       else "success",
                       "amount": money(order.total_cents), "currency": "GBP",
                       "gateway": "paypal" if not company else "shopify_payments",
                       "message": order.payment_note or "Transaction approved",
                       "payment_details": ({"credit_card_company": company,
                                            "credit_card_number": f"•••• •••• •••• {digits}"}
                                           if company else {})}
        self.transactions[oid] = [transaction]
        first, _, last = order.customer_name.partition(" ")
        self.orders[oid] = {
            "id": oid, "name": f"#{order.number}", "order_number": int(order.number),
            "email": order.customer_email, "contact_email": order.customer_email,
            "created_at": _at(order.placed_at), "currency": "GBP",
            "total_price": money(order.total_cents), "financial_status": financial,
            "fulfillment_status": "fulfilled" if fulfillments else None,
            "cancelled_at": (_at(order.placed_at + timedelta(days=1))
                             if order.status is OrderStatus.CANCELLED else None),
            "cancel_reason": "customer" if order.status is OrderStatus.CANCELLED else None,
            "closed_at": None,
            "payment_gateway_names": [transaction["gateway"]],
            "customer": dict(customer),
            "shipping_address": {"first_name": first, "last_name": last,
                                 "name": order.customer_name, "address1": where.line1,
                                 "address2": "", "city": where.city, "zip": where.postcode,
                                 "province": "", "country": where.country, "country_code": "GB"},
            "line_items": [{"id": next(self._ids), "title": i.name,
                            "name": f"{i.name} - {' / '.join(filter(None, (i.size, i.colour)))}",
                            "variant_title": " / ".join(filter(None, (i.size, i.colour))),
                            "sku": i.sku, "quantity": i.quantity,
                            "price": money(i.unit_price_cents)} for i in order.items],
            "fulfillments": fulfillments, "refunds": [],
        }

    @staticmethod
    def _product(p: Any) -> dict[str, Any]:
        options = [o for o in ({"name": "Size", "values": list(p.sizes)},
                               {"name": "Colour", "values": list(p.colours)}) if o["values"]]
        return {"id": abs(hash(p.sku)) % 10**9, "title": p.name, "handle": p.sku.lower(),
                "product_type": p.category, "body_html": f"<p>{p.description}</p>",
                "tags": ", ".join(p.features), "options": options,
                "variants": [{"id": abs(hash(p.sku + "v")) % 10**9, "sku": p.sku,
                              "price": money(p.price_cents), "inventory_quantity": p.stock}]}

    # ---- the API
    def env(self) -> dict[str, str]:
        return {"SHOPDESK_STORE": "shopify", "SHOPDESK_SHOPIFY_SHOP_URL": self.url,
                "SHOPDESK_SHOPIFY_ACCESS_TOKEN": self.token,
                "SHOPDESK_SHOPIFY_API_VERSION": self.version}

    def failure(self, status: int) -> tuple[Any, dict[str, str]]:
        if status == 429:
            return THROTTLED, {"Retry-After": "1.0"}
        return {"errors": "Internal Server Error" if status == 500 else "Service Unavailable"}, {}

    def _bucket(self) -> float | None:
        """Leak, then take one call; None when the bucket is full (a 429)."""
        with self._lock:
            now = self._monotonic()
            self._level = max(0.0, self._level - (now - self._last) * self.leak)
            self._last = now
            if self._level + 1 > self.bucket_size:
                self.throttled += 1
                return None
            self._level += 1
            return self._level

    def answer(self, call: ApiCall) -> tuple[Any, ...]:
        if self.outage:
            return 503, {"errors": "Service Unavailable"}
        if call.headers.get("x-shopify-access-token") != self.token:
            return 401, UNAUTHORISED
        prefix = f"/admin/api/{self.version}/"
        parts = urlsplit(call.path)
        if not parts.path.startswith(prefix):
            return 404, {"errors": "Not Found"}
        level = self._bucket()
        if level is None:
            return 429, THROTTLED, {"Retry-After": "1.0"}
        limit = {"X-Shopify-Shop-Api-Call-Limit": f"{math.ceil(level)}/{self.bucket_size}"}
        query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        route = parts.path.removeprefix(prefix).split("/")
        with self._data_lock:
            status, body, headers = self._route(call.method, route, query, call.json or {})
        return status, body, {**limit, **headers}

    def _route(self, method: str, route: list[str], query: dict[str, str], body: dict[str, Any]
               ) -> tuple[int, Any, dict[str, str]]:
        match (method, route):
            case ("GET", ["orders.json"]):
                return self._list("orders", self._orders, query, "orders.json")
            case ("GET", ["customers", cid, "orders.json"]):
                owner = self.customers.get(int(cid)) if cid.isdigit() else None
                if owner is None:
                    return 404, {"errors": "Not Found"}, {}
                def mine(q: dict[str, str]) -> list[dict[str, Any]]:
                    return [o for o in self._orders(q) if o["customer"]["id"] == owner["id"]]

                return self._list("orders", mine, query, f"customers/{cid}/orders.json")
            case ("GET", ["customers", "search.json"]):
                wanted = query.get("query", "").removeprefix("email:").strip().lower()
                found = [c for c in self.customers.values() if c["email"].lower() == wanted]
                return 200, {"customers": found}, {}
            case ("GET", ["products.json"]):
                return self._list("products", lambda _q: self.products, query, "products.json")
            case (_, ["orders", oid_json]) if oid_json.endswith(".json"):
                order = self._order(oid_json.removesuffix(".json"))
                if order is None:
                    return 404, {"errors": "Not Found"}, {}
                if method == "GET":
                    return 200, {"order": order}, {}
                if method == "PUT":
                    return self._readdress(order, body.get("order") or {})
            case ("POST", ["orders", oid, "cancel.json"]):
                order = self._order(oid)
                if order is None:
                    return 404, {"errors": "Not Found"}, {}
                return self._cancel(order, body)
            case ("GET", ["orders", oid, "transactions.json"]):
                order = self._order(oid)
                if order is None:
                    return 404, {"errors": "Not Found"}, {}
                return 200, {"transactions": self.transactions.get(order["id"], [])}, {}
            case ("GET", ["orders", oid, "fulfillments", fid, "events.json"]):
                order = self._order(oid)
                if order is None or not fid.isdigit() or int(fid) not in self.events:
                    return 404, {"errors": "Not Found"}, {}
                return 200, {"fulfillment_events": self.events[int(fid)]}, {}
        return 404, {"errors": "Not Found"}, {}

    def _order(self, oid: str) -> dict[str, Any] | None:
        return self.orders.get(int(oid)) if oid.isdigit() else None

    def _orders(self, query: dict[str, str]) -> list[dict[str, Any]]:
        status = query.get("status", "open")
        found = list(self.orders.values())
        if status == "open":
            found = [o for o in found if not o["cancelled_at"] and not o["closed_at"]]
        elif status == "cancelled":
            found = [o for o in found if o["cancelled_at"]]
        if "name" in query:
            found = [o for o in found if o["name"] == query["name"]]
        return sorted(found, key=lambda o: o["id"], reverse=True)  # newest first

    def _list(self, key: str, select: Callable[[dict[str, str]], list[Any]],
              query: dict[str, str], path: str) -> tuple[int, Any, dict[str, str]]:
        """Cursor pagination: ``page_info`` carries the filters, so none may come with it."""
        limit = int(query.get("limit", "50"))
        if not 1 <= limit <= 250:
            return 400, {"errors": {"limit": ["must be between 1 and 250"]}}, {}
        offset = 0
        if "page_info" in query:
            extra = set(query) - {"page_info", "limit", "fields"}
            if extra:
                return 400, {"errors": {"page_info": [f"{sorted(extra)[0]} cannot be passed "
                                                      "when page_info is present"]}}, {}
            try:
                cursor = json.loads(base64.urlsafe_b64decode(query["page_info"]))
            except ValueError:
                return 400, {"errors": {"page_info": ["Invalid value."]}}, {}
            offset, query = cursor["offset"], cursor["query"]
        items = select(query)
        chunk = items[offset:offset + limit]
        headers = {}
        if offset + limit < len(items):
            token = base64.urlsafe_b64encode(json.dumps(
                {"offset": offset + limit, "query": query}).encode()).decode()
            url = f"{self.url}/admin/api/{self.version}/{path}?" + urlencode(
                {"limit": limit, "page_info": token})
            headers["Link"] = f'<{url}>; rel="next"'
        return 200, {key: chunk}, headers

    def _readdress(self, order: dict[str, Any], change: dict[str, Any]
                   ) -> tuple[int, Any, dict[str, str]]:
        if order["fulfillment_status"] == "fulfilled" or order["cancelled_at"]:
            return 422, {"errors": {"shipping_address": [
                "can't be changed once the order is fulfilled or cancelled"]}}, {}
        if "shipping_address" in change:
            order["shipping_address"] = {**order["shipping_address"],
                                         **change["shipping_address"]}
        return 200, {"order": order}, {}

    def _cancel(self, order: dict[str, Any], body: dict[str, Any]
                ) -> tuple[int, Any, dict[str, str]]:
        if order["cancelled_at"]:
            return 422, {"errors": {"base": ["Order has already been cancelled"]}}, {}
        if order["fulfillment_status"] == "fulfilled":
            return 422, {"errors": {"base": ["Cannot cancel an order that has been fulfilled"]}}, {}
        now = self.clock()
        order.update(cancelled_at=_at(now), closed_at=_at(now),
                     cancel_reason=body.get("reason") or "other")
        if order["financial_status"] == "authorized":
            order["financial_status"] = "voided"
        elif order["financial_status"] == "paid" and body.get("amount"):
            order["financial_status"] = "refunded"
            order["refunds"].append({"id": next(self._ids), "created_at": _at(now),
                                     "transactions": [{"kind": "refund",
                                                       "amount": body["amount"]}]})
        return 200, {"order": order, "notice": "Order has been cancelled"}, {}

    def order_by_number(self, number: str) -> dict[str, Any]:
        return next(o for o in self.orders.values() if o["name"] == f"#{number}")


def make_fake(now: datetime | None = None, **kwargs: Any) -> FakeShopify:
    return FakeShopify(f"shpat_{secrets.token_hex(16)}", now or system_clock(), **kwargs)
