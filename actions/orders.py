"""Order lookups and changes that run when an order form is complete."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.base import ServiceAction, last_bot_text, latest_text
from actions.wording import (
    cited,
    items_sentence,
    next_steps,
    payment_text,
    status_text,
    tracking_text,
)
from commerce.records import Order, PaymentStatus
from commerce.service import money
from retrieval.answering import Decision
from shopdesk.errors import InvalidRequestError, NotFoundError


class _VerifiedOrderAction(ServiceAction):
    """Loads the order the form verified; says so plainly if it is no longer there."""

    toned = True
    answers_follow_up = True

    def verified_order(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> Order | None:
        try:
            return self.services.store.order_for_customer(
                tracker.get_slot("order_number"), tracker.get_slot("email")
            )
        except NotFoundError:
            dispatcher.utter_message(
                text="I couldn't find that order for that e-mail address any more. "
                "Could you give me the order number again?"
            )
            return None


class ActionCheckOrderStatus(_VerifiedOrderAction):
    def name(self) -> str:
        return "action_check_order_status"

    def act(self, dispatcher: CollectingDispatcher, tracker: Tracker,
            domain: dict[str, Any]) -> list[EventType]:
        order = self.verified_order(dispatcher, tracker)
        if order is None:
            return [SlotSet("order_number", None)]
        store = self.services.store
        text = f"{status_text(order, store.today())} Items: {items_sentence(order)}."
        if text not in last_bot_text(tracker):
            dispatcher.utter_message(text=text, buttons=next_steps(order, store))
            return []
        # the same order again with nothing new: answer what they asked ("what if it never
        # turns up?") if the help centre can; otherwise say that nothing is new, with the facts
        question = latest_text(tracker)
        result = self.services.qa.answer(question) if question[:1] not in ("", "/") else None
        if result is not None and result.decision is Decision.ANSWER:
            hit = result.hits[0]
            dispatcher.utter_message(text=cited(hit.pair.answer, hit.pair.question),
                                     buttons=next_steps(order, store))
            return []
        dispatcher.utter_message(
            text=f"Nothing has changed since I looked a moment ago. {text} If something isn't "
            "right with it, choose below or ask for a person.", buttons=next_steps(order, store))
        return []


class ActionTrackShipment(_VerifiedOrderAction):
    def name(self) -> str:
        return "action_track_shipment"

    def act(self, dispatcher: CollectingDispatcher, tracker: Tracker,
            domain: dict[str, Any]) -> list[EventType]:
        order = self.verified_order(dispatcher, tracker)
        if order is None:
            return [SlotSet("order_number", None)]
        dispatcher.utter_message(text=tracking_text(order, self.services.store.today()))
        return []


class ActionCheckPayment(_VerifiedOrderAction):
    def name(self) -> str:
        return "action_check_payment"

    def act(self, dispatcher: CollectingDispatcher, tracker: Tracker,
            domain: dict[str, Any]) -> list[EventType]:
        order = self.verified_order(dispatcher, tracker)
        if order is None:
            return [SlotSet("order_number", None)]
        dispatcher.utter_message(text=payment_text(order))
        return []


class ActionCancelOrder(_VerifiedOrderAction):
    def name(self) -> str:
        return "action_cancel_order"

    def act(self, dispatcher: CollectingDispatcher, tracker: Tracker,
            domain: dict[str, Any]) -> list[EventType]:
        reset = [SlotSet("confirm_cancel", None)]
        number = tracker.get_slot("order_number")
        if not tracker.get_slot("confirm_cancel"):
            dispatcher.utter_message(text=f"OK, I haven't changed anything — order {number} "
                                     "will go ahead as planned.")
            return reset
        try:
            order = self.services.store.cancel(number or "", tracker.get_slot("email") or "")
        except NotFoundError:
            dispatcher.utter_message(text="I couldn't find that order for that e-mail address.")
            return reset
        except InvalidRequestError as e:
            dispatcher.utter_message(text=f"Sorry, I couldn't cancel it: {e}.")
            return reset
        # the platforms refund as they cancel (refunded); our own store refunds afterwards
        if order.payment_status in (PaymentStatus.CAPTURED, PaymentStatus.REFUNDED,
                                    PaymentStatus.PARTIALLY_REFUNDED):
            money_note = (f"We'll refund {money(order.total_cents)} to your "
                          f"{order.payment_method} within 3–5 working days.")
        else:
            money_note = (f"You haven't been charged — any pending amount on your "
                          f"{order.payment_method} is released within 3–5 working days.")
        dispatcher.utter_message(
            text=f"Order {order.number} is cancelled. {money_note} "
            "You'll get a confirmation e-mail shortly."
        )
        # "when do I get my money back?" next is about this cancellation (actions.wording)
        case = {"kind": "cancellation", "ref": order.number, "order": order.number,
                "money": money_note}
        return [*reset, SlotSet("open_case", case)]


class ActionChangeAddress(_VerifiedOrderAction):
    def name(self) -> str:
        return "action_change_address"

    def act(self, dispatcher: CollectingDispatcher, tracker: Tracker,
            domain: dict[str, Any]) -> list[EventType]:
        reset = [SlotSet("new_address", None), SlotSet("confirm_address", None)]
        if not tracker.get_slot("confirm_address"):
            dispatcher.utter_message(text="OK, I haven't changed anything — order "
                                     f"{tracker.get_slot('order_number')} still goes to the "
                                     "address it had. If the new one needs correcting, just ask "
                                     "me to change the address again.")
            return reset
        try:
            order = self.services.store.change_address(
                tracker.get_slot("order_number") or "",
                tracker.get_slot("email") or "",
                tracker.get_slot("new_address") or "",
            )
        except NotFoundError:
            dispatcher.utter_message(text="I couldn't find that order for that e-mail address.")
            return reset
        except InvalidRequestError as e:
            dispatcher.utter_message(text=f"Sorry, I couldn't change the address: {e}.")
            return reset
        dispatcher.utter_message(
            text=f"Done — the delivery address of order {order.number} is changed to: "
            f"{order.shipping_address}. You'll get an e-mail confirming the change."
        )
        return reset


class ActionAskConfirmAddress(ServiceAction):
    """Reads the new address back before the order is changed (a typo would send the parcel
    astray)."""

    def name(self) -> str:
        return "action_ask_confirm_address"

    def act(self, dispatcher: CollectingDispatcher, tracker: Tracker,
            domain: dict[str, Any]) -> list[EventType]:
        dispatcher.utter_message(
            text=f"Shall I change the delivery address of order {tracker.get_slot('order_number')} "
            f"to: {tracker.get_slot('new_address')}?",
            buttons=[{"title": "Yes, change it", "payload": "/affirm"},
                     {"title": "No, leave it", "payload": "/deny"}])
        return []
