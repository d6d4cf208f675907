"""Form validation actions on real trackers, against the demo store's data."""

from __future__ import annotations

from actions.order_forms import (
    ValidateCancelOrderForm,
    ValidateChangeAddressForm,
    ValidateOrderStatusForm,
)
from actions.returns import ValidateReturnForm
from commerce.seed import demo_orders
from shopdesk.composition import Services
from tests.conftest import NOW, make_tracker
from tests.helpers import run_action, slot_events, texts

JANE = "jane.doe@example.com"
OTHER = next(o.number for o in demo_orders(NOW) if o.customer_email != JANE)


def validate(action, **kwargs):  # type: ignore[no-untyped-def]
    messages, events = run_action(action, make_tracker(**kwargs))
    return texts(messages), slot_events(events), messages


def test_valid_order_number_in_a_sentence_is_normalised(services: Services) -> None:
    text, slots, _ = validate(ValidateOrderStatusForm(services), active_loop="order_status_form",
                              candidates={"order_number": "it's order #100234 thanks"})
    assert slots["order_number"] == "100234"
    assert text == ""


def test_malformed_order_number_is_rejected_with_a_hint(services: Services) -> None:
    text, slots, _ = validate(ValidateOrderStatusForm(services), active_loop="order_status_form",
                              candidates={"order_number": "12ab"})
    assert slots["order_number"] is None
    assert "6 digits" in text
    assert slots["failed_attempts"] == 1.0


def test_unknown_order_number_is_rejected(services: Services) -> None:
    text, slots, _ = validate(ValidateOrderStatusForm(services), active_loop="order_status_form",
                              candidates={"order_number": "999999"})
    assert slots["order_number"] is None
    assert "couldn't find an order with the number 999999" in text


def test_repeated_failure_offers_a_person(services: Services) -> None:
    text, slots, messages = validate(
        ValidateOrderStatusForm(services), active_loop="order_status_form",
        slots={"failed_attempts": 1.0}, candidates={"order_number": "999999"})
    assert slots["failed_attempts"] == 2.0
    assert "pass you to a person" in text
    assert messages[-1]["buttons"][0]["payload"] == "/human_handoff"


def test_email_must_match_the_order(services: Services) -> None:
    text, slots, _ = validate(ValidateOrderStatusForm(services), active_loop="order_status_form",
                              slots={"order_number": "100234"},
                              candidates={"email": "someone.else@example.com"})
    assert slots["email"] is None
    assert "wasn't placed with that e-mail address" in text


def test_matching_email_is_accepted_and_failures_reset(services: Services) -> None:
    _, slots, _ = validate(ValidateOrderStatusForm(services), active_loop="order_status_form",
                           slots={"order_number": "100234", "failed_attempts": 1.0},
                           candidates={"email": f"My email is {JANE.upper()}."})
    assert slots["email"] == JANE
    assert slots["failed_attempts"] == 0.0


def test_text_that_is_not_an_email_is_rejected(services: Services) -> None:
    text, slots, _ = validate(ValidateOrderStatusForm(services), active_loop="order_status_form",
                              slots={"order_number": "100234"},
                              candidates={"email": "<script>alert(1)</script>"})
    assert slots["email"] is None
    assert "doesn't look like an e-mail address" in text


def test_changing_the_order_number_rechecks_the_known_email(services: Services) -> None:
    text, slots, _ = validate(ValidateOrderStatusForm(services), active_loop="order_status_form",
                              slots={"email": JANE}, candidates={"order_number": OTHER})
    assert slots["email"] is None  # the order belongs to another customer
    assert "wasn't placed with that e-mail address" in text


def test_shipped_order_cannot_be_cancelled(services: Services) -> None:
    text, slots, _ = validate(ValidateCancelOrderForm(services), active_loop="cancel_order_form",
                              slots={"order_number": "100234"}, candidates={"email": JANE})
    # the flow ends with the reason; the proven order stays (no second order number asked)
    assert slots["requested_slot"] is None and "already shipped" in slots["flow_refused"]
    assert "order_number" not in slots and slots["email"] == JANE
    assert "already shipped" in text and "return it" in text


