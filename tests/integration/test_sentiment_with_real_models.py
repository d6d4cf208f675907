"""The committed sentiment model with the real encoder: accuracy on our support test split,
the shared forward pass with retrieval, int8, and mood-aware ranking on the real index."""

from __future__ import annotations

import numpy as np
import pytest

from sentiment.data import LABELS, read_support
from sentiment.evaluate import labels_from_scores, textblob_scorer, vader_scorer
from sentiment.model import TransformerSentiment
from sentiment.train import macro_f1

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def support_test() -> tuple[list[str], list[int]]:
    examples = [e for e in read_support() if e.split == "test"]
    return [e.text for e in examples], [LABELS.index(e.label) for e in examples]


@pytest.fixture(scope="module")
def model() -> TransformerSentiment:
    m = TransformerSentiment(device="cpu", precision="fp32")
    m.warm_up()
    return m


def test_support_macro_f1_meets_the_goal_and_beats_the_lexicons(
        model: TransformerSentiment, support_test: tuple[list[str], list[int]]) -> None:
    texts, gold = support_test
    ours = macro_f1(gold, [LABELS.index(r.label) for r in model.score_many(texts)])
    lexicons = {name: macro_f1(gold, labels_from_scores(scorer(texts), 0.05).tolist())
                for name, scorer in (("vader", vader_scorer()), ("textblob", textblob_scorer()))}
    print(f"support test macro-F1: ours {ours:.3f}, {lexicons}")
    assert ours >= 0.85
    assert all(ours > value for value in lexicons.values())


def test_int8_stays_close_to_fp32(model: TransformerSentiment,
                                  support_test: tuple[list[str], list[int]]) -> None:
    texts, _ = support_test
    int8 = TransformerSentiment(device="cpu", precision="int8")
    a = model.score_many(texts)
    b = int8.score_many(texts)
    agree = np.mean([x.label == y.label for x, y in zip(a, b, strict=True)])
    assert agree >= 0.95
    assert np.mean([abs(x.score - y.score) for x, y in zip(a, b, strict=True)]) < 0.1


def test_one_forward_pass_serves_sentiment_and_retrieval() -> None:
    from retrieval.embedders import MiniLmEmbedder
    from sentiment.batcher import VectorCache

    embedder = MiniLmEmbedder(device="cpu")
    shared = TransformerSentiment(device="cpu", encoder=embedder.sentence_transformer)
    text = "my parcel still hasn't arrived and I'm fed up"
    results, vectors = shared.score_and_embed([text, "a  b"])
    own = embedder.encode([text])[0]
    assert float(np.dot(vectors[text], own)) > 0.999
    assert "a  b" not in vectors  # normalised differently: retrieval encodes it itself
    cache = VectorCache()
    cache.put_many(vectors)
    embedder.use_vector_cache(cache)
    assert embedder.encode_query(text) is vectors[text]
    assert results[0].label == "negative"


def test_mood_reorders_close_candidates_on_the_real_index() -> None:
    from sentiment.ranking import mood_affinity, reranker
    from shopdesk.composition import build_answerer
    from shopdesk.settings import Settings

    qa = build_answerer(Settings.from_env())
    queries = ["order still not here", "I want a refund", "my parcel is late, where is it?",
               "my boots are falling apart after a month", "how do I track my parcel",
               "can i get a discount", "the zip on my jacket broke"]
    changed = []
    for query in queries:
        plain = qa.answer(query)
        calm = qa.answer(query, reranker(0.0))
        angry = qa.answer(query, reranker(-0.9))
        assert calm.decision is plain.decision
        assert [h.pair.id for h in calm.hits] == [h.pair.id for h in plain.hits]
        if angry.hits and calm.hits and angry.hits[0].pair.id != calm.hits[0].pair.id:
            assert mood_affinity(angry.hits[0].pair) > mood_affinity(calm.hits[0].pair)
            changed.append(query)
    assert changed, "an upset customer should see a remedy first for at least one query"
