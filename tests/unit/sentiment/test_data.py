"""Our labelled support messages, the VADER reader, and the committed model's freshness."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from sentiment.cli import check
from sentiment.data import (
    FRUSTRATION_MARKERS,
    SentimentDataError,
    label_for_rating,
    read_support,
    read_vader,
    split_for,
)


def test_support_messages_are_enough_balanced_and_disjoint() -> None:
    examples = list(read_support())
    assert len(examples) >= 400
    by_split = Counter(e.split for e in examples)
    assert by_split["train"] >= 400 and by_split["dev"] >= 100 and by_split["test"] >= 150
    for split in ("train", "dev", "test"):
        labels = Counter(e.label for e in examples if e.split == split)
        assert min(labels.values()) >= 0.2 * by_split[split], labels
    markers = Counter(m for e in examples for m in e.frustration)
    assert set(markers) == set(FRUSTRATION_MARKERS)
    assert all(e.label == "negative" for e in examples if e.frustration)


def test_bad_support_lines_are_reported_with_file_and_line(tmp_path: Path) -> None:
    for split in ("train", "dev", "test"):
        (tmp_path / f"support_{split}.jsonl").write_text('{"text": "ok", "label": "neutral"}\n')
    (tmp_path / "support_dev.jsonl").write_text(
        '{"text": "fine", "label": "meh"}\nnot json\n{"text": "OK", "label": "neutral"}\n')
    with pytest.raises(SentimentDataError) as info:
        list(read_support(tmp_path))
    message = str(info.value)
    assert "support_dev.jsonl:1: label 'meh'" in message
    assert "support_dev.jsonl:2: not a valid record" in message
    assert "support_dev.jsonl:3: same text as support_train.jsonl:1" in message


def test_vader_files_are_read_with_labels_and_stable_splits(tmp_path: Path) -> None:
    rows = {"tweets": "1\t2.5\tlove it\n2\t-0.2\tmeh\n3\t\t\n",
            "movieReviewSnippets": "1\t-3.1\tdreadful film\n",
            "amazonReviewSnippets": "1_1\t0.6\tworks\n", "nytEditorialSnippets": ""}
    for name, text in rows.items():
        (tmp_path / f"{name}_GroundTruth.txt").write_text(text, encoding="latin-1")
    examples = list(read_vader(tmp_path))
    assert [(e.domain, e.label) for e in examples] == [
        ("tweets", "positive"), ("tweets", "neutral"), ("movies", "negative"), ("amazon", "positive")]
    assert examples[0].rating == pytest.approx(2.5 / 4)
    (tmp_path / "tweets_GroundTruth.txt").write_text("9\tabc\tword\n")
    with pytest.raises(SentimentDataError, match="tweets_GroundTruth.txt:1"):
        list(read_vader(tmp_path))


def test_labels_and_splits() -> None:
    assert label_for_rating(0.5) == "neutral" and label_for_rating(0.51) == "positive"
    assert label_for_rating(-0.6) == "negative"
    assert split_for("tweets", "17") == split_for("tweets", "17")
    splits = Counter(split_for("movies", str(i)) for i in range(5000))
    assert 0.65 < splits["train"] / 5000 < 0.75 and 0.17 < splits["test"] / 5000 < 0.23


def test_the_committed_model_was_trained_on_the_current_data() -> None:
    problem = check()
    assert problem is None, f"{problem}: run `make sentiment-train` and commit the artifact"
