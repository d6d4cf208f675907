"""Redaction of personal data before text reaches a log.

Covers e-mail addresses, payment card numbers (Luhn-checked), phone numbers and
street addresses written the usual English way. Order numbers are not personal
data and are kept, so support logs stay useful.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
# "sam dot shah at example dot com", written out to dodge filters
_SPELLED_EMAIL = re.compile(
    r"\b[A-Za-z0-9_%+-]+(?:\s+dot\s+[A-Za-z0-9_%+-]+)*\s+(?:at|\[at\]|\(at\))\s+[A-Za-z0-9-]+"
    r"(?:\s+dot\s+[A-Za-z0-9-]+)*\s+dot\s+(?:com|net|org|co|uk|io|ie|de|fr|es|it|nl|info|biz|edu|gov)\b",
    re.IGNORECASE)
_CARD = re.compile(r"\b\d(?:[ -]?\d){12,18}\b")
_PHONE = re.compile(r"(?<![\w#+])\+?\(?\d[\d ().-]{7,18}\d(?!\w)")
_DATE = re.compile(r"\d{4}-\d{1,2}-\d{1,2}|\d{1,2}[/.]\d{1,2}[/.]\d{2,4}")
_STREET_TYPES = (
    r"Street|St|Avenue|Ave|Road|Rd|Lane|Ln|Drive|Dr|Boulevard|Blvd|Way|Court|Ct|Place|Pl|Close|"
    r"Crescent|Cres|Grove|Gardens|Gdns|Terrace|Row|Square|Sq|Hill|Park|Mews|Walk|Parade|Green|"
    r"Rise|View|Circle|Cir|Parkway|Pkwy|Highway|Hwy|Wharf|Yard|Vale|Drove|Hollow|Embankment")
_NOT_STREET_WORD = (
    r"(?!(?:days?|weeks?|months?|years?|hours?|minutes?|mins?|items?|pairs?|times?|people|of|the|a|"
    r"an|and|or|in|on|at|for|to|my|your|more|less|per|x|is|was|it|i|you|we|they|this|that|by|"
    r"order|orders|parcels?|boxes|packages?|when|its|if|as|so|but|then|before|after|until|till|"
    r"just|still|too|very|really|get|got|be|been|are|am|will|can|could)\b)")
_UK_POSTCODE = r"[A-Z]{1,2}\d[A-Z\d]?\s*\d[A-Z]{2}"
_US_STATE_ZIP = r"[A-Z]{2}\s+\d{5}(?:-\d{4})?"
_STREET = re.compile(
    r"(?:\b(?:Flat|Apartment|Apt|Unit|Suite)\s+\w{1,5},?\s+)?"
    r"\b\d{1,5}[A-Za-z]?\s+"
    rf"(?:{_NOT_STREET_WORD}[A-Za-z][A-Za-z'-]*\s+){{0,3}}"
    rf"(?:{_STREET_TYPES})\b\.?"
    r"(?:\s+(?:End|North|South|East|West|NW|NE|SW|SE)\b)?"
    r"(?:,?\s+(?:Apt|Apartment|Unit|Suite|Flat)\s+\w{1,5})?"
    # a town after a comma, or a capitalised one just before a postcode
    r"(?:,\s*(?!(?:and|but|so|please|thanks|thank|it|i|is|the|can|could|would|will|my)\b)"
    r"[A-Za-z][A-Za-z'-]+(?:\s+[A-Z][a-z'-]+(?=\s*(?:$|[,.;!?)])))?"
    rf"|\s+[A-Z][a-z]+(?=\s+{_UK_POSTCODE}\b))?"
    rf"(?:,?\s+(?:{_UK_POSTCODE}|{_US_STATE_ZIP})\b)?",
    re.IGNORECASE,
)


_PRIORITY = {"email": 0, "card": 1, "address": 2, "phone": 3}


def _luhn_ok(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2 == 1:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


@dataclass(frozen=True)
class Span:
    start: int
    end: int
    kind: str  # email, card, address, phone


def _digits(text: str) -> str:
    return re.sub(r"\D", "", text)


def find(text: str) -> list[Span]:
    """The personal data in ``text``, as non-overlapping spans in reading order.

    Where two detectors overlap, e-mail beats card beats address beats phone.
    """
    if not text:
        return []
    found: list[Span] = [Span(m.start(), m.end(), "email") for m in _EMAIL.finditer(text)]
    found += [Span(m.start(), m.end(), "email") for m in _SPELLED_EMAIL.finditer(text)]
    for m in _CARD.finditer(text):
        digits = _digits(m.group(0))
        if 13 <= len(digits) <= 19 and _luhn_ok(digits):
            found.append(Span(m.start(), m.end(), "card"))
    found += [Span(m.start(), m.end(), "address") for m in _STREET.finditer(text)]
    for m in _PHONE.finditer(text):
        if 9 <= len(_digits(m.group(0))) <= 13 and not _DATE.search(m.group(0)):
            found.append(Span(m.start(), m.end(), "phone"))
    chosen: list[Span] = []
    for span in sorted(found, key=lambda s: (_PRIORITY[s.kind], s.start - s.end)):
        if all(span.end <= c.start or span.start >= c.end for c in chosen):
            chosen.append(span)
    return sorted(chosen, key=lambda s: s.start)


def redact(text: str) -> str:
    """Return ``text`` with personal data replaced by placeholders like ``[EMAIL]``."""
    if not text:
        return text
    out, last = [], 0
    for span in find(text):
        out.append(text[last:span.start])
        out.append(f"[{span.kind.upper()}]")
        last = span.end
    out.append(text[last:])
    return "".join(out)


class RedactingFilter(logging.Filter):
    """A logging filter that redacts the formatted message of every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken format string must not lose the record
            message = str(record.msg)
        record.msg = redact(message)
        record.args = None
        return True


def install_redaction(level: str = "INFO") -> None:
    """Configure root logging so every handler's records are redacted."""
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    for handler in logging.getLogger().handlers:
        if not any(isinstance(f, RedactingFilter) for f in handler.filters):
            handler.addFilter(RedactingFilter())
