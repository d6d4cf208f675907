"""A cheap check for messages that are clearly not in English.

The assistant only speaks English; saying so (and offering a person) beats
pretending to understand. Only clear cases count: several common function words
of another language and none of English, or mostly non-Latin script.

Standard library only: the Rasa-side channel guard uses it too.
"""

from __future__ import annotations

import re
import unicodedata

_ENGLISH_FUNCTION_WORDS = frozenset(
    """a an the and or but if of to in on at by for with from is are was were be been am do
    does did have has had i you he she it we they my your our their me him her us them this
    that these those what where when why how which who can could will would should may might
    not no yes please thanks hi hello hey""".split()
)
_FOREIGN_FUNCTION_WORDS = frozenset(
    """el la los las del que mi mis está donde dónde por para es una pedido hola gracias lo
    hace semanas llegado ha pedí
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
    english = sum(1 for w in words if w in _ENGLISH_FUNCTION_WORDS)
    # "no", "a", "me"… are function words in several languages: a few English hits in a
    # clearly foreign sentence do not make it English
    return foreign >= 2 and english == 0 or foreign >= 4 and foreign >= 3 * english
