"""Actions that run when an order form is complete, on real trackers."""

from __future__ import annotations

from actions.orders import (
    ActionCancelOrder,
    ActionChangeAddress,
    ActionCheckOrderStatus,
    ActionCheckPayment,
    ActionTrackShipment,
)
from actions.returns import ActionAskReturnItem, ActionSubmitReturn
from commerce.memory_repository import InMemoryStoreRepository
from commerce.records import OrderStatus
from shopdesk.composition import Services
from tests.conftest import make_tracker
from tests.helpers import run_action, slot_events, texts

JANE = "jane.doe@example.com"


def verified(**extra):  # type: ignore[no-untyped-def]
    return make_tracker(slots={"email": JANE, **extra})


def test_status_of_a_shipped_order_names_carrier_items_and_date(services: Services) -> None:
    messages, _ = run_action(ActionCheckOrderStatus(services), verified(order_number="100234"))
    text = texts(messages)
    assert "Order 100234" in text and "shipped" in text
    assert "Trail Runner GTX Shoes" in text and "Estimated delivery" in text


def test_status_of_a_processing_order(services: Services) -> None:
    text = texts(run_action(ActionCheckOrderStatus(services), verified(order_number="100236"))[0])
    assert "hasn't shipped yet" in text and "Basecamp 2 Tent" in text


def test_late_parcel_is_called_late(services: Services) -> None:
    text = texts(run_action(ActionTrackShipment(services), verified(order_number="100240"))[0])
    assert "late" in text and "weather delay" in text


def test_tracking_before_shipping_says_so(services: Services) -> None:
    text = texts(run_action(ActionTrackShipment(services), verified(order_number="100236"))[0])
    assert "hasn't shipped yet" in text


def test_declined_payment_is_explained(services: Services) -> None:
    text = texts(run_action(ActionCheckPayment(services), verified(order_number="100239"))[0])
    assert "declined" in text and "billing address" in text


def test_lookup_with_a_wrong_email_reveals_nothing(services: Services) -> None:
    tracker = make_tracker(slots={"order_number": "100234", "email": "x@example.com"})
    messages, events = run_action(ActionCheckOrderStatus(services), tracker)
    assert "Trail Runner" not in texts(messages)
    assert slot_events(events) == {"order_number": None}


def test_cancel_when_confirmed(services: Services, repository: InMemoryStoreRepository) -> None:
    messages, events = run_action(ActionCancelOrder(services),
                                  verified(order_number="100236", confirm_cancel=True))
    assert "is cancelled" in texts(messages)
    assert repository.get_order("100236").status is OrderStatus.CANCELLED  # type: ignore[union-attr]
    slots = slot_events(events)
    assert slots["confirm_cancel"] is None
    assert slots["open_case"]["kind"] == "cancellation" and "refund" in slots["open_case"]["money"]


def test_cancel_declined_changes_nothing(services: Services,
                                         repository: InMemoryStoreRepository) -> None:
    messages, _ = run_action(ActionCancelOrder(services),
                             verified(order_number="100236", confirm_cancel=False))
    assert "haven't changed anything" in texts(messages)
    assert repository.get_order("100236").status is OrderStatus.PROCESSING  # type: ignore[union-attr]


def test_change_address_updates_the_order(services: Services,
                                          repository: InMemoryStoreRepository) -> None:
    messages, events = run_action(
        ActionChangeAddress(services),
        verified(order_number="100236", new_address="12 Elm Avenue, Leeds LS1 4AP",
                 confirm_address=True))
    assert "12 Elm Avenue" in texts(messages)
    assert repository.get_order("100236").shipping_address == "12 Elm Avenue, Leeds LS1 4AP"  # type: ignore[union-attr]
    assert slot_events(events) == {"new_address": None, "confirm_address": None}


def test_address_not_confirmed_changes_nothing(services: Services,
                                               repository: InMemoryStoreRepository) -> None:
    before = repository.get_order("100236").shipping_address  # type: ignore[union-attr]
    messages, _ = run_action(ActionChangeAddress(services), verified(
        order_number="100236", new_address="12 Elm Avenue, Leeds LS1 4AP", confirm_address=False))
    assert "haven't changed anything" in texts(messages)
    assert repository.get_order("100236").shipping_address == before  # type: ignore[union-attr]


def test_return_is_created_with_refund_amount(services: Services,
                                              repository: InMemoryStoreRepository) -> None:
    tracker = verified(order_number="100235", return_item="Ridgeline Waterproof Jacket",
                       return_reason="too small")
    messages, events = run_action(ActionSubmitReturn(services), tracker)
    text = texts(messages)
    assert "return number R" in text and "£189.00" in text
    [request] = repository.returns_for_order("100235")
    assert request.sku == "PC-1001" and request.reason == "too small"
    slots = slot_events(events)
    assert slots.pop("open_case") == {"ref": request.rma, "item": request.item_name,
                                      "order": request.order_number, "kind": "return",
                                      "refund": "£189.00"}
    assert slots == {"return_item": None, "return_reason": None}
    again = texts(run_action(ActionSubmitReturn(services), tracker)[0])
    assert "already open" in again


def test_ask_return_item_offers_the_order_items(services: Services) -> None:
    messages, _ = run_action(ActionAskReturnItem(services), verified(order_number="100235"))
    titles = [b["title"] for b in messages[0]["buttons"]]
    assert any("Ridgeline" in t for t in titles) and any("Fleece" in t for t in titles)
