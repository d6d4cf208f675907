"""Locust users for ``make loadtest``: each plays one conversation after another
(``conversations``), with a new conversation id each time, waiting for each reply before the
next message (a closed loop). A turn that gets no reply counts as a failure named "no reply".

    REST:      POST /webhooks/rest/webhook {"sender", "message"}  → the replies
    socket.io: Rasa's socket.io channel, as the widget speaks it (the time to the first reply)
"""

from __future__ import annotations

import contextlib
import os
import random
import threading
import time
import uuid

from locust import HttpUser, User, constant, events, task

from shopdesk.loadtest.conversations import pick

ORIGIN = os.environ.get("LOADTEST_ORIGIN", "http://loadtest.example")


class RestCustomer(HttpUser):
    weight = int(os.environ.get("LOADTEST_REST_WEIGHT", "3"))
    wait_time = constant(0)

    def on_start(self) -> None:
        self.rng = random.Random()

    @task
    def conversation(self) -> None:
        name, turns = pick(self.rng)
        sender = f"load-{uuid.uuid4().hex[:12]}"
        for text in turns:
            with self.client.post("/webhooks/rest/webhook", json={"sender": sender, "message": text},
                                  name=f"rest: {name}", catch_response=True, timeout=30) as answer:
                if answer.status_code != 200:
                    answer.failure(f"HTTP {answer.status_code}")
                    return
                try:
                    replies = answer.json()
                except ValueError:
                    answer.failure("not JSON")
                    return
                if not replies:
                    answer.failure("no reply")


class SocketCustomer(User):
    weight = int(os.environ.get("LOADTEST_SOCKET_WEIGHT", "1"))
    wait_time = constant(0)

    def on_start(self) -> None:
        self.rng = random.Random()

    def _fire(self, name: str, started: float, error: str | None) -> None:
        events.request.fire(request_type="socket.io", name=name, context={},
                            response_time=(time.perf_counter() - started) * 1000,
                            response_length=0, response=None,
                            exception=RuntimeError(error) if error else None)

    @task
    def conversation(self) -> None:
        import socketio

        name, turns = pick(self.rng)
        session = uuid.uuid4().hex
        got, confirmed = threading.Event(), threading.Event()
        client = socketio.Client(reconnection=False)
        client.on("bot_uttered", lambda _message: got.set())
        client.on("session_confirm", lambda _message: confirmed.set())
        started = time.perf_counter()
        try:
            client.connect(self.host, transports=["polling", "websocket"],
                           headers={"Origin": ORIGIN}, wait_timeout=30)
            client.emit("session_request", {"session_id": session})
            if not confirmed.wait(30):
                raise TimeoutError("no session_confirm")
            for text in turns:
                got.clear()
                started = time.perf_counter()
                client.emit("user_uttered", {"message": text, "session_id": session})
                self._fire(f"socket.io: {name}", started,
                           None if got.wait(30) else "no reply")
                time.sleep(0.3)  # a reply may come as several messages: let them arrive (not timed)
        except Exception as e:  # a refused or dropped connection is an error of that turn
            self._fire(f"socket.io: {name}", started, f"{type(e).__name__}")
        finally:
            with contextlib.suppress(Exception):  # one that never opened has nothing to close
                client.disconnect()
