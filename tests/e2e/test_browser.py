"""The chat page in Debian's chromium, driven by Playwright, against the real servers."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from shopdesk.stack import Stack

pytestmark = [pytest.mark.integration, pytest.mark.browser]


def bot_messages(page) -> list[str]:  # type: ignore[no-untyped-def]
    return page.locator(".msg.bot").all_inner_texts()


def wait_online(page) -> None:  # type: ignore[no-untyped-def]
    # locator waits, not wait_for_function: the page's CSP forbids eval, as it should
    expect(page.locator("#status")).to_have_text("online", timeout=30_000)


def wait_bot_messages(page, count: int) -> None:  # type: ignore[no-untyped-def]
    page.locator(".msg.bot").nth(count - 1).wait_for(timeout=60_000)


def send(page, text: str, expect_bot_count: int) -> str:  # type: ignore[no-untyped-def]
    page.fill("#input", text)
    page.press("#input", "Enter")
    wait_bot_messages(page, expect_bot_count)
    return bot_messages(page)[-1]


def test_chat_page_talks_to_the_bot_and_survives_a_reload(browser, stack: Stack) -> None:  # type: ignore[no-untyped-def]
    context = browser.new_context()
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(f"http://127.0.0.1:{stack.settings.web_port}/")
    wait_online(page)
    # the page asks for consent in the same words as the bot; the choice goes to the bot
    privacy = page.locator("#privacy")
    assert privacy.is_visible() and "remember" in privacy.inner_text()
    page.click("#consent-no")
    wait_bot_messages(page, 1)
    assert "only use this conversation" in bot_messages(page)[-1]
    assert not privacy.is_visible()

    reply = send(page, "hi", 2)
    assert "Pine" in reply  # already decided: no consent question after the greeting
    assert page.locator(".buttons button").count() >= 1  # the greeting's quick replies

    reply = send(page, "where's my order?", 3)
    assert "order number" in reply
    page.screenshot(path=str(stack.settings.data_dir / "chat-before-reload.png"))

    page.reload()
    wait_online(page)
    assert len(bot_messages(page)) == 3  # the transcript is still there
    assert not page.locator("#privacy").is_visible()  # and the choice is remembered
    # ...and so is the conversation on the server: the form remembers what it asked
    reply = send(page, "100234", 4)
    assert "e-mail" in reply
    reply = send(page, "jane.doe@example.com", 5)
    assert "Order 100234" in reply
    page.screenshot(path=str(stack.settings.data_dir / "chat.png"))

    page.click(".buttons button >> nth=0")  # quick-reply buttons send their payload
    wait_bot_messages(page, 6)
    assert not errors
    context.close()


def test_messages_are_shown_as_text_not_html(browser, stack: Stack) -> None:  # type: ignore[no-untyped-def]
    context = browser.new_context()
    page = context.new_page()
    page.goto(f"http://127.0.0.1:{stack.settings.web_port}/")
    wait_online(page)
    send(page, "<img src=x onerror=\"document.title='pwned'\">", 1)
    assert page.title() != "pwned"
    assert page.locator(".msg.user img").count() == 0
    context.close()


def test_the_same_person_on_the_web_widget_and_over_rest_becomes_one_customer(
        browser, stack: Stack) -> None:  # type: ignore[no-untyped-def]
    import json

    import httpx

    from tests.e2e.conftest import Chat

    def lookup(channel: str, value: str) -> str | None:
        r = httpx.post(f"http://127.0.0.1:{stack.settings.web_port}/api/customers/lookup",
                       headers={"Authorization": f"Bearer {stack.admin_token}"},
                       json={"channel": channel, "value": value}, timeout=30)
        return r.json()["customer_id"] if r.status_code == 200 else None

    context = browser.new_context()
    page = context.new_page()
    page.goto(f"http://127.0.0.1:{stack.settings.web_port}/")
    wait_online(page)
    page.click("#consent-yes")  # the web page's consent box
    wait_bot_messages(page, 1)
    stored = {item["name"]: item["value"] for origin in context.storage_state()["origins"]
              for item in origin["localStorage"]}
    raw = stored["shopdesk.session"]
    session = json.loads(raw) if raw.startswith('"') else raw
    send(page, "where's my order?", 2)
    send(page, "100235", 3)
    assert "Order 100235" in send(page, "jane.doe@example.com", 4)
    web_customer = lookup("web", session)
    assert web_customer is not None

    other = Chat(stack, "e2e-rest-device")  # the same person later, from an app over REST
    other.say("hello")
    other.say("/consent_grant")
    assert lookup("rest", other.sender) not in (None, web_customer)
    other.say("where's my order?")
    other.say("100235")
    assert "Order 100235" in other.text("jane.doe@example.com")  # proves the same e-mail
    assert lookup("rest", other.sender) == lookup("web", session) == \
        lookup("email", "jane.doe@example.com")
    context.close()
