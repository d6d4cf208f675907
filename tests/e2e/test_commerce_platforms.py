"""The order conversations through the real Rasa server and action server, with the orders in
a Shopify or a WooCommerce store (their local fakes): status with slot filling, a late parcel,
a declined payment, a cancellation, an address change, a return the platform cannot open (a
ticket for the team), rate limiting and an outage (a polite reply, and the conversation goes
on).

One stack per platform for the whole module (Rasa and the action server only: no web app),
started with ``SHOPDESK_STORE`` pointing at the fake.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from commerce.sql_repository import SqlStoreRepository
from retrieval.cli import ensure_index
from shopdesk.clock import system_clock
from shopdesk.database import make_engine
from shopdesk.model_cache import ensure_model
from shopdesk.settings import Settings
from shopdesk.stack import Stack, isolated_stack
from tests.e2e.conftest import Chat

pytestmark = [pytest.mark.integration, pytest.mark.e2e]
JANE = "jane.doe@example.com"


@dataclass
class Shop:
    name: str
    stack: Stack
    fake: Any

    def chat(self, who: str) -> Chat:
        return Chat(self.stack, f"e2e-{self.name}-{who}")

    def tickets(self, who: str) -> list[Any]:
        engine = make_engine(self.stack.settings.database_url)
        try:
            return SqlStoreRepository(engine).handoffs_for_sender(f"e2e-{self.name}-{who}")
        finally:
            engine.dispose()


@pytest.fixture(scope="module", params=["shopify", "woocommerce"])
def shop(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
         ) -> Iterator[Shop]:
    from tests.fakes import shopify, woocommerce

    fake = (shopify if request.param == "shopify" else woocommerce).make_fake().start()
    model = ensure_model()
    index = ensure_index(Settings.from_env())
    stack = isolated_stack(tmp_path_factory.mktemp(request.param), model, index, system_clock,
                           {**fake.env(), "SHOPDESK_RATE_PER_IP": "600"})
    try:
        stack.start(timeout=420, names=("actions", "rasa"))
        yield Shop(request.param, stack, fake)
    finally:
        stack.stop()
        fake.stop()


def test_status_asks_for_what_is_missing_and_reads_the_platform(shop: Shop) -> None:
    chat = shop.chat("status")
    assert "order number" in chat.text("hey, has my order been sent out yet?")
    assert "e-mail" in chat.text("the number is 100234")
    reply = chat.text(JANE)
    assert "Order 100234" in reply and "shipped" in reply and "Trail Runner GTX Shoes" in reply
    # someone else's e-mail is refused: ownership is still ours to check
    other = shop.chat("stranger")
    other.text("where is my package")
    other.text("100240")
    assert "wasn't placed with that e-mail" in other.text("someone@example.com")


def test_late_parcel_and_declined_payment(shop: Shop) -> None:
    chat = shop.chat("late")
    reply = chat.text(f"My order 100240 should have arrived by now, where is it? {JANE}")
    assert "late" in reply and "weather" in reply
    payment = shop.chat("payment").text(
        f"my payment for order 100239 was declined, what do I do now? {JANE}")
    assert "declined" in payment


def test_cancel_is_made_in_the_platform(shop: Shop) -> None:
    chat = shop.chat("cancel")
    chat.text(f"Please cancel order 100236, email {JANE}")
    reply = chat.text("yes")
    assert "Order 100236 is cancelled" in reply and "refund" in reply
    assert shop.fake.order_by_number("100236")["status" if shop.name == "woocommerce"
                                               else "cancel_reason"] in ("cancelled", "customer")


def test_address_change_is_made_in_the_platform(shop: Shop) -> None:
    chat = shop.chat("address")
    chat.text(f"Can I change the delivery address on 100239? {JANE}")
    chat.text("14 Birch Road, Bristol BS1 5TR")
    assert "14 Birch Road, Bristol BS1 5TR" in chat.text("yes")
    stored = shop.fake.order_by_number("100239")
    where = stored["shipping_address"] if shop.name == "shopify" else stored["shipping"]
    assert where["city"] == "Bristol"


def test_a_return_goes_to_the_team_with_a_ticket(shop: Shop) -> None:
    chat = shop.chat("return")
    chat.text("I'd like to return something")
    chat.text("order 100235")
    assert "Which item" in chat.text(JANE)
    assert "reason" in chat.text("the fleece")
    reply = chat.text("it is too big for me")
    [ticket] = shop.tickets("return")
    assert ticket.reason == "platform_limit" and ticket.ticket in reply and "our team" in reply
    assert "Trailhead Fleece" in ticket.summary


def test_rate_limited_calls_are_retried_unseen(shop: Shop) -> None:
    shop.fake.fail_next(2, 429)
    refused = len(shop.fake.refused)
    reply = shop.chat("limited").text(f"whats the status of order 100234, my email is {JANE}")
    assert "Order 100234" in reply
    assert len(shop.fake.refused) == refused + 2


def test_an_outage_gets_a_polite_reply_and_the_conversation_goes_on(shop: Shop) -> None:
    chat = shop.chat("outage")
    shop.fake.outage = True
    try:
        reply = chat.text(f"whats the status of order 100234, my email is {JANE}")
    finally:
        shop.fake.outage = False
    assert "trouble reaching our order system" in reply
    assert "Order 100234" in chat.text(f"can you try again? order 100234, {JANE}")
