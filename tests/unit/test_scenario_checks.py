"""The scenario runner's checks (the suite itself runs against real servers in tests/e2e)."""

from __future__ import annotations

from shopdesk.scenarios import Scenario, Turn, load, problems, run_scenario


def test_the_suite_is_frozen_and_a_quarter_is_held_out() -> None:
    scenarios = load()  # raises if a file changed after freezing
    assert len(scenarios) >= 80
    held = [s for s in scenarios if s.holdout]
    assert 0.2 <= len(held) / len(scenarios) <= 0.3
    assert {s.flow for s in held} == {s.flow for s in scenarios}  # every flow has a hold-out


def test_a_turn_fails_on_silence_loops_missing_and_wrong_facts() -> None:
    turn = Turn("where is 100234?", any=("in transit", "on its way"), all=("100234",),
                none=("Basecamp",))
    assert problems(turn, "Order 100234 is in transit.", None) == []
    assert problems(turn, "   ", None) == ["no reply (silence)"]
    assert problems(turn, "Order 100234 is IN TRANSIT.", "Order 100234 is IN TRANSIT.") == [
        "the same reply as the turn before (a loop)"]
    assert problems(turn, "Order 100234 was delivered.", None) == [
        "none of ['in transit', 'on its way']"]
    assert problems(turn, "It is in transit with the Basecamp tent.", None) == [
        "missing ['100234']", "wrong facts ['Basecamp']"]


def test_a_dead_server_fails_the_turn_without_stopping_the_run() -> None:
    scenario = Scenario("x-01", "x", "goal", (Turn("hi"), Turn("bye")))

    def say(sender: str, text: str) -> list[dict]:
        if text == "hi":
            raise ConnectionError("down")
        return [{"text": "Bye!"}]

    outcome = run_scenario(scenario, say)
    assert not outcome.passed
    assert outcome.failures[0].startswith("turn 1: request failed")
    assert outcome.transcript[1] == ("bye", "Bye!")
