"""Frustration signals in a customer's message, given what they said before.

Each signal is a plain, explainable rule, so an agent can see *why* the bot thinks a customer
is frustrated: a repeated question, "third time", shouting, profanity, a threat to leave,
a demand for a manager, or saying so ("really disappointed", "this is ridiculous").

Frustration is not negativity. A customer who calmly reports a problem ("the zip broke",
"my card was declined") uses negative words but is not frustrated, and gets a plain answer;
only these signals — how the customer feels about us, not what went wrong — make the tone
empathetic or bring an unprompted offer of a person (``sentiment.mood``). The definitions of
*calm* and *frustrated* are in ``training_data/sentiment/tone/README.md``. Rules are general
English, never a store's own vocabulary, and deliberately conservative.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

_WORD = re.compile(r"[a-z0-9']+")

_REPEAT_PHRASES = re.compile(
    r"\b(?:(?:second|2nd|third|3rd|fourth|4th|fifth|5th|\d+(?:st|nd|rd|th)?) time"
    r"|(?:asked|told|said|explained|written|emailed|called|rang|chased)"
    r" (?:you |this )?(?:already|before|twice|three times|again|multiple times|several times)"
    r"|(?:how many|so many) times"
    r"|still (?:waiting|nothing|no (?:reply|answer|response|update|sign)|not|hasn'?t|haven'?t|isn'?t)"
    r"|again and again|keep (?:asking|being told|getting)|nobody (?:answers|replies|gets back)"
    r"|no one (?:answers|replies|gets back)|yet again|once again|for days now|for weeks now)\b"
)
_PROFANITY = re.compile(
    r"\b(?:f+u+c+k\w*|f[\*#@]+k\w*|f\*+|wtf|ffs|shit\w*|s[\*#]+t|crap\w*|bullshit|bs|damn\w*"
    r"|bloody|piss(?:ed|ing)?|arse\w*|ass(?:hole)?s?|bastard\w*|bollocks|sod off|screw (?:you|this))\b"
)
_CHURN = re.compile(
    r"\b(?:(?:never|won'?t|will not|not) (?:be )?(?:buy|order|shop|use)\w* (?:from |with |here )?"
    r"(?:you|here|again)|shop(?:ping)? elsewhere|go(?:ing)? (?:to|with) (?:a |your )?"
    r"(?:competitor|someone else|another (?:company|shop|store|provider))"
    r"|cancel(?:l?ing)? (?:my )?(?:account|membership|subscription|contract)|close my account"
    r"|chargeback|charge back|dispute (?:it|the charge|the payment)"
    r"|(?:bad|negative|1[ -]star|one[ -]star) review|trustpilot|last time i (?:buy|order|use))\b"
)
_ANNOYANCE = re.compile(
    r"\b(?:annoy(?:ed|ing)|frustrat(?:ed|ing)|fed up|sick (?:and tired )?of|had enough"
    r"|disappoint(?:ed|ing)|let down|unacceptable|ridiculous|absurd|outrageous|pathetic"
    r"|useless|(?:a|what a|is this a) joke|disgrace(?:ful)?|disgust(?:ed|ing)|furious|angry"
    r"|livid|fuming|appall?ed|upset|gutted|not (?:happy|impressed|good enough|ok(?:ay)?)"
    r"|(?:terrible|awful|horrible|appalling|shocking|poor|rubbish|lousy) (?:service|support"
    r"|experience|company|customer service)|worst|unbelievable|incompetent|shambles"
    r"|rip ?off|scam(?:med|mers)?|waste of (?:my )?(?:time|money)|how hard (?:can|is) it"
    r"|are you (?:kidding|serious|joking)|seriously\?|come on)\b"
)
_IMPATIENCE = re.compile(
    r"\b(?:asap|immediately|right now|urgent(?:ly)?|sort (?:it|this) out|get (?:it|this) sorted"
    r"|just (?:refund|cancel|fix|send|give|unblock)\w*|(?:i want|give me) my money back"
    r"|what(?:'s| is) the point|can'?t believe|unreal|honestly|seriously|tbh|meh"
    r"|(?:bit of a|such a|total) con|taking the (?:mick|piss)|every (?:single )?time"
    r"|always (?:the same|happens)|never (?:works|arrives|again)|(?:for|in) (?:weeks|months|ages)"
    r"|been waiting|(?:days|weeks) (?:later|and still)|nobody|no one|do better|not on"
    r"|sort yourselves out|enough is enough|last straw|beyond a joke)\b"
)
_ESCALATION = re.compile(
    r"\b(?:manager|supervisor|someone in charge|a (?:real |actual )?(?:human|person)"
    r"|formal complaint|complain(?:ing)? (?:to|about)|ombudsman|trading standards|lawyer|solicitor"
    r"|legal action|small claims|watchdog|report (?:you|this))\b"
)


@dataclass(frozen=True)
class FrustrationSignals:
    repeated_question: bool = False
    repeated_contact: bool = False
    shouting: bool = False
    profanity: bool = False
    churn_threat: bool = False
    escalation_demand: bool = False
    annoyance: bool = False
    impatience: bool = False
    sounds_frustrated: bool = False  # the learned detector (sentiment.frustration), not a rule

    def names(self) -> list[str]:
        return [name for name, on in self.__dict__.items() if on]

    @property
    def count(self) -> int:
        return len(self.names())


def _words(text: str) -> list[str]:
    return _WORD.findall(text.lower())


def is_shouting(text: str) -> bool:
    letters = [c for c in text if c.isalpha() and c.isascii()]
    if text.count("!") >= 3 or "?!?" in text or "!!" in text and "??" in text:
        return True
    if len(letters) < 8:
        return False
    upper = sum(1 for c in letters if c.isupper())
    shouted_words = [w for w in re.findall(r"[A-Za-z]{3,}", text) if w.isupper() and w not in
                     {"DPD", "UPS", "DHL", "USPS", "RMA", "SKU", "ETA", "URL", "PIN", "VAT"}]
    return upper / len(letters) >= 0.6 or len(shouted_words) >= 3


def similarity(a: str, b: str) -> float:
    """Word-overlap (Jaccard) similarity of two messages' content words."""
    stop = {"the", "a", "an", "i", "my", "is", "it", "to", "of", "and", "you", "me", "for",
            "on", "in", "what", "where", "can", "please", "pls", "hi", "hello"}
    wa = {w for w in _words(a) if w not in stop}
    wb = {w for w in _words(b) if w not in stop}
    if len(wa) < 2 or len(wb) < 2:
        return 0.0
    return len(wa & wb) / len(wa | wb)


def detect(text: str, earlier: Sequence[str] = ()) -> FrustrationSignals:
    """Signals in ``text``; ``earlier`` are the customer's previous messages, oldest first."""
    if not isinstance(text, str) or not text.strip():
        return FrustrationSignals()
    text = text[:5000]
    lowered = " ".join(_words(text))
    repeated_question = any(similarity(text, old) >= 0.6 for old in list(earlier)[-6:])
    return FrustrationSignals(
        repeated_question=repeated_question,
        repeated_contact=bool(_REPEAT_PHRASES.search(lowered)),
        shouting=is_shouting(text),
        profanity=bool(_PROFANITY.search(text.lower())),
        churn_threat=bool(_CHURN.search(lowered)),
        escalation_demand=bool(_ESCALATION.search(lowered)),
        annoyance=bool(_ANNOYANCE.search(text.lower())),
        impatience=bool(_IMPATIENCE.search(lowered)),
    )
