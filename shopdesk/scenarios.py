"""The scenario suite: multi-turn conversations from customer goals, held against the real servers.

``tests/scenarios/scenarios.yml`` was written from customer goals by someone who had not read the
training data, and frozen (``frozen.sha256``) before anything was tuned on it; a quarter of every
flow (``holdout.txt``) is only ever run, never tuned on, and reported apart. Each turn checks what
the customer must get: ``any`` (at least one phrase), ``all``, ``none`` (wrong facts), and every turn
must get a reply that is not the one before it (no silence, no loop). Before each scenario the demo
store's orders are reseeded, so a cancellation in one cannot change another's facts.

``make scenarios`` starts the product on free ports with a throw-away data folder, runs the suite
with progress, prints a pass table by flow and lists every failure; the end-to-end tests run the
same suite against their servers.
"""

from __future__ import annotations

import hashlib
import tempfile
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from shopdesk.clock import Clock
from shopdesk.errors import ShopdeskError
from shopdesk.settings import PROJECT_ROOT, Settings

SUITE = PROJECT_ROOT / "tests/scenarios"
GOAL = 0.95  # share of scenarios that must pass

Say = Callable[[str, str], list[dict[str, Any]]]  # (sender, text) -> the bot's messages


@dataclass(frozen=True)
class Turn:
    user: str
    any: tuple[str, ...] = ()
    all: tuple[str, ...] = ()
    none: tuple[str, ...] = ()


@dataclass(frozen=True)
class Scenario:
    id: str
    flow: str
    goal: str
    turns: tuple[Turn, ...]
    holdout: bool = False


@dataclass
class Outcome:
    scenario: Scenario
    failures: list[str] = field(default_factory=list)
    transcript: list[tuple[str, str]] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return not self.failures


def verify_frozen(folder: Path = SUITE) -> None:
    """Refuse a suite whose files changed after it was frozen."""
    for line in (folder / "frozen.sha256").read_text().splitlines():
        digest, _, name = line.partition("  ")
        path = PROJECT_ROOT / name.strip()
        if hashlib.sha256(path.read_bytes()).hexdigest() != digest:
            raise ShopdeskError(f"{name.strip()} changed after the suite was frozen; the scenarios "
                                "are a fixed yardstick: add new ones in a new, separately frozen file")


def load(folder: Path = SUITE) -> list[Scenario]:
    verify_frozen(folder)
    held = set((folder / "holdout.txt").read_text().split())
    raw = yaml.safe_load((folder / "scenarios.yml").read_text(encoding="utf-8"))
    out = []
    for s in raw["scenarios"]:
        turns = tuple(Turn(str(t["user"]), *(tuple(str(x) for x in (t.get("expect") or {}).get(k) or ())
                                              for k in ("any", "all", "none")))
                      for t in s["turns"])
        out.append(Scenario(s["id"], s["flow"], s.get("goal", ""), turns, s["id"] in held))
    return out


def reply_text(messages: list[dict[str, Any]]) -> str:
    return "\n".join((m.get("text") or "").strip() for m in messages if m.get("text"))


def problems(turn: Turn, reply: str, previous: str | None) -> list[str]:
    """What is wrong with ``reply`` as the answer to ``turn`` (empty when nothing is)."""
    found = []
    low = reply.lower()
    if not reply.strip():
        return ["no reply (silence)"]
    if previous is not None and reply.strip() == previous.strip():
        found.append("the same reply as the turn before (a loop)")
    if turn.any and not any(p.lower() in low for p in turn.any):
        found.append(f"none of {list(turn.any)}")
    missing = [p for p in turn.all if p.lower() not in low]
    if missing:
        found.append(f"missing {missing}")
    wrong = [p for p in turn.none if p.lower() in low]
    if wrong:
        found.append(f"wrong facts {wrong}")
    return found


def run_scenario(scenario: Scenario, say: Say) -> Outcome:
    sender = f"scenario-{scenario.id}-{uuid.uuid4().hex[:8]}"
    outcome = Outcome(scenario)
    previous: str | None = None
    for number, turn in enumerate(scenario.turns, 1):
        try:
            reply = reply_text(say(sender, turn.user))
        except Exception as e:  # a dead server is a failed turn, not a crashed run
            reply = ""
            outcome.failures.append(f"turn {number}: request failed ({type(e).__name__})")
        outcome.transcript.append((turn.user, reply))
        outcome.failures += [f"turn {number}: {p}" for p in problems(turn, reply, previous)]
        previous = reply
    return outcome


