"""One customer across the website widget and a messaging platform: once they prove who they
are (an order number with its e-mail address) on both, with consent, the profiles are one."""

from __future__ import annotations

import sqlite3

import httpx
import pytest

from shopdesk.stack import Stack
from tests.e2e.conftest import Platforms, Widget

pytestmark = [pytest.mark.integration, pytest.mark.e2e]


def lookup(stack: Stack, channel: str, value: str) -> str | None:
    r = httpx.post(f"http://127.0.0.1:{stack.settings.web_port}/api/customers/lookup",
                   headers={"Authorization": f"Bearer {stack.admin_token}"},
                   json={"channel": channel, "value": value}, timeout=30)
    return r.json()["customer_id"] if r.status_code == 200 else None


def an_order_not_janes(stack: Stack) -> tuple[str, str]:
    """A demo order of another customer than the one most tests use (their profile is erased
    by the privacy tests)."""
    with sqlite3.connect(stack.settings.data_dir / "shopdesk.db") as db:
        number, email = db.execute(
            "select o.number, c.email from store_orders o join store_customers c "
            "on c.id = o.customer_id where c.email != 'jane.doe@example.com' "
            "order by o.number limit 1").fetchone()
    return str(number), str(email)


def test_the_same_person_on_the_widget_and_on_telegram_becomes_one_customer(
        stack: Stack, platforms: Platforms) -> None:
    telegram = platforms.get_or_skip("telegram")
    webhook = f"http://127.0.0.1:{stack.settings.rasa_port}/webhooks/telegram/webhook"
    number, email = an_order_not_janes(stack)
    proof = f"what's the status of order {number}? my email is {email}"

    widget = Widget(stack, "crosschannelweb01")
    try:
        assert "remember" in widget.say("hello")
        assert "Thank you" in widget.say("/consent_grant")
        assert f"Order {number}" in widget.say(proof)
    finally:
        widget.client.disconnect()

    chat = 7101
    def said(wanted: str, after: int) -> bool:
        return any(wanted in (m.get("text") or "") for m in telegram.messages_to(chat)[after:])

    telegram.deliver(webhook, telegram.update(chat, "hello"))
    telegram.wait_for(lambda _: said("remember", 0))
    seen = len(telegram.messages_to(chat))
    telegram.deliver(webhook, telegram.update(chat, "yes, remember me"))
    telegram.wait_for(lambda _: said("Thank you", seen))
    assert lookup(stack, "web", "crosschannelweb01") != lookup(stack, "telegram", str(chat))

    seen = len(telegram.messages_to(chat))
    telegram.deliver(webhook, telegram.update(chat, proof))
    telegram.wait_for(lambda _: said(f"Order {number}", seen))
    customer = lookup(stack, "web", "crosschannelweb01")
    assert customer is not None
    assert lookup(stack, "telegram", str(chat)) == customer
    assert lookup(stack, "email", email) == customer