def test_processing_order_can_be_cancelled(services: Services) -> None:
    text, slots, _ = validate(ValidateCancelOrderForm(services), active_loop="cancel_order_form",
                              slots={"order_number": "100236"}, candidates={"email": JANE})
    assert slots["email"] == JANE
    assert text == ""


def test_return_outside_the_window_is_refused(services: Services) -> None:
    text, slots, _ = validate(ValidateReturnForm(services), active_loop="return_form",
                              slots={"order_number": "100237"}, candidates={"email": JANE})
    assert slots["requested_slot"] is None and "more than 30 days ago" in slots["flow_refused"]
    assert "more than 30 days ago" in text


def test_a_no_inside_a_yes_never_cancels(services: Services) -> None:
    import asyncio

    from rasa_sdk.executor import CollectingDispatcher

    action = ValidateCancelOrderForm(services)
    for said, expected in [("no, don't cancel it, I've changed my mind", False),
                           ("actually keep it", False), ("wait", False),
                           ("yes cancel it, I don't need it any more", True), ("yes", True)]:
        tracker = make_tracker(text=said, active_loop="cancel_order_form")
        slots = asyncio.run(action.validate_confirm_cancel(True, CollectingDispatcher(), tracker,
                                                           {}))
        assert slots == {"confirm_cancel": expected}, said


def test_a_no_inside_a_yes_never_changes_the_address(services: Services) -> None:
    import asyncio

    from rasa_sdk.executor import CollectingDispatcher

    action = ValidateChangeAddressForm(services)
    for said, expected in [("no wait, that's not right", False), ("hold on, don't change it", False),
                           ("not correct", False), ("yes that's it", True), ("yes", True)]:
        tracker = make_tracker(text=said, active_loop="change_address_form")
        slots = asyncio.run(action.validate_confirm_address(True, CollectingDispatcher(), tracker,
                                                            {}))
        assert slots == {"confirm_address": expected}, said
    # a plain no stays a no
    tracker = make_tracker(text="no", active_loop="change_address_form")
    assert asyncio.run(action.validate_confirm_address(False, CollectingDispatcher(), tracker,
                                                       {})) == {"confirm_address": False}


def test_return_item_is_matched_to_the_order_despite_typos(services: Services) -> None:
    _, slots, _ = validate(ValidateReturnForm(services), active_loop="return_form",
                           slots={"order_number": "100235", "email": JANE},
                           candidates={"return_item": "the ridgline jacket"})
    assert slots["return_item"] == "Ridgeline Waterproof Jacket"


def test_return_item_not_in_order_lists_the_items(services: Services) -> None:
    text, slots, _ = validate(ValidateReturnForm(services), active_loop="return_form",
                              slots={"order_number": "100235", "email": JANE},
                              candidates={"return_item": "a tent"})
    assert slots["return_item"] is None
    assert "Ridgeline Waterproof Jacket" in text and "Trailhead Fleece Pullover" in text


def test_address_validation(services: Services) -> None:
    action = ValidateChangeAddressForm(services)
    base = {"order_number": "100236", "email": JANE}
    text, slots, _ = validate(action, active_loop="change_address_form", slots=base,
                              candidates={"new_address": "my house"})
    assert slots["new_address"] is None and "full address" in text
    _, slots, _ = validate(action, active_loop="change_address_form", slots=base,
                           candidates={"new_address": "  12 Elm Avenue,\n Leeds LS1 4AP "})
    assert slots["new_address"] == "12 Elm Avenue, Leeds LS1 4AP"
    text, slots, _ = validate(action, active_loop="change_address_form", slots=base,
                              candidates={"new_address": "1 Long Road " * 100})
    assert slots["new_address"] is None and "too long" in text


def test_return_item_named_earlier_is_prefilled(services: Services) -> None:
    tracker = make_tracker(active_loop="return_form",
                           slots={"order_number": "100235", "product": "fleece"},
                           candidates={"email": JANE})
    _, slots, _ = validate(ValidateReturnForm(services), active_loop="return_form",
                           slots={"order_number": "100235", "product": "fleece"},
                           candidates={"email": JANE})
    assert slots["return_item"] == "Trailhead Fleece Pullover"
    assert tracker.get_slot("product") == "fleece"
