"""The Shopify and WooCommerce adapters' real-world behaviour, over their fakes without a socket:
retries and back-off, Retry-After, Shopify's leaky bucket, pagination, outages, credentials,
configuration, and what the flows do when a platform can't make a change."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from actions.base import TROUBLE
from actions.orders import ActionCancelOrder, ActionChangeAddress, ActionCheckOrderStatus
from actions.returns import ActionSubmitReturn
from commerce.platform_http import PlatformHttp, RetryPolicy, link_next, total_pages_next
from commerce.platform_repository import size_and_colour, split_address
from commerce.records import OrderStatus, PaymentStatus
from commerce.repository import StoreRepository
from commerce.service import StoreService
from commerce.shopify_repository import ShopifyStoreRepository, leaky_bucket_pace
from commerce.shopify_repository import make_http as shopify_http
from commerce.sql_repository import SqlStoreRepository
from commerce.woocommerce_repository import WooCommerceStoreRepository
from commerce.woocommerce_repository import make_http as woo_http
from retrieval.answering import QuestionAnswerer
from retrieval.corpus import load_corpus
from retrieval.keyword_retriever import KeywordRetriever
from shopdesk.clock import FixedClock
from shopdesk.composition import Services
from shopdesk.database import make_engine
from shopdesk.errors import ConfigError, PlatformLimitError, StoreUnavailableError
from shopdesk.settings import Settings
from tests.conftest import FAQ, make_tracker
from tests.fakes.shopify import FakeShopify
from tests.fakes.shopify import make_fake as shopify_fake
from tests.fakes.woocommerce import FakeWooCommerce
from tests.fakes.woocommerce import make_fake as woo_fake
from tests.helpers import run_action, texts

NOW = datetime(2026, 11, 30, 10, 0, tzinfo=UTC)
JANE = "jane.doe@example.com"
CLOCK = FixedClock(NOW)


class FakeTime:
    """monotonic() and sleep() on one made-up clock: waits take no real time."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.slept: list[float] = []

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


@pytest.fixture
def support(tmp_path) -> Iterator[SqlStoreRepository]:  # type: ignore[no-untyped-def]
    engine = make_engine(f"sqlite:///{tmp_path / 'support.db'}")
    repo = SqlStoreRepository(engine)
    repo.create_schema()
    yield repo
    engine.dispose()


@pytest.fixture
def time_() -> FakeTime:
    return FakeTime()


@pytest.fixture
def shopify(time_: FakeTime) -> Iterator[FakeShopify]:
    fake = shopify_fake(NOW, monotonic=time_.monotonic)
    yield fake
    fake.server.server_close()


@pytest.fixture
def woo() -> Iterator[FakeWooCommerce]:
    fake = woo_fake(NOW)
    yield fake
    fake.server.server_close()


def shopify_repo(fake: FakeShopify, support: StoreRepository, time_: FakeTime,
                 **policy: Any) -> ShopifyStoreRepository:
    http = shopify_http(Settings.from_env(fake.env()).store_backend, CLOCK, transport=fake.transport(),
                        policy=RetryPolicy(**policy), sleep=time_.sleep, monotonic=time_.monotonic)
    return ShopifyStoreRepository(http, support, FixedClock(NOW))


def woo_repo(fake: FakeWooCommerce, support: StoreRepository, time_: FakeTime,
             **policy: Any) -> WooCommerceStoreRepository:
    http = woo_http(Settings.from_env(fake.env()).store_backend, CLOCK, transport=fake.transport(),
                    policy=RetryPolicy(**policy), sleep=time_.sleep, monotonic=time_.monotonic)
    return WooCommerceStoreRepository(http, support, FixedClock(NOW))


# --- retries, back-off, Retry-After, outages --------------------------------------------------

def test_429s_are_retried_after_the_time_retry_after_asks(shopify, support, time_) -> None:  # type: ignore[no-untyped-def]
    repo = shopify_repo(shopify, support, time_)
    shopify.fail_next(2, 429)
    order = repo.get_order("100234")
    assert order is not None and order.status is OrderStatus.SHIPPED
    assert len(shopify.refused) == 2
    assert [w for w in repo.http.waits if w[0] == "retry"] == [("retry", 1.0), ("retry", 1.0)]


