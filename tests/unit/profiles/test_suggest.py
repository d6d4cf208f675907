"""The suggestion engine: CF, content, popularity, the cold-start blend and the mood rule."""

from __future__ import annotations

import math
import random
from pathlib import Path

import numpy as np
import pytest

from profiles.simulate import generate, synthetic_items
from profiles.suggest import (
    Catalogue,
    ContentScorer,
    Event,
    Item,
    ItemItemCF,
    PopularityScorer,
    SuggestionEngine,
    histories,
    minmax,
)
from profiles.suggest_eval import evaluate, hit_at_k, markdown_table, ndcg_at_k, plot, split

TOPIC_AXIS = {"returns": 0, "shipping": 1, "discounts": 2, "tents": 3, "footwear": 4}
ITEMS = (
    Item("a-returns-1", "article", "returns", "How do I return an item?"),
    Item("a-returns-2", "article", "returns", "When is my refund paid?"),
    Item("a-shipping-1", "article", "shipping", "Where is my parcel?"),
    Item("a-shipping-2", "article", "shipping", "My order is late"),
    Item("a-discounts-1", "article", "discounts", "Do you have a discount code?", promotional=True),
    Item("p-tent-1", "product", "tents", "Trail 2 tent"),
    Item("p-tent-2", "product", "tents", "Ridge 3 tent"),
    Item("p-boot-1", "product", "footwear", "Fell boot"),
    Item("p-boot-2", "product", "footwear", "Scree boot"),
    Item("p-boot-new", "product", "footwear", "Summit boot (new)", promotional=True),
)
IDS = {item.id for item in ITEMS}


def embeddings(seed: int = 0) -> np.ndarray:
    """One axis per topic plus a little noise, normalised: items cluster by topic."""
    rng = np.random.default_rng(seed)
    matrix = np.zeros((len(ITEMS), 8), dtype=np.float32)
    for i, item in enumerate(ITEMS):
        matrix[i, TOPIC_AXIS[item.topic]] = 1.0
        matrix[i] += 0.15 * rng.normal(size=8).astype(np.float32)
    return matrix / np.linalg.norm(matrix, axis=1, keepdims=True)


def log() -> list[Event]:
    """Tent buyers also buy boot-1; shipping readers also read returns-1; boot-2 is the most popular."""
    events = []
    for c in range(6):
        events += [Event(f"camper{c}", "p-tent-1", 3.0), Event(f"camper{c}", "p-boot-1", 1.0)]
    for c in range(4):
        events += [Event(f"reader{c}", "a-shipping-1", 0.5), Event(f"reader{c}", "a-returns-1", 1.0)]
    for c in range(10):
        events.append(Event(f"walker{c}", "p-boot-2", 1.0))
    events += [Event("grump", "p-tent-2", -1.0), Event("deal", "a-discounts-1", 2.0)]
    return events


def engine(events: list[Event] | None = None, alpha: float = 0.5) -> SuggestionEngine:
    events = log() if events is None else events
    return SuggestionEngine(
        ITEMS,
        ItemItemCF(neighbours=5, shrink=1.0).fit(events),
        ContentScorer(ITEMS, embeddings()),
        PopularityScorer().fit(events),
        alpha=alpha,
    )


def ids(suggestions: list) -> list[str]:
    return [s.item.id for s in suggestions]


def test_cold_start_falls_back_to_popularity() -> None:
    out = engine().suggest({}, None, k=3)
    assert ids(out) == ["p-boot-2", "p-boot-1", "p-tent-1"]  # 10 customers, then 6 and 6 (by id)
    assert all(s.reason == "popular with other customers" for s in out)


def test_cold_start_weights_slide_toward_history() -> None:
    e = engine(alpha=0.5)
    assert e._weights(0, has_profile=False) == (0.0, 0.0, 1.0)
    assert e._weights(0, has_profile=True) == pytest.approx((0.0, 0.6, 0.4))
    assert e._weights(3, has_profile=True) == pytest.approx((0.5, 0.5, 0.0))
    w_cf, w_content, w_pop = e._weights(1, has_profile=True)
    assert (w_cf, w_content, w_pop) == pytest.approx((0.5 / 3, 0.5 / 3 + 0.4, 0.4 * 2 / 3))
    assert w_cf + w_content + w_pop == pytest.approx(1.0)


