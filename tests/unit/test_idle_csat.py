"""CSAT when a conversation goes quiet: which conversations the web app's sweep asks (and which
never), that it asks each once — across restarts, since the tracker is the record — and that the
bot's side checks again."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from actions.mood import customer_texts
from actions.rating import ActionAskRating
from commerce.memory_repository import InMemoryStoreRepository
from commerce.service import StoreService
from console.idle_csat import LATE, IdleCsat, real_exchange, why_not
from shopdesk.clock import FixedClock
from shopdesk.composition import Services
from shopdesk.csat import ASK_TEXT, IDLE_INTENT, customer_wrote
from shopdesk.errors import ConfigError
from shopdesk.settings import Settings
from tests.conftest import make_tracker
from tests.helpers import run_action, texts

T0 = datetime(2031, 6, 2, 10, 0, tzinfo=UTC)
IDLE = timedelta(minutes=15)


def user(text: str, intent: str, at: datetime) -> dict[str, Any]:
    return {"event": "user", "text": text, "timestamp": at.timestamp(),
            "parse_data": {"intent": {"name": intent}}}


def bot(text: str, at: datetime, **metadata: Any) -> dict[str, Any]:
    return {"event": "bot", "text": text, "timestamp": at.timestamp(), "metadata": metadata}


def answered(at: datetime = T0) -> list[dict[str, Any]]:
    """A real exchange: a question the bot answered."""
    return [user("hi", "greet", at), bot("Hi!", at),
            user("how long do refunds take?", "ask_question", at + timedelta(seconds=20)),
            bot("About 3 working days.", at + timedelta(seconds=21))]


def tracker(events: list[dict[str, Any]], **state: Any) -> dict[str, Any]:
    return {"events": events, "paused": False, "active_loop": {}, **state}


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def test_a_quiet_conversation_with_a_real_exchange_is_asked() -> None:
    assert why_not(tracker(answered()), at(16), IDLE) is None
    assert why_not(tracker(answered()), at(15.5), IDLE) is None


@pytest.mark.parametrize(("events", "state", "now", "reason"), [
    (answered(), {}, at(10), "not quiet long enough"),
    (answered(), {}, at(15) + LATE + timedelta(minutes=2), "quiet for too long"),
    (answered(), {"paused": True}, at(16), "a person has taken it over"),
    ([*answered(), {"event": "pause", "timestamp": at(1).timestamp()}], {}, at(16),
     "a person has taken it over"),
    (answered(), {"active_loop": {"name": "order_status_form"}}, at(16),
     "in the middle of a form"),
    ([*answered(), bot(ASK_TEXT, at(1))], {}, at(16), "asked already"),
    ([*answered(), bot("Before you go…", at(1), csat="idle")], {}, at(16), "asked already"),
    ([user("hi", "greet", T0), bot("Hi! May I remember…", T0),
      user("/consent_grant", "consent_grant", T0), bot("Thanks", T0)], {}, at(16),
     "no real exchange"),
    ([], {}, at(16), "no conversation"),
])
def test_the_conversations_never_asked(events: list[dict[str, Any]], state: dict[str, Any],
                                       now: datetime, reason: str) -> None:
    assert why_not(tracker(events, **state), now, IDLE) == reason


def test_a_handed_back_conversation_is_asked_again_only_if_the_handback_did_not_ask() -> None:
    taken = [*answered(), {"event": "pause", "timestamp": at(1).timestamp()},
             {"event": "resume", "timestamp": at(2).timestamp()}]
    assert why_not(tracker(taken), at(18), IDLE) is None
    assert why_not(tracker([*taken, bot(ASK_TEXT, at(2), handback=True)]), at(18), IDLE) \
        == "asked already"


def test_the_store_is_asked_last_rated_and_waiting_conversations_are_not_asked() -> None:
    assert why_not(tracker(answered()), at(16), IDLE, rated=lambda: True) == "rated already"
    assert why_not(tracker(answered()), at(16), IDLE, waiting=lambda: True) == \
        "waiting for a person"

    def never() -> bool:
        raise AssertionError("the store is not asked when the tracker already says no")

    assert why_not(tracker(answered()), at(5), IDLE, rated=never, waiting=never) is not None


def test_a_triggered_intent_is_not_the_customer_talking() -> None:
    triggered = user(f"EXTERNAL: {IDLE_INTENT}", IDLE_INTENT, T0)
    assert not real_exchange([triggered, bot(ASK_TEXT, T0)])
    assert not customer_wrote(f"EXTERNAL: {IDLE_INTENT}") and not customer_wrote("/greet")
    assert customer_wrote("where is my parcel?")
    tracked = make_tracker("thanks", "thank_you", events=[triggered])
    assert customer_texts(tracked) == ["thanks"]


class FakeRasa:
    """Rasa's API as the sweep sees it: trackers, and trigger_intent appending the question."""

    def __init__(self, trackers: dict[str, dict[str, Any]], clock: FixedClock) -> None:
        self.trackers = trackers
        self.clock = clock
        self.down = False
        self.triggered: list[str] = []
        self.reads = 0

    def tracker(self, sender: str) -> dict[str, Any] | None:
        self.reads += 1
        return None if self.down else self.trackers.get(sender)

    def trigger(self, sender: str, intent: str) -> bool:
        if self.down:
            return False
        assert intent == IDLE_INTENT
        self.triggered.append(sender)
        now = self.clock()
        self.trackers[sender]["events"] += [user(f"EXTERNAL: {intent}", intent, now),
                                            bot(ASK_TEXT, now, csat="idle")]
        return True

    def quiet(self, since: datetime, until: datetime) -> list[tuple[str, float]]:
        found = []
        for sender, t in self.trackers.items():
            last = max(e["timestamp"] for e in t["events"])
            if since.timestamp() <= last <= until.timestamp():
                found.append((sender, last))
        return found


