"""The return / refund flow."""

from __future__ import annotations

import asyncio
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.base import ServiceAction
from actions.order_forms import OrderFormValidation
from actions.photos import link_photos, photo_invitation
from actions.wording import item_line
from commerce.records import Order
from commerce.service import RETURN_WINDOW_DAYS, money
from shopdesk.errors import InvalidRequestError, NotFoundError

_FLOW_SLOTS = ("return_item", "return_reason")


class ValidateReturnForm(OrderFormValidation):
    def name(self) -> str:
        return "validate_return_form"

    def check_order(self, order: Order) -> str | None:
        eligibility = self.services.store.return_eligibility(order)
        if eligibility.allowed:
            return None
        return f"I can't start a return for order {order.number}: {eligibility.reason}."

    async def extract_return_item(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                                  domain: DomainDict) -> dict[str, Any]:
        """Pre-fill the item when the order has only one, or when the customer already named a
        product of this order ("can I send back the fleece?") — they should not be asked."""
        if tracker.get_slot("return_item") or not tracker.get_slot("email"):
            return {}
        order = await asyncio.to_thread(
            self.services.store.find_order, tracker.get_slot("order_number"))
        if order is None:
            return {}
        if len(order.items) == 1:  # nothing to choose
            return {"return_item": order.items[0].name}
        product = tracker.get_slot("product")
        item = self.services.store.match_item(order, product) if product else None
        return {"return_item": item.name} if item else {}

    async def validate_return_item(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
        domain: DomainDict,
    ) -> dict[str, Any]:
        order = await asyncio.to_thread(
            self.services.store.find_order, tracker.get_slot("order_number")
        )
        if order is None:
            return {"return_item": None}
        item = self.services.store.match_item(order, str(value or ""))
        if item is None:
            names = ", ".join(i.name for i in order.items)
            # the form's own question (return or fault wording, with the items as buttons)
            # follows, so this only says what went wrong
            dispatcher.utter_message(
                text=f"I couldn't match that to an item in order {order.number}. It contains: "
                f"{names}."
            )
            return {"return_item": None}
        return {"return_item": item.name}

    async def validate_return_reason(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
        domain: DomainDict,
    ) -> dict[str, Any]:
        reason = " ".join(str(value or "").split())
        if len(reason) < 2 or reason.startswith("/"):
            dispatcher.utter_message(text="Could you tell me briefly why you're returning it?")
            return {"return_reason": None}
        return {"return_reason": reason[:500]}


class ActionAskReturnItem(ServiceAction):
    """Asks which item to return, offering the order's items as buttons."""

    which = "Which item would you like to return?"
    which_in = "Which item from order {number} would you like to return?"
    the_one = "Is that the one you want to return?"

    def name(self) -> str:
        return "action_ask_return_item"

    def act(self, dispatcher: CollectingDispatcher, tracker: Tracker,
            domain: dict[str, Any]) -> list[EventType]:
        order = self.services.store.find_order(tracker.get_slot("order_number"))
        if order is None or not order.items:
            dispatcher.utter_message(text=self.which)
            return []
        if len(order.items) == 1:
            dispatcher.utter_message(
                text=f"Order {order.number} has one item: {item_line(order.items[0])}. "
                f"{self.the_one}",
                buttons=[{"title": "Yes, that one", "payload": order.items[0].name}],
            )
            return []
        dispatcher.utter_message(
            text=self.which_in.format(number=order.number),
            buttons=[{"title": item_line(i)[:60], "payload": i.name} for i in order.items],
        )
        return []


