"""Synthetic catalogues and interaction logs whose customers have KNOWN hidden preferences.

Catalogue (:func:`synthetic_items`)
    ``n_topics`` topics alternate between help topics (``returns``, ``shipping``, ``discounts`` …; items
    are articles) and product categories (``tents``, ``footwear`` …; items are products). Each topic has
    a random unit centroid ``c_t``; an item's embedding is ``normalise(c_t + spread·z/√dim)`` with
    ``z ~ N(0, I)``, so items of one topic cluster around their centroid (cosine ≈ 1/√(1+spread²)).
    Articles on ``discounts``/``loyalty`` and about 10 % of products (sales, new products) are promotional.

Customers (:func:`generate`)
    * Hidden preferences: ``m ~ U{1, 2, 3}`` favourite topics; weights are the ``m`` largest components
      of a ``Dirichlet(concentration · 1)`` draw over all topics (low concentration → peaked), renormalised.
      ``hidden[customer] = {topic: weight}``.
    * Global popularity: items get a random rank ``r`` and ``pop(i) ∝ 1 / (r + 1)^zipf_s`` (Zipf law).
    * Each of ``n ~ U{events_per_customer}`` events: with probability ``noise`` the item is drawn from
      the global popularity; otherwise a topic ``t ~ hidden`` and an item ``i`` of ``t`` with
      ``P(i) ∝ pop(i)^popularity_pull · exp(sharpness · cos(e_i, taste))`` where ``taste`` is the mean
      embedding of the items the customer has liked so far (zero at first) — customers click more on
      items similar to ones they liked.
    * The event's kind (and weight) depends on the item: on a preferred topic, articles are clicked
      (1.0), read (0.5) or thumbed up (2.0), products clicked (1.0), thumbed up (2.0) or bought (3.0),
      with a small thumbs-down (−1.0) chance; off-preference (noise) items are clicked or, with
      probability 0.3, thumbed down.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from profiles.suggest import Catalogue, Event, Item

HELP_TOPICS = ("returns", "shipping", "discounts", "payments", "warranty", "accounts", "loyalty", "sizing")
PRODUCT_CATEGORIES = (
    "tents", "footwear", "backpacks", "sleeping-bags", "stoves", "jackets", "lamps", "tools",
)
PROMOTIONAL_TOPICS = frozenset({"discounts", "loyalty"})
CLICK, READ, THUMBS_UP, THUMBS_DOWN, PURCHASE = 1.0, 0.5, 2.0, -1.0, 3.0
ARTICLE_ACTIONS = ((CLICK, 0.45), (READ, 0.35), (THUMBS_UP, 0.15), (THUMBS_DOWN, 0.05))
PRODUCT_ACTIONS = ((CLICK, 0.55), (THUMBS_UP, 0.1), (PURCHASE, 0.3), (THUMBS_DOWN, 0.05))
NOISE_ACTIONS = ((CLICK, 0.7), (THUMBS_DOWN, 0.3))


def topic_names(n_topics: int) -> list[tuple[str, str]]:
    """``[(topic, kind)]``: help topics (articles) and product categories, alternating."""
    out = []
    for t in range(n_topics):
        pool, kind = (HELP_TOPICS, "article") if t % 2 == 0 else (PRODUCT_CATEGORIES, "product")
        name = pool[t // 2] if t // 2 < len(pool) else f"topic-{t}"
        out.append((name, kind))
    return out


def synthetic_items(
    n_topics: int = 12, items_per_topic: int = 25, dim: int = 32, seed: int = 0, spread: float = 0.8
) -> Catalogue:
    """A catalogue whose embeddings cluster per topic (formula in the module docstring)."""
    rng = np.random.default_rng(seed)
    items: list[Item] = []
    vectors: list[np.ndarray] = []
    for topic, kind in topic_names(n_topics):
        centroid = rng.normal(size=dim)
        centroid /= np.linalg.norm(centroid)
        for j in range(items_per_topic):
            vector = centroid + spread * rng.normal(size=dim) / np.sqrt(dim)
            vectors.append(vector / np.linalg.norm(vector))
            promotional = topic in PROMOTIONAL_TOPICS or (kind == "product" and rng.random() < 0.1)
            prefix, noun = ("a", "question") if kind == "article" else ("p", "product")
            title = f"{topic} {noun} {j + 1}"
            items.append(Item(f"{prefix}-{topic}-{j:02d}", kind, topic, title, promotional))
    matrix = np.array(vectors, dtype=np.float32).reshape(len(items), dim)
    return Catalogue(tuple(items), matrix)


def hidden_preferences(
    topics: Sequence[str], rng: np.random.Generator, concentration: float
) -> dict[str, float]:
    """1–3 favourite topics: the largest components of a Dirichlet draw, renormalised."""
    m = min(len(topics), int(rng.integers(1, 4)))
    draw = rng.dirichlet(np.full(len(topics), concentration))
    top = np.argsort(-draw, kind="stable")[:m]
    weights = draw[top] / draw[top].sum()
    return {topics[i]: float(w) for i, w in zip(top, weights, strict=True)}


def zipf_popularity(n_items: int, rng: np.random.Generator, exponent: float) -> np.ndarray:
    """``pop(i) ∝ 1/(rank_i + 1)^s`` with a random rank per item; sums to 1."""
    ranks = rng.permutation(n_items)
    pop = 1.0 / (ranks + 1.0) ** exponent
    return pop / pop.sum()


def _action(rng: np.random.Generator, table: Sequence[tuple[float, float]]) -> float:
    weights, probs = zip(*table, strict=True)
    return float(weights[int(rng.choice(len(weights), p=np.array(probs) / sum(probs)))])


def _pick_in_topic(
    rng: np.random.Generator, members: np.ndarray, pop: np.ndarray, emb: np.ndarray, taste: np.ndarray,
    popularity_pull: float, sharpness: float,
) -> int:
    """``P(i) ∝ pop(i)^pull · exp(sharpness · cos(e_i, taste))`` over the topic's items."""
    norm = float(np.linalg.norm(taste))
    affinity = emb[members] @ (taste / norm) if norm > 0 else np.zeros(len(members))
    logits = popularity_pull * np.log(pop[members]) + sharpness * affinity
    probs = np.exp(logits - logits.max())
    return int(members[rng.choice(len(members), p=probs / probs.sum())])


