"""The running mood: quick to fall, slow to recover; escalation rules and their settings."""

from __future__ import annotations

import pytest

from sentiment.mood import MoodConfig, MoodState, Tone, update
from sentiment.signals import FrustrationSignals, detect
from shopdesk.errors import ConfigError
from shopdesk.settings import Settings

CALM = FrustrationSignals()
ANNOYED = FrustrationSignals(annoyance=True)


def run(scores: list[float], config: MoodConfig | None = None,
        signals: list[FrustrationSignals] | None = None) -> list[MoodState]:
    state, out = MoodState(), []
    for i, score in enumerate(scores):
        state = update(state, score, (signals or [CALM] * len(scores))[i], config)
        out.append(state)
    return out


def test_mood_falls_fast_and_recovers_gradually() -> None:
    states = run([0.6, 0.6, -0.9, 0.6, 0.6, 0.6])
    assert states[1].mood > 0.25
    drop = states[1].mood - states[2].mood
    assert states[2].mood < -0.4, "one bad turn moves the mood most of the way"
    rises = [states[i + 1].mood - states[i].mood for i in range(2, 5)]
    assert all(0 < r < drop / 2 for r in rises), "recovery is gradual"
    assert states[5].mood < 0.6


def test_neutral_messages_keep_a_neutral_tone() -> None:
    states = run([0.0, 0.05, -0.05, 0.0])
    assert all(s.tone is Tone.NEUTRAL and not s.escalate for s in states)


def test_a_calm_problem_report_is_not_frustration() -> None:
    """Negative words about what went wrong are not feelings about us: a plain tone."""
    assert run([-0.6])[-1].tone is Tone.NEUTRAL
    calm = run([-0.9] * 6)
    assert all(s.tone is Tone.NEUTRAL and not s.escalate for s in calm)
    assert run([-0.6], signals=[ANNOYED])[-1].tone is Tone.EMPATHETIC
    assert run([0.8, 0.8])[-1].tone is Tone.UPBEAT


def test_sustained_strong_negativity_with_frustration_offers_a_person_once_then_cools_down(
) -> None:
    states = run([-0.9] * 6, signals=[ANNOYED] + [CALM] * 5)
    offers = [s.turn for s in states if s.escalate]
    assert offers[0] == 2, "offered on the second strongly negative turn"
    assert offers == [2, 6], "not again during the cool-down"
    assert states[1].tone is Tone.ESCALATE
    assert states[2].tone is Tone.EMPATHETIC
    assert "turns" in states[1].reasons[0]


def test_a_single_bad_turn_does_not_escalate() -> None:
    states = run([-0.9, 0.3, 0.3])
    assert not any(s.escalate for s in states)


def test_rising_frustration_escalates_even_when_the_model_is_unsure() -> None:
    angry = detect("THIS IS THE THIRD TIME I'M ASKING!!! where is my order")
    assert angry.shouting and angry.repeated_contact
    states = run([-0.1, -0.1], signals=[CALM, angry])
    assert states[-1].escalate
    assert "frustration" in states[-1].reasons[0]


def test_thresholds_are_configurable() -> None:
    strict = MoodConfig(escalate_mood=-0.3, escalate_turns=1)
    assert run([-0.5], strict, [ANNOYED])[-1].escalate
    assert not run([-0.5], signals=[ANNOYED])[-1].escalate
    lenient = MoodConfig(escalate_frustration=5.0)
    angry = detect("this is the 4th time, WHERE IS MY ORDER!!!")
    assert not run([0.0, 0.0], lenient, [CALM, angry])[-1].escalate


def test_settings_carry_the_thresholds_and_reject_bad_values() -> None:
    settings = Settings.from_env({"SHOPDESK_MOOD_ESCALATE_TURNS": "3",
                                  "SHOPDESK_MOOD_ESCALATE_MOOD": "-0.6"})
    config = MoodConfig(**settings.mood)
    assert config.escalate_turns == 3 and config.escalate_mood == -0.6
    for name, value in (("MOOD_ESCALATE_TURNS", "zero"), ("MOOD_ESCALATE_MOOD", "0.5"),
                        ("MOOD_ESCALATE_MOOD", "-0.1"), ("RANK_REMEDY_WEIGHT", "-1"),
                        ("SENTIMENT_PRECISION", "int4"), ("SENTIMENT_MODEL", "gpt")):
        with pytest.raises(ConfigError, match=name):
            Settings.from_env({f"SHOPDESK_{name}": value})


def test_state_survives_the_slot_round_trip_and_junk_starts_afresh() -> None:
    state = run([-0.9, -0.9])[-1]
    again = MoodState.from_slot(state.to_slot())
    assert again.mood == pytest.approx(state.mood, abs=1e-4)
    assert again.last_offer_turn == state.last_offer_turn
    for junk in (None, "x", 3, {"mood": "bad"}, {"mood": 99, "turn": -5}, {"tone": "furious"}):
        restored = MoodState.from_slot(junk)
        assert -1 <= restored.mood <= 1 and restored.turn >= 0
