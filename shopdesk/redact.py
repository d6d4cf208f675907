"""Redaction of personal data before text reaches a log.

Covers e-mail addresses, payment card numbers (Luhn-checked), phone numbers and
street addresses written the usual English way. Order numbers are not personal
data and are kept, so support logs stay useful.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

# Quantifiers are bounded (RFC 5321 limits) so a 100 KB run of letters costs linear time.
_EMAIL = re.compile(r"(?<![A-Za-z0-9._%+-])[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9-]{1,63}"
                    r"(?:\.[A-Za-z0-9-]{1,63}){0,8}\.[A-Za-z]{2,24}")
# "sam dot shah at example dot com", "jo[at]example.com", "ines (at) example (dot) net"
_AT = r"(?:\s*@\s*|\s*\[at\]\s*|\s*\(at\)\s*|\s+at\s+)"
_DOT = r"(?:\s*\.\s*|\s*\[dot\]\s*|\s*\(dot\)\s*|\s+dot\s+)"
_TLD = r"(?:com|net|org|co|uk|io|ie|de|fr|es|it|nl|au|ca|info|biz|edu|gov|me)"
_SPELLED_EMAIL = re.compile(
    rf"(?<![A-Za-z0-9_%+-])[A-Za-z0-9_%+-]{{1,64}}(?:{_DOT}[A-Za-z0-9_%+-]{{1,64}}){{0,4}}{_AT}"
    rf"[A-Za-z0-9-]{{1,63}}(?:{_DOT}[A-Za-z0-9-]{{1,63}}){{0,4}}{_DOT}{_TLD}\b", re.IGNORECASE)
_CARD = re.compile(r"\b\d(?:[ -]?\d){12,18}\b")
_PHONE = re.compile(r"(?<![\w#+])\+?\(?\d[\d ().-]{7,18}\d(?!\w)")
_DATE = re.compile(r"\d{4}-\d{1,2}-\d{1,2}|\d{1,2}[/.]\d{1,2}[/.]\d{2,4}|^(?:19|20)\d{2}-\d+$")
_STREET_TYPES = (
    r"Street|St|Avenue|Ave|Road|Rd|Lane|Ln|Drive|Dr|Boulevard|Blvd|Way|Court|Ct|Place|Pl|Close|"
    r"Crescent|Cres|Grove|Gardens|Gdns|Terrace|Row|Square|Sq|Hill|Park|Mews|Walk|Parade|Green|"
    r"Rise|View|Circle|Cir|Parkway|Pkwy|Highway|Hwy|Wharf|Yard|Vale|Drove|Hollow|Embankment|"
    r"Bank|Gate|Quay|Chase|Croft|Fold|Wynd|Brae|Estate|Cottages")
_NOT_STREET_WORD = (
    r"(?!(?:days?|weeks?|months?|years?|hours?|minutes?|mins?|items?|pairs?|times?|people|of|a|"
    r"an|and|or|in|on|at|for|to|my|your|more|less|per|x|is|was|it|i|you|we|they|this|that|by|"
    r"order|orders|parcels?|boxes|packages?|when|its|if|as|so|but|then|before|after|until|till|"
    r"just|still|too|very|really|get|got|be|been|are|am|will|can|could|miles?|km|steps)\b)")
# UK, Canada (ON M4K 1A1), Australia (NSW 2000), US (NY 10021), Ireland (Eircode, "Dublin 6")
_POSTCODE = (r"(?:[A-Z]{1,2}\d[A-Z\d]?\s*\d[A-Z]{2}|[A-Z]{2}\s{1,3}[A-Z]\d[A-Z]\s*\d[A-Z]\d"
             r"|(?:NSW|VIC|QLD|WA|SA|TAS|ACT|NT)\s{1,3}\d{4}|[A-Z]{2}\s{1,3}\d{5}(?:-\d{4})?"
             r"|[A-Z]\d{2}\s?[A-Z\d]{4}|\d{5})")
_TOWN_STOP = (r"(?!(?:and|but|so|please|thanks|thank|it|i|is|the|can|could|would|will|my|not|contact"
              r"|call|ring|phone|email|e-mail|tel|mobile|text|cheers|ta)\b)")
_TOWN = (rf"{_TOWN_STOP}[A-Za-z][A-Za-z'.-]{{0,30}}"
         rf"(?:\s{{1,3}}(?!{_POSTCODE}\b){_TOWN_STOP}(?:[A-Z][a-z'.-]{{1,30}}|\d{{1,2}})\b)?")
_PREFIX = (r"(?:\b(?:Flat|Apartment|Apt|Unit|Suite|Lot|Building|Floor|\d{1,3}(?:st|nd|rd|th)\s{1,3}Floor)"
           r"(?:\s*[\w/]{1,5})?,?\s{1,3})?"
           r"(?:(?:The\s{1,3})?[A-Z][a-z]{1,30}(?:\s{1,3}[A-Z][a-z]{1,30}){0,2},\s{1,3})?")
_NUMBER = r"\b\d{1,5}[A-Za-z]?(?:[/-]\d{1,5}[A-Za-z]?)?"
_STREET = re.compile(
    rf"(?:{_PREFIX}{_NUMBER}\s{{1,3}}(?:{_NOT_STREET_WORD}[A-Za-z][A-Za-z'-]{{0,30}}\s{{1,3}}){{0,3}}"
    rf"(?:{_STREET_TYPES})\b\.?"
    r"(?:\s{1,3}(?:End|North|South|East|West|NW|NE|SW|SE)\b)?"
    r"(?:,?\s{1,3}(?:Apt|Apartment|Unit|Suite|Flat)\s{1,3}\w{1,5})?"
    rf"|\bP\.?\s?O\.?\s{{1,3}}Box\s{{1,3}}\d{{1,6}})"
    # up to three ", Town" parts (district, town, county), or a town just before a postcode
    rf"(?:(?:,\s{{0,3}}{_TOWN}){{1,3}}|\s{{1,3}}[A-Z][a-z]{{1,30}}(?:\s{{1,3}}[A-Z][a-z]{{1,30}})?"
    rf"(?=,?\s{{1,3}}{_POSTCODE}\b))?"
    rf"(?:,?\s{{1,3}}{_POSTCODE}\b)?",
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
        digits = _digits(m.group(0))
        longest = 15 if m.group(0).startswith(("+", "00")) else 13
        if 9 <= len(digits) <= longest and not _DATE.search(m.group(0)):
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