def test_cf_recommends_co_consumed_items() -> None:
    cf = ItemItemCF(neighbours=5, shrink=1.0).fit(log())
    scores = cf.score({"p-tent-1": 3.0})
    assert max(scores, key=scores.__getitem__) == "p-boot-1"
    assert "p-boot-2" not in scores  # never co-consumed
    assert cf.because({"p-tent-1": 3.0, "a-shipping-1": 1.0}, "p-boot-1") == "p-tent-1"


def test_cf_similarity_is_shrunk_cosine() -> None:
    events = [Event("u1", "a", 1.0), Event("u1", "b", 1.0), Event("u2", "a", 1.0)]
    sim = ItemItemCF(shrink=10.0).fit(events).score({"a": math.e - 1})  # damp(e − 1) = 1
    x = math.log1p(1.0)
    assert sim["b"] == pytest.approx(x * x / (math.sqrt(2) * x * x + 10.0))


def test_cf_keeps_only_top_neighbours() -> None:
    events = [Event(f"u{i}", "hub", 1.0) for i in range(5)]
    events += [Event(f"u{i}", f"leaf{i}", 1.0 + i) for i in range(5)]
    scores = ItemItemCF(neighbours=2, shrink=0.0).fit(events).score({"hub": 1.0})
    assert len(scores) == 2


def test_blend_recommends_co_consumed_product() -> None:
    out = engine(alpha=1.0).suggest({"p-tent-1": 3.0, "a-returns-2": 1.0, "a-shipping-2": 1.0}, k=1)
    assert ids(out) == ["p-boot-1"]
    assert out[0].reason == "often chosen together with Trail 2 tent"


def test_content_scorer_follows_explicit_interests() -> None:
    content = ContentScorer(ITEMS, embeddings())
    scores = content.score({}, {"tents": 1.0})
    assert set(sorted(scores, key=lambda i: -scores[i])[:2]) == {"p-tent-1", "p-tent-2"}
    assert min(scores["p-tent-1"], scores["p-tent-2"]) > 0.9 > max(scores["p-boot-1"], scores["a-returns-1"])
    out = engine().suggest({}, {"tents": 1.0}, k=2)
    assert set(ids(out)) == {"p-tent-1", "p-tent-2"}
    assert all(s.reason == "because you asked about tents" for s in out)


def test_content_scorer_accepts_a_mapping_and_ignores_unknowns() -> None:
    vectors = dict(zip((i.id for i in ITEMS), embeddings(), strict=True))
    content = ContentScorer(ITEMS, vectors)
    assert content.score({"nope": 1.0}, {"unknown-topic": 1.0}) == {}
    scores = content.score({"a-returns-1": 1.0})
    assert max((s, i) for i, s in scores.items() if i != "a-returns-1")[1] == "a-returns-2"


def test_bad_mood_drops_promotions_and_surfaces_help_on_the_bad_topic() -> None:
    history = {"a-discounts-1": 2.0, "p-boot-1": 1.0, "p-tent-1": 3.0}
    happy_path = engine().suggest(history, {"discounts": 1.0, "footwear": 1.0}, mood=0.0, k=3, exclude=set())
    assert "p-boot-new" in ids(engine().suggest(history, {"footwear": 1.0}, k=10))
    out = engine().suggest(history, {"discounts": 1.0, "footwear": 1.0}, mood=-0.8, k=3,
                           bad_topics={"shipping"})
    assert not any(s.item.promotional for s in out)
    shipping_help = [s for s in out if s.item.topic == "shipping" and s.item.kind == "article"]
    assert shipping_help and shipping_help[0].reason == "help with shipping after a problem"
    assert ids(out) != ids(happy_path)
    tent = next(s for s in engine().suggest(history, k=10) if s.item.id == "p-tent-2")
    assert tent.reason == "because you liked other tents"


def test_bad_mood_alone_drops_every_promotion() -> None:
    out = engine().suggest({}, {"discounts": 1.0, "footwear": 1.0}, mood=-0.5, k=10)
    assert out and not any(s.item.promotional for s in out)
    assert any(s.item.promotional for s in engine().suggest({}, {"discounts": 1.0}, mood=-0.1, k=10))


