"""The agent console in chromium against the real servers: an agent signs in and finds the
angry customer at the top of the queue, with their mood; claims the conversation; a second
agent cannot take it; a supervisor sees it in the audit log."""

from __future__ import annotations

import contextlib
import re
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator

import httpx
import pytest
from playwright.sync_api import expect

from shopdesk.stack import Stack
from tests.e2e.conftest import Chat, Widget
from tests.fakes.smtp import FakeSmtp

pytestmark = [pytest.mark.integration, pytest.mark.browser]
PASSWORD = "silver mountain kettle 8"


def add_staff(stack: Stack, username: str, role: str) -> None:
    done = subprocess.run([sys.executable, "-m", "console.staff_cli", "add", username, "--role",
                           role, "--password-stdin"], input=PASSWORD + "\n", text=True,
                          env=stack.services["web"].env, capture_output=True, timeout=60)
    assert done.returncode == 0, done.stderr


def console_as(browser, stack: Stack, username: str):  # type: ignore[no-untyped-def]
    """A new browser signed in to the console as ``username``: (context, page)."""
    context = browser.new_context()
    page = context.new_page()
    page.goto(f"http://127.0.0.1:{stack.settings.web_port}/console")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    return context, page


@contextlib.contextmanager
def staff_api(stack: Stack, username: str) -> Iterator[tuple[httpx.Client, dict[str, str]]]:
    """The console API signed in as ``username``: (client, headers with the CSRF token)."""
    with httpx.Client(base_url=f"http://127.0.0.1:{stack.settings.web_port}") as client:
        login = client.post("/console/api/login", json={"username": username,
                                                          "password": PASSWORD})
        assert login.status_code == 200, login.text
        yield client, {"X-CSRF-Token": login.json()["csrf"]}


def ticket_of(messages: list[dict]) -> str:
    text = " ".join(m.get("text") or "" for m in messages)
    found = re.search(r"\b(H\d{6})\b", text)
    assert found, text
    return found.group(1)


