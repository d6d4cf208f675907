from __future__ import annotations

import pytest

from retrieval.answering import Decision, QuestionAnswerer
from retrieval.corpus import CorpusError, load_corpus
from retrieval.keyword_retriever import KeywordRetriever
from tests.conftest import FAQ


def test_demo_corpus_loads() -> None:
    pairs = load_corpus(FAQ)
    assert len(pairs) >= 50
    assert len({p.category for p in pairs}) >= 8


def test_bad_rows_are_reported_with_file_and_line(tmp_path) -> None:  # type: ignore[no-untyped-def]
    bad = tmp_path / "qa.csv"
    bad.write_text("id,question,answer\nq1,How?,Like this\nq2,,missing question\nq1,Dup?,Dup\n")
    with pytest.raises(CorpusError) as e:
        load_corpus(bad)
    assert f"{bad}:3: missing question" in str(e.value)
    assert "duplicate id 'q1'" in str(e.value)


@pytest.mark.parametrize(("name", "content", "message"), [
    ("qa.jsonl", '{"id": "a", "question": "q", "answer": "a"}\nnot json\n[1]\n', "not valid JSON"),
    ("qa.csv", "foo,bar\nq,a\n", "no question or answer column. Columns found: 'foo', 'bar'"),
    ("qa.csv", "question,title,answer\nq,t,a\n", "'question', 'title' all look like the 'question'"),
    ("qa.txt", "whatever", "unknown corpus type"),
    ("qa.csv", "id,question,answer\n", "has no Q&A pairs"),
])
def test_malformed_corpus_files(tmp_path, name: str, content: str, message: str) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / name
    path.write_text(content)
    with pytest.raises(CorpusError, match=message):
        load_corpus(path)


def test_binary_corpus_file_is_a_clear_error(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "qa.csv"
    path.write_bytes(b"\xff\xfe\x00\x01binary")
    with pytest.raises(CorpusError, match="not UTF-8"):
        load_corpus(path)


@pytest.mark.parametrize("query", ["", "   ", "the and of", "😀😀", "x" * 100_000,
                                   "<b>refund</b>", "'; DROP TABLE qa; --", "¿Dónde está?", None])
def test_odd_queries_return_valid_results(query) -> None:  # type: ignore[no-untyped-def]
    retriever = KeywordRetriever(load_corpus(FAQ))
    hits = retriever.search(query, k=3)  # type: ignore[arg-type]
    assert isinstance(hits, list) and len(hits) <= 3
    assert all(0 < h.score <= 1 for h in hits)


def test_answer_bands() -> None:
    qa = QuestionAnswerer(KeywordRetriever(load_corpus(FAQ)))
    assert qa.answer("is there a student discount").decision is Decision.ANSWER
    assert qa.answer("what is the capital of peru").decision is Decision.NO_ANSWER


@pytest.mark.parametrize(("name", "content"), [
    ("faq.csv", "q,a\nHow do I reset my PIN?,Use the app's settings.\n"),
    ("faq.csv", "Question;Answer;Topic\nHow do I reset my PIN?;Use the app's settings.;cards\n"),
    ("faq.csv", "FAQ ID\tQuestion Text\tAnswer Text\nk1\tHow do I reset my PIN?\tUse the app's "
                "settings.\n"),
    ("faq.jsonl", '{"prompt": "How do I reset my PIN?", "response": "Use the app\'s settings."}\n'),
])
def test_differently_named_columns_are_mapped(tmp_path, name: str, content: str) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    [pair] = load_corpus(path)
    assert (pair.question, pair.answer) == ("How do I reset my PIN?", "Use the app's settings.")
    assert pair.id
    assert load_corpus(path)[0].id == pair.id  # stable across loads


def test_generated_ids_are_unique_for_repeated_questions(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "faq.csv"
    path.write_text("question,answer\nSame?,One.\nSame?,Two.\n", encoding="utf-8")
    first, second = load_corpus(path)
    assert first.id != second.id


def test_a_spreadsheet_export_with_a_byte_order_mark_loads(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "faq.csv"
    path.write_bytes("\ufeffQuestion,Answer\nDo you deliver on Sundays?,No.\n".encode())
    [pair] = load_corpus(path)
    assert pair.question == "Do you deliver on Sundays?"
