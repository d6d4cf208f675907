"""Preparing a message for the sentiment model.

* Emoji and emoticons carry much of a chat message's feeling but are unknown to MiniLM's
  vocabulary, so they become words: each emoji is replaced by its Unicode name
  ("😡" → "pouting face"), common emoticons by a short description.
* Control characters go; whitespace is collapsed.
* Long messages are cut into at most ``max_chunks`` pieces of about ``chunk_words`` words:
  the opening and the end of a long rant both matter, the middle is sampled evenly.
"""

from __future__ import annotations

import re
import unicodedata

_EMOTICONS = {
    ":)": " smiling ", ":-)": " smiling ", ":d": " laughing ", ":-d": " laughing ",
    ";)": " winking ", ";-)": " winking ", ":(": " sad ", ":-(": " sad ", ":'(": " crying ",
    ":/": " annoyed ", ":-/": " annoyed ", ":|": " unimpressed ", ">:(": " angry ",
    "<3": " love ", "</3": " heartbroken ", ":p": " playful ", "xd": " laughing ",
}
_EMOTICON_RE = re.compile(
    r"(?<!\w)(" + "|".join(re.escape(e) for e in sorted(_EMOTICONS, key=len, reverse=True))
    + r")(?!\w)", re.IGNORECASE)
_SPACE = re.compile(r"\s+")
# Skin tones, variation selectors and joiners carry no feeling of their own.
_SILENT = {0x200D, 0xFE0E, 0xFE0F, *range(0x1F3FB, 0x1F400)}


def _symbol_words(char: str) -> str | None:
    if ord(char) in _SILENT:
        return ""
    category = unicodedata.category(char)
    if category == "So" or 0x1F300 <= ord(char) <= 0x1FAFF:
        name = unicodedata.name(char, "")
        return f" {name.lower().replace(' sign', '')} " if name else " "
    if category.startswith("C") and char not in "\n\t":
        return " "
    return None


def normalise(text: object) -> str:
    if not isinstance(text, str):
        text = "" if text is None else str(text)
    out: list[str] = []
    for char in text:
        words = _symbol_words(char)
        out.append(char if words is None else words)
    cleaned = "".join(out)
    cleaned = _EMOTICON_RE.sub(lambda m: _EMOTICONS[m.group(1).lower()], cleaned)
    return _SPACE.sub(" ", cleaned).strip()


def chunks(text: str, chunk_words: int = 80, max_chunks: int = 6) -> list[str]:
    """The pieces of a (normalised) message the model reads; one piece for normal messages."""
    words = text.split(" ")
    if len(words) <= chunk_words:
        return [text[:4000]]
    pieces = [" ".join(words[i:i + chunk_words]) for i in range(0, len(words), chunk_words)]
    if len(pieces) <= max_chunks:
        return [p[:4000] for p in pieces]
    # first two, last two, and evenly spaced ones in between
    inner = max_chunks - 4
    step = (len(pieces) - 4) / (inner + 1)
    middle = [pieces[2 + round(step * (i + 1))] for i in range(inner)]
    return [p[:4000] for p in (pieces[:2] + middle + pieces[-2:])]
