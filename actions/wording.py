"""How store records are described to a customer."""

from __future__ import annotations

import re
from datetime import date

from commerce.records import Order, OrderItem, OrderStatus, PaymentStatus, Product
from commerce.service import StoreService, money


def day(value: date) -> str:
    return f"{value:%a} {value.day} {value:%b}"


def item_line(item: OrderItem) -> str:
    details = ", ".join(x for x in (item.size, item.colour) if x)
    qty = f"{item.quantity} × " if item.quantity > 1 else ""
    return f"{qty}{item.name}" + (f" ({details})" if details else "")


def items_sentence(order: Order) -> str:
    return "; ".join(item_line(i) for i in order.items)


def status_text(order: Order, today: date) -> str:
    head = f"Order {order.number}, placed on {day(order.placed_at.date())}"
    s = order.shipment
    match order.status:
        case OrderStatus.PLACED:
            if order.payment_status is PaymentStatus.DECLINED:
                note = f" {order.payment_note}" if order.payment_note else ""
                return (f"{head}, is on hold because the payment didn't go through.{note} "
                        "Once the payment is sorted it goes straight to our warehouse.")
            return f"{head}, has been received and is waiting to be picked at our warehouse."
        case OrderStatus.PROCESSING:
            return (f"{head}, is being processed and packed at our warehouse — it hasn't "
                    "shipped yet. It usually ships within one working day, and you'll get an "
                    "e-mail with tracking when it does.")
        case OrderStatus.SHIPPED if s is not None:
            text = (f"{head}, shipped on {day(s.shipped_on)} with {s.carrier} "
                    f"(tracking {s.tracking_number}).")
            if s.estimated_delivery < today:
                text += (f" It's running late: it was due on {day(s.estimated_delivery)}. "
                         f"Latest update from {s.carrier}: {s.last_event}.")
            else:
                text += f" Estimated delivery: {day(s.estimated_delivery)}. Latest update: {s.last_event}."
            return text
        case OrderStatus.DELIVERED if s is not None:
            when = s.delivered_on or s.estimated_delivery
            return f"{head}, was delivered on {day(when)} by {s.carrier}."
        case OrderStatus.CANCELLED:
            return (f"{head}, was cancelled. The payment of {money(order.total_cents)} was "
                    f"refunded to your {order.payment_method}.")
    return f"{head}, is {order.status.value}."


def tracking_text(order: Order, today: date) -> str:
    s = order.shipment
    if order.status is OrderStatus.CANCELLED:
        return f"Order {order.number} was cancelled, so there's nothing to track."
    if s is None:
        return (f"Order {order.number} hasn't shipped yet (it's {order.status.value}). "
                "You'll get an e-mail with the tracking link as soon as it leaves our warehouse.")
    if s.delivered_on:
        return (f"Order {order.number} was delivered by {s.carrier} on {day(s.delivered_on)} "
                f"(tracking {s.tracking_number}). {s.last_event}.")
    late = s.estimated_delivery < today
    text = (f"Order {order.number} is with {s.carrier}, tracking number {s.tracking_number}. "
            f"Status: {s.status}. Latest update: {s.last_event}. ")
    if late:
        text += (f"It was due on {day(s.estimated_delivery)}, so it's late — sorry about that. "
                 "If it hasn't arrived within 2 working days, we'll chase the courier or send "
                 "a replacement.")
    else:
        text += f"Expected delivery: {day(s.estimated_delivery)}."
    return text


