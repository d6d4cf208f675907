"""The real product for end-to-end tests: Rasa server, action server and web app.

Started once per test session on free ports with a throw-away data folder, through
the same ``Stack`` that ``make run`` uses.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from commerce.seed import seed_database
from retrieval.cli import ensure_index
from shopdesk.clock import system_clock
from shopdesk.database import make_engine
from shopdesk.model_cache import ensure_model
from shopdesk.settings import Settings
from shopdesk.stack import Stack
from tests.postgres import free_port


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    model = ensure_model()
    index = ensure_index(Settings.from_env())  # the project's own index, built if stale
    data_dir = tmp_path_factory.mktemp("stack")
    rasa_port = free_port()
    env = {
        **os.environ,
        "SHOPDESK_DATA_DIR": str(data_dir),
        "SHOPDESK_RASA_PORT": str(rasa_port),
        "SHOPDESK_ACTIONS_PORT": str(free_port()),
        "SHOPDESK_WEB_PORT": str(free_port()),
        "SHOPDESK_RASA_PUBLIC_URL": f"http://127.0.0.1:{rasa_port}",
        "SHOPDESK_INDEX_DIR": str(index),
    }
    for name in ("SHOPDESK_ACTION_SECRET", "SHOPDESK_RASA_JWT_SECRET", "SHOPDESK_DATABASE_URL",
                 "SHOPDESK_QA_CORPUS"):
        env.pop(name, None)
    settings = Settings.from_env(env)
    engine = make_engine(settings.database_url)
    seed_database(engine, system_clock())
    engine.dispose()
    running = Stack(settings, model, env=env)
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
