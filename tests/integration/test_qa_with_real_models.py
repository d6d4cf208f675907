"""action_answer_question with the real models (spaCy, MiniLM) on two companies' corpora.

The second corpus (a home-energy supplier) has nothing to do with the demo store: it
shows a company can point the assistant at its own Q&A with one command and get
answers from it.
"""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from actions.support import ActionAnswerQuestion
from retrieval.answering import AnswerPolicy, Decision, QuestionAnswerer
from retrieval.embedders import MiniLmEmbedder
from retrieval.index_store import load_retriever, load_tuning
from retrieval.preprocess import SpacyPreprocessor
from shopdesk.composition import Services
from shopdesk.settings import PROJECT_ROOT
from tests.conftest import make_tracker
from tests.helpers import run_action, texts

pytestmark = [pytest.mark.integration]

OTHER = PROJECT_ROOT / "tests/data/other_company_faq.jsonl"
OTHER_QUERIES = PROJECT_ROOT / "tests/data/other_company_queries.jsonl"


@pytest.fixture(scope="module")
def other_company_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    data_dir = tmp_path_factory.mktemp("brightwater")
    # the documented command: make index SOURCES=... (here with the data folder moved aside)
    env = {"SHOPDESK_DATA_DIR": str(data_dir), "PATH": "/usr/bin:/bin"}
    result = subprocess.run([sys.executable, "-m", "retrieval.cli", "build", str(OTHER)],
                            cwd=PROJECT_ROOT, env={**env, "PYTHONPATH": str(PROJECT_ROOT),
                                                   "HF_HUB_OFFLINE": "1"},
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-2000:]
    return data_dir / "index"


def answerer(index: Path, corpus: Path) -> QuestionAnswerer:
    retriever = load_retriever(index, SpacyPreprocessor(), MiniLmEmbedder(), [corpus])
    thresholds = load_tuning()[2]
    return QuestionAnswerer(retriever, AnswerPolicy(**thresholds) if thresholds else None)


def test_the_bot_answers_from_another_companys_corpus(other_company_index: Path,
                                                      services: Services) -> None:
    qa = answerer(other_company_index, OTHER)
    queries = [json.loads(line) for line in OTHER_QUERIES.read_text().splitlines() if line]
    right = 0
    for q in queries:
        result = qa.answer(q["query"])
        if not q["relevant"]:
            right += result.decision is Decision.NO_ANSWER
        else:
            right += bool(result.hits) and result.decision is not Decision.NO_ANSWER and \
                any(h.pair.id in q["relevant"] for h in result.hits[:3])
    assert right >= len(queries) - 2, f"{right}/{len(queries)}"

    action = ActionAnswerQuestion(replace(services, qa=qa))
    messages, _ = run_action(action, make_tracker("how do I give you a meter reading?",
                                                  "ask_question"))
    assert "meter" in texts(messages).lower()


@pytest.fixture(scope="module")
def demo_qa() -> QuestionAnswerer:
    """The demo index with the real models, loaded once for the module."""
    from retrieval.cli import ensure_index
    from shopdesk.settings import Settings

    settings = Settings.from_env()
    return answerer(ensure_index(settings, quiet=True), settings.qa_corpus)


def test_the_demo_index_answers_paraphrases(services: Services, demo_qa: QuestionAnswerer) -> None:
    qa = demo_qa
    action = ActionAnswerQuestion(replace(services, qa=qa))
    text = texts(run_action(action, make_tracker("how long does a refund take to reach my card?",
                                                 "ask_question"))[0])
    assert "working days" in text and "How long do refunds take?" in text
    nothing = qa.answer("what's the capital of peru")
    assert nothing.decision is Decision.NO_ANSWER


@pytest.mark.parametrize("query", ["", "   ", "the and of to", "😀🙃📦", "x" * 100_000,
                                   "<script>alert(1)</script> refund", "'; DROP TABLE qa; --",
                                   "¿Dónde está mi pedido?", "我的订单在哪里", "\x00\x01\x02"])
def test_odd_queries_with_the_real_models(query: str, demo_qa: QuestionAnswerer) -> None:
    result = demo_qa.answer(query)
    assert result.decision in set(Decision)
    assert all(0.0 <= h.score <= 1.0 for h in result.hits)


def test_a_query_through_onnx_gets_the_same_vector_as_the_index_model(tmp_path: Path) -> None:
    from retrieval.embedders import OnnxQueryEncoder

    texts_ = ["where is my order?", "hw long hav i got to send stuff bak", "", "é 🙂 \x00",
              "a long message about a tent " * 80]
    embedder = MiniLmEmbedder(device="cpu")
    reference = embedder.encode(texts_)
    assert embedder._onnx() is not None, "make setup builds models/encoders/all-MiniLM-L6-v2"
    queries = np.stack([embedder.encode_query(t) for t in texts_])
    assert (queries * reference).sum(axis=1).min() > 0.9999
    # without the build, queries go through PyTorch: slower, same vectors, no error
    with pytest.raises(OSError, match="missing"):
        OnnxQueryEncoder.load(tmp_path)