def test_bad_topic_alone_drops_promotions_on_that_topic() -> None:
    out = engine().suggest({}, {"footwear": 1.0}, mood=0.0, k=10, bad_topics={"footwear"})
    assert "p-boot-new" not in ids(out)
    assert "a-discounts-1" in ids(out)  # promotion on another topic, neutral mood: allowed


def test_bad_topic_help_boost_is_one_plus_abs_mood() -> None:
    e = engine()
    history = {"p-tent-1": 3.0, "p-boot-1": 1.0, "a-returns-2": 1.0}
    calm = {s.item.id: s.score for s in e.suggest(history, k=10)}
    upset = {s.item.id: s.score for s in e.suggest(history, mood=-0.9, k=10, bad_topics={"shipping"})}
    assert upset["a-shipping-2"] == pytest.approx(calm["a-shipping-2"] * 1.9)
    assert upset["p-tent-2"] == pytest.approx(calm["p-tent-2"])


def test_good_mood_allows_and_boosts_promotions_on_interests() -> None:
    e = engine()
    neutral = {s.item.id: s.score for s in e.suggest({}, {"discounts": 1.0}, mood=0.0, k=10)}
    happy = e.suggest({}, {"discounts": 1.0}, mood=0.8, k=10)
    assert happy[0].item.id == "a-discounts-1" and happy[0].item.promotional
    assert happy[0].score == pytest.approx(neutral["a-discounts-1"] * (1 + 0.3 * 0.8))
    assert {s.item.id: s.score for s in happy}["p-tent-1"] == pytest.approx(neutral["p-tent-1"])


def test_excluded_and_negative_items_are_never_suggested() -> None:
    e = engine()
    rng = random.Random(3)
    item_ids = sorted(IDS)
    for _ in range(200):
        history = {i: rng.choice([-1.0, 0.5, 1.0, 3.0]) for i in rng.sample(item_ids, rng.randint(0, 5))}
        exclude = set(rng.sample(item_ids, rng.randint(0, 4)))
        out = e.suggest(history, {"tents": 1.0} if rng.random() < 0.5 else None,
                        mood=rng.uniform(-1, 1), k=rng.randint(0, 12), exclude=exclude,
                        bad_topics={rng.choice(list(TOPIC_AXIS))})
        negative = {i for i, w in history.items() if w < 0}
        assert not (set(ids(out)) & (exclude | negative | set(history)))
        assert len(ids(out)) == len(set(ids(out)))
        scores = [s.score for s in out]
        assert scores == sorted(scores, reverse=True)


def test_k_is_respected() -> None:
    e = engine()
    assert e.suggest({}, k=0) == []
    assert e.suggest({}, k=-3) == []
    assert len(e.suggest({}, k=1)) == 1
    assert len(e.suggest({"p-tent-1": 1.0}, k=50)) == len(ITEMS) - 1


def test_suggestions_are_deterministic_with_ties_broken_by_id() -> None:
    e = engine(events=[])
    assert ids(e.suggest({}, k=4)) == sorted(IDS)[:4]
    history, interests = {"p-tent-1": 3.0, "a-returns-1": 0.5}, {"shipping": 0.5}
    first = e.suggest(history, interests, mood=0.5, k=5)
    assert all(e.suggest(history, interests, mood=0.5, k=5) == first for _ in range(3))
    assert engine().suggest(history, interests, k=5) == engine().suggest(history, interests, k=5)


def test_odd_input_gives_sensible_output() -> None:
    nan = float("nan")
    events = log() + [Event("odd", "p-tent-1", nan), Event("odd", "ghost", 1.0)]
    e = engine(events)
    out = e.suggest({"ghost": 2.0, "p-tent-1": nan, "a-returns-1": math.inf}, {"moon": 1.0, "tents": nan},
                    mood=nan, k=3)
    assert ids(out) == ["p-boot-2", "p-boot-1", "p-tent-1"]  # nothing usable: popularity
    assert e.suggest(None, None, k=2) == e.suggest({}, {}, k=2)
    no_content = ContentScorer([], np.zeros((0, 8)))
    empty = SuggestionEngine([], ItemItemCF().fit([]), no_content, PopularityScorer())
    assert empty.suggest({"x": 1.0}, {"tents": 1.0}, k=3) == []
    assert e.suggest({}, k=3, exclude=IDS) == []
    assert "p-boot-2" not in ids(e.suggest({}, k=3, exclude="p-boot-2"))  # a bare id, not a set
    assert ItemItemCF().score({"a": 1.0}) == {}


