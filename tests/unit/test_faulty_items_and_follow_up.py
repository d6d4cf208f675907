"""The faulty-item flow (apology, the policy that applies, a claim, a complaint) and the
second question of a two-request message, on real trackers and the in-memory store."""

from __future__ import annotations

from datetime import timedelta

import pytest

from actions.follow_up import answer_follow_up, extra_questions, starting_message
from actions.orders import ActionCheckOrderStatus
from actions.returns import ActionSubmitFaultyItem, ValidateFaultyItemForm
from actions.support import ActionAnswerQuestion, ActionHandleComplaint
from actions.wording import case_next_steps
from commerce.memory_repository import InMemoryStoreRepository
from shopdesk.clock import FixedClock
from shopdesk.composition import Services
from shopdesk.errors import InvalidRequestError
from tests.conftest import NOW, make_tracker
from tests.helpers import run_action, slot_events, texts

JANE = "jane.doe@example.com"


def faulty(order: str, item: str, said: str = "the zip broke on the first night"):  # type: ignore[no-untyped-def]
    return make_tracker(slots={"order_number": order, "email": JANE, "return_item": item,
                               "fault_description": said})


def test_a_fault_inside_the_return_window_offers_replacement_or_refund(
        services: Services, repository: InMemoryStoreRepository) -> None:
    messages, events = run_action(ActionSubmitFaultyItem(services),
                                  faulty("100235", "Ridgeline Waterproof Jacket"))
    text = texts(messages)
    assert "sorry" in text.lower()
    assert "replacement or a full refund" in text and "delivery cost" in text
    [claim] = repository.returns_for_order("100235")
    assert claim.reason == "faulty: the zip broke on the first night"
    assert claim.rma in text and claim.status == "faulty_awaiting_parcel"
    assert "complaint (reference C" in text
    assert "In stock" not in text and "£" not in text  # never a product card
    assert {e["name"] for e in events if e["event"] == "slot"} >= {"return_item",
                                                                   "fault_description"}


def test_a_fault_after_the_return_window_is_a_warranty_claim(
        services: Services, repository: InMemoryStoreRepository) -> None:
    text = texts(run_action(ActionSubmitFaultyItem(services), faulty("100237", "Daypack 28L"))[0])
    assert "2-year warranty" in text and "repair or replace" in text
    [claim] = repository.returns_for_order("100237")
    assert claim.rma.startswith("W") and claim.status == "warranty_claim"


def test_past_the_warranty_the_repair_service_is_offered_and_a_complaint_kept(
        services: Services, repository: InMemoryStoreRepository) -> None:
    later = Services(settings=services.settings, store=type(services.store)(
        repository, FixedClock(NOW + timedelta(days=3 * 365))), qa=services.qa,
        clock=FixedClock(NOW + timedelta(days=3 * 365)))
    text = texts(run_action(ActionSubmitFaultyItem(later), faulty("100237", "Daypack 28L"))[0])
    assert "past the 2-year warranty" in text and "repair service" in text
    assert repository.returns_for_order("100237") == []
    assert "complaint (reference C" in text


def test_a_fault_cannot_be_claimed_on_an_order_not_yet_delivered(services: Services) -> None:
    order = services.store.find_order("100236")
    assert order is not None
    with pytest.raises(InvalidRequestError, match="hasn't been delivered"):
        services.store.fault_remedy(order)
    assert "can't open a claim" in ValidateFaultyItemForm(services).check_order(order)  # type: ignore[operator]


def test_a_button_payload_is_not_kept_as_the_customers_description(
        services: Services, repository: InMemoryStoreRepository) -> None:
    run_action(ActionSubmitFaultyItem(services),
               faulty("100235", "Trailhead Fleece Pullover", said="/report_defect"))
    [claim] = repository.returns_for_order("100235")
    assert claim.reason == "faulty: reported faulty"


def test_status_offers_the_next_steps_that_apply(services: Services) -> None:
    [message] = run_action(ActionCheckOrderStatus(services),
                           make_tracker(slots={"order_number": "100236", "email": JANE}))[0]
    payloads = [b["payload"] for b in message["buttons"]]
    assert payloads == ["/cancel_order", "/change_address"]
    [message] = run_action(ActionCheckOrderStatus(services),
                           make_tracker(slots={"order_number": "100235", "email": JANE}))[0]
    assert [b["payload"] for b in message["buttons"]] == ["/return_request", "/report_defect"]


@pytest.mark.parametrize(("text", "expected"), [
    ("cancel 100236 and how long do refunds take?", ["how long do refunds take"]),
    ("I want to cancel order 100236, also do you ship to Ireland? jane.doe@example.com",
     ["do you ship to Ireland"]),
    ("where is my order 100234? jane.doe@example.com", []),
    ("Could you let me know where it's at? Thanks", []),  # about the order itself
    ("cancel my order please", []),
])
def test_extra_questions_are_the_open_questions_besides_the_request(
        text: str, expected: list[str]) -> None:
    assert extra_questions(text, ("100236", JANE)) == expected


