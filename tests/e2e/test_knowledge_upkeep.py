"""Knowledge upkeep against the real servers, in chromium: customers ask something the help
centre cannot answer; a supervisor finds the question on the console's knowledge page, grouped
with its paraphrase, writes the answer and publishes it; the next customer who asks gets the
new answer — no restart, no index rebuild."""

from __future__ import annotations

import time

import pytest
from playwright.sync_api import expect

from shopdesk.stack import Stack
from tests.e2e.conftest import Chat
from tests.e2e.test_console import add_staff, console_as

pytestmark = [pytest.mark.integration, pytest.mark.browser]
ANSWER = ("Yes — well-behaved dogs on a lead are welcome in all our shops, and we keep water bowls "
          "by the tills.")


def test_a_supervisor_publishes_an_answer_and_the_next_customer_gets_it(
        browser, stack: Stack) -> None:  # type: ignore[no-untyped-def]
    first = Chat(stack, "e2e-kb-1").text("Can I bring my dog into your shops?")
    second = Chat(stack, "e2e-kb-2").text("are dogs allowed inside your stores??")
    assert "water bowls" not in first + second

    add_staff(stack, "kim", "supervisor")
    context, page = console_as(browser, stack, "kim")
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    row = page.locator("#gaps tbody tr", has_text="dog").first
    expect(row).to_be_visible(timeout=30_000)
    expect(row).to_contain_text("2")  # two customers asked it, in their own words
    row.get_by_role("button", name="Write an answer to").click()
    page.screenshot(path=str(stack.settings.data_dir / "console-knowledge.png"), full_page=True)
    expect(page.get_by_label("Question, as customers ask it")).to_have_value(
        "are dogs allowed inside your stores??")
    page.get_by_label("Question, as customers ask it").fill("Can I bring my dog into your shops?")
    page.get_by_label("Answer", exact=True).fill(ANSWER)
    page.get_by_label("Category (optional)").fill("stores")
    page.get_by_role("button", name="Publish").click()
    expect(page.locator("#status")).to_contain_text("Published", timeout=10_000)
    expect(page.locator("#articles")).to_contain_text("Can I bring my dog into your shops?")
    expect(page.locator("#gaps tbody tr", has_text="dog")).to_have_count(0)

    # the action server picks it up within seconds, without a restart
    deadline, reply = time.monotonic() + 20, ""
    attempt = 0
    while time.monotonic() < deadline:
        attempt += 1
        reply = Chat(stack, f"e2e-kb-next-{attempt}").text("is it ok to bring my dog in the shop?")
        if "water bowls" in reply:
            break
        time.sleep(1)
    assert "dogs on a lead are welcome" in reply, reply
    assert not errors
    context.close()
