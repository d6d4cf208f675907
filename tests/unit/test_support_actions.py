"""Open questions, products, complaints, feedback and handoff, on real trackers."""

from __future__ import annotations

from dataclasses import replace

from actions.base import ServiceAction
from actions.orders import ActionCheckOrderStatus
from actions.support import (
    ActionAnswerQuestion,
    ActionHandleComplaint,
    ActionHandoff,
    ActionOutOfScope,
    ActionProductInfo,
    ActionRecordFeedback,
)
from commerce.memory_repository import InMemoryStoreRepository
from commerce.service import StoreService
from shopdesk.composition import Services
from shopdesk.errors import StoreUnavailableError
from tests.conftest import make_tracker
from tests.helpers import run_action, slot_events, texts


def followups(events):  # type: ignore[no-untyped-def]
    return [e["name"] for e in events if e.get("event") == "followup"]


def test_open_question_is_answered_and_names_the_matched_question(services: Services) -> None:
    messages, events = run_action(ActionAnswerQuestion(services),
                                  make_tracker("how long do refunds usually take?", "ask_question"))
    text = texts(messages)
    assert "3 working days" in text
    assert "How long do refunds take?" in text
    assert slot_events(events) == {"failed_attempts": 0.0}


def test_no_answer_admits_it_then_offers_a_person(services: Services) -> None:
    action = ActionAnswerQuestion(services)
    messages, events = run_action(action, make_tracker("zxqv plorb", "nlu_fallback"))
    assert "don't have an answer" in texts(messages)
    assert messages[-1]["buttons"][0]["payload"] == "/human_handoff"  # a person, right away
    assert slot_events(events) == {"failed_attempts": 1.0}
    assert followups(events) == []
    messages, events = run_action(
        action, make_tracker("zxqv plorb", "nlu_fallback", slots={"failed_attempts": 1.0}))
    assert followups(events) == ["action_offer_human"]


def test_no_answer_inside_a_form_offers_a_button_not_a_followup(services: Services) -> None:
    messages, events = run_action(
        ActionAnswerQuestion(services),
        make_tracker("zxqv plorb", "nlu_fallback", slots={"failed_attempts": 1.0},
                     active_loop="order_status_form"))
    assert followups(events) == []
    assert messages[-1]["buttons"][0]["payload"] == "/human_handoff"


def test_out_of_scope_says_so_and_the_second_miss_in_a_row_offers_a_person(
        services: Services) -> None:
    action = ActionOutOfScope(services)
    messages, events = run_action(action, make_tracker("blorp zint quasm", "out_of_scope"))
    assert [m.get("response") for m in messages] == ["utter_out_of_scope"]
    assert slot_events(events) == {"failed_attempts": 1.0}
    assert followups(events) == []
    messages, events = run_action(
        action, make_tracker("flarb vemmit skrod", "out_of_scope", slots={"failed_attempts": 1.0}))
    assert slot_events(events) == {"failed_attempts": 2.0}
    assert followups(events) == ["action_offer_human"]
    messages, events = run_action(  # inside a form, the form goes on instead
        action, make_tracker("what's the weather", "out_of_scope", slots={"failed_attempts": 1.0},
                             active_loop="order_status_form"))
    assert followups(events) == []


def test_two_questions_in_one_message_get_two_answers(services: Services) -> None:
    messages, _ = run_action(ActionAnswerQuestion(services), make_tracker(
        "Is there a student discount? Also how do I wash a down jacket?", "ask_question"))
    text = texts(messages)
    assert "Student Beans" in text and "tennis balls" in text


def test_product_question_uses_the_catalogue(services: Services) -> None:
    tracker = make_tracker("is the ridgeline jacket waterproof?", "product_question",
                           entities=[{"entity": "product", "value": "Ridgeline jacket"}])
    text = texts(run_action(ActionProductInfo(services), tracker)[0])
    assert "Ridgeline Waterproof Jacket — £189.00" in text and "waterproof" in text


def test_product_category_question_lists_products(services: Services) -> None:
    text = texts(run_action(ActionProductInfo(services),
                            make_tracker("do you sell tents", "product_question"))[0])
    assert "Basecamp 2 Tent" in text and "Storm Shelter 4 Tent" in text


def test_unknown_product_says_so(services: Services) -> None:
    text = texts(run_action(ActionProductInfo(services),
                            make_tracker("do you have the hyperflux 9000", "product_question"))[0])
    assert "couldn't find that product" in text


def test_complaint_is_recorded_and_a_person_offered(
    services: Services, repository: InMemoryStoreRepository
) -> None:
    messages, events = run_action(ActionHandleComplaint(services),
                                  make_tracker("this is the third time, useless!", "complaint"))
    assert "recorded your complaint" in texts(messages)
    assert repository.feedback_for_sender("test-user")[0].kind == "complaint"
    assert followups(events) == []  # the rules offer the person next


def test_feedback_is_recorded(services: Services, repository: InMemoryStoreRepository) -> None:
    run_action(ActionRecordFeedback(services), make_tracker("great chat!", "give_feedback"))
    assert repository.feedback_for_sender("test-user")[0].text == "great chat!"


def test_handoff_records_a_redacted_ticket_once(
    services: Services, repository: InMemoryStoreRepository
) -> None:
    earlier = [{"event": "user", "text": "my card 4242 4242 4242 4242 was charged twice"}]
    tracker = make_tracker("let me talk to a human", "human_handoff", events=earlier,
                           slots={"order_number": "100234", "email": "jane.doe@example.com"})
    messages, events = run_action(ActionHandoff(services), tracker)
    text = texts(messages)
    [ticket] = repository.handoffs_for_sender("test-user")
    assert ticket.ticket in text and "jane.doe@example.com" in text
    assert "4242 4242" not in ticket.summary and "[CARD]" in ticket.summary
    assert "Order: 100234" in ticket.summary
    assert slot_events(events)["handoff_ticket"] == ticket.ticket
    again = texts(run_action(ActionHandoff(services), tracker)[0])
    assert "already in the queue" in again
    assert len(repository.handoffs_for_sender("test-user")) == 1


