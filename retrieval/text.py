"""Light text normalisation for keyword search (no models needed)."""

from __future__ import annotations

import re

STOP_WORDS = frozenset(
    """a about above after again all am an and any are as at be because been before being
    below between both but by can could did do does doing down during each few for from
    further had has have having he her here hers him his how i if in into is it its itself
    just me more most my myself no nor not now of off on once only or other our ours out over
    own please same she should so some such than that the their them then there these they
    this those through to too under until up very was we were what when where which while who
    whom why will with would you your yours hi hello hey thanks thank pls u ur im i'm""".split()
)
_TOKEN = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
MAX_QUERY_CHARS = 2_000


def _stem(word: str) -> str:
    # A deliberately small suffix stripper: enough to match refund/refunds/refunded.
    for suffix in ("ing", "ed", "es", "s"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)]
    return word


def terms(text: str) -> list[str]:
    """Lower-cased, stemmed content words of ``text`` (first 2,000 characters)."""
    words = _TOKEN.findall(text[:MAX_QUERY_CHARS].lower())
    return [_stem(w.split("'")[0]) for w in words if w not in STOP_WORDS and len(w) > 1]
