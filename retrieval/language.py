"""A cheap check for messages that are clearly not in English.

The assistant only speaks English; saying so (and offering a person) beats
pretending to search for an answer. Only clear cases count: several common
function words of another language and none of English, or mostly non-Latin script.
"""

from __future__ import annotations

import re
import unicodedata

from retrieval.text import STOP_WORDS

_FOREIGN_FUNCTION_WORDS = frozenset(
    """el la los las del que mi mis está donde dónde por para es una pedido hola gracias
    le les des est je mon ma où avec pour commande bonjour merci
    der die das ist mein meine wo nicht und ich bestellung danke hallo
    il di che è dove ciao grazie ordine
    não meu minha onde obrigado olá encomenda
    het een ik waar niet bestelling dank""".split()
)
_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)


def looks_non_english(text: str) -> bool:
    words = [w.lower() for w in _WORD.findall(text[:2000])]
    if not words:
        return False
    letters = [c for w in words for c in w]
    non_latin = sum(1 for c in letters if not unicodedata.name(c, "").startswith("LATIN"))
    if non_latin > 0.5 * len(letters):
        return True
    foreign = len({w for w in words if w in _FOREIGN_FUNCTION_WORDS})
    english = sum(1 for w in words if w in STOP_WORDS)
    return foreign >= 2 and english == 0
