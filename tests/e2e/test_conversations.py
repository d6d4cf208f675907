"""Whole conversations over REST against the real Rasa server and action server."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from commerce.sql_models import FeedbackRow, HandoffRow, OrderRow, ReturnRow
from shopdesk.database import make_engine
from shopdesk.stack import Stack
from tests.e2e.conftest import Chat

pytestmark = [pytest.mark.integration, pytest.mark.e2e]


def rows(stack: Stack, statement):  # type: ignore[no-untyped-def]
    engine = make_engine(stack.settings.database_url)
    try:
        with engine.connect() as conn:
            return conn.execute(statement).all()
    finally:
        engine.dispose()


def test_order_status(chat: Chat) -> None:
    assert "Pine" in chat.text("hello!")
    assert "order number" in chat.text("hey, has my order been sent out yet?")
    assert "e-mail" in chat.text("the number is 100234")
    reply = chat.text("jane.doe@example.com")
    assert "Order 100234" in reply and "shipped" in reply and "Trail Runner GTX Shoes" in reply


def test_order_status_with_everything_in_one_message(chat: Chat) -> None:
    reply = chat.text("whats the status of order 100236, my email is Jane.Doe@example.com")
    assert "Order 100236" in reply and "hasn't shipped yet" in reply


def test_wrong_email_is_refused_then_corrected(chat: Chat) -> None:
    chat.text("where is my package")
    chat.text("100240")
    assert "wasn't placed with that e-mail" in chat.text("someone@example.com")
    assert "late" in chat.text("jane.doe@example.com")


def test_return(chat: Chat, stack: Stack) -> None:
    chat.text("I'd like to return something")
    chat.text("order 100235")
    assert "Which item" in chat.text("jane.doe@example.com")
    assert "reason" in chat.text("the fleece")
    reply = chat.text("it is too big for me")
    assert "return number R" in reply and "£69.00" in reply
    found = rows(stack, select(ReturnRow.sku, ReturnRow.reason).where(
        ReturnRow.order_number == "100235"))
    assert ("PC-1003", "it is too big for me") in found


def test_open_question(chat: Chat) -> None:
    reply = chat.text("how long does a refund take to reach my card?")
    assert "working days" in reply and "How long do refunds take?" in reply


def test_question_in_the_middle_of_a_form_then_resume(chat: Chat) -> None:
    assert "order number" in chat.text("can you track my parcel")
    reply = chat.text("what payment methods do you accept?")
    assert "Visa" in reply and "order number" in reply


def test_customer_stops_a_flow(chat: Chat, stack: Stack) -> None:
    chat.text("i want to cancel my order")
    chat.text("100239")
    assert "stopped" in chat.text("actually never mind")
    status = rows(stack, select(OrderRow.status).where(OrderRow.number == "100239"))
    assert status == [("placed",)]


def test_complaint_then_handoff(chat: Chat, stack: Stack) -> None:
    reply = chat.text("This is ridiculous. Third time I'm asking and still no refund. Awful service.")
    assert "recorded your complaint" in reply and "person" in reply
    reply = chat.text("yes")
    assert "ticket H" in reply
    assert rows(stack, select(FeedbackRow.kind).where(FeedbackRow.sender_id == chat.sender)) == [
        ("complaint",)]
    assert len(rows(stack, select(HandoffRow.ticket).where(
        HandoffRow.sender_id == chat.sender))) == 1


def test_handoff_request(chat: Chat, stack: Stack) -> None:
    reply = chat.text("can I please talk to an actual human being")
    assert "ticket H" in reply and "won't need to repeat yourself" in reply
    assert "already in the queue" in chat.text("let me talk to an agent")
    tickets = rows(stack, select(HandoffRow.reason).where(HandoffRow.sender_id == chat.sender))
    assert tickets == [("requested",)]


def test_repeated_failure_offers_a_person(chat: Chat) -> None:
    chat.text("blorp zint quasm")
    reply = chat.text("flarb vemmit skrod")
    assert "person" in reply


def test_store_data_is_untouched_by_the_conversations(stack: Stack) -> None:
    count = rows(stack, select(func.count()).select_from(OrderRow))[0][0]
    assert count >= 90
