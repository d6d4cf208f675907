"""If the action server is down the customer hears so, and nothing is lost."""

from __future__ import annotations

import pytest

from shopdesk.stack import Stack
from tests.e2e.conftest import Chat

pytestmark = [pytest.mark.integration, pytest.mark.e2e]


def test_customer_gets_a_clear_message_while_actions_are_down(stack: Stack) -> None:
    chat = Chat(stack, "e2e-actions-down")
    assert "Pine" in chat.text("hi there")
    stack.stop(("actions",))
    try:
        reply = chat.text("where is my parcel? order 100234")
        assert "having trouble" in reply
        assert "Pine" in chat.text("hello")  # templated replies still work
    finally:
        stack.start(names=("actions",))
    # the conversation carries on where it was once the action server is back
    reply = chat.text("is there a discount for students?")
    assert "Student Beans" in reply