def test_5xx_backs_off_exponentially_then_succeeds(woo, support, time_) -> None:  # type: ignore[no-untyped-def]
    repo = woo_repo(woo, support, time_, base_delay=0.5)
    woo.fail_next(3, 503)
    assert repo.get_order("100236") is not None
    assert time_.slept == [0.5, 1.0, 2.0]


def test_retries_are_bounded_and_end_in_store_unavailable(woo, support, time_, caplog) -> None:  # type: ignore[no-untyped-def]
    repo = woo_repo(woo, support, time_, attempts=3)
    woo.fail_next(10, 502)
    with caplog.at_level(logging.WARNING), pytest.raises(StoreUnavailableError,
                                                         match="status 502 after 3 tries"):
        repo.orders_for_email(JANE)
    assert len(woo.refused) == 3
    logged = caplog.text
    assert JANE not in logged and woo.key not in logged and "search" not in logged


def test_an_outage_is_store_unavailable_and_the_customer_hears_it_politely(  # type: ignore[no-untyped-def]
        shopify, support, time_) -> None:
    repo = shopify_repo(shopify, support, time_)
    shopify.outage = True
    with pytest.raises(StoreUnavailableError, match="503"):
        repo.get_order("100234")
    messages, _ = run_action(ActionCheckOrderStatus(services_on(repo)),
                             make_tracker(slots={"order_number": "100234", "email": JANE}))
    assert texts(messages) == TROUBLE
    assert sum(w[1] for w in repo.http.waits) <= 8.0  # bounded: the customer isn't kept waiting


def test_timeouts_are_retried_then_reported(support, time_) -> None:  # type: ignore[no-untyped-def]
    tries = []

    def hang(request: httpx.Request) -> httpx.Response:
        tries.append(request)
        raise httpx.ReadTimeout("slow", request=request)

    http = PlatformHttp("https://shop.example.com/api", "Shop", CLOCK, transport=httpx.MockTransport(hang),
                        policy=RetryPolicy(attempts=3, base_delay=0.25), sleep=time_.sleep)
    with pytest.raises(StoreUnavailableError, match="timed out after 3 tries"):
        http.get_json("orders")
    assert len(tries) == 3 and time_.slept == [0.25, 0.5]


# --- Shopify's leaky bucket --------------------------------------------------------------------

def test_the_call_limit_header_slows_a_burst_before_shopify_refuses_it(support, time_) -> None:  # type: ignore[no-untyped-def]
    fake = shopify_fake(NOW, bucket_size=10, leak=2.0, monotonic=time_.monotonic)
    repo = shopify_repo(fake, support, time_)
    for _ in range(20):  # each look-up costs 2 calls (the order, its tracking events)
        assert repo.get_order("100234") is not None
    assert fake.throttled == 0
    assert any(why == "pace" for why, _ in repo.http.waits)
    fake.server.server_close()


def test_without_pacing_the_same_burst_meets_429s_and_survives_them(support, time_) -> None:  # type: ignore[no-untyped-def]
    fake = shopify_fake(NOW, bucket_size=10, leak=2.0, monotonic=time_.monotonic)
    http = PlatformHttp(f"{fake.url}/admin/api/{fake.version}", "Shopify", CLOCK,
                        headers={"X-Shopify-Access-Token": fake.token},
                        transport=fake.transport(), sleep=time_.sleep, monotonic=time_.monotonic)
    repo = ShopifyStoreRepository(http, support, FixedClock(NOW))
    for _ in range(20):
        assert repo.get_order("100234") is not None
    assert fake.throttled > 0  # refused, then retried after Retry-After
    fake.server.server_close()


def test_leaky_bucket_pace() -> None:
    def pace(value: str) -> float:
        return leaky_bucket_pace(httpx.Response(200, headers={
            "X-Shopify-Shop-Api-Call-Limit": value}))

    assert pace("10/40") == 0 and pace("35/40") == 0
    assert pace("36/40") == 0.5 and pace("39/40") == 2.0
    assert pace("399/400") == pytest.approx(0.2)  # Shopify Plus leaks ten times faster
    assert pace("nonsense") == 0