def test_nan_embeddings_become_zero_vectors() -> None:
    matrix = embeddings()
    matrix[0] = np.nan
    scores = ContentScorer(ITEMS, matrix).score({"a-returns-2": 1.0})
    assert scores["a-returns-1"] == 0.0
    assert all(math.isfinite(v) for v in scores.values())


def test_minmax_handles_constant_and_nan() -> None:
    assert minmax(np.array([2.0, 2.0])).tolist() == [0.0, 0.0]
    assert minmax(np.array([0.0, np.nan, 4.0])).tolist() == [0.0, 0.0, 1.0]
    assert minmax(np.array([])).size == 0


def test_histories_sum_weights_and_skip_nan() -> None:
    got = histories([Event("u", "a", 1.0), Event("u", "a", 2.0), Event("u", "b", float("nan"))])
    assert got == {"u": {"a": 3.0}}


def test_synthetic_customers_follow_their_hidden_preferences() -> None:
    catalogue = synthetic_items(n_topics=6, items_per_topic=10, dim=16, seed=1)
    assert len(catalogue.items) == 60 and catalogue.embeddings.shape == (60, 16)
    assert np.allclose(np.linalg.norm(catalogue.embeddings, axis=1), 1.0, atol=1e-5)
    events, hidden = generate(catalogue, n_customers=40, events_per_customer=(5, 30), seed=1)
    topic_of = {item.id: item.topic for item in catalogue.items}
    on_preferred = [topic_of[e.item] in hidden[e.customer] for e in events]
    assert sum(on_preferred) / len(events) > 0.75
    assert all(1 <= len(p) <= 3 and sum(p.values()) == pytest.approx(1.0) for p in hidden.values())
    per_customer = histories(events)
    assert len(per_customer) == 40
    assert generate(catalogue, n_customers=40, seed=1) == (events, hidden)


def test_synthetic_topics_cluster_in_embedding_space() -> None:
    catalogue = synthetic_items(seed=2)
    topics = np.array([item.topic for item in catalogue.items])
    sims = catalogue.embeddings @ catalogue.embeddings.T
    same = sims[topics[:, None] == topics[None, :]].mean()
    other = sims[topics[:, None] != topics[None, :]].mean()
    assert same > other + 0.4


def test_metrics() -> None:
    assert hit_at_k(["a", "b"], {"b"}, 1) == 0.0 and hit_at_k(["a", "b"], {"b"}, 2) == 1.0
    assert ndcg_at_k(["b", "a"], {"b"}, 5) == 1.0
    assert ndcg_at_k(["a", "b"], {"b"}, 5) == pytest.approx(1 / math.log2(3))
    assert ndcg_at_k(["a"], set(), 5) == 0.0


def test_split_holds_out_items_absent_from_training() -> None:
    catalogue = synthetic_items(n_topics=4, items_per_topic=10, seed=0)
    events, _ = generate(catalogue, n_customers=30, seed=0)
    data = split(events, seed=0)
    train = histories(data.train)
    for customer, held in data.relevant.items():
        assert held and not held & set(train.get(customer, {}))
        assert any(w > 0 for w in train[customer].values())


def test_blend_beats_popularity_on_a_small_synthetic_evaluation(tmp_path: Path) -> None:
    catalogue = synthetic_items(seed=5)
    events, _ = generate(catalogue, n_customers=150, seed=5)
    results = {r.name: r for r in evaluate(catalogue, events, k=5, seed=5, progress=False)}
    assert results["blend"].customers == 150
    assert results["blend"].hit > results["popularity"].hit + 0.1
    assert results["blend"].ndcg > results["popularity"].ndcg
    table = markdown_table(list(results.values()))
    assert table.splitlines()[0] == "| system | hit@5 | NDCG@5 | customers |"
    png = plot(list(results.values()), tmp_path / "eval.png")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_catalogue_vectors_round_trip() -> None:
    catalogue = Catalogue(ITEMS, embeddings())
    vectors = catalogue.vectors()
    assert set(vectors) == IDS and np.allclose(vectors["p-tent-1"], embeddings()[5])