def generate(
    catalogue: Catalogue,
    n_customers: int = 500,
    events_per_customer: tuple[int, int] = (5, 30),
    seed: int = 0,
    *,
    noise: float = 0.15,
    zipf_s: float = 1.0,
    concentration: float = 0.3,
    popularity_pull: float = 0.5,
    sharpness: float = 4.0,
) -> tuple[list[Event], dict[str, dict[str, float]]]:
    """``(events, hidden)`` for ``n_customers`` synthetic customers (process in the module docstring)."""
    rng = np.random.default_rng(seed)
    items = catalogue.items
    if not items:
        return [], {}
    emb = np.asarray(catalogue.embeddings, dtype=np.float64)
    topics = sorted({item.topic for item in items})
    members = {t: np.array([i for i, item in enumerate(items) if item.topic == t]) for t in topics}
    pop = zipf_popularity(len(items), rng, zipf_s)
    low, high = events_per_customer
    events: list[Event] = []
    hidden: dict[str, dict[str, float]] = {}
    for c in range(n_customers):
        customer = f"c{c:04d}"
        prefs = hidden_preferences(topics, rng, concentration)
        hidden[customer] = prefs
        pref_topics, pref_weights = list(prefs), np.array(list(prefs.values()))
        taste = np.zeros(emb.shape[1])
        for _ in range(int(rng.integers(low, high + 1))):
            if rng.random() < noise:
                i = int(rng.choice(len(items), p=pop))
            else:
                topic = pref_topics[int(rng.choice(len(pref_topics), p=pref_weights))]
                i = _pick_in_topic(rng, members[topic], pop, emb, taste, popularity_pull, sharpness)
            if items[i].topic not in prefs:
                table = NOISE_ACTIONS
            else:
                table = ARTICLE_ACTIONS if items[i].kind == "article" else PRODUCT_ACTIONS
            weight = _action(rng, table)
            if weight > 0:
                taste += emb[i]
            events.append(Event(customer, items[i].id, weight))
    return events, hidden
