"""The learned frustration detector: its artifact, its decision, and its place in a turn."""

from __future__ import annotations

import json

import numpy as np

from sentiment.batcher import VectorCache
from sentiment.frustration import ARTIFACT, FrustrationHead, inputs_digest, load_examples
from sentiment.model import VaderSentiment
from sentiment.service import SentimentService


def test_the_shipped_detector_was_trained_on_the_current_data() -> None:
    data = json.loads(ARTIFACT.read_text())
    assert data["inputs_sha256"] == inputs_digest(), "run `make frustration-train`"
    assert len(data["weights"]) == 384 and 0 < data["threshold"] < 1
    assert data["dev_calm_alarms"] <= 0.03
    head = FrustrationHead.load()
    assert head is not None and not head.frustrated(None)


def test_the_tone_evaluation_set_is_never_training_data() -> None:
    tone = set()
    from shopdesk.settings import PROJECT_ROOT

    for name in ("first_messages.jsonl", "conversations.jsonl"):
        for line in (PROJECT_ROOT / "training_data/sentiment/tone" / name).read_text().splitlines():
            raw = json.loads(line)
            tone |= {raw["text"]} if "text" in raw else {t["text"] for t in raw["turns"]}
    assert not tone & {e.text for e in load_examples()}


def test_a_turn_gets_the_learned_signal_when_the_head_fires() -> None:
    vectors = VectorCache()
    head = FrustrationHead(np.ones(3), -1.0, threshold=0.7)
    service = SentimentService(VaderSentiment(), vectors=vectors, frustration=head)
    vectors.put_many({"ugh. again?": np.array([1.0, 1.0, 0.5])})      # p ≈ 0.82
    vectors.put_many({"my card was declined": np.array([0.1, 0.0, 0.0])})  # p ≈ 0.29
    assert service.observe("ugh. again?", [], None).signals.sounds_frustrated
    assert not service.observe("my card was declined", [], None).signals.sounds_frustrated
    assert not service.observe("no vector for this one", [], None).signals.sounds_frustrated
    assert FrustrationHead.load(ARTIFACT.with_name("missing.json")) is None
