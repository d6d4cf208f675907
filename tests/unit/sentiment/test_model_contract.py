"""One contract for every SentimentModel: the VADER lexicon here, the trained transformer too
(marked integration: it loads the real encoder)."""

from __future__ import annotations

import pytest

from sentiment.model import SentimentModel, TransformerSentiment, VaderSentiment

ODD = ["", "   ", "a" * 50_000, "word " * 12_000, "😡😡😡", "🙂", "\x00\x01\x02",
       "¿Dónde está mi pedido? Lo pedí hace dos semanas y no ha llegado.",
       "Wo ist meine Bestellung? Ich warte seit zwei Wochen.", "我的订单在哪里", "mixed 混合 текст مرحبا",
       "<script>alert(1)</script>", "'; DROP TABLE orders; --", None, 12345]


@pytest.fixture(scope="module", params=[
    "vader", pytest.param("transformer", marks=pytest.mark.integration)])
def model(request: pytest.FixtureRequest) -> SentimentModel:
    if request.param == "vader":
        return VaderSentiment()
    m = TransformerSentiment(precision="fp32")
    m.warm_up()
    return m


def test_odd_input_gets_a_valid_result(model: SentimentModel) -> None:
    results = model.score_many(ODD)
    assert len(results) == len(ODD)
    for result in results:
        assert -1.0 <= result.score <= 1.0
        assert result.label in {"negative", "neutral", "positive"}
        assert 0.0 <= result.confidence <= 1.0
    assert results[0].label == "neutral" and results[0].confidence == 0.0


def test_other_languages_are_near_neutral_with_low_confidence(model: SentimentModel) -> None:
    for result in model.score_many(ODD[7:11]):
        assert abs(result.score) <= 0.35
        assert result.confidence <= 0.75


def test_obvious_polarity(model: SentimentModel) -> None:
    results = model.score_many([
        "Thank you so much, that was brilliant and really quick!",
        "This is awful. I'm furious, nobody has answered me in two weeks.",
    ])
    assert results[0].label == "positive" and results[0].score > 0.3
    assert results[1].label == "negative" and results[1].score < -0.3


def test_emoji_carry_feeling(model: SentimentModel) -> None:
    happy, angry = model.score_many(["👍😊", "😡😡"])
    assert happy.score > angry.score


def test_order_and_batching_do_not_change_results(model: SentimentModel) -> None:
    texts = ["great, thanks", "where is my parcel", "this is a joke, refund me now"]
    one_by_one = [model.score_many([t])[0] for t in texts]
    together = model.score_many(list(reversed(texts)))[::-1]
    for a, b in zip(one_by_one, together, strict=True):
        assert a.label == b.label
        assert a.score == pytest.approx(b.score, abs=1e-3)
