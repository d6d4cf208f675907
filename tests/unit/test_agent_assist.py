"""Agent assist: suggestions from the historical Q&A ranked with the customer's mood, and the
company's canned responses."""

from __future__ import annotations

from pathlib import Path

import pytest

from console.assist import Assistant, load_canned
from shopdesk.errors import ConfigError
from shopdesk.settings import Settings


def test_an_upset_customer_gets_remedies_first_a_happy_one_offers() -> None:
    assistant = Assistant(Settings.from_env())
    said = ["my parcel is late, can I get a discount?"]
    upset = assistant.suggest(said, -0.9)
    happy = assistant.suggest(said, 0.9)
    assert upset and all(s.remedy for s in upset)
    assert not happy[0].remedy and "discount" in happy[0].question.lower()
    assert assistant.suggest([], -0.5) == [] and assistant.suggest(["   "], None) == []


def test_canned_responses_come_from_the_companys_file(tmp_path: Path) -> None:
    assert any(c["shortcut"] == "/sorry" for c in Assistant(Settings.from_env()).canned)
    bad = tmp_path / "canned.yml"
    bad.write_text("- shortcut: sorry\n  text: no slash\n")
    with pytest.raises(ConfigError, match="entry 1"):
        load_canned(bad)
    bad.write_text("- [unclosed\n")
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_canned(bad)
    assert load_canned(tmp_path / "missing.yml") == []


def test_on_a_replayed_log_the_suggestion_agents_use_climbs() -> None:
    """Replay what agents did: for the same customer message, the reply they kept choosing
    (third at first) ranks higher afterwards, and the ones they passed over sink."""
    from console.assist import usage
    from console.staff_store import InMemoryStaffStore

    assistant = Assistant(Settings.from_env())
    staff = InMemoryStaffStore()
    said = ["my parcel is late, can I get a discount?"]
    before = [s.id for s in assistant.suggest(said, 0.0, k=5, usage_counts={})]
    chosen = before[2]
    for _ in range(6):  # the log: six shifts, each showing the top 5 and using `chosen`
        shown = assistant.suggest(said, 0.0, k=5, usage_counts=staff.suggestion_counts())
        for s in shown:
            staff.count_suggestion(s.id, used=False)
        staff.count_suggestion(chosen, used=True)
    after = [s.id for s in assistant.suggest(said, 0.0, k=5,
                                             usage_counts=staff.suggestion_counts())]
    assert after.index(chosen) < before.index(chosen)
    assert after[0] == chosen
    assert usage(0, 0) == 1.0 and usage(10, 10) > 1.3 and usage(10, 0) < 0.7