def sweeper(rasa: FakeRasa, clock: FixedClock, store: StoreService) -> IdleCsat:
    return IdleCsat(Settings.from_env({}), clock, rasa, lambda: store,  # type: ignore[arg-type]
                    quiet=rasa.quiet)


def test_the_sweep_asks_each_quiet_conversation_once_even_after_a_restart() -> None:
    clock = FixedClock(T0)
    store = StoreService(InMemoryStoreRepository(), clock)
    store.record_handoff("waiting", "requested", "")
    store.record_rating("rated", 5)
    rasa = FakeRasa({name: tracker(answered()) for name in
                     ("quiet", "waiting", "rated", "taken", "hello-only")}, clock)
    rasa.trackers["taken"]["paused"] = True
    rasa.trackers["hello-only"]["events"] = answered()[:2]
    sweep = sweeper(rasa, clock, store)

    clock.advance(timedelta(minutes=5))
    assert sweep.sweep() == []  # nobody is quiet long enough yet
    clock.advance(timedelta(minutes=11))
    assert sweep.sweep() == ["quiet"]
    reads = rasa.reads
    assert sweep.sweep() == [] and rasa.reads == reads  # judged already: not read again
    clock.advance(timedelta(minutes=20))  # the question itself has gone quiet now
    assert sweep.sweep() == []
    assert sweeper(rasa, clock, store).sweep() == []  # a restarted web app does not ask again
    assert rasa.triggered == ["quiet"]


def test_when_rasa_is_down_the_next_sweep_tries_again() -> None:
    clock = FixedClock(T0 + timedelta(minutes=16))
    rasa = FakeRasa({"quiet": tracker(answered())}, clock)
    sweep = sweeper(rasa, clock, StoreService(InMemoryStoreRepository(), clock))
    rasa.down = True
    assert sweep.sweep() == []
    rasa.down = False
    assert sweep.sweep() == ["quiet"]


def test_the_sweep_runs_often_enough_for_its_idle_time_and_can_be_switched_off() -> None:
    clock = FixedClock(T0)

    def every(minutes: str) -> float:
        settings = Settings.from_env({"SHOPDESK_CSAT_IDLE_MINUTES": minutes})
        return IdleCsat(settings, clock, None, lambda: None).every  # type: ignore[arg-type]

    assert every("15") == 30.0 and every("0.1") == 2.0
    assert Settings.from_env({}).csat_idle_minutes == 15.0
    assert Settings.from_env({"SHOPDESK_CSAT_IDLE_MINUTES": "0"}).csat_idle_minutes == 0.0
    for bad, problem in (("soon", "must be a number"), ("-5", "must be between"),
                         ("99999", "must be between")):
        with pytest.raises(ConfigError, match=f"SHOPDESK_CSAT_IDLE_MINUTES {problem}"):
            Settings.from_env({"SHOPDESK_CSAT_IDLE_MINUTES": bad})


def test_the_web_app_runs_the_sweep_only_when_it_is_switched_on(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from starlette.testclient import TestClient

    from console.app import create_app

    env = {"SHOPDESK_DATA_DIR": str(tmp_path)}
    off = create_app(Settings.from_env({**env, "SHOPDESK_CSAT_IDLE_MINUTES": "0"}),
                     FixedClock(T0))
    assert off.state.idle_csat is None
    on = create_app(Settings.from_env(env), FixedClock(T0))
    assert isinstance(on.state.idle_csat, IdleCsat)
    with TestClient(on) as client:  # starts and stops the background sweep cleanly
        assert client.get("/health").status_code == 200


def services(clock: FixedClock) -> Services:
    return Services(settings=Settings.from_env({}), store=StoreService(
        InMemoryStoreRepository(), clock), qa=None, clock=clock)  # type: ignore[arg-type]


def test_the_bot_checks_again_before_asking_a_quiet_conversation() -> None:
    s = services(FixedClock(T0))
    trigger = f"EXTERNAL: {IDLE_INTENT}"
    asked, _ = run_action(ActionAskRating(s), make_tracker(trigger, IDLE_INTENT,
                                                           events=answered()))
    assert texts(asked) == ASK_TEXT and asked[0]["csat"] == "idle"  # marked for REST clients
    for again in (make_tracker(trigger, IDLE_INTENT, events=[*answered(), bot(ASK_TEXT, T0)]),
                  make_tracker(trigger, IDLE_INTENT, events=answered(),
                               active_loop="order_status_form")):
        assert run_action(ActionAskRating(s), again)[0] == []
    goodbye, _ = run_action(ActionAskRating(s), make_tracker("bye", "goodbye"))
    assert texts(goodbye) == ASK_TEXT and "csat" not in goodbye[0]