def run_all(scenarios: list[Scenario], say: Say, reset: Callable[[], None],
            progress: bool = True) -> list[Outcome]:
    outcomes = []
    for i, scenario in enumerate(scenarios, 1):
        reset()
        outcomes.append(run_scenario(scenario, say))
        if progress:
            mark = "pass" if outcomes[-1].passed else "FAIL"
            print(f"\r  scenario {i}/{len(scenarios)} {scenario.id:<22} {mark}", end="", flush=True)
    if progress:
        print(flush=True)
    return outcomes


def pass_rate(outcomes: list[Outcome]) -> float:
    return sum(o.passed for o in outcomes) / max(len(outcomes), 1)


def table(outcomes: list[Outcome]) -> str:
    flows = sorted({o.scenario.flow for o in outcomes})
    lines = ["| flow | tuning passed | hold-out passed | all |", "|---|---:|---:|---:|"]

    def cell(group: list[Outcome]) -> str:
        return f"{sum(o.passed for o in group)}/{len(group)}" if group else "–"

    for flow in [*flows, None]:
        group = [o for o in outcomes if flow is None or o.scenario.flow == flow]
        tuning = [o for o in group if not o.scenario.holdout]
        held = [o for o in group if o.scenario.holdout]
        name = "**all**" if flow is None else flow
        lines.append(f"| {name} | {cell(tuning)} | {cell(held)} | {cell(group)} "
                     f"({pass_rate(group):.0%}) |")
    return "\n".join(lines)


def failures(outcomes: list[Outcome]) -> str:
    lines = []
    for o in outcomes:
        if o.passed:
            continue
        tag = " (hold-out)" if o.scenario.holdout else ""
        lines.append(f"- **{o.scenario.id}**{tag} — {o.scenario.goal}")
        lines += [f"  - {f}" for f in o.failures]
        for user, bot in o.transcript:
            lines.append(f"    > customer: {user}")
            lines.append(f"    > bot: {' / '.join(bot.splitlines()) or '(nothing)'}")
    return "\n".join(lines) or "(none)"


def report(outcomes: list[Outcome]) -> str:
    held = [o for o in outcomes if o.scenario.holdout]
    return (f"Scenario suite: {sum(o.passed for o in outcomes)}/{len(outcomes)} passed "
            f"({pass_rate(outcomes):.1%}; goal {GOAL:.0%}); hold-out alone "
            f"{sum(o.passed for o in held)}/{len(held)} ({pass_rate(held):.1%})\n\n"
            f"{table(outcomes)}\n\nFailures:\n\n{failures(outcomes)}\n")


def rest_say(rasa_url: str) -> Say:
    import httpx

    def say(sender: str, text: str) -> list[dict[str, Any]]:
        # one request, one connection, closed at once: nothing is left open for the GC to find
        r = httpx.post(f"{rasa_url}/webhooks/rest/webhook", json={"sender": sender, "message": text},
                       timeout=120)
        r.raise_for_status()
        return r.json()

    return say


@contextmanager
def reseeding(database_url: str, clock: Clock) -> Iterator[Callable[[], None]]:
    """A function that dates the demo orders from now again (the engine closed afterwards)."""
    from commerce.demo import reseed_demo_orders
    from shopdesk.database import make_engine

    engine = make_engine(database_url)
    try:
        yield lambda: reseed_demo_orders(engine, clock())
    finally:
        engine.dispose()


def run_suite(settings: Settings, clock: Clock) -> int:
    """``make scenarios``: the product on free ports, the whole suite, a table (0 when the goal
    is met)."""
    from retrieval.cli import ensure_index
    from shopdesk.model_cache import ensure_model
    from shopdesk.stack import isolated_stack

    scenarios = load()
    model = ensure_model()
    index = ensure_index(settings)
    with tempfile.TemporaryDirectory(prefix="shopdesk-scenarios-") as folder:
        stack = isolated_stack(Path(folder), model, index, clock)
        print("• starting the product on free ports for the scenario suite...", flush=True)
        stack.start(timeout=420)
        try:
            with reseeding(stack.settings.database_url, clock) as reset:
                outcomes = run_all(scenarios,
                                   rest_say(f"http://127.0.0.1:{stack.settings.rasa_port}"), reset)
        finally:
            stack.stop()
    text = report(outcomes)
    out = PROJECT_ROOT / "reports"
    out.mkdir(exist_ok=True)
    (out / "scenarios.md").write_text(text)
    print(text)
    print("(saved to reports/scenarios.md)")
    return 0 if pass_rate(outcomes) >= GOAL else 1