def test_an_agent_finds_the_angry_customer_first_and_claims_the_conversation(
        browser, stack: Stack) -> None:  # type: ignore[no-untyped-def]
    add_staff(stack, "ann", "agent")
    add_staff(stack, "sam", "supervisor")
    calm = Chat(stack, "e2e-console-calm")
    calm.say("hi, could I speak to a person about my account please?")
    calm_ticket = ticket_of(calm.say("yes, a person please"))
    angry = Chat(stack, "e2e-console-angry")
    angry.say("this is ridiculous, my order is two weeks late and nobody answers!!!")
    angry.say("useless. absolutely useless service, I am furious")
    angry_ticket = ticket_of(angry.say("get me a human NOW"))

    context = browser.new_context()
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(f"http://127.0.0.1:{stack.settings.web_port}/console")
    page.get_by_label("Username").fill("ann")
    page.get_by_label("Password").fill("a wrong password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator("#status")).to_contain_text("Wrong username or password")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    rows = page.locator("#queue tbody tr")
    expect(rows.first).to_be_visible(timeout=30_000)
    tickets = [rows.nth(i).get_attribute("data-ticket") for i in range(rows.count())]
    assert tickets.index(angry_ticket) < tickets.index(calm_ticket), tickets
    first = page.locator(f'#queue tr[data-ticket="{angry_ticket}"]')
    expect(first.locator(".mood")).to_contain_text("upset")
    first.get_by_role("button", name=f"Claim ticket {angry_ticket}").click()
    expect(first).to_contain_text("ann", timeout=10_000)
    page.screenshot(path=str(stack.settings.data_dir / "console-queue.png"), full_page=True)

    # a second agent cannot take it: the API answers 409
    with staff_api(stack, "sam") as (sam, headers):
        taken = sam.post(f"/console/api/queue/{angry_ticket}/claim", headers=headers)
        assert taken.status_code == 409
        audit = sam.get("/console/api/audit").json()["audit"]
        # the supervisor's dashboard counts today's conversations, and the angry customer is
        # behind today's point of their topic
        figures = sam.get("/console/api/dashboard").json()
        assert figures["conversations"][-1] >= 2 and figures["handoffs"][-1] >= 2
        today = figures["days"][-1]
        behind = [c["conversation"] for topic in figures["sentiment"]["topic"]
                  for c in sam.post("/console/api/dashboard/drill", headers=headers,
                                    json={"day": today, "dimension": "topic",
                                          "value": topic}).json()["conversations"]]
        assert "e2e-console-angry" in behind
    assert any(e["username"] == "ann" and e["action"] == "claim" and e["target"] == angry_ticket
               for e in audit)
    supervisor, board = console_as(browser, stack, "sam")
    expect(board.locator("#chart-sentiment circle").first).to_be_visible(timeout=30_000)
    board.locator("#chart-sentiment circle").first.click()
    expect(board.locator("#drill li").first).to_be_visible(timeout=15_000)
    board.screenshot(path=str(stack.settings.data_dir / "console-dashboard.png"), full_page=True)
    supervisor.close()
    assert not errors
    context.close()


def test_an_agent_takes_over_talks_to_the_widget_customer_and_hands_back(
        browser, stack: Stack) -> None:  # type: ignore[no-untyped-def]
    add_staff(stack, "tia", "agent")
    widget = Widget(stack, "consoletakeover01")
    try:
        widget.say("hello")
        ticket = ticket_of([{"text": widget.say("I'd like to talk to a human please")}])

        context, page = console_as(browser, stack, "tia")
        row = page.locator(f'#queue tr[data-ticket="{ticket}"]')
        row.get_by_role("button", name=f"Claim ticket {ticket}").click()
        row.get_by_role("button", name=f"Open the conversation of ticket {ticket}").click()
        expect(page.locator("#transcript")).to_contain_text("talk to a human", timeout=15_000)
        expect(page.locator("#summary")).to_contain_text("Done: I've asked a member")
        expect(page.locator("#profile-body")).to_contain_text("not agreed")  # never asked

        widget.listen()
        page.get_by_role("button", name="Take over from the bot").click()
        assert "I'm tia from the" in widget.heard() or "from the" in widget.heard()
        # while the agent has it, the bot stays quiet — no "trouble" message either
        widget.say("it's about a parcel that never came", expect_reply=False)
        expect(page.locator("#transcript")).to_contain_text("never came", timeout=15_000)
        expect(page.locator("#summary")).to_contain_text("Wants: “it's about a parcel that never")
        time.sleep(3)
        assert widget.replies == []

        # agent assist: suggestions from the Q&A for what the customer said, one click inserts
        use = page.locator("#suggestions button").first
        expect(use).to_be_visible(timeout=15_000)
        use.click()
        assert page.get_by_label("Your reply to the customer").input_value().strip()
        # a canned response's shortcut expands, the agent edits and sends
        box = page.get_by_label("Your reply to the customer")
        box.fill("")
        box.type("/sorry ")
        expect(box).to_have_value(re.compile(r"^I'm really sorry about this"))
        box.fill("I'm sorry about that — I've sent a replacement today.")
        widget.listen()
        page.get_by_role("button", name="Send").click()
        assert "sent a replacement today" in widget.heard()
        page.screenshot(path=str(stack.settings.data_dir / "console-conversation.png"),
                        full_page=True)

        widget.listen()
        page.get_by_role("button", name="Hand back to the bot").click()
        back = widget.heard()
        assert "back with" in back and "how did we do" in back  # and the rating question
        assert "great to hear" in widget.say('/rate_service{"csat_score": "5"}')
        widget.say("tia sorted it out quickly, thank you")
        with sqlite3.connect(stack.settings.data_dir / "shopdesk.db") as db:
            score, agent, comment = db.execute(
                "select score, agent, comment from support_ratings where sender_id = ?",
                ("consoletakeover01",)).fetchone()
        assert (score, agent) == (5, "tia") and comment.startswith("tia sorted it out")
        expect(page.locator(f'#queue tr[data-ticket="{ticket}"]')).to_have_count(0,
                                                                                timeout=15_000)
        # the bot answers again, with the conversation's context
        assert "refund" in widget.say("how long do refunds take?").lower()
        context.close()
    finally:
        widget.client.disconnect()


def test_a_rest_client_gets_the_agents_messages_with_its_next_request(stack: Stack) -> None:
    add_staff(stack, "rob", "agent")
    chat = Chat(stack, "e2e-console-rest")
    ticket = ticket_of(chat.say("please put me through to a human"))
    with staff_api(stack, "rob") as (rob, headers):
        assert rob.post(f"/console/api/queue/{ticket}/claim", headers=headers).status_code == 200
        assert rob.post(f"/console/api/queue/{ticket}/takeover",
                        headers=headers).status_code == 200
        assert rob.post(f"/console/api/queue/{ticket}/message", headers=headers,
                        json={"text": "Your refund went out this morning."}).status_code == 200
        # the REST client has no push channel: the person's messages come with its next request,
        # and the bot itself stays quiet (no "trouble" message either)
        got = chat.say("hello? anyone there?")
        texts = [m.get("text") or "" for m in got]
        assert any("rob from the" in t for t in texts), texts
        assert "Your refund went out this morning." in texts
        assert not any("trouble" in t for t in texts)
        assert chat.say("thanks") == []  # nothing new, and the bot is still paused
        assert rob.post(f"/console/api/queue/{ticket}/handback",
                        headers=headers).status_code == 200
    back = chat.say("how long do refunds take?")
    texts = " ".join(m.get("text") or "" for m in back)
    assert "back with" in texts and "how did we do" in texts and "refund" in texts.lower()


def test_the_promised_email_reply_is_sent_and_kept_in_the_conversation(
        stack: Stack, smtp: FakeSmtp) -> None:
    add_staff(stack, "eve", "agent")
    chat = Chat(stack, "e2e-console-email")
    chat.say("what's the status of order 100236? my email is jane.doe@example.com")
    ticket = ticket_of(chat.say("I need to speak to a human"))
    with staff_api(stack, "eve") as (eve, headers):
        eve.post(f"/console/api/queue/{ticket}/claim", headers=headers)
        view = eve.get(f"/console/api/queue/{ticket}/conversation").json()
        assert view["email_known"]
        sent = eve.post(f"/console/api/queue/{ticket}/email", headers=headers,
                        json={"text": "Your order 100236 leaves our warehouse tomorrow."})
        assert sent.status_code == 200, sent.text
        mail = next(m for m in smtp.messages if m["X-Shopdesk-Ticket"] == ticket)
        assert mail["To"] == "jane.doe@example.com" and ticket in mail["Subject"]
        assert "leaves our warehouse tomorrow" in mail.get_payload()
        lines = eve.get(f"/console/api/queue/{ticket}/conversation").json()["lines"]
        assert any(line["from"] == "agent" and "(Sent by e-mail)" in line["text"]
                   for line in lines)
        empty = eve.post(f"/console/api/queue/{ticket}/email", headers=headers, json={"text": ""})
        assert empty.status_code == 400


def test_the_customers_email_reply_threads_back_into_the_conversation(
        stack: Stack, smtp: FakeSmtp) -> None:
    """The company's mail service posts the customer's reply; it joins the conversation (the
    agent sees it), only from the address the e-mail went to; after a handback a reply puts the
    conversation back in the queue; and the chat goes on normally afterwards."""
    from tests.e2e.conftest import INBOUND_MAIL_SECRET

    add_staff(stack, "ed", "agent")
    chat = Chat(stack, "e2e-console-email-reply")
    chat.say("where is my order 100236? my email is jane.doe@example.com")
    ticket = ticket_of(chat.say("I need to speak to a human"))
    inbound = f"http://127.0.0.1:{stack.settings.web_port}/api/email/inbound"
    auth = {"Authorization": f"Bearer {INBOUND_MAIL_SECRET}"}
    with staff_api(stack, "ed") as (ed, headers):
        ed.post(f"/console/api/queue/{ticket}/claim", headers=headers)
        ed.post(f"/console/api/queue/{ticket}/takeover", headers=headers)
        assert ed.post(f"/console/api/queue/{ticket}/email", headers=headers,
                       json={"text": "It ships tomorrow."}).status_code == 200
        sent = next(m for m in smtp.messages if m["X-Shopdesk-Ticket"] == ticket)

        def reply(sender: str, text: str) -> bytes:
            return (f"From: {sender}\r\nSubject: Re: {sent['Subject']}\r\n"
                    f"In-Reply-To: {sent['Message-ID']}\r\n\r\n{text}\r\n\r\n"
                    f"On Tuesday, Pinecrest wrote:\r\n> It ships tomorrow.\r\n").encode()

        assert httpx.post(inbound, content=reply("jane.doe@example.com", "x")).status_code == 401
        stranger = httpx.post(inbound, headers=auth,
                              content=reply("mallory@example.net", "Send it to me instead"))
        assert stranger.status_code == 403
        threaded = httpx.post(inbound, headers=auth, content=reply(
            "Jane Doe <jane.doe@example.com>", "Great, could you leave it with a neighbour?"))
        assert threaded.status_code == 200 and threaded.json()["ticket"] == ticket
        lines = ed.get(f"/console/api/queue/{ticket}/conversation").json()["lines"]
        assert any(line["from"] == "customer" and line["via"] == "email"
                   and line["text"] == "Great, could you leave it with a neighbour?"
                   for line in lines)
        assert all("mallory" not in (line["text"] or "") for line in lines)
        assert ed.post(f"/console/api/queue/{ticket}/handback", headers=headers).status_code == 200
        again = httpx.post(inbound, headers=auth, content=reply("jane.doe@example.com",
                                                                "One more question, sorry!"))
        assert again.status_code == 200 and again.json()["ticket"] != ticket
        queued = [row["ticket"] for row in ed.get("/console/api/queue").json()["queue"]]
        assert again.json()["ticket"] in queued
    # the conversation carries on in the chat as before
    assert "refund" in chat.text("how long do refunds take?").lower()



def test_a_takeover_survives_a_restart_of_the_rasa_server(stack: Stack) -> None:
    add_staff(stack, "max", "agent")
    chat = Chat(stack, "e2e-console-restart")
    ticket = ticket_of(chat.say("I want to speak to a person"))
    with staff_api(stack, "max") as (agent, headers):
        agent.post(f"/console/api/queue/{ticket}/claim", headers=headers)
        assert agent.post(f"/console/api/queue/{ticket}/takeover",
                          headers=headers).status_code == 200
        chat.say("hello?")  # the takeover message is delivered with this request
        stack.services["rasa"].stop()
        stack.start(timeout=420, names=("rasa",))
        # still a person's conversation: the bot stays quiet, the agent still reaches them
        assert chat.say("are you still there?") == []
        assert agent.post(f"/console/api/queue/{ticket}/message", headers=headers,
                          json={"text": "Yes — still here after our restart."}).status_code == 200
        assert "still here after our restart" in " ".join(
            m.get("text") or "" for m in chat.say("ok"))
        assert agent.post(f"/console/api/queue/{ticket}/handback",
                          headers=headers).status_code == 200
    assert "back with" in " ".join(m.get("text") or "" for m in chat.say("thanks"))


def test_a_burst_of_angry_messages_about_one_product_raises_an_alert(
        browser, stack: Stack) -> None:  # type: ignore[no-untyped-def]
    """Customers complain about one product within minutes: the console shows a spike alert
    naming it (the detector runs in the action server on every scored message)."""
    from tests.e2e.conftest import ALERTS

    add_staff(stack, "alf", "agent")
    context, page = console_as(browser, stack, "alf")
    expect(page.locator("#queue-section")).to_be_visible(timeout=30_000)
    for i in range(8):
        Chat(stack, f"e2e-burst-{i}").say("The Basecamp 2 Tent is a disgrace, the pole snapped "
                                          "on the first night. Absolutely furious!!!")
    # the bucket closes with the first message after it ends
    time.sleep(float(ALERTS["SHOPDESK_ALERT_BUCKET_MINUTES"]) * 60 + 1)
    Chat(stack, "e2e-burst-after").say("the Basecamp 2 Tent pole broke too, really annoyed")
    alerts = page.locator("#alerts")
    expect(alerts).to_contain_text(re.compile(r"spike on product basecamp 2 tent", re.I),
                                   timeout=30_000)
    page.screenshot(path=str(stack.settings.data_dir / "console-alert.png"), full_page=True)
    context.close()