def test_the_handoff_ticket_lists_the_customers_photos(
        services: Services, repository: InMemoryStoreRepository) -> None:
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (8, 8)).save(out, format="JPEG")
    photo = services.store.attach_photo("photo-user", out.getvalue(), 1_000_000)
    services.store.link_photos("photo-user", "C00007")
    earlier = [{"event": "user", "text": "/share_photo"}, {"event": "user", "text": "it's torn"}]
    run_action(ActionHandoff(services), make_tracker("a person please", "human_handoff",
                                                     events=earlier, sender_id="photo-user"))
    [ticket] = repository.handoffs_for_sender("photo-user")
    assert f"Photos: {photo.id} (C00007)" in ticket.summary
    assert "/share_photo" not in ticket.summary and "it's torn" in ticket.summary


class FailingRepository(InMemoryStoreRepository):
    """The store's database is down."""

    def get_order(self, number: str):  # type: ignore[no-untyped-def]
        raise StoreUnavailableError("connection refused")


def test_database_down_gives_a_clear_reply(services: Services) -> None:
    broken = replace(services, store=StoreService(FailingRepository(), services.clock))
    tracker = make_tracker(slots={"order_number": "100234", "email": "jane.doe@example.com"})
    messages, events = run_action(ActionCheckOrderStatus(broken), tracker)
    assert "having trouble reaching our order system" in texts(messages)
    assert events == []


def test_every_action_is_registered_with_a_unique_name() -> None:
    import pkgutil

    import actions

    for module in pkgutil.iter_modules(actions.__path__):
        __import__(f"actions.{module.name}")
    from tests.helpers import domain

    def leaves(cls):  # type: ignore[no-untyped-def]
        for sub in cls.__subclasses__():
            yield sub
            yield from leaves(sub)

    from rasa_sdk import Action

    names = [c().name() for c in leaves(Action)
             if c.__module__.startswith("actions.") and not getattr(c, "__abstractmethods__", None)]
    assert len(names) == len(set(names))
    assert set(domain()["actions"]) == set(names)
    assert ServiceAction.__abstractmethods__


def test_an_unanswerable_message_about_an_order_looks_the_order_up(services: Services) -> None:
    action = ActionAnswerQuestion(services)
    named = make_tracker("zxqv plorb 100240 jane.doe@example.com", "nlu_fallback",
                         entities=[{"entity": "order_number", "value": "100240"}])
    messages, events = run_action(action, named)
    assert followups(events) == ["order_status_form"] and messages == []
    proven = make_tracker("zxqv plorb in that order", "ask_question",
                          slots={"order_number": "100235", "email": "jane.doe@example.com"})
    assert followups(run_action(action, proven)[1]) == ["order_status_form"]
    # without an order in sight it stays an honest "no answer"
    assert followups(run_action(action, make_tracker("zxqv plorb", "nlu_fallback"))[1]) == []


def test_a_policy_question_about_a_product_gets_the_policy_not_the_card(
        services: Services) -> None:
    tracker = make_tracker("what is your return policy for the Basecamp 2 tent?",
                           "product_question", entities=[{"entity": "product",
                                                          "value": "Basecamp 2 tent"}])
    text = texts(run_action(ActionProductInfo(services), tracker)[0])
    assert "30 days" in text and "In stock" not in text
    card = texts(run_action(ActionProductInfo(services), make_tracker(
        "how much does the Basecamp 2 tent weigh?", "product_question",
        entities=[{"entity": "product", "value": "Basecamp 2 tent"}]))[0])
    assert "2.1 kg" in card


def test_an_answered_question_that_names_an_order_also_looks_it_up(services: Services) -> None:
    tracker = make_tracker("cancel 100236 and how long do refunds usually take?", "ask_question",
                           entities=[{"entity": "order_number", "value": "100236"}])
    messages, events = run_action(ActionAnswerQuestion(services), tracker)
    assert "3 working days" in texts(messages)
    assert followups(events) == ["order_status_form"]


def test_a_refund_question_right_after_a_cancellation_is_answered_from_it(
        services: Services) -> None:
    case = {"kind": "cancellation", "ref": "100236", "order": "100236",
            "money": "We'll refund £349.00 to your Amex ending 0005 within 3–5 working days."}
    messages, _ = run_action(ActionAnswerQuestion(services),
                             make_tracker("when will I get my money back?", "ask_question",
                                          slots={"open_case": case}))
    assert texts(messages) == ("Your order 100236 is cancelled. We'll refund £349.00 to your "
                               "Amex ending 0005 within 3–5 working days.")
    # any other question still goes to the help centre
    messages, _ = run_action(ActionAnswerQuestion(services),
                             make_tracker("how much does delivery cost?", "ask_question",
                                          slots={"open_case": case}))
    assert "£4.95" in texts(messages)
    # after a return, the help centre's refund article (warehouse check + bank time) answers
    returned = {"kind": "return", "ref": "R1", "order": "100235", "item": "jacket",
                "refund": "£189.00"}
    messages, _ = run_action(ActionAnswerQuestion(services),
                             make_tracker("how long will the refund take?", "ask_question",
                                          slots={"open_case": returned}))
    assert "Your return R1" not in texts(messages)
