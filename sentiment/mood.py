"""The conversation's running mood, frustration, tone and when to offer a person.

Per customer message the model gives a score ``s`` in [-1, 1]. The mood ``m`` follows it
asymmetrically — quick to fall, slow to recover — because one bad turn changes how a
customer feels at once, while goodwill comes back gradually:

    m ← m + α_down · (s − m)   when s < m      (α_down = 0.7)
    m ← m + α_up   · (s − m)   otherwise       (α_up   = 0.25)

Frustration ``f`` accumulates the signals of :mod:`sentiment.signals` and decays each turn:

    f ← decay · f + Σ weight(signal)            (decay = 0.7)

The score measures what the customer reports (a problem has negative valence); frustration
measures how they feel about us. A calm problem report — low score, no frustration — gets a
plain, helpful answer: the tone is never empathetic and a person is never offered unprompted
without frustration. With frustration:

* the tone is empathetic when ``f ≥ empathetic_frustration``, or when there has been some
  frustration and the mood has stayed at or below ``empathetic_below`` for
  ``empathetic_turns`` turns;
* a person is offered before the customer asks when ``f`` reaches ``escalate_frustration``
  and is still rising, or when there has been some frustration and the mood has been at or
  below ``escalate_mood`` for ``escalate_turns`` turns in a row; then not again for
  ``cooldown_turns`` turns.

Every threshold is a setting (``SHOPDESK_MOOD_*``, see README).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from enum import StrEnum
from typing import Any

from sentiment.signals import FrustrationSignals

SIGNAL_WEIGHTS = {
    "repeated_question": 0.6, "repeated_contact": 0.8, "shouting": 0.6, "profanity": 0.7,
    "churn_threat": 1.2, "escalation_demand": 1.2, "annoyance": 0.9,
    "impatience": 0.8,
    # the learned detector is less precise than a rule (about 3 % of calm messages flagged): on
    # its own it changes nothing; twice in a row, or with a rule, it does
    "sounds_frustrated": 0.5,
}
SOME_FRUSTRATION = 0.05  # frustration left from an earlier signal (it decays towards 0)


class Tone(StrEnum):
    EMPATHETIC = "empathetic"   # acknowledge, apologise, short direct answer, offer a person
    NEUTRAL = "neutral"
    UPBEAT = "upbeat"           # friendlier close, a relevant suggestion is welcome
    ESCALATE = "escalate"       # empathetic, and a person is offered now, unprompted


@dataclass(frozen=True)
class MoodConfig:
    alpha_down: float = 0.7
    alpha_up: float = 0.25
    frustration_decay: float = 0.7
    empathetic_below: float = -0.25
    empathetic_frustration: float = 0.8
    empathetic_turns: int = 2
    upbeat_above: float = 0.35
    escalate_mood: float = -0.5
    escalate_turns: int = 2
    escalate_frustration: float = 1.2
    cooldown_turns: int = 3

    def __post_init__(self) -> None:
        for name in ("alpha_down", "alpha_up", "frustration_decay"):
            if not 0.0 < getattr(self, name) <= 1.0:
                raise ValueError(f"{name} must be in (0, 1]")
        if not -1.0 <= self.escalate_mood <= self.empathetic_below < self.upbeat_above <= 1.0:
            raise ValueError("need -1 <= escalate_mood <= empathetic_below < upbeat_above <= 1")
        if self.escalate_turns < 1 or self.cooldown_turns < 0 or self.escalate_frustration <= 0:
            raise ValueError("escalate_turns >= 1, cooldown_turns >= 0, "
                             "escalate_frustration > 0")


@dataclass(frozen=True)
class MoodState:
    mood: float = 0.0
    frustration: float = 0.0
    turn: int = 0
    negative_streak: int = 0
    low_streak: int = 0
    last_offer_turn: int = -1000
    tone: Tone = Tone.NEUTRAL
    escalate: bool = False
    reasons: tuple[str, ...] = field(default=())

    def to_slot(self) -> dict[str, Any]:
        data = asdict(self)
        data["tone"] = str(self.tone)
        data["reasons"] = list(self.reasons)
        data["mood"] = round(self.mood, 4)
        data["frustration"] = round(self.frustration, 4)
        return data

    @classmethod
    def from_slot(cls, value: Any) -> MoodState:
        """The state kept in the ``mood_state`` slot; anything malformed starts afresh."""
        if not isinstance(value, dict):
            return cls()
        try:
            return cls(
                mood=max(-1.0, min(1.0, float(value.get("mood", 0.0)))),
                frustration=max(0.0, min(10.0, float(value.get("frustration", 0.0)))),
                turn=max(0, int(value.get("turn", 0))),
                negative_streak=max(0, int(value.get("negative_streak", 0))),
                low_streak=max(0, int(value.get("low_streak", 0))),
                last_offer_turn=int(value.get("last_offer_turn", -1000)),
                tone=Tone(value.get("tone", "neutral")),
            )
        except (TypeError, ValueError):
            return cls()


def update(state: MoodState, score: float, signals: FrustrationSignals,
           config: MoodConfig | None = None) -> MoodState:
    """The state after one more customer message with sentiment ``score``."""
    cfg = config or MoodConfig()
    score = max(-1.0, min(1.0, float(score)))
    rate = cfg.alpha_down if score < state.mood else cfg.alpha_up
    mood = state.mood + rate * (score - state.mood)
    added = sum(SIGNAL_WEIGHTS[name] for name in signals.names())
    frustration = cfg.frustration_decay * state.frustration + added
    turn = state.turn + 1
    streak = state.negative_streak + 1 if mood <= cfg.escalate_mood else 0
    low = state.low_streak + 1 if mood <= cfg.empathetic_below else 0
    frustrated = frustration >= SOME_FRUSTRATION  # a calm problem report never is

    reasons: list[str] = []
    if frustrated and streak >= cfg.escalate_turns:
        reasons.append(f"mood at or below {cfg.escalate_mood:+.2f} for {streak} turns, "
                       "with frustration")
    if frustration >= cfg.escalate_frustration and frustration > state.frustration:
        reasons.append(f"frustration rising to {frustration:.2f} ({', '.join(signals.names())})")
    cooled = turn - state.last_offer_turn > cfg.cooldown_turns
    escalate = bool(reasons) and cooled

    if escalate:
        tone = Tone.ESCALATE
    elif frustration >= cfg.empathetic_frustration or (frustrated and low >= cfg.empathetic_turns):
        tone = Tone.EMPATHETIC
    elif mood >= cfg.upbeat_above:
        tone = Tone.UPBEAT
    else:
        tone = Tone.NEUTRAL
    return replace(state, mood=mood, frustration=frustration, turn=turn, negative_streak=streak,
                   low_streak=low,
                   last_offer_turn=turn if escalate else state.last_offer_turn, tone=tone,
                   escalate=escalate, reasons=tuple(reasons))