# --- pagination --------------------------------------------------------------------------------

def test_shopify_pages_follow_the_link_header_with_page_info_alone(shopify, support, time_) -> None:  # type: ignore[no-untyped-def]
    repo = shopify_repo(shopify, support, time_)
    pages = list(repo.http.pages("orders.json", {"status": "any", "limit": 25}, link_next))
    numbers = [o["order_number"] for page in pages for o in page["orders"]]
    assert len(pages) == len(shopify.orders) // 25 + 1
    assert len(numbers) == len(set(numbers)) == len(shopify.orders)
    later = [c for c in shopify.calls if "page_info=" in c.path]
    assert later and all("status=" not in c.path for c in later)


def test_woocommerce_pages_run_to_x_wp_totalpages(woo, support, time_) -> None:  # type: ignore[no-untyped-def]
    repo = woo_repo(woo, support, time_)
    pages = list(repo.http.pages("orders", {"per_page": 20, "page": 1}, total_pages_next))
    assert len(pages) == -(-len(woo.orders) // 20)
    assert sum(len(p) for p in pages) == len(woo.orders)


def test_a_next_link_to_another_host_is_not_followed(time_) -> None:  # type: ignore[no-untyped-def]
    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"orders": []},
                              headers={"Link": '<https://evil.example.com/x?page_info=1>; rel="next"'})

    http = PlatformHttp("https://shop.example.com/admin/api/2026-10", "Shopify", CLOCK,
                        transport=httpx.MockTransport(answer), sleep=time_.sleep)
    with pytest.raises(StoreUnavailableError, match="left the shop"):
        list(http.pages("orders.json", {}, link_next))


# --- credentials ---------------------------------------------------------------------------------

def test_a_wrong_token_is_reported_without_the_token(shopify, support, time_) -> None:  # type: ignore[no-untyped-def]
    env = {**shopify.env(), "SHOPDESK_SHOPIFY_ACCESS_TOKEN": "shpat_wrong"}
    http = shopify_http(Settings.from_env(env).store_backend, CLOCK, transport=shopify.transport(),
                        sleep=time_.sleep)
    repo = ShopifyStoreRepository(http, support, FixedClock(NOW))
    with pytest.raises(StoreUnavailableError, match="401 — the platform refused our API "
                                                    "credentials") as failure:
        repo.get_order("100234")
    assert "shpat_" not in str(failure.value) and len(shopify.calls) == 1  # never retried


def test_woocommerce_credentials_travel_only_in_basic_auth(woo, support, time_) -> None:  # type: ignore[no-untyped-def]
    repo = woo_repo(woo, support, time_)
    assert repo.get_order("100235") is not None
    assert woo.calls and all(c.headers["authorization"].startswith("Basic ") for c in woo.calls)
    assert not any(woo.key in c.path or woo.secret in c.path or "consumer_" in c.path
                   for c in woo.calls)


def test_the_platform_settings_name_what_is_missing_and_refuse_plain_http() -> None:
    with pytest.raises(ConfigError, match="SHOPDESK_SHOPIFY_ACCESS_TOKEN is required"):
        Settings.from_env({"SHOPDESK_STORE": "shopify",
                           "SHOPDESK_SHOPIFY_SHOP_URL": "pinecrest.myshopify.com"})
    with pytest.raises(ConfigError, match="SHOPDESK_WOOCOMMERCE_SECRET is required"):
        Settings.from_env({"SHOPDESK_STORE": "woocommerce", "SHOPDESK_WOOCOMMERCE_KEY": "ck",
                           "SHOPDESK_WOOCOMMERCE_URL": "https://shop.example.com"})
    with pytest.raises(ConfigError, match="SHOPDESK_WOOCOMMERCE_URL must be the shop's https"):
        Settings.from_env({"SHOPDESK_STORE": "woocommerce", "SHOPDESK_WOOCOMMERCE_KEY": "ck",
                           "SHOPDESK_WOOCOMMERCE_SECRET": "cs",
                           "SHOPDESK_WOOCOMMERCE_URL": "http://shop.example.com"})
    with pytest.raises(ConfigError, match="SHOPDESK_STORE must be one of sql, shopify"):
        Settings.from_env({"SHOPDESK_STORE": "magento"})
    shop = Settings.from_env({"SHOPDESK_STORE": "shopify",
                              "SHOPDESK_SHOPIFY_SHOP_URL": "pinecrest.myshopify.com/",
                              "SHOPDESK_SHOPIFY_ACCESS_TOKEN": "shpat_secret"})
    assert shop.store_backend.url == "https://pinecrest.myshopify.com"
    assert "shpat_secret" not in repr(shop)
    assert Settings.from_env({}).store_backend.kind == "sql"


