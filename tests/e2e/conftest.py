"""The real product for end-to-end tests: Rasa server, action server and web app.

Started once per test session on free ports with a throw-away data folder, through
the same ``Stack`` that ``make run`` uses.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import secrets
import shutil
import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from retrieval.cli import ensure_index
from shopdesk.clock import system_clock
from shopdesk.model_cache import ensure_model
from shopdesk.platform_settings import SPECS
from shopdesk.settings import Settings
from shopdesk.stack import Stack, free_port, isolated_stack, rasa_admin_token
from tests.fakes.base import FakePlatform
from tests.fakes.smtp import FakeSmtp

# a company's website on another origin, allowed to embed the widget; and a site that is not
SITE_PORT, OTHER_SITE_PORT = free_port(), free_port()
SITE = f"http://127.0.0.1:{SITE_PORT}"
OTHER_SITE = f"http://127.0.0.1:{OTHER_SITE_PORT}"
IDENTITY_SECRET = secrets.token_hex(16)
RATE_PER_IP = 600  # the whole suite talks from 127.0.0.1; the flood test from 127.0.0.2


class Platforms(dict[str, FakePlatform]):
    """Local fakes of the messaging platforms (``tests/fakes/<module>.py``, one per platform
    in ``shopdesk.platform_settings.SPECS``), each switched on in the stack under test.
    ``SHOPDESK_TEST_PLATFORMS=slack,telegram`` limits them (while working on one)."""

    def env(self) -> dict[str, str]:
        return {k: v for fake in self.values() for k, v in fake.env().items()}

    def get_or_skip(self, name: str) -> Any:
        if name not in self:
            pytest.skip(f"the {name} fake is not switched on (SHOPDESK_TEST_PLATFORMS)")
        return self[name]


@pytest.fixture(scope="session")
def platforms() -> Iterator[Platforms]:
    wanted = {n.strip() for n in os.environ.get("SHOPDESK_TEST_PLATFORMS", "").split(",")
              if n.strip()}
    fakes = Platforms()
    for name, spec in SPECS.items():
        module = spec.channel_class.split(".")[2]
        if (wanted and name not in wanted) or not importlib.util.find_spec(f"tests.fakes.{module}"):
            continue
        fakes[name] = importlib.import_module(f"tests.fakes.{module}").make_fake().start()
    yield fakes
    for fake in fakes.values():
        fake.stop()


@pytest.fixture(scope="session")
def smtp() -> Iterator[FakeSmtp]:
    """The company's mail relay, played locally: the e-mail the product sends lands here."""
    server = FakeSmtp().start()
    yield server
    server.stop()


INBOUND_MAIL_SECRET = "inbound-mail-secret-for-tests"
# spike alerts on a test's time scale: 6-second buckets, no warm-up, six messages of evidence
ALERTS = {"SHOPDESK_ALERT_BUCKET_MINUTES": "0.1", "SHOPDESK_ALERT_WARMUP_BUCKETS": "0",
          "SHOPDESK_ALERT_MIN_VOLUME": "6"}


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory, platforms: Platforms,
          smtp: FakeSmtp) -> Iterator[Stack]:
    model = ensure_model()
    index = ensure_index(Settings.from_env())  # the project's own index, built if stale
    running = isolated_stack(tmp_path_factory.mktemp("stack"), model, index, system_clock,
                             {"SHOPDESK_WIDGET_ORIGINS": SITE,
                              "SHOPDESK_WIDGET_IDENTITY_SECRET": IDENTITY_SECRET,
                              "SHOPDESK_RATE_PER_IP": str(RATE_PER_IP),
                              **ALERTS,
                              "SHOPDESK_INBOUND_MAIL_SECRET": INBOUND_MAIL_SECRET,
                              **platforms.env(), **smtp.env()})
    running.start(timeout=420)
    yield running
    running.stop()


class Chat:
    """A customer talking to the bot over Rasa's REST channel."""

    def __init__(self, stack: Stack, sender: str) -> None:
        self.url = f"http://127.0.0.1:{stack.settings.rasa_port}/webhooks/rest/webhook"
        self.sender = sender

    def say(self, text: Any) -> list[dict[str, Any]]:
        r = httpx.post(self.url, json={"sender": self.sender, "message": text}, timeout=60)
        assert r.status_code == 200, r.text
        return r.json()

    def text(self, text: Any) -> str:
        return "\n".join(m.get("text") or "" for m in self.say(text))


