"""Reply wording per tone, and message preparation for the model."""

from __future__ import annotations

from sentiment.mood import Tone
from sentiment.text import chunks, normalise
from sentiment.tone import HUMAN_BUTTON, shape, short

ANSWER = ("Refunds go back to the card you paid with within 5 working days of the return "
          "arriving. You'll get an e-mail when it's done. Bank processing can add 2–3 days. "
          "Gift card payments are refunded as a new gift card.")


def test_neutral_is_unchanged() -> None:
    reply = shape(ANSWER, Tone.NEUTRAL)
    assert reply.text == ANSWER and reply.buttons == []


def test_empathetic_apologises_answers_briefly_and_offers_a_person() -> None:
    reply = shape(ANSWER, Tone.EMPATHETIC, key="a")
    assert "sorry" in reply.text.lower()
    assert "Gift card" not in reply.text, "a short, direct answer"
    assert "5 working days" in reply.text
    assert HUMAN_BUTTON in reply.buttons
    assert "more than once" in shape(ANSWER, Tone.EMPATHETIC, ["repeated_contact"]).text


def test_escalate_offers_a_person_now() -> None:
    reply = shape(ANSWER, "escalate")
    assert "right now" in reply.text and HUMAN_BUTTON in reply.buttons


def test_upbeat_adds_a_friendly_close() -> None:
    reply = shape(ANSWER, Tone.UPBEAT, key="x")
    assert reply.text.startswith(ANSWER) and len(reply.text) > len(ANSWER)


def test_unknown_tone_is_neutral() -> None:
    assert shape(ANSWER, "furious").text == ANSWER


def test_short_keeps_whole_sentences() -> None:
    assert short("One. Two. Three.") == "One. Two."
    assert short("x" * 1000).startswith("x")


def test_emoji_and_emoticons_become_words() -> None:
    assert "pouting face" in normalise("😡😡")
    assert "thumbs up" in normalise("👍🏽")
    assert "smiling" in normalise("thanks :)")
    assert normalise("a\x00b\u202e c   d") == "a b c d"
    assert normalise(None) == "" and normalise(12) == "12"


def test_long_messages_are_cut_into_a_few_pieces_from_start_middle_and_end() -> None:
    words = [f"w{i}" for i in range(10_000)]
    pieces = chunks(" ".join(words))
    assert len(pieces) == 6
    assert pieces[0].startswith("w0 ") and pieces[-1].endswith("w9999")
    assert chunks("short message") == ["short message"]


def test_binary_hold_out_sets_get_their_own_columns_and_a_two_class_f1() -> None:
    from sentiment.data import Example
    from sentiment.evaluate import evaluate
    from sentiment.model import SentimentResult

    class Fixed:
        def score_many(self, texts: list[str]) -> list[SentimentResult]:
            return [SentimentResult(0.8, "positive", 0.9) if "good" in t
                    else SentimentResult(0.0, "neutral", 0.5) for t in texts]

    held_out = [Example("h1", "uci_amazon", "test", "good phone", "positive", 1.0),
                Example("h2", "uci_amazon", "test", "it broke", "negative", -1.0)]
    [result] = evaluate([], {"fixed": Fixed()}, held_out)
    assert result.binary["uci_amazon"] == 1.0  # the sign of the score is right for both
    # "it broke" was called neutral: the negative class is missed, so F1 = (1 + 0) / 2
    assert result.macro_f1["uci_amazon"] == 0.5