class ActionSubmitReturn(ServiceAction):
    toned = True
    answers_follow_up = True

    def name(self) -> str:
        return "action_submit_return"

    def act(self, dispatcher: CollectingDispatcher, tracker: Tracker,
            domain: dict[str, Any]) -> list[EventType]:
        reset = [SlotSet(s, None) for s in _FLOW_SLOTS]
        try:
            request = self.services.store.create_return(
                tracker.get_slot("order_number") or "",
                tracker.get_slot("email") or "",
                tracker.get_slot("return_item") or "",
                tracker.get_slot("return_reason") or "",
            )
        except (NotFoundError, InvalidRequestError) as e:
            dispatcher.utter_message(text=f"I couldn't start that return: {e}.")
            return reset
        dispatcher.utter_message(
            text=(
                f"Done — your return for the {request.item_name} from order "
                f"{request.order_number} is open (return number {request.rma}). We've e-mailed "
                "you a free returns label: pack the item with its tags and drop it at any post "
                f"office within {RETURN_WINDOW_DAYS} days. Once it reaches us we'll refund "
                f"{money(request.refund_cents)} to your original payment method within 3 "
                "working days."
            )
        )
        added = link_photos(self.services.store, tracker, request.rma)
        if added:
            dispatcher.utter_message(text=added)
        case = {"ref": request.rma, "item": request.item_name, "order": request.order_number,
                "kind": "return", "refund": money(request.refund_cents)}
        return [*reset, SlotSet("open_case", case)]


class ValidateFaultyItemForm(ValidateReturnForm):
    """The faulty / damaged / wrong-item flow: the same order check and item matching as a
    return, but the 30-day window does not apply (the warranty does)."""

    def name(self) -> str:
        return "validate_faulty_item_form"

    def check_order(self, order: Order) -> str | None:
        try:
            self.services.store.fault_remedy(order)
        except InvalidRequestError as e:
            return f"I can't open a claim for order {order.number}: {e}."
        return None


class ActionAskFaultyItem(ActionAskReturnItem):
    """Asks which item is faulty, offering the order's items as buttons."""

    which = "Which item has the problem?"
    which_in = "Which item from order {number} has the problem?"
    the_one = "Is that the one with the problem?"

    def name(self) -> str:
        return "action_ask_faulty_item_form_return_item"


class ActionSubmitFaultyItem(ServiceAction):
    """Apologises, says which policy applies, opens the claim and records a complaint."""

    toned = True
    answers_follow_up = True

    def name(self) -> str:
        return "action_submit_faulty_item"

    def act(self, dispatcher: CollectingDispatcher, tracker: Tracker,
            domain: dict[str, Any]) -> list[EventType]:
        store = self.services.store
        reset = [SlotSet(s, None) for s in (*_FLOW_SLOTS, "fault_description")]
        item = tracker.get_slot("return_item") or "item"
        said = " ".join(str(tracker.get_slot("fault_description") or "").split())
        description = said if said and not said.startswith("/") else "reported faulty"
        dispatcher.utter_message(text=f"I'm sorry the {item} let you down — that shouldn't "
                                 "happen, and I'll sort it out now.")
        try:
            claim, remedy = store.open_fault_claim(
                tracker.get_slot("order_number") or "", tracker.get_slot("email") or "",
                item, description)
        except InvalidRequestError as e:
            # past the warranty: the policy sentence offers the repair service instead
            dispatcher.utter_message(text=str(e)[:1].upper() + str(e)[1:].rstrip(".") + ".")
            claim = None
        except NotFoundError as e:
            dispatcher.utter_message(text=f"I couldn't open a claim for that: {e}.")
            return reset
        complaint = store.record_feedback(tracker.sender_id, "complaint",
                                          f"faulty {item}: {description}")
        if claim is not None:
            added = link_photos(store, tracker, claim.rma)
            dispatcher.utter_message(text=(
                f"{remedy.policy} I've opened claim {claim.rma} for the {claim.item_name} from "
                f"order {claim.order_number} and e-mailed you a free returns label. "
                + (added or photo_invitation(tracker))))
        dispatcher.utter_message(text=f"I've also recorded this as a complaint (reference "
                                 f"C{complaint.id:05d}) so our quality team looks into it.")
        if claim is None:
            added = link_photos(store, tracker, f"C{complaint.id:05d}")
            if added:
                dispatcher.utter_message(text=added)
        if claim is None:
            return reset
        case = {"ref": claim.rma, "item": claim.item_name, "order": claim.order_number,
                "kind": remedy.kind}
        return [*reset, SlotSet("open_case", case)]