@pytest.fixture
def chat(stack: Stack, request: pytest.FixtureRequest) -> Chat:
    return Chat(stack, f"e2e-{request.node.name}")


CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]


# module scope, not session: while Playwright's sync API is open, asyncio sees a running loop
# in this thread, and later tests that call asyncio.run() would fail
@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
        yield launched
        launched.close()


def platform_webhook(stack: Stack, channel: str) -> str:
    """Where a messaging platform delivers to the stack under test."""
    return f"http://127.0.0.1:{stack.settings.rasa_port}/webhooks/{channel}/webhook"


def user_texts(stack: Stack, sender: str) -> list[str]:
    """The customer's messages in Rasa's tracker of ``sender`` (through its authenticated API;
    Rasa's routes do not unquote the path, so ids such as ``whatsapp:+44…`` go as they are)."""
    url = f"http://127.0.0.1:{stack.settings.rasa_port}/conversations/{sender}/tracker"
    token = rasa_admin_token(stack.rasa_secret, system_clock)
    tracker = httpx.get(url, headers={"Authorization": f"Bearer {token}"}, timeout=30).json()
    return [e.get("text") or "" for e in tracker.get("events") or [] if e.get("event") == "user"]


def jpeg_with_metadata(size: tuple[int, int] = (320, 240)) -> bytes:
    """A camera-like JPEG: EXIF metadata and trailing data a stored photo must not keep."""
    import io

    from PIL import Image

    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    out = io.BytesIO()
    Image.new("RGB", size, (120, 90, 40)).save(out, format="JPEG", exif=exif)
    return out.getvalue() + b"<script>alert(1)</script>"


def photos_of(stack: Stack, conversation: str) -> list[dict[str, Any]]:
    """The conversation's photos as staff see them (the admin API); each one's bytes are
    checked to be a clean JPEG."""
    base = f"http://127.0.0.1:{stack.settings.web_port}"
    staff = {"Authorization": f"Bearer {stack.admin_token}"}
    found = httpx.post(f"{base}/api/photos/search", json={"conversation": conversation},
                       headers=staff, timeout=30).json()["photos"]
    for photo in found:
        data = httpx.get(f"{base}{photo['url']}", headers=staff, timeout=30).content
        assert data.startswith(b"\xff\xd8") and b"PhoneMaker" not in data and b"<script>" not in data
    return found


class Widget:
    """The website widget's side of the conversation: Rasa's socket.io protocol."""

    def __init__(self, stack: Stack, session: str) -> None:
        import socketio

        self.session = session
        self.replies: list[dict] = []
        self.answered = threading.Event()
        confirmed = threading.Event()
        self.client = socketio.Client(reconnection=False)
        self.client.on("session_confirm", lambda _: confirmed.set())

        def on_reply(message: dict) -> None:
            self.replies.append(message)
            self.answered.set()

        self.client.on("bot_uttered", on_reply)
        self.client.connect(f"http://127.0.0.1:{stack.settings.rasa_port}",
                            transports=["polling", "websocket"], headers={"Origin": SITE},
                            wait_timeout=30)
        self.client.emit("session_request", {"session_id": session})
        assert confirmed.wait(30)

    def listen(self) -> None:
        """Forget what was received so far: :meth:`heard` waits for what comes next."""
        self.replies.clear()
        self.answered.clear()

    def say(self, text: str, expect_reply: bool = True) -> str:
        self.listen()
        self.client.emit("user_uttered", {"message": text, "session_id": self.session})
        if not expect_reply:
            return ""
        return self.heard()

    def heard(self, timeout: float = 60) -> str:
        """Every message received since :meth:`listen` (or the last :meth:`say`), once they
        stop coming (a reply may come as several)."""
        assert self.answered.wait(timeout)
        count = -1
        while count != len(self.replies):  # replies may come as several messages
            count = len(self.replies)
            time.sleep(1.5)
        return "\n".join(str(r.get("text") or "") for r in self.replies)
