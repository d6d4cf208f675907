"""Open questions, products, complaints, feedback and handing over to a person."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.base import (
    HANDOFF_BUTTON,
    ServiceAction,
    bump_failures,
    latest_text,
    mood_of,
    tone_of,
    visitor,
)
from actions.knowledge_gaps import note_gap
from actions.photos import link_photos, open_case_ref
from actions.profile import suggestion_buttons
from actions.wording import REFUND_QUESTION, case_next_steps, cited, product_text
from commerce.service import money
from retrieval.answering import Decision
from sentiment.mood import Tone
from sentiment.ranking import topic_of
from sentiment.tone import HUMAN_BUTTON, acknowledgement, offer_line, shape
from shopdesk.csat import EXTERNAL_PREFIX
from shopdesk.redact import redact
from shopdesk.support_hours import when
from shopdesk.wait_estimate import WINDOW_DAYS, estimate_wait, wait_sentence

_CATEGORY_WORDS = {
    "jacket": "jackets", "coat": "jackets", "parka": "jackets", "fleece": "fleece",
    "shoe": "footwear", "boot": "footwear", "trainer": "footwear", "sandal": "footwear",
    "tent": "tents", "sleeping": "sleeping", "backpack": "backpacks", "rucksack": "backpacks",
    "pack": "backpacks", "stove": "camp kitchen", "bottle": "camp kitchen",
    "trouser": "trousers and shorts", "short": "trousers and shorts", "pant": "trousers and shorts",
    "base layer": "base layers", "kid": "kids", "child": "kids", "headlamp": "electronics",
    "torch": "electronics", "sock": "accessories", "hat": "accessories", "pole": "accessories",
}


# questions about the shop's terms rather than a product's facts
_POLICY_WORDS = re.compile(r"\b(warrant(y|ies)|guarantee[ds]?|return(s|ed|ing)?|refund(s|ed)?|"
                           r"exchange|repair(s|ed)?|deliver(y|ies|ed)?|shipping|postage|"
                           r"covered)\b", re.I)


class ActionOfferHuman(ServiceAction):
    def name(self) -> str:
        return "action_offer_human"

    def act(self, dispatcher: CollectingDispatcher, tracker: Tracker,
            domain: dict[str, Any]) -> list[EventType]:
        dispatcher.utter_message(
            text="Would you like me to pass you to a person on our support team?",
            buttons=[{"title": "Yes, please", "payload": "/affirm"},
                     {"title": "No, thanks", "payload": "/deny"}],
        )
        return []


class ActionOutOfScope(ServiceAction):
    """Says plainly what the bot can't help with; the second miss in a row (anything it could
    not help with: an out-of-scope request, gibberish read as one, an unanswered question)
    offers a person instead of leaving the customer to try again alone."""

    def name(self) -> str:
        return "action_out_of_scope"

    def act(self, dispatcher: CollectingDispatcher, tracker: Tracker,
            domain: dict[str, Any]) -> list[EventType]:
        count, event = bump_failures(tracker)
        dispatcher.utter_message(response="utter_out_of_scope")
        if count >= self.services.settings.handoff_after_failures and not tracker.active_loop_name:
            return [event, FollowupAction("action_offer_human")]
        return [event]


class ActionAnswerQuestion(ServiceAction):
    """Answers from the historical Q&A, or says honestly that it has no answer.

    Candidates are ranked by relevance and the customer's mood (``sentiment.ranking``) and the
    reply is worded for the conversation's tone (``sentiment.tone``).
    """

    logs_itself = True

    def name(self) -> str:
        return "action_answer_question"

    def act(self, dispatcher: CollectingDispatcher, tracker: Tracker,
            domain: dict[str, Any]) -> list[EventType]:
        question = latest_text(tracker)
        in_form = tracker.active_loop_name is not None
        tone, signals, key = tone_of(tracker)
        who = visitor(tracker)
        profiles = self.services.profiles
        suggested = next(tracker.get_latest_entity_values("suggested_item"), None)
        if suggested and profiles.personaliser and suggested in profiles.personaliser.by_id:
            return self._answer_suggestion(dispatcher, tracker, str(suggested))
        # relevance × the customer's interest in the topic (neutral without consent) × mood fit
        rerank = self.services.sentiment.rerank(mood_of(tracker), profiles.interest_weights(who))
        upset = tone in (Tone.EMPATHETIC, Tone.ESCALATE)
        parts = split_questions(question)
        if len(parts) > 1:
            answered = [(p, self.services.qa.answer(p, rerank)) for p in parts]
            confident = [(p, r) for p, r in answered if r.decision is Decision.ANSWER]
            if len(confident) > 1:
                for _, result in confident:
                    hit = result.hits[0]
                    dispatcher.utter_message(text=f"“{hit.pair.question}” — {hit.pair.answer}")
                if upset:
                    dispatcher.utter_message(text=offer_line(tone, signals, key),
                                             buttons=[HUMAN_BUTTON])
                return [SlotSet("failed_attempts", 0.0)]
        open_case = tracker.get_slot("open_case")
        case = None if in_form else case_next_steps(open_case)
        if case and open_case.get("kind") == "cancellation" and REFUND_QUESTION.search(question or ""):
            # "when do I get my money back?" right after a cancellation: that refund's card and
            # days, not the help centre's refund article (which is about returns: warehouse check
            # + bank time, the right answer after a return, so returns keep it)
            dispatcher.utter_message(text=case)
            return [SlotSet("failed_attempts", 0.0)]
        result = self.services.qa.answer(question, rerank)
        note_gap(self.services, tracker, question, result)
        if result.decision is Decision.ANSWER:
            hit = result.hits[0]
            self._remember(tracker, hit.pair, "answered")
            if not upset:
                reply = shape(cited(hit.pair.answer, hit.pair.question), tone, signals, key)
                dispatcher.utter_message(text=reply.text)
                offer = suggestion_buttons(profiles.suggestions(
                    who, mood_of(tracker), exclude=(hit.pair.id,)))
                if offer:
                    dispatcher.utter_message(text="You might also find these useful:",
                                             buttons=offer)
            else:
                # short and direct, then the other close matches (remedies first) and a person
                reply = shape(hit.pair.answer, tone, signals, key)
                related = [{"title": h.pair.question[:80], "payload": h.pair.question}
                           for h in result.alternatives[:2]]
                dispatcher.utter_message(text=reply.text, buttons=related + reply.buttons)
            events: list[EventType] = [SlotSet("failed_attempts", 0.0)]
            if not in_form and next(tracker.get_latest_entity_values("order_number"), None):
                # the question came with an order number ("cancel 100236, and how long do
                # refunds take?"): look that order up too, with what can be done with it
                events.append(FollowupAction("order_status_form"))
            return events
        steps = None if in_form else case_next_steps(tracker.get_slot("open_case"))
        if steps and result.decision is not Decision.ANSWER:
            # no article answers it, right after a return or claim was opened: "what happens
            # now?", "how do I get the right one?" are most likely about that case
            dispatcher.utter_message(
                text=f"If you're asking about what happens next: {steps[0].lower()}{steps[1:]}",
                buttons=[HANDOFF_BUTTON])
            dispatcher.utter_message(text="If it was something else, could you put it another "
                                     "way? Or a person on our team can help.")
            return [SlotSet("failed_attempts", 0.0)]
        if not in_form and about_an_order(tracker):
            # no article answers it, but the customer named an order (or asks about the one
            # already proven in this conversation): look it up instead of guessing or a dead end
            return [FollowupAction("order_status_form")]
        if result.decision is Decision.SUGGEST:
            buttons = [{"title": h.pair.question[:80], "payload": h.pair.question}
                       for h in result.hits]
            if upset:
                dispatcher.utter_message(
                    text=f"{acknowledgement(signals, key)} I want to get this right — is it one "
                    "of these? Or a person can take over.",
                    buttons=[*buttons, HUMAN_BUTTON])
            else:
                # an honest "no answer" first: these are only the nearest questions we have
                dispatcher.utter_message(
                    text="I couldn't find an answer to exactly that in our help centre. These "
                    "are the closest questions I have — or a person on our team can help.",
                    buttons=[*buttons, HANDOFF_BUTTON])
            return []
        count, event = bump_failures(tracker)
        limit = self.services.settings.handoff_after_failures
        if (count >= limit or upset) and not in_form:
            dispatcher.utter_message(
                text="Sorry, I still don't have an answer to that, and I don't want to keep "
                "you going round in circles." if count >= limit else
                f"{acknowledgement(signals, key)} I don't have a good answer to that myself."
            )
            return [event, FollowupAction("action_offer_human")]
        dispatcher.utter_message(
            text="Sorry, I don't have an answer to that in our help centre. You could put it "
            "another way — I can help with orders, deliveries, returns, payments and our "
            "products — or a person on our team can take it from here.",
            buttons=[HANDOFF_BUTTON],
        )
        return [event]


    def _remember(self, tracker: Tracker, pair: Any, event: str) -> None:
        """With consent: the answered article, as an interaction and as interest in its topic."""
        who = visitor(tracker)
        self.services.profiles.observe(who, latest_text(tracker), "ask_question", None, None,
                                       action=self.name(), item=pair.id,
                                       feedback="clicked" if event == "clicked" else None,
                                       resolved=True)
        self.services.profiles.note_interest(who, topic_of(pair), event)

    def _answer_suggestion(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                           item_id: str) -> list[EventType]:
        pair = self.services.qa.pair(item_id)
        if pair is None:
            dispatcher.utter_message(text="Sorry, that article isn't available any more.")
            return []
        self._remember(tracker, pair, "clicked")
        dispatcher.utter_message(text=f"{pair.answer}\n\n(From our help centre: “{pair.question}”)")
        return [SlotSet("failed_attempts", 0.0)]


_ORDER_WORDS = re.compile(r"\b(order|orders|parcel|package|delivery|it|that)\b", re.I)


def about_an_order(tracker: Tracker) -> bool:
    """The message carries an order number, or refers to the order already proven here."""
    if next(tracker.get_latest_entity_values("order_number"), None):
        return True
    proven = tracker.get_slot("order_number") and tracker.get_slot("email")
    return bool(proven and _ORDER_WORDS.search(latest_text(tracker)))


def split_questions(text: str, limit: int = 3) -> list[str]:
    """The separate questions in a message ('Do you ship to Ireland? And is Klarna ok?')."""
    pieces = [p.strip() for p in re.split(r"(?<=[?])\s+|\n+", text[:2000]) if p.strip()]
    questions = [p for p in pieces if p.endswith("?") and len(p.split()) >= 3]
    return questions[:limit] if len(questions) > 1 else [text]


class ActionProductInfo(ServiceAction):
    """Product facts from the catalogue: price, sizes, colours, stock, features."""

    toned = True

    def name(self) -> str:
        return "action_product_info"

    def act(self, dispatcher: CollectingDispatcher, tracker: Tracker,
            domain: dict[str, Any]) -> list[EventType]:
        text = latest_text(tracker)
        store = self.services.store
        if _POLICY_WORDS.search(text):
            # "are tent poles covered by a lifetime guarantee?" asks about a policy, not for the
            # product card: a confident help-centre answer comes first
            result = self.services.qa.answer(text, self.services.sentiment.rerank(mood_of(tracker)))
            if result.decision is Decision.ANSWER:
                hit = result.hits[0]
                dispatcher.utter_message(text=f"{hit.pair.answer}\n\n(Answered from our help "
                                         f"centre: “{hit.pair.question}”)")
                return []
        entity = next(tracker.get_latest_entity_values("product"), None)
        matches = store.match_products(entity) if entity else []
        if not matches:
            matches = store.match_products(text)
        if matches:
            dispatcher.utter_message(text=product_text(matches[0]))
            return [SlotSet("product", matches[0].name)]
        lowered = text.lower()
        categories = {c for word, c in _CATEGORY_WORDS.items() if re.search(rf"\b{word}", lowered)}
        in_category = [p for p in store.products() if p.category in categories]
        if in_category:
            listing = "; ".join(f"{p.name} ({money(p.price_cents)})" for p in in_category)
            dispatcher.utter_message(
                text=f"Here's what we have: {listing}. Ask me about any of them for details."
            )
            return []
        result = self.services.qa.answer(text, self.services.sentiment.rerank(mood_of(tracker)))
        if result.decision is Decision.ANSWER:
            dispatcher.utter_message(text=result.hits[0].pair.answer)
            return []
        dispatcher.utter_message(
            text="I couldn't find that product in our catalogue. Could you give me its name as "
            "it appears on our website? We sell outdoor clothing, footwear, tents, sleeping "
            "gear, backpacks and camping kit."
        )
        return []


class ActionHandleComplaint(ServiceAction):
    def name(self) -> str:
        return "action_handle_complaint"

    def act(self, dispatcher: CollectingDispatcher, tracker: Tracker,
            domain: dict[str, Any]) -> list[EventType]:
        entry = self.services.store.record_feedback(
            tracker.sender_id, "complaint", latest_text(tracker)
        )
        dispatcher.utter_message(
            text="I'm really sorry — that's not the experience we want you to have. I've "
            f"recorded your complaint (reference C{entry.id:05d}) so our customer care team "
            "sees it and follows up."
        )
        # photos attached before: they belong to the case under way, else to this complaint
        added = link_photos(self.services.store, tracker,
                            open_case_ref(tracker) or f"C{entry.id:05d}")
        if added:
            dispatcher.utter_message(text=added)
        steps = None if tracker.active_loop_name else case_next_steps(tracker.get_slot("open_case"))
        if steps:
            # a complaint right after a return or claim was opened is about that case: say
            # what is already under way for it
            dispatcher.utter_message(text=f"What's already under way: {steps}")
        if tracker.active_loop_name:
            # inside a form the form resumes next; outside, the rules offer a person
            dispatcher.utter_message(text="If you'd like, a person can take over now.",
                                     buttons=[HANDOFF_BUTTON])
        return []


class ActionRecordFeedback(ServiceAction):
    def name(self) -> str:
        return "action_record_feedback"

    def act(self, dispatcher: CollectingDispatcher, tracker: Tracker,
            domain: dict[str, Any]) -> list[EventType]:
        self.services.store.record_feedback(tracker.sender_id, "feedback", latest_text(tracker))
        dispatcher.utter_message(
            text="Thank you — I've passed your feedback on to the team. It really helps us "
            "improve. Is there anything else I can do for you?"
        )
        return []


class ActionHandoff(ServiceAction):
    """Records a request for a person and tells the customer what happens next."""

    def name(self) -> str:
        return "action_handoff"

    def _when_someone_comes(self, ticket: str) -> str:
        """The customer's place in the queue now and how long recent customers really waited
        (``shopdesk.wait_estimate``: measured, or an honest "can't say"), or when the team is
        next in (by the one clock and the configured hours and holidays)."""
        hours = self.services.settings.support_hours
        now = self.services.clock()
        store = self.services.store
        waiting = [t.ticket for t in store.waiting_handoffs()]
        place = waiting.index(ticket) + 1 if ticket in waiting else len(waiting) or 1
        if hours.is_open(now):
            measured = store.handoff_waits(now - timedelta(days=WINDOW_DAYS))
            return wait_sentence(estimate_wait(measured, hours, now), place)
        opening = hours.next_open(now)
        back = f" They'll reply {when(opening, now, hours.zone)}." if opening else ""
        return (f"Our team is offline right now (we're here {hours.describe()}).{back} "
                "This conversation stays open until then.")

    def act(self, dispatcher: CollectingDispatcher, tracker: Tracker,
            domain: dict[str, Any]) -> list[EventType]:
        store = self.services.store
        existing = store.open_handoff(tracker.sender_id)
        if existing is not None:
            dispatcher.utter_message(
                text=f"You're already in the queue for a person (ticket {existing.ticket}). "
                "They'll see everything we've discussed, so there's no need to repeat yourself."
            )
            return [SlotSet("handoff_ticket", existing.ticket)]
        recent = [
            redact(str(e.get("text") or ""))
            for e in tracker.events
            if e.get("event") == "user" and e.get("text") and e.get("text") != "/share_photo"
            and not str(e.get("text")).startswith(EXTERNAL_PREFIX)
        ][-6:]
        order = tracker.get_slot("order_number")
        # the photos the customer attached, for the person who takes over (staff API)
        photos = [f"{p.id}" + (f" ({p.case_ref})" if p.case_ref else "")
                  for p in store.photos(tracker.sender_id)]
        summary = "\n".join(
            ([f"Order: {order}"] if order else [])
            + [f"Customer: {line[:300]}" for line in recent]
            + ([f"Photos: {', '.join(photos)} — GET /api/photos/<id>"] if photos else [])
        )
        reason = "complaint" if tracker.get_intent_of_latest_message() == "complaint" else (
            "repeated_failure" if (tracker.get_slot("failed_attempts") or 0) >= 2 else "requested"
        )
        ticket = store.record_handoff(tracker.sender_id, reason, summary)
        email = tracker.get_slot("email")
        reply_to = (f"If you close this window, we'll reply by e-mail to {email}." if email else
                    "If you'd like a reply by e-mail instead, just type your e-mail address.")
        dispatcher.utter_message(
            text=f"I've asked a member of our support team to take over (ticket {ticket.ticket}). "
            "They can see this conversation, so you won't need to repeat yourself. "
            f"{self._when_someone_comes(ticket.ticket)} {reply_to}"
        )
        return [SlotSet("handoff_ticket", ticket.ticket), SlotSet("failed_attempts", 0.0)]
