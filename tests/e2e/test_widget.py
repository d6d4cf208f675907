"""The website widget on a company's own site (another origin), in chromium, against the real
servers: the documented snippet, a disallowed site, reloads, signed identities, accessibility,
and a third-party socket.io client."""

from __future__ import annotations

import html
import json
import re
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from playwright.sync_api import expect

from shopdesk.identity import sign
from shopdesk.stack import Stack
from tests.e2e.conftest import (
    IDENTITY_SECRET,
    OTHER_SITE,
    OTHER_SITE_PORT,
    SITE,
    SITE_PORT,
    jpeg_with_metadata,
    photos_of,
)

pytestmark = [pytest.mark.integration, pytest.mark.browser]

AXE = Path(__file__).resolve().parent / "js/node_modules/axe-core/axe.min.js"

# A shop page with CSS that would wreck any widget it could reach: the shadow root keeps it out.
PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Trailhead Outdoor — {title}</title>
<style>* {{ font-size: 40px !important; color: red !important; }}
button {{ display: none !important; }} div {{ background: yellow !important; }}</style>
</head><body><main><h1>Trailhead Outdoor</h1><p>{title}</p>
<a href="/other">Another page</a></main>
{config}<script src="{widget}" async></script>
</body></html>"""


def page_html(widget_url: str, title: str, identity: dict[str, str] | None) -> str:
    config = ""
    if identity is not None:  # as the README says: the site's server signs, the page passes it
        config = f"<script>window.shopdesk = {{ identity: {json.dumps(identity)} }};</script>\n"
    return PAGE.format(title=html.escape(title), config=config, widget=widget_url)


@pytest.fixture(scope="module")
def sites(stack: Stack) -> Iterator[None]:
    widget_url = f"http://127.0.0.1:{stack.settings.web_port}/widget.js"

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - the http.server API
            query = parse_qs(urlsplit(self.path).query)
            identity = json.loads(query["identity"][0]) if "identity" in query else None
            body = page_html(widget_url, urlsplit(self.path).path, identity).encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            return None

    servers = [ThreadingHTTPServer(("127.0.0.1", port), Handler)
               for port in (SITE_PORT, OTHER_SITE_PORT)]
    for server in servers:
        threading.Thread(target=server.serve_forever, daemon=True).start()
    yield
    for server in servers:
        server.shutdown()
        server.server_close()


def launcher(page):  # type: ignore[no-untyped-def]
    return page.get_by_role("button", name="Open the chat")


def bot_texts(page) -> list[str]:  # type: ignore[no-untyped-def]
    return page.locator(".msg.bot").all_inner_texts()


def say(page, text: str, count: int) -> str:  # type: ignore[no-untyped-def]
    page.locator("#input").fill(text)
    page.locator("#input").press("Enter")
    page.locator(".msg.bot").nth(count - 1).wait_for(timeout=60_000)
    return bot_texts(page)[-1]


def lookup(stack: Stack, channel: str, value: str) -> str | None:
    r = httpx.post(f"http://127.0.0.1:{stack.settings.web_port}/api/customers/lookup",
                   headers={"Authorization": f"Bearer {stack.admin_token}"},
                   json={"channel": channel, "value": value}, timeout=30)
    return r.json()["customer_id"] if r.status_code == 200 else None


def open_widget(browser, url: str, consent: bool):  # type: ignore[no-untyped-def]
    """A new visitor on ``url``: opens the widget and answers the privacy question."""
    context = browser.new_context()
    page = context.new_page()
    page.goto(url)
    launcher(page).click()
    expect(page.locator("#status")).to_have_text("online", timeout=30_000)
    page.locator("#consent-yes" if consent else "#consent-no").click()
    page.locator(".msg.bot").first.wait_for(timeout=60_000)
    return context, page


def session_of(context) -> str:  # type: ignore[no-untyped-def]
    stored = {item["name"]: item["value"] for origin in context.storage_state()["origins"]
              if origin["origin"] == SITE for item in origin["localStorage"]}
    return json.loads(stored["shopdesk.session"])


def test_the_snippet_on_another_site_holds_a_conversation_across_reloads(
        browser, stack: Stack, sites: None) -> None:  # type: ignore[no-untyped-def]
    context = browser.new_context()
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(f"{SITE}/products")
    expect(launcher(page)).to_be_visible(timeout=30_000)  # the page's "button {display:none}"
    assert launcher(page).get_attribute("aria-expanded") == "false"
    launcher(page).click()
    expect(page.locator("#status")).to_have_text("online", timeout=30_000)
    assert page.evaluate("document.activeElement.id") == "shopdesk-widget"  # focus went inside
    font = page.locator("#input").evaluate("e => getComputedStyle(e).fontSize")
    assert font != "40px"  # the host page's CSS does not reach into the widget
    page.locator("#consent-no").click()
    page.locator(".msg.bot").first.wait_for(timeout=60_000)
    assert "order number" in say(page, "where's my order?", 2)

    # another page of the same site: the same conversation, still open
    page.goto(f"{SITE}/other")
    expect(page.locator("#status")).to_have_text("online", timeout=30_000)
    assert len(bot_texts(page)) == 2 and page.locator("#sd-panel").is_visible()
    assert "e-mail" in say(page, "100234", 3)  # the server remembers what it asked
    page.reload()
    expect(page.locator("#status")).to_have_text("online", timeout=30_000)
    assert "Order 100234" in say(page, "jane.doe@example.com", 4)

    # closed with Escape while a reply is on its way: focus back on the launcher, a badge
    page.locator("#input").fill("thanks, bye")
    page.locator("#input").press("Enter")
    page.keyboard.press("Escape")
    expect(page.locator(".badge")).to_have_text(re.compile(r"^[1-9]$"), timeout=60_000)
    assert "unread message" in launcher(page).get_attribute("aria-label")
    launcher(page).click()
    expect(page.locator(".badge")).to_be_hidden()
    page.screenshot(path=str(stack.settings.data_dir / "widget-on-another-site.png"))
    assert not errors
    context.close()


def test_a_site_that_is_not_allowed_is_refused(
        browser, stack: Stack, sites: None) -> None:  # type: ignore[no-untyped-def]
    context = browser.new_context()
    page = context.new_page()
    page.goto(f"{OTHER_SITE}/products")
    launcher(page).click()
    expect(page.locator("#status")).to_have_text("unavailable", timeout=30_000)
    assert "not available" in page.locator(".msg.system").first.inner_text()
    # a socket opened by hand from that site is refused by Rasa's socket.io channel too
    rasa = f"ws://127.0.0.1:{stack.settings.rasa_port}/socket.io/?EIO=4&transport=websocket"
    packets = page.evaluate("""url => new Promise(done => {
        const seen = []; const ws = new WebSocket(url);
        ws.onmessage = e => { seen.push(String(e.data)); if (e.data[0] === '0') ws.send('40'); };
        ws.onclose = () => done(seen);
        setTimeout(() => { ws.close(); done(seen); }, 5000);
    })""", rasa)
    assert any(p.startswith("44") and "not allowed" in p for p in packets), packets
    assert not any(p.startswith("40{") for p in packets[1:]), packets  # never connected
    context.close()


def test_a_signed_identity_links_the_customer_and_a_forged_one_does_not(
        browser, stack: Stack, sites: None) -> None:  # type: ignore[no-untyped-def]
    def chat_as(identity: dict[str, str]) -> tuple[str, object]:
        context, page = open_widget(browser, f"{SITE}/account?identity={json.dumps(identity)}",
                                    consent=True)
        say(page, "hi", 2)
        return session_of(context), context

    signed = {"userId": "trailhead-1001", "email": "sam.hill@example.com",
              "signature": sign(IDENTITY_SECRET, "trailhead-1001", "sam.hill@example.com")}
    session, context = chat_as(signed)
    customer = lookup(stack, "web", session)
    assert customer is not None
    assert lookup(stack, "site", "trailhead-1001") == customer
    assert lookup(stack, "email", "sam.hill@example.com") == customer
    context.close()  # type: ignore[attr-defined]

    forged = {"userId": "trailhead-1002", "email": "jane.doe@example.com",
              "signature": sign("guessed-secret", "trailhead-1002", "jane.doe@example.com")}
    session, context = chat_as(forged)
    assert lookup(stack, "web", session) is not None  # the chat itself works
    assert lookup(stack, "site", "trailhead-1002") is None
    assert lookup(stack, "email", "jane.doe@example.com") != lookup(stack, "web", session)
    log = (stack.settings.data_dir / "logs/rasa-server.log").read_text(errors="replace")
    log += (stack.settings.data_dir / "logs/rasa.log").read_text(errors="replace")
    assert "ignored a customer identity" in log and "signature does not match" in log
    context.close()  # type: ignore[attr-defined]


def test_the_open_widget_passes_an_accessibility_scan(
        browser, stack: Stack, sites: None) -> None:  # type: ignore[no-untyped-def]
    assert AXE.is_file(), "make test-tools installs axe-core (tests/e2e/js)"
    context, page = open_widget(browser, f"{SITE}/help", consent=False)
    say(page, "do you ship to Ireland?", 2)
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("""() => axe.run('#shopdesk-widget',
        { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } })""")
    serious = [(v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3])
               for v in result["violations"] if v["impact"] in ("serious", "critical")]
    assert not serious, serious
    assert len(result["passes"]) > 10  # it really looked inside the shadow root
    # keyboard only: Tab reaches the message box and Escape closes, back to the launcher
    page.keyboard.press("Escape")
    assert page.locator("#sd-panel").is_hidden()
    context.close()


def test_a_third_party_socketio_client_talks_to_our_server(stack: Stack) -> None:
    import time

    import socketio  # python-socketio (PyPI): another implementation of the protocol

    def settled(timeout: float) -> list[dict]:
        """Every reply to the last message (they may come as several)."""
        assert answered.wait(timeout)
        count = -1
        while count != len(replies):
            count = len(replies)
            time.sleep(1.5)
        return list(replies)

    replies: list[dict] = []
    confirmed = threading.Event()
    answered = threading.Event()
    client = socketio.Client(reconnection=False)
    client.on("session_confirm", lambda session: confirmed.set())

    @client.on("bot_uttered")
    def on_reply(message: dict) -> None:
        replies.append(message)
        answered.set()

    # long-polling first, then the upgrade, as most widgets do (ours uses WebSocket only)
    client.connect(f"http://127.0.0.1:{stack.settings.rasa_port}", transports=["polling", "websocket"],
                   headers={"Origin": SITE}, wait_timeout=30)
    try:
        client.emit("session_request", {"session_id": "thirdpartyclient01"})
        assert confirmed.wait(30)
        client.emit("user_uttered", {"message": "do you ship to Ireland?",
                                     "session_id": "thirdpartyclient01"})
        assert "Ireland" in " ".join(str(r.get("text")) for r in settled(60))
        # another conversation's id is refused on this socket
        replies.clear()
        answered.clear()
        client.emit("user_uttered", {"message": "where is my order?", "session_id": "someoneelse9"})
        assert ["reload" in str(r.get("text")) for r in settled(30)] == [True]
    finally:
        client.disconnect()


def test_a_photo_is_attached_made_inert_linked_to_the_complaint_and_shown_to_staff(
        browser, stack: Stack, sites: None, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    photo = tmp_path / "torn-bag.jpg"
    photo.write_bytes(jpeg_with_metadata())  # camera metadata and a hidden script
    not_a_photo = tmp_path / "invoice.pdf"
    not_a_photo.write_bytes(b"%PDF-1.7 pretend")

    context, page = open_widget(browser, f"{SITE}/help", consent=False)
    expect(page.locator("#photo")).to_be_visible()
    page.locator("#photo-input").set_input_files(str(not_a_photo))
    expect(page.locator(".msg.system").last).to_contain_text("isn't a photo")
    page.locator("#photo-input").set_input_files(str(photo))
    expect(page.locator(".msg.user").last).to_contain_text("attached a photo (320 × 240)")
    page.locator(".msg.bot").nth(1).wait_for(timeout=60_000)
    assert "got your photo" in bot_texts(page)[-1]
    reply = say(page, "I want to make a complaint, your courier threw my parcel over the gate", 3)
    page.wait_for_timeout(1500)  # the complaint's reply comes as several messages
    texts = " ".join(bot_texts(page))
    match = re.search(r"added your photo to (C\d{5})", texts)
    assert match, (reply, texts)

    found = photos_of(stack, session_of(context))  # each one checked to be a clean JPEG
    assert [p["case"] for p in found] == [match.group(1)]
    base = f"http://127.0.0.1:{stack.settings.web_port}"
    assert httpx.get(f"{base}{found[0]['url']}", timeout=30).status_code == 401
    context.close()
