"""One contract, every StoreRepository: in memory, SQL, and the Shopify and WooCommerce
adapters over their local fakes (with the differences they document)."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import pytest

from commerce.catalogue import CATALOGUE
from commerce.memory_repository import InMemoryStoreRepository
from commerce.records import HandoffTicket, OrderStatus, Photo, Rating, ReturnRequest
from commerce.repository import StoreRepository
from commerce.seed import DEMO_EMAIL, demo_orders, seed_database
from commerce.sql_repository import SqlStoreRepository
from shopdesk.database import make_engine
from shopdesk.errors import (
    ConfigError,
    InvalidRequestError,
    NotFoundError,
    PlatformLimitError,
    StoreUnavailableError,
)
from shopdesk.settings import Settings

NOW = datetime(2026, 11, 30, 10, 0, tzinfo=UTC)


class StoreRepositoryContract:
    """Promises every StoreRepository keeps. Subclasses supply the ``repo`` fixture."""

    def test_get_order_returns_full_record(self, repo: StoreRepository) -> None:
        order = repo.get_order("100234")
        assert order is not None
        assert order.customer_email == DEMO_EMAIL
        assert order.status is OrderStatus.SHIPPED
        assert [i.sku for i in order.items] == ["PC-2001", "PC-2004"]
        assert order.shipment is not None and order.shipment.tracking_number
        assert order.placed_at.tzinfo is not None

    def test_unknown_order_is_none(self, repo: StoreRepository) -> None:
        assert repo.get_order("999999") is None
        assert repo.get_order("") is None
        assert repo.get_order("'; DROP TABLE store_orders; --") is None

    def test_orders_for_email_is_case_insensitive_and_newest_first(
        self, repo: StoreRepository
    ) -> None:
        orders = repo.orders_for_email(DEMO_EMAIL.upper())
        assert len(orders) == 7
        assert orders == sorted(orders, key=lambda o: o.placed_at, reverse=True)
        assert repo.orders_for_email("nobody@example.com") == []

    def test_status_and_address_updates_persist(self, repo: StoreRepository) -> None:
        repo.set_order_status("100236", OrderStatus.CANCELLED)
        repo.set_shipping_address("100239", "1 New Road, York YO1 7HH")
        assert repo.get_order("100236").status is OrderStatus.CANCELLED  # type: ignore[union-attr]
        assert repo.get_order("100239").shipping_address == "1 New Road, York YO1 7HH"  # type: ignore[union-attr]

    def test_updating_a_missing_order_raises_not_found(self, repo: StoreRepository) -> None:
        with pytest.raises(NotFoundError):
            repo.set_order_status("999999", OrderStatus.CANCELLED)

    def test_returns_are_stored_per_order(self, repo: StoreRepository) -> None:
        request = ReturnRequest("R0000001", "100235", "PC-1001", "Ridgeline Waterproof Jacket",
                                "too small", 18900, NOW)
        repo.add_return(request)
        assert repo.returns_for_order("100235") == [request]
        assert repo.returns_for_order("100234") == []

    def test_products_are_the_catalogue(self, repo: StoreRepository) -> None:
        assert {p.sku for p in repo.list_products()} == {p.sku for p in CATALOGUE}

    def test_handoffs_and_feedback_round_trip(self, repo: StoreRepository) -> None:
        ticket = HandoffTicket("H000001", "web-1", "requested", "Customer: help", NOW)
        repo.add_handoff(ticket)
        assert repo.handoffs_for_sender("web-1") == [ticket]
        first = repo.add_feedback("web-1", "complaint", "late again", NOW)
        second = repo.add_feedback("web-1", "feedback", "nice chat 😀", NOW)
        assert [f.text for f in repo.feedback_for_sender("web-1")] == ["late again", "nice chat 😀"]
        assert second.id > first.id

    def test_open_handoffs_are_the_queued_ones_oldest_first(self, repo: StoreRepository) -> None:
        later = HandoffTicket("H000003", "web-3", "requested", "b", NOW.replace(minute=30))
        earlier = HandoffTicket("H000002", "web-2", "complaint", "a", NOW)
        done = HandoffTicket("H000004", "web-4", "requested", "c", NOW, status="closed")
        for ticket in (later, earlier, done):
            repo.add_handoff(ticket)
        assert [t.ticket for t in repo.open_handoffs()] == ["H000002", "H000003"]
        assert [t.ticket for t in repo.handoffs_since(NOW.replace(minute=1))] == ["H000003"]
        assert len(repo.handoffs_since(NOW)) == 3
        assert repo.set_handoff_status("H000002", "closed").status == "closed"
        assert [t.ticket for t in repo.open_handoffs()] == ["H000003"]
        with pytest.raises(NotFoundError):
            repo.set_handoff_status("H999999", "closed")

    def test_a_handoff_wait_is_measured_to_its_first_claim(self, repo: StoreRepository) -> None:
        later = HandoffTicket("H000006", "web-6", "requested", "b", NOW.replace(minute=20))
        first = HandoffTicket("H000005", "web-5", "requested", "a", NOW)
        never = HandoffTicket("H000007", "web-7", "requested", "c", NOW.replace(minute=30))
        for ticket in (later, first, never):
            repo.add_handoff(ticket)
        assert repo.handoff_waits(NOW) == []
        repo.mark_handoff_claimed("H000006", NOW.replace(minute=26))
        repo.mark_handoff_claimed("H000005", NOW.replace(minute=4))
        repo.mark_handoff_claimed("H000005", NOW.replace(minute=50))  # released, claimed again
        assert repo.handoff_waits(NOW) == [(NOW, NOW.replace(minute=4)),
                                           (NOW.replace(minute=20), NOW.replace(minute=26))]
        assert repo.handoff_waits(NOW.replace(minute=1)) == [
            (NOW.replace(minute=20), NOW.replace(minute=26))]
        assert all(t.tzinfo is not None for pair in repo.handoff_waits(NOW) for t in pair)
        with pytest.raises(NotFoundError):
            repo.mark_handoff_claimed("H999999", NOW)

    def test_photos_round_trip_and_link_to_one_case(self, repo: StoreRepository) -> None:
        first = repo.add_photo(Photo("P1", "web-2", "image/jpeg", b"\xff\xd8jpeg", 40, 30, NOW))
        repo.add_photo(Photo("P2", "web-2", "image/jpeg", b"\xff\xd8more", 4, 3,
                             NOW.replace(minute=5)))
        repo.add_photo(Photo("P3", "web-3", "image/jpeg", b"\xff\xd8other", 4, 3, NOW))
        assert repo.get_photo("P1") == first and repo.get_photo("P9") is None
        assert [p.id for p in repo.photos_for_sender("web-2")] == ["P1", "P2"]
        assert repo.link_photos("web-2", "C00001") == 2
        repo.add_photo(Photo("P4", "web-2", "image/jpeg", b"\xff\xd8late", 4, 3,
                             NOW.replace(minute=9)))
        assert repo.link_photos("web-2", "RMA-77") == 1  # only those of no case yet
        assert [(p.id, p.case_ref) for p in repo.photos_for_sender("web-2")] == [
            ("P1", "C00001"), ("P2", "C00001"), ("P4", "RMA-77")]
        assert repo.photos_for_sender("web-3")[0].case_ref == ""
        assert repo.get_photo("P2").data == b"\xff\xd8more"  # type: ignore[union-attr]

    def test_ratings_round_trip_with_their_comment(self, repo: StoreRepository) -> None:
        first = repo.add_rating(Rating(0, "web-5", 4, NOW, agent="Ann", topic="orders"))
        second = repo.add_rating(Rating(0, "web-6", 2, NOW.replace(hour=11)))
        assert second.id > first.id > 0
        repo.set_rating_comment(first.id, "quick and kind")
        assert [(r.score, r.agent, r.comment) for r in repo.ratings()] == [
            (4, "Ann", "quick and kind"), (2, "", "")]
        assert [r.sender_id for r in repo.ratings(since=NOW.replace(hour=11))] == ["web-6"]

    def test_concurrent_feedback_loses_nothing(self, repo: StoreRepository) -> None:
        def write(n: int) -> None:
            for i in range(10):
                repo.add_feedback("crowd", "feedback", f"{n}-{i}", NOW)

        threads = [threading.Thread(target=write, args=(n,)) for n in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert len(repo.feedback_for_sender("crowd")) == 80


class TestInMemoryStoreRepository(StoreRepositoryContract):
    @pytest.fixture
    def repo(self) -> StoreRepository:
        return InMemoryStoreRepository(CATALOGUE, demo_orders(NOW))


class TestSqlStoreRepository(StoreRepositoryContract):
    @pytest.fixture
    def repo(self, tmp_path) -> StoreRepository:  # type: ignore[no-untyped-def]
        engine = make_engine(f"sqlite:///{tmp_path / 'store.db'}")
        seed_database(engine, NOW)
        yield SqlStoreRepository(engine)
        engine.dispose()


def test_seeding_twice_does_not_duplicate(tmp_path) -> None:  # type: ignore[no-untyped-def]
    engine = make_engine(f"sqlite:///{tmp_path / 'store.db'}")
    assert seed_database(engine, NOW) is True
    assert seed_database(engine, NOW) is False
    assert len(SqlStoreRepository(engine).orders_for_email(DEMO_EMAIL)) == 7
    engine.dispose()


def test_unreachable_database_raises_store_unavailable(tmp_path) -> None:  # type: ignore[no-untyped-def]
    folder = tmp_path / "gone"
    engine = make_engine(f"sqlite:///{folder}/store.db")
    folder.rmdir()  # the database's folder disappears (unmounted disk, deleted volume)
    with pytest.raises(StoreUnavailableError):
        SqlStoreRepository(engine).get_order("100234")


def test_unusable_database_url_is_a_config_error(tmp_path) -> None:  # type: ignore[no-untyped-def]
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    with pytest.raises(ConfigError, match="cannot create the database folder"):
        make_engine(f"sqlite:///{blocker}/store.db")
    with pytest.raises(ConfigError):
        make_engine("nonsense://")


# --- the e-commerce platform adapters, over their local fakes (no socket: the fake is the
# HTTP transport). Support records go to a SQL database, as in production. -------------------

def _support(tmp_path) -> SqlStoreRepository:  # type: ignore[no-untyped-def]
    support = SqlStoreRepository(make_engine(f"sqlite:///{tmp_path / 'support.db'}"))
    support.create_schema()
    return support


class PlatformContract(StoreRepositoryContract):
    """The contract, with the two promises a platform keeps differently (and why)."""

    def test_status_and_address_updates_persist(self, repo: StoreRepository) -> None:
        """The platforms keep an address as fields and the order keeps its country, so the
        stored address is the new one with the country after it, not the same string."""
        repo.set_order_status("100236", OrderStatus.CANCELLED)
        repo.set_shipping_address("100239", "1 New Road, York YO1 7HH")
        assert repo.get_order("100236").status is OrderStatus.CANCELLED  # type: ignore[union-attr]
        assert repo.get_order("100239").shipping_address == (  # type: ignore[union-attr]
            "1 New Road, York YO1 7HH, United Kingdom")

    def test_returns_are_stored_per_order(self, repo: StoreRepository) -> None:
        """Neither platform's API can open a return (Shopify's REST API has none, WooCommerce
        none at all): the repository says so and the flow hands it to the team."""
        request = ReturnRequest("R0000001", "100235", "PC-1001", "Ridgeline Waterproof Jacket",
                                "too small", 18900, NOW)
        with pytest.raises(PlatformLimitError, match="return of the Ridgeline"):
            repo.add_return(request)
        assert repo.returns_for_order("100235") == []

    def test_a_shipped_order_cannot_be_cancelled_or_readdressed_there(
            self, repo: StoreRepository) -> None:
        with pytest.raises((PlatformLimitError, InvalidRequestError)):
            repo.set_order_status("100234", OrderStatus.PLACED)
        order = repo.get_order("100235")
        assert order is not None and order.status is OrderStatus.DELIVERED
        assert order.shipment is not None and order.shipment.delivered_on is not None

    def test_the_demo_table_holds_on_the_platform(self, repo: StoreRepository) -> None:
        from commerce.demo import demo_promises
        from commerce.service import StoreService
        from shopdesk.clock import FixedClock

        assert demo_promises(StoreService(repo, FixedClock(NOW))) == []


class TestShopifyStoreRepository(PlatformContract):
    @pytest.fixture
    def repo(self, tmp_path) -> StoreRepository:  # type: ignore[no-untyped-def]
        from commerce.platform_http import RetryPolicy
        from commerce.shopify_repository import ShopifyStoreRepository, make_http
        from shopdesk.clock import FixedClock
        from tests.fakes.shopify import make_fake

        fake = make_fake(NOW, bucket_size=10_000)
        backend = Settings.from_env(fake.env()).store_backend
        http = make_http(backend, FixedClock(NOW), transport=fake.transport(),
                         policy=RetryPolicy(base_delay=0),
                         sleep=lambda _s: None)
        support = _support(tmp_path)
        yield ShopifyStoreRepository(http, support, FixedClock(NOW))
        http.close()
        fake.server.server_close()  # never served: the transport answered without a socket
        support._engine.dispose()


class TestWooCommerceStoreRepository(PlatformContract):
    @pytest.fixture
    def repo(self, tmp_path) -> StoreRepository:  # type: ignore[no-untyped-def]
        from commerce.platform_http import RetryPolicy
        from commerce.woocommerce_repository import WooCommerceStoreRepository, make_http
        from shopdesk.clock import FixedClock
        from tests.fakes.woocommerce import make_fake

        fake = make_fake(NOW)
        backend = Settings.from_env(fake.env()).store_backend
        http = make_http(backend, FixedClock(NOW), transport=fake.transport(),
                         policy=RetryPolicy(base_delay=0),
                         sleep=lambda _s: None)
        support = _support(tmp_path)
        yield WooCommerceStoreRepository(http, support, FixedClock(NOW))
        http.close()
        fake.server.server_close()  # never served: the transport answered without a socket
        support._engine.dispose()
