"""CSAT when a conversation goes quiet, against the real servers: the web app's sweep (driven
here once with its clock moved past the idle time, over the real tracker store, Rasa's API and
the action server) asks a quiet widget customer and a quiet REST customer once; both can rate;
nobody is asked twice, not even by a restarted sweep; a conversation a person has taken over,
and one that was only a greeting, are not asked."""

from __future__ import annotations

import sqlite3
from datetime import timedelta

import pytest

from console.idle_csat import IdleCsat, quiet_conversations
from console.rasa_client import RasaClient
from shopdesk.clock import FixedClock, system_clock
from shopdesk.composition import build_store
from shopdesk.csat import ASK_TEXT
from shopdesk.settings import Settings
from shopdesk.stack import Stack
from tests.e2e.conftest import Chat, Widget
from tests.e2e.test_console import add_staff, staff_api, ticket_of

pytestmark = [pytest.mark.integration]


def test_a_quiet_customer_is_asked_for_a_rating_once_and_a_taken_over_one_is_not(
        stack: Stack) -> None:
    settings = Settings.from_env(stack.services["web"].env)
    ours = {"idlecsatwidget01", "e2e-idle-rest", "e2e-idle-hello", "e2e-idle-taken"}
    real_quiet = quiet_conversations(settings.rasa_tracker_db)

    def sweeper(clock: FixedClock) -> IdleCsat:
        # the web app's own sweep, its clock moved; only this test's conversations (the
        # stack is shared with other tests)
        return IdleCsat(settings, clock, RasaClient(settings, system_clock),
                        lambda: build_store(settings, system_clock),
                        quiet=lambda a, b: [c for c in real_quiet(a, b) if c[0] in ours])

    add_staff(stack, "idris", "agent")
    widget = Widget(stack, "idlecsatwidget01")
    rest, hello, taken = (Chat(stack, s) for s in ("e2e-idle-rest", "e2e-idle-hello",
                                                   "e2e-idle-taken"))
    try:
        assert "refund" in widget.say("how long do refunds take?").lower()
        assert rest.text("do you ship to Ireland?")
        hello.say("hi")
        ticket = ticket_of(taken.say("I want to talk to a person about my order"))
        with staff_api(stack, "idris") as (agent, headers):
            agent.post(f"/console/api/queue/{ticket}/claim", headers=headers)
            assert agent.post(f"/console/api/queue/{ticket}/takeover",
                              headers=headers).status_code == 200

            widget.listen()
            later = FixedClock(system_clock() + timedelta(minutes=settings.csat_idle_minutes + 1))
            assert sorted(sweeper(later).sweep()) == ["e2e-idle-rest", "idlecsatwidget01"]
            # pushed to the widget; the REST client gets it with its next request
            assert "how did we do" in widget.heard()
            assert "great to hear" in widget.say('/rate_service{"csat_score": "5"}')
            got = [m.get("text") or "" for m in rest.say('/rate_service{"csat_score": "2"}')]
            assert got[0] == ASK_TEXT and "we'll use it to do better" in " ".join(got[1:]), got
            assert ASK_TEXT not in rest.text("that's all, thank you")  # delivered once

            # never twice: the same sweep later, and a restarted one (the tracker is the record)
            much_later = FixedClock(system_clock() + timedelta(
                minutes=settings.csat_idle_minutes + 20))
            assert sweeper(much_later).sweep() == []
            with sqlite3.connect(settings.data_dir / "shopdesk.db") as db:
                rated = dict(db.execute("select sender_id, score from support_ratings where "
                                        "sender_id in (?, ?, ?, ?)", tuple(ours)).fetchall())
            assert rated == {"idlecsatwidget01": 5, "e2e-idle-rest": 2}
            assert agent.post(f"/console/api/queue/{ticket}/handback",
                              headers=headers).status_code == 200
    finally:
        widget.client.disconnect()