# --- mapping -------------------------------------------------------------------------------------

def test_both_platforms_map_the_demo_orders_like_our_own_store(shopify, woo, support, time_
                                                               ) -> None:  # type: ignore[no-untyped-def]
    from commerce.memory_repository import InMemoryStoreRepository
    from commerce.seed import demo_orders

    ours = InMemoryStoreRepository((), demo_orders(NOW))
    for repo in (shopify_repo(shopify, support, time_), woo_repo(woo, support, time_)):
        for number in ("100234", "100235", "100236", "100237", "100238", "100239", "100240"):
            want, got = ours.get_order(number), repo.get_order(number)
            assert want is not None and got is not None
            assert (got.status, got.payment_status, got.total_cents, got.customer_email) == (
                want.status, want.payment_status, want.total_cents, want.customer_email), number
            assert [(i.sku, i.quantity, i.size, i.colour) for i in got.items] == [
                (i.sku, i.quantity, i.size, i.colour) for i in want.items], number
            if want.shipment is not None:
                assert got.shipment is not None
                assert (got.shipment.tracking_number, got.shipment.shipped_on,
                        got.shipment.estimated_delivery, got.shipment.delivered_on) == (
                    want.shipment.tracking_number, want.shipment.shipped_on,
                    want.shipment.estimated_delivery, want.shipment.delivered_on), number
    declined = shopify_repo(shopify, support, time_).get_order("100239")
    assert declined is not None and declined.payment_status is PaymentStatus.DECLINED
    assert "declined" in declined.payment_note
    assert declined.payment_method == ours.get_order("100239").payment_method  # type: ignore[union-attr]


def test_free_text_addresses_become_fields() -> None:
    assert split_address("12 Oak Lane, Flat 2, Leeds LS2 9JT") == (
        split_address("12 Oak Lane,Flat 2,Leeds ls2 9jt"))
    parts = split_address("12 Oak Lane, Flat 2, Leeds LS2 9JT")
    assert (parts.line1, parts.line2, parts.city, parts.postcode) == (
        "12 Oak Lane", "Flat 2", "Leeds", "LS2 9JT")
    assert split_address("1 New Road, York, YO1 7HH").city == "York"
    with pytest.raises(PlatformLimitError):
        split_address("somewhere nice")
    assert size_and_colour("M / forest green") == ("M", "forest green")
    assert size_and_colour("navy / 42") == ("42", "navy")


# --- the flows: what a platform can't do goes to the team ---------------------------------------

def services_on(repo: StoreRepository) -> Services:
    return Services(settings=Settings.from_env({}), store=StoreService(repo, FixedClock(NOW)),
                    qa=QuestionAnswerer(KeywordRetriever(load_corpus(FAQ))),
                    clock=FixedClock(NOW))