def test_the_follow_up_answers_the_question_of_the_message_that_started_the_flow(
        services: Services) -> None:
    start = "cancel 100236 and how long do refunds take?"
    tracker = make_tracker(
        text="yes", slots={"order_number": "100236", "email": JANE},
        events=[{"event": "user", "text": start},
                {"event": "active_loop", "name": "cancel_order_form"},
                {"event": "user", "text": JANE}, {"event": "active_loop", "name": None}])
    assert starting_message(tracker) == start
    from rasa_sdk.executor import CollectingDispatcher

    dispatcher = CollectingDispatcher()
    said = answer_follow_up(dispatcher, tracker, services.qa)
    assert len(said) == 1 and "how long do refunds take" in said[0]["text"]
    assert "working days" in said[0]["text"]


def test_a_refused_flow_shows_where_the_order_stands_and_what_can_be_done(
        services: Services) -> None:
    from actions.orders import ActionCancelOrder

    tracker = make_tracker(slots={"order_number": "100234", "email": JANE,
                                  "flow_refused": "Order 100234 has already shipped"})
    messages, events = run_action(ActionCancelOrder(services), tracker)
    assert texts(messages).startswith("Here's where it stands: ")
    assert "Expected delivery" in texts(messages)  # the tracking, not a second question
    assert not messages[0]["buttons"]
    assert slot_events(events) == {"flow_refused": None}
    assert services.store.find_order("100234").status.value == "shipped"  # type: ignore[union-attr]


def test_after_a_claim_an_unanswered_follow_up_is_told_what_happens_next(
        services: Services, repository: InMemoryStoreRepository) -> None:
    _, events = run_action(ActionSubmitFaultyItem(services),
                           faulty("100235", "Ridgeline Waterproof Jacket"))
    case = slot_events(events)["open_case"]
    [claim] = repository.returns_for_order("100235")
    assert case["ref"] == claim.rma and case["kind"] == "replace_or_refund"
    follow_up = make_tracker("zxqv plorb, and now?", "ask_question", slots={"open_case": case})
    messages, events = run_action(ActionAnswerQuestion(services), follow_up)
    text = texts(messages)
    assert f"claim {claim.rma} for the Ridgeline Waterproof Jacket from order 100235" in text
    assert "replacement or a full refund" in text and "returns label" in text
    assert slot_events(events) == {"failed_attempts": 0.0}
    # inside another flow the form goes on, with the usual honest "no answer"
    in_form = make_tracker("zxqv plorb, and now?", "ask_question", slots={"open_case": case},
                           active_loop="order_status_form")
    assert claim.rma not in texts(run_action(ActionAnswerQuestion(services), in_form)[0])


def test_a_warranty_claim_and_a_return_have_their_own_next_steps(services: Services) -> None:
    _, events = run_action(ActionSubmitFaultyItem(services), faulty("100237", "Daypack 28L"))
    steps = case_next_steps(slot_events(events)["open_case"])
    assert steps is not None and "repair or replace it free of charge" in steps
    steps = case_next_steps({"ref": "R1", "item": "Fleece", "order": "100235", "kind": "return",
                             "refund": "£45.00"})
    assert steps is not None and "refund £45.00 to your original payment method" in steps
    assert case_next_steps(None) is None and case_next_steps({"item": "x"}) is None


def test_the_same_order_asked_again_is_not_repeated_word_for_word(services: Services) -> None:
    proven = {"order_number": "100235", "email": JANE}
    first = texts(run_action(ActionCheckOrderStatus(services), make_tracker(
        "check 100235 please", "order_status", slots=proven))[0])
    before = [{"event": "bot", "text": first}]
    # a question the help centre answers gets that answer
    messages = run_action(ActionCheckOrderStatus(services), make_tracker(
        "how long do refunds usually take?", "order_status", slots=proven, events=before))[0]
    assert "3 working days" in texts(messages) and texts(messages) != first
    assert messages[-1]["buttons"]  # what can be done with the order stays one click away
    # anything else: nothing new, said so, with the facts again
    text = texts(run_action(ActionCheckOrderStatus(services), make_tracker(
        "what was in that order again?", "order_status", slots=proven, events=before))[0])
    assert text.startswith("Nothing has changed since I looked a moment ago. Order 100235")
    assert "Ridgeline Waterproof Jacket" in text and text != first


def test_a_complaint_after_a_claim_is_recorded_and_told_what_is_under_way(
        services: Services) -> None:
    _, events = run_action(ActionSubmitFaultyItem(services),
                           faulty("100235", "Ridgeline Waterproof Jacket"))
    case = slot_events(events)["open_case"]
    text = texts(run_action(ActionHandleComplaint(services), make_tracker(
        "what are you going to do about it?", "complaint", slots={"open_case": case}))[0])
    assert "recorded your complaint" in text
    assert f"What's already under way: Your claim {case['ref']}" in text
