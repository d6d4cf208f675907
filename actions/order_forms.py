"""Validation of the order forms: the order must exist and belong to the customer."""

from __future__ import annotations

import abc
import asyncio
import logging
import re
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import FormValidationAction
from rasa_sdk.types import DomainDict

from actions.base import HANDOFF_BUTTON, TROUBLE, UsesServices, failed_attempts, latest_text, visitor
from commerce.records import Order, OrderStatus
from commerce.service import normalise_email, normalise_order_number
from shopdesk.composition import Services
from shopdesk.errors import NotFoundError, StoreUnavailableError

logger = logging.getLogger(__name__)
_EMAIL_IN_TEXT = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
_MAX_ADDRESS = 300


def find_email(text: Any) -> str | None:
    if not isinstance(text, str):
        return None
    match = _EMAIL_IN_TEXT.search(text[:1000])
    return normalise_email(match.group(0)) if match else None


class OrderFormValidation(UsesServices, FormValidationAction, abc.ABC):
    """Shared checks for every form that starts with order number + e-mail."""

    def __init__(self, services: Services | None = None) -> None:
        super().__init__()
        self._services = services

    @abc.abstractmethod
    def name(self) -> str: ...

    def check_order(self, order: Order) -> str | None:
        """A reason this flow can't go ahead for ``order``, or None if it can."""
        return None

    def _fail(self, dispatcher: CollectingDispatcher, tracker: Tracker, text: str,
              **slots: Any) -> dict[str, Any]:
        count = failed_attempts(tracker) + 1
        limit = self.services.settings.handoff_after_failures
        if count >= limit:
            dispatcher.utter_message(
                text=text + " If you'd rather, I can pass you to a person on our team.",
                buttons=[HANDOFF_BUTTON],
            )
        else:
            dispatcher.utter_message(text=text)
        return {**slots, "failed_attempts": float(count)}

    async def _verified(self, dispatcher: CollectingDispatcher, tracker: Tracker, number: str,
                        email: str) -> dict[str, Any] | None:
        """None if the pair is valid for this flow; otherwise the slots to reset."""
        try:
            order = await asyncio.to_thread(
                self.services.store.order_for_customer, number, email
            )
        except NotFoundError:
            return self._fail(
                dispatcher, tracker,
                f"Order {number} wasn't placed with that e-mail address. Please check the "
                "address in your order confirmation e-mail.",
                email=None,
            )
        # The customer proved the e-mail (it matches the order): link it to their profile,
        # merging the profiles of their other channels (only with consent; never fails the form).
        await asyncio.to_thread(self.services.profiles.link_verified, visitor(tracker), "email",
                                email)
        problem = self.check_order(order)
        if problem:
            # The order is proven but this flow can't go ahead for it: say why and end the
            # flow (its last action offers what can be done instead) rather than asking for
            # another order number the customer doesn't have.
            dispatcher.utter_message(text=problem)
            return {"flow_refused": problem, "requested_slot": None}
        return None

    async def validate_order_number(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
        domain: DomainDict,
    ) -> dict[str, Any]:
        number = normalise_order_number(value if isinstance(value, str) else str(value or ""))
        if number is None:
            return self._fail(
                dispatcher, tracker,
                "That doesn't look like one of our order numbers — they have 6 digits, like "
                "100234, and are in your order confirmation e-mail.",
                order_number=None,
            )
        try:
            order = await asyncio.to_thread(self.services.store.find_order, number)
            if order is None:
                return self._fail(
                    dispatcher, tracker,
                    f"I couldn't find an order with the number {number}. Could you check it "
                    "against your confirmation e-mail?",
                    order_number=None,
                )
            email = tracker.get_slot("email")
            if email and "email" not in tracker.slots_to_validate():
                reset = await self._verified(dispatcher, tracker, number, email)
                if reset is not None:
                    return {"order_number": number, **reset}
        except StoreUnavailableError as e:
            logger.error("order lookup failed: %s", e)
            dispatcher.utter_message(text=TROUBLE)
            return {"order_number": None}
        return {"order_number": number, "failed_attempts": 0.0}

    async def validate_email(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
        domain: DomainDict,
    ) -> dict[str, Any]:
        email = find_email(value)
        if email is None:
            return self._fail(
                dispatcher, tracker,
                "That doesn't look like an e-mail address. Please type the one you used for "
                "the order, like name@example.com.",
                email=None,
            )
        number = normalise_order_number(tracker.get_slot("order_number"))
        if number:
            try:
                reset = await self._verified(dispatcher, tracker, number, email)
            except StoreUnavailableError as e:
                logger.error("order lookup failed: %s", e)
                dispatcher.utter_message(text=TROUBLE)
                return {"email": None}
            if reset is not None:
                return {"email": email, **reset}
        return {"email": email, "failed_attempts": 0.0}


