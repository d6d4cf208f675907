"""The web app's read access to Rasa's conversations (its HTTP API, with a short-lived admin JWT
signed by ``SHOPDESK_RASA_JWT_SECRET``). Every failure is None: the console degrades (a queue
row without its mood), it never breaks."""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import quote

import httpx

from shopdesk.clock import Clock
from shopdesk.settings import Settings
from shopdesk.stack import rasa_admin_token

logger = logging.getLogger(__name__)


class RasaClient:
    def __init__(self, settings: Settings, clock: Clock, timeout: float = 5.0) -> None:
        host = "127.0.0.1" if settings.host in {"0.0.0.0", "::"} else settings.host
        self.base = f"http://{host}:{settings.rasa_port}"
        self._secret = settings.rasa_jwt_secret.reveal()
        self._clock = clock
        self.timeout = timeout

    def _url(self, conversation: str, tail: str) -> str:
        # Rasa's routes take the id as it is (":" and "+" of a WhatsApp address included)
        return f"{self.base}/conversations/{quote(conversation, safe=':+@')}/{tail}"

    def _post(self, conversation: str, tail: str, body: Any, params: dict[str, str],
              timeout: float, what: str) -> bool:
        """POST to one of Rasa's conversation routes; False (logged) on any failure."""
        if not self._secret:
            return False
        token = rasa_admin_token(self._secret, self._clock, minutes=5)
        try:
            answer = httpx.post(self._url(conversation, tail), json=body, params=params,
                                headers={"Authorization": f"Bearer {token}"}, timeout=timeout)
        except httpx.HTTPError as e:
            logger.warning("could not reach Rasa for %s: %s", what, type(e).__name__)
            return False
        if answer.status_code != 200:
            logger.warning("Rasa answered HTTP %s to %s", answer.status_code, what)
        return answer.status_code == 200

    def append(self, conversation: str, events: list[dict[str, Any]]) -> bool:
        """Append events to the conversation and deliver the bot messages among them to the
        customer on the channel they last used (Rasa's own "execute side effects")."""
        return self._post(conversation, "tracker/events", events,
                          {"output_channel": "latest", "execute_side_effects": "true"},
                          self.timeout * 2, "appended events")

    def tracker(self, conversation: str) -> dict[str, Any] | None:
        if not self._secret:
            return None
        url = self._url(conversation, "tracker")
        token = rasa_admin_token(self._secret, self._clock, minutes=5)
        try:
            answer = httpx.get(url, headers={"Authorization": f"Bearer {token}"},
                               timeout=self.timeout)
            if answer.status_code != 200:
                logger.warning("Rasa answered HTTP %s for a conversation", answer.status_code)
                return None
            body = answer.json()
        except (httpx.HTTPError, ValueError) as e:
            logger.warning("could not read a conversation from Rasa: %s", type(e).__name__)
            return None
        return body if isinstance(body, dict) else None

    def trigger(self, conversation: str, intent: str) -> bool:
        """Trigger ``intent`` in the conversation as if the customer had said it (Rasa's own
        ``trigger_intent``): the bot's answer goes to the channel they last used."""
        return self._post(conversation, "trigger_intent", {"name": intent},
                          {"output_channel": "latest"}, self.timeout * 6, "a triggered intent")
