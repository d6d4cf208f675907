"""The profile service's privacy rules and its behaviour when the database is down."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from actions.profile import ActionPersonalGreeting, ActionRecordConsent
from actions.support import ActionAnswerQuestion
from profiles.memory_store import InMemoryProfileStore
from profiles.personalise import Personaliser, article_items
from profiles.service import CONSENT_TEXT, ProfileService, Visitor
from retrieval.corpus import load_corpus
from retrieval.embedders import HashEmbedder
from shopdesk.clock import FixedClock
from shopdesk.composition import Services
from shopdesk.errors import StoreUnavailableError
from shopdesk.identity import VERIFIED_KEY as VERIFIED
from tests.conftest import FAQ, NOW, make_tracker
from tests.helpers import run_action, texts

WHO = Visitor("conv-1", "rest")
CLOCK = FixedClock(NOW)


def test_nothing_is_profiled_without_consent() -> None:
    store = InMemoryProfileStore(CLOCK)
    service = ProfileService(store, CLOCK)
    service.observe(WHO, "hello", "greet", 0.1, 0.1)
    service.note_interest(WHO, "returns", "answered")
    assert store.find("rest", "conv-1") is None  # not even a customer row
    service.record_consent(WHO, False)
    service.observe(WHO, "hello", "greet", 0.1, 0.1)
    customer = store.find("rest", "conv-1")
    assert customer and store.interactions(customer) == [] and store.interests(customer) == {}
    assert store.export(customer).consents[0].text_shown == CONSENT_TEXT
    assert service.interest_weights(WHO) == {}


def test_with_consent_turns_moods_and_interests_are_kept_and_feed_the_ranking() -> None:
    store = InMemoryProfileStore(CLOCK)
    service = ProfileService(store, CLOCK)
    service.record_consent(WHO, True)
    service.observe(WHO, "call me on 07700 900123", "ask_question", -0.6, -0.4)
    for _ in range(3):
        service.note_interest(WHO, "returns", "answered")
    service.note_interest(WHO, "shipping", "answered")
    customer = store.find("rest", "conv-1")
    assert customer
    assert store.interactions(customer)[0].text == "call me on [PHONE]"
    assert store.mood_history(customer)[0].mood == -0.4
    assert service.interest_weights(WHO) == {"returns": 1.5, "shipping": pytest.approx(1 + 0.5 / 3)}


class DownStore(InMemoryProfileStore):
    def __getattribute__(self, name: str) -> Any:
        if name.startswith("_"):
            return super().__getattribute__(name)

        def fail(*args: object, **kwargs: object) -> None:
            raise StoreUnavailableError("connection refused")
        return fail


def test_a_database_outage_means_no_personalisation_not_a_failure(
        caplog: pytest.LogCaptureFixture) -> None:
    service = ProfileService(DownStore(CLOCK), CLOCK)
    assert service.consent(WHO) is None
    assert service.record_consent(WHO, True) is False
    service.observe(WHO, "hi", "greet", 0.0, 0.0)
    assert service.interest_weights(WHO) == {}
    assert service.suggestions(WHO, 0.0) == []
    assert "profile store unavailable" in caplog.text


@pytest.fixture
def with_profiles(services: Services) -> Services:
    store = InMemoryProfileStore(CLOCK)
    pairs = load_corpus(FAQ)
    personaliser = Personaliser(article_items(pairs), HashEmbedder().encode(
        [p.question for p in pairs]), store)
    return replace(services, profiles=ProfileService(store, services.clock, personaliser=personaliser))


def test_consent_is_asked_once_and_recorded(with_profiles: Services) -> None:
    greet = make_tracker("hi", "greet")
    messages, events = run_action(ActionPersonalGreeting(with_profiles), greet)
    assert CONSENT_TEXT in texts(messages)
    assert {"consent_asked"} == {e["name"] for e in events}
    asked = make_tracker("hi", "greet", slots={"consent_asked": True})
    assert run_action(ActionPersonalGreeting(with_profiles), asked)[0] == []
    messages, _ = run_action(ActionRecordConsent(with_profiles),
                             make_tracker("/consent_grant", "consent_grant"))
    assert "remember" in texts(messages)
    assert with_profiles.profiles.consent(Visitor("test-user", "rest")) is True


def test_answers_are_remembered_and_suggestions_offered_and_clicked(
        with_profiles: Services) -> None:
    with_profiles.profiles.record_consent(Visitor("test-user", "rest"), True)
    messages, _ = run_action(ActionAnswerQuestion(with_profiles),
                             make_tracker("how long do refunds take?", "ask_question"))
    buttons = [b for m in messages for b in m.get("buttons") or []]
    assert 1 <= len(buttons) <= 3
    assert all(b["payload"].startswith('/ask_question{"suggested_item": ') for b in buttons)
    item = buttons[0]["payload"].split('"')[-2]
    clicked = make_tracker(buttons[0]["payload"], "ask_question",
                           entities=[{"entity": "suggested_item", "value": item}])
    reply, _ = run_action(ActionAnswerQuestion(with_profiles), clicked)
    assert "From our help centre" in texts(reply)
    store = with_profiles.profiles.store
    customer = store.find("rest", "test-user")  # type: ignore[union-attr]
    turns = store.interactions(customer)  # type: ignore[union-attr]
    assert [t.feedback for t in turns if t.item] == [None, "clicked"]
    assert store.feedback() and sum(store.interests(customer).values()) >= 2  # type: ignore[union-attr]


def test_a_bad_experience_on_a_topic_steers_suggestions_to_help_on_it(
        with_profiles: Services) -> None:
    from datetime import UTC, datetime

    from profiles.records import Interaction

    profiles = with_profiles.profiles
    who = Visitor("test-user", "rest")
    profiles.record_consent(who, True)
    store = profiles.store
    customer = store.find("rest", "test-user")  # type: ignore[union-attr]
    now = datetime(2026, 11, 30, tzinfo=UTC)
    store.log_interaction(customer, Interaction("c", "rest", now, "return_request", -0.9))  # type: ignore[union-attr]
    assert profiles.unhappy_topics(store.interactions(customer)) == ("returns",)  # type: ignore[union-attr]
    suggestions = profiles.suggestions(who, mood=-0.6)
    assert any(s.item.topic == "returns" and "after a problem" in s.reason for s in suggestions)
    assert not any(s.item.promotional for s in suggestions)


def test_every_action_is_logged_with_whether_it_went_through(with_profiles: Services) -> None:
    from actions.orders import ActionCheckOrderStatus

    who = Visitor("test-user", "rest")
    with_profiles.profiles.record_consent(who, True)
    tracker = make_tracker("jane.doe@example.com", "inform",
                           slots={"order_number": "100234", "email": "jane.doe@example.com"})
    messages, _ = run_action(ActionCheckOrderStatus(with_profiles), tracker)
    assert "100234" in texts(messages)
    store = with_profiles.profiles.store
    turns = store.interactions(store.find("rest", "test-user"))  # type: ignore[union-attr]
    assert [(t.action, t.resolved, t.text) for t in turns] == [
        ("action_check_order_status", True, None)]


def test_a_signed_identity_links_the_customer_only_with_consent(with_profiles: Services) -> None:
    profiles = with_profiles.profiles
    who = Visitor("test-user", "rest")
    signed = {VERIFIED: {"user_id": "cust-42", "email": "jane.doe@example.com"}}
    # consent given on a message that carries the signed identity: linked, no e-mail proof
    run_action(ActionRecordConsent(with_profiles),
               make_tracker("/consent_grant", "consent_grant", metadata=signed))
    customer = profiles.customer(who)
    assert customer is not None
    assert profiles.store.find("site", "cust-42") == customer
    assert profiles.store.find("email", "jane.doe@example.com") == customer
    # without consent nothing is linked, signed or not
    other = Visitor("no-consent", "rest")
    run_action(ActionRecordConsent(with_profiles),
               make_tracker("/consent_deny", "consent_deny", sender_id="no-consent",
                            metadata={VERIFIED: {"user_id": "cust-77"}}))
    assert profiles.store.find("site", "cust-77") is None
    assert profiles.customer(other) is not None  # the "no" itself is kept