def payment_text(order: Order) -> str:
    amount = money(order.total_cents)
    match order.payment_status:
        case PaymentStatus.DECLINED:
            note = order.payment_note or "Your card issuer declined the payment."
            return (f"The payment of {amount} for order {order.number} with your "
                    f"{order.payment_method} was declined. {note} To fix it, check that the "
                    "billing address matches your bank's records and retry the payment from "
                    "the link in your order e-mail, or use another card or PayPal. Your bank can "
                    "tell you exactly why it declined.")
        case PaymentStatus.AUTHORISED:
            return (f"For order {order.number}, {amount} is authorised on your "
                    f"{order.payment_method} but not taken yet: we take the payment when the "
                    "order ships. The pending amount you see is that authorisation.")
        case PaymentStatus.CAPTURED:
            return (f"For order {order.number} we took {amount} once, from your "
                    f"{order.payment_method}. If you see a second amount, it's almost always a "
                    "pending authorisation from an earlier attempt; it disappears within 3–5 "
                    "working days. If both amounts have really been taken, tell me and I'll "
                    "pass it to our payments team to refund the duplicate.")
        case PaymentStatus.REFUNDED:
            return (f"Order {order.number} was refunded in full: {amount} back to your "
                    f"{order.payment_method}. Banks take 3–5 working days to show it.")
        case PaymentStatus.PARTIALLY_REFUNDED:
            return (f"Order {order.number} has been partly refunded to your "
                    f"{order.payment_method}. {order.payment_note}")
    return f"The payment for order {order.number} is {order.payment_status.value}."


def product_text(p: Product) -> str:
    if p.stock <= 0:
        stock = "It's out of stock at the moment — use 'notify me' on the product page."
    elif p.stock < 10:
        stock = f"Only {p.stock} left in stock."
    else:
        stock = "In stock."
    parts = [f"{p.name} — {money(p.price_cents)}. {p.description}"]
    if p.features:
        parts.append("Features: " + ", ".join(p.features) + ".")
    if p.sizes:
        parts.append("Sizes: " + ", ".join(p.sizes) + ".")
    if p.colours:
        parts.append("Colours: " + ", ".join(p.colours) + ".")
    parts.append(stock)
    return " ".join(parts)


def cited(answer: str, question: str) -> str:
    """A help-centre answer with the article it came from, so the customer can judge it."""
    return f"{answer}\n\n(Answered from our help centre: “{question}”)"


# a question about when the customer's money comes back (answered from the open case first)
REFUND_QUESTION = re.compile(r"\b(refund(s|ed)?|money back|reimburs\w*|paid back|get (my|the) "
                             r"money|credited)\b", re.I)


def case_next_steps(case: object) -> str | None:
    """What happens next with the return, claim or cancellation opened in this conversation (slot
    ``open_case``), in the words of the policy the customer was given; None without one."""
    if not isinstance(case, dict) or not case.get("ref"):
        return None
    if case.get("kind") == "cancellation":
        return f"Your order {case['ref']} is cancelled. {case.get('money') or ''}".strip()
    ref, item, order = case["ref"], case.get("item") or "item", case.get("order") or ""
    start = f"Your {'return' if case.get('kind') == 'return' else 'claim'} {ref} for the {item}"
    start += f" from order {order} is open." if order else " is open."
    post = ("Post it back with the free returns label we e-mailed you — any post office will "
            "take it.")
    if case.get("kind") == "return":
        refund = f"{case['refund']} " if case.get("refund") else ""
        return (f"{start} {post} Once it reaches us we'll refund {refund}to your original "
                "payment method within 3 working days.")
    if case.get("kind") == "warranty":
        return (f"{start} {post} Once we've checked the fault we'll repair or replace it free "
                "of charge, and e-mail you at each step.")
    return (f"{start} {post} Once we've checked it we'll send you a replacement or a full "
            "refund, whichever you prefer — just reply to our e-mail to say which.")


def next_steps(order: Order, store: StoreService) -> list[dict[str, str]]:
    """The things a customer can do next with this order, as buttons (typing works too)."""
    steps = []
    if order.shipment is not None and order.status is OrderStatus.SHIPPED:
        steps.append({"title": "Track the parcel", "payload": "/track_shipment"})
    if store.can_cancel(order):
        steps.append({"title": "Cancel it", "payload": "/cancel_order"})
    if store.can_change_address(order):
        steps.append({"title": "Change the address", "payload": "/change_address"})
    if order.status is OrderStatus.DELIVERED:
        if store.return_eligibility(order).allowed:
            steps.append({"title": "Return something", "payload": "/return_request"})
        steps.append({"title": "Report a fault", "payload": "/report_defect"})
    return steps