class ValidateOrderStatusForm(OrderFormValidation):
    def name(self) -> str:
        return "validate_order_status_form"


class ValidateTrackShipmentForm(OrderFormValidation):
    def name(self) -> str:
        return "validate_track_shipment_form"


class ValidatePaymentForm(OrderFormValidation):
    def name(self) -> str:
        return "validate_payment_form"


# "no, don't cancel it", "actually keep it": whatever the intent, not a yes to cancelling
# A "yes" that also says no ("yes — no wait, don't change it", "sure, actually keep it") is a
# no: confirmations guard steps that can't be taken back. One guard for every confirmation slot.
_SAYS_NO = re.compile(
    r"^\W*(no|nope|nah|wait|hold on)\b"
    r"|\b(don'?t|do not|dont|not|never)\s+(cancel|change|do it|do that|go ahead|use (it|that))"
    r"|\bnever ?mind\b|\bkeep (it|the order|my order)\b|\bchanged? my mind\b"
    r"|\bnot (right|correct)\b|\bthat'?s not (it|right|correct)\b", re.I)


def confirmed(value: Any, tracker: Tracker) -> Any:
    """The confirmation slot's value, turned to False when the message also says no."""
    return False if value is True and _SAYS_NO.search(latest_text(tracker)) else value


class ValidateCancelOrderForm(OrderFormValidation):
    def name(self) -> str:
        return "validate_cancel_order_form"

    async def validate_confirm_cancel(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
        domain: DomainDict,
    ) -> dict[str, Any]:
        """Cancelling can't be undone: a "yes" that also says no is a no."""
        return {"confirm_cancel": confirmed(value, tracker)}

    def check_order(self, order: Order) -> str | None:
        if self.services.store.can_cancel(order):
            return None
        if order.status is OrderStatus.CANCELLED:
            return f"Order {order.number} is already cancelled."
        return (f"Order {order.number} has already {order.status.value}, so it can't be "
                "cancelled any more — but you can return it for free within 30 days of delivery.")


class ValidateChangeAddressForm(OrderFormValidation):
    def name(self) -> str:
        return "validate_change_address_form"

    def check_order(self, order: Order) -> str | None:
        if self.services.store.can_change_address(order):
            return None
        if order.status is OrderStatus.CANCELLED:
            return f"Order {order.number} was cancelled, so there's no delivery to change."
        return (f"Order {order.number} has already {order.status.value}, so I can't change its "
                "address. You can often redirect a parcel with the courier's link in your "
                "dispatch e-mail.")

    async def validate_new_address(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
        domain: DomainDict,
    ) -> dict[str, Any]:
        text = " ".join(str(value or "").split())
        words = re.findall(r"[^\W\d_]+", text)
        if len(text) > _MAX_ADDRESS:
            dispatcher.utter_message(text="That address is too long. Please send just the "
                                     "house number, street, town and postcode.")
            return {"new_address": None}
        if len(words) < 2 or not re.search(r"\d", text) or len(text) < 10:
            dispatcher.utter_message(
                text="That doesn't look like a full address. Please include the house number, "
                "street, town and postcode, e.g. '12 Elm Avenue, Leeds LS1 4AP'."
            )
            return {"new_address": None}
        return {"new_address": text}

    async def validate_confirm_address(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
        domain: DomainDict,
    ) -> dict[str, Any]:
        """The parcel goes where this says: a "yes" that also says no is a no."""
        return {"confirm_address": confirmed(value, tracker)}