def test_a_return_on_woocommerce_becomes_a_ticket_and_the_customer_is_told(  # type: ignore[no-untyped-def]
        woo, support, time_) -> None:
    repo = woo_repo(woo, support, time_)
    tracker = make_tracker(sender_id="web-return", slots={
        "order_number": "100235", "email": JANE, "return_item": "Ridgeline Waterproof Jacket",
        "return_reason": "too small, call me on 07700 900123"})
    messages, events = run_action(ActionSubmitReturn(services_on(repo)), tracker)
    text = texts(messages)
    [ticket] = support.handoffs_for_sender("web-return")
    assert ticket.reason == "platform_limit" and ticket.ticket in text
    assert "our team" in text and "nothing has been changed yet" in text
    assert "Ridgeline" in ticket.summary and "07700 900123" not in ticket.summary  # redacted
    assert {"event": "slot", "name": "return_item", "value": None,
            "timestamp": None} in events


def test_cancelling_on_shopify_refunds_and_says_so(shopify, support, time_) -> None:  # type: ignore[no-untyped-def]
    repo = shopify_repo(shopify, support, time_)
    tracker = make_tracker(slots={"order_number": "100236", "email": JANE,
                                  "confirm_cancel": True})
    text = texts(run_action(ActionCancelOrder(services_on(repo)), tracker)[0])
    assert "Order 100236 is cancelled" in text and "refund" in text
    assert shopify.order_by_number("100236")["financial_status"] == "refunded"
    cancel = [c for c in shopify.calls if c.path.endswith("/cancel.json")]
    assert cancel and cancel[0].json["reason"] == "customer" and cancel[0].json["amount"]


def test_an_address_shopify_refuses_goes_to_the_team(shopify, support, time_) -> None:  # type: ignore[no-untyped-def]
    repo = shopify_repo(shopify, support, time_)
    # fulfilled in Shopify after the customer's form checked it (the flow's rules passed)
    raw = shopify.order_by_number("100236")
    raw["fulfillment_status"] = "fulfilled"
    with pytest.raises(PlatformLimitError, match="Shopify refused"):
        repo.set_shipping_address("100236", "1 New Road, York YO1 7HH")
    raw["fulfillment_status"] = None
    tracker = make_tracker(sender_id="web-address", slots={
        "order_number": "100236", "email": JANE, "new_address": "1 New Road, York YO1 7HH",
        "confirm_address": True})
    text = texts(run_action(ActionChangeAddress(services_on(repo)), tracker)[0])
    assert "1 New Road, York YO1 7HH" in text
    assert shopify.order_by_number("100236")["shipping_address"]["city"] == "York"


def test_retry_after_reads_seconds_and_http_dates() -> None:
    from commerce.platform_http import retry_after

    def hint(value: str) -> float | None:
        return retry_after(httpx.Response(429, headers={"Retry-After": value}), CLOCK)

    assert hint("2") == 2 and hint("1.0") == 1.0
    assert hint("Mon, 30 Nov 2026 10:00:30 GMT") == 30
    assert hint("soon") is None


def test_a_read_only_key_or_a_gateway_without_refunds_sends_the_change_to_the_team(  # type: ignore[no-untyped-def]
        woo, support, time_) -> None:
    repo = woo_repo(woo, support, time_)
    woo.gateway_refunds = False
    with pytest.raises(PlatformLimitError, match="refund"):
        repo.set_order_status("100236", OrderStatus.CANCELLED)
    assert woo.order_by_number("100236")["status"] == "processing"  # nothing half-done
    woo.gateway_refunds, woo.read_only = True, True
    with pytest.raises(PlatformLimitError, match="not allowed to edit"):
        repo.set_shipping_address("100239", "1 New Road, York YO1 7HH")
    assert repo.get_order("100239") is not None  # reading still works


def test_a_fault_claim_on_shopify_becomes_a_ticket_too(shopify, support, time_) -> None:  # type: ignore[no-untyped-def]
    from actions.returns import ActionSubmitFaultyItem

    repo = shopify_repo(shopify, support, time_)
    tracker = make_tracker(sender_id="web-fault", slots={
        "order_number": "100235", "email": JANE, "return_item": "Ridgeline Waterproof Jacket",
        "fault_description": "the zip broke"})
    text = texts(run_action(ActionSubmitFaultyItem(services_on(repo)), tracker)[0])
    [ticket] = support.handoffs_for_sender("web-fault")
    assert "let you down" in text and ticket.ticket in text and "faulty: the zip broke" in (
        ticket.summary)
