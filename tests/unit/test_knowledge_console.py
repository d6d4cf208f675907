"""Knowledge upkeep in the console, on the real web app (SQLite): supervisors see the
unanswered questions grouped with counts and mood, publish or improve an answer, retire it;
agent assist suggests published articles and past agent answers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from starlette.testclient import TestClient

from console.app import create_app
from console.assist import Assistant
from console.staff_auth import StaffAuth
from console.staff_sql import SqlStaffStore
from console.staff_store import Role
from retrieval.embedders import HashEmbedder
from retrieval.knowledge_store import (
    AgentAnswer,
    Article,
    InMemoryKnowledgeStore,
    KnowledgeGap,
    SqlKnowledgeStore,
)
from shopdesk.clock import FixedClock
from shopdesk.database import make_engine
from shopdesk.settings import Settings

NOW = datetime(2031, 6, 1, 12, 0, tzinfo=UTC)
PASSWORD = "green lantern harbour 9"


def gap(question: str, sender: str, mood: float, minutes: int) -> KnowledgeGap:
    vector = HashEmbedder().encode_query(question).astype(np.float16).tobytes()
    return KnowledgeGap(0, NOW - timedelta(minutes=minutes), question, "no_answer", 0.1,
                        "qa-0049", mood, "socketio", sender, vector)


@pytest.fixture
def setup(tmp_path):  # type: ignore[no-untyped-def]
    settings = Settings.from_env({"SHOPDESK_DATA_DIR": str(tmp_path),
                                  "SHOPDESK_STAFF_LOGINS_PER_MINUTE": "1000"})
    engine = make_engine(settings.database_url)
    staff = SqlStaffStore(engine)
    staff.create_schema()
    auth = StaffAuth(staff, FixedClock(NOW))
    auth.create_account("sam", "Sam", Role.SUPERVISOR, PASSWORD)
    auth.create_account("ann", "Ann", Role.AGENT, PASSWORD)
    knowledge = SqlKnowledgeStore(engine)
    knowledge.create_schema()
    for i, (question, mood) in enumerate([("can I bring my dog into your shops", -0.6),
                                          ("can I bring my dog into the shop", 0.0),
                                          ("is my dog allowed in your shops", -0.2),
                                          ("what is the meaning of life", 0.1)]):
        knowledge.record_gap(gap(question, f"conv-{i}", mood, i))
    return create_app(settings, FixedClock(NOW)), knowledge


def signed_in(app, username: str) -> tuple[TestClient, dict[str, str]]:  # type: ignore[no-untyped-def]
    client = TestClient(app)
    r = client.post("/console/api/login", json={"username": username, "password": PASSWORD})
    assert r.status_code == 200, r.text
    return client, {"X-CSRF-Token": r.json()["csrf"]}


def test_a_supervisor_answers_a_group_of_unanswered_questions(setup) -> None:  # type: ignore[no-untyped-def]
    app, knowledge = setup
    client, csrf = signed_in(app, "sam")
    seen = client.get("/console/api/knowledge").json()
    assert seen["open_questions"] == 4
    dogs = seen["groups"][0]
    assert dogs["customers"] == 2 or dogs["customers"] == 3
    assert "dog" in dogs["question"] and dogs["upset"] >= 1
    assert dogs["nearest"]["id"] == "qa-0049" and "shops in Leeds" in dogs["nearest"]["answer"]
    r = client.post("/console/api/knowledge/articles", headers=csrf, json={
        "question": "Can I bring my dog into your shops?",
        "answer": "Yes — well-behaved dogs on a lead are welcome in all our shops.",
        "category": "stores", "gap_ids": dogs["gap_ids"]})
    assert r.status_code == 201, r.text
    article = r.json()["article"]
    assert article["id"].startswith("kb-") and article["author"] == "sam"
    assert r.json()["answered_questions"] == len(dogs["gap_ids"])
    after = client.get("/console/api/knowledge").json()
    assert after["open_questions"] == 4 - len(dogs["gap_ids"])
    assert [a["question"] for a in after["articles"]] == ["Can I bring my dog into your shops?"]
    assert [a.id for a in knowledge.articles()] == [article["id"]]
    audit = [e["action"] for e in client.get("/console/api/audit").json()["audit"]]
    assert "publish_article" in audit and "read_knowledge" in audit


def test_improving_an_existing_answer_and_retiring_it(setup) -> None:  # type: ignore[no-untyped-def]
    app, knowledge = setup
    client, csrf = signed_in(app, "sam")
    found = client.get("/console/api/knowledge/search", params={"q": "physical store"}).json()
    assert found["pairs"][0]["id"] == "qa-0049"
    r = client.post("/console/api/knowledge/articles", headers=csrf, json={
        "id": "qa-0049", "question": "Do you have a physical store?",
        "answer": "Yes: Leeds, Bristol, Edinburgh and now Manchester (Market Street)."})
    assert r.status_code == 201 and r.json()["article"]["id"] == "qa-0049"
    assert client.post("/console/api/knowledge/articles/qa-0049/retire", headers=csrf).json()[
        "article"]["retired"] is True
    assert knowledge.articles() == []
    # a retired edit can be published again
    assert client.post("/console/api/knowledge/articles", headers=csrf, json={
        "id": "qa-0049", "question": "Do you have a physical store?",
        "answer": "Yes: Leeds, Bristol and Edinburgh."}).status_code == 201


@pytest.mark.parametrize(("body", "status", "says"), [
    ({"question": "Dogs?", "answer": "short"}, 400, "answer"),
    ({"question": "", "answer": "A long enough answer here."}, 400, "question"),
    ({"question": "Do you sell kayaks?", "answer": "No, we do not sell kayaks.", "id": "nope"},
     404, "no answer"),
    ({"question": "Do you sell kayaks?", "answer": "No, we do not sell kayaks.", "id": "../x"},
     400, "id"),
    ({"question": "Do you sell kayaks?", "answer": "No, we do not sell kayaks.",
      "gap_ids": ["1"]}, 400, "gap_ids"),
    ({"question": ["x"], "answer": "No, we do not sell kayaks."}, 400, "text"),
])
def test_bad_articles_get_a_clear_answer(setup, body, status, says) -> None:  # type: ignore[no-untyped-def]
    app, knowledge = setup
    client, csrf = signed_in(app, "sam")
    r = client.post("/console/api/knowledge/articles", headers=csrf, json=body)
    assert r.status_code == status and says in r.json()["error"]
    assert knowledge.articles() == []


def test_agents_cannot_publish_and_dismissed_questions_leave_the_list(setup) -> None:  # type: ignore[no-untyped-def]
    app, knowledge = setup
    agent, agent_csrf = signed_in(app, "ann")
    assert agent.get("/console/api/knowledge").status_code == 403
    assert agent.post("/console/api/knowledge/articles", headers=agent_csrf, json={
        "question": "Do you sell kayaks?", "answer": "No, we do not sell kayaks."}).status_code == 403
    client, csrf = signed_in(app, "sam")
    life = [g for g in client.get("/console/api/knowledge").json()["groups"]
            if "life" in g["question"]][0]
    assert client.post("/console/api/knowledge/gaps/dismiss", headers=csrf,
                       json={"gap_ids": life["gap_ids"]}).json() == {"dismissed": 1}
    assert all("life" not in g["question"]
               for g in client.get("/console/api/knowledge").json()["groups"])


def test_assist_suggests_published_articles_and_past_agent_answers() -> None:
    knowledge = InMemoryKnowledgeStore()
    assistant = Assistant(Settings.from_env(), knowledge=knowledge, check_every=0.0)
    said = ["the zip on my tent broke, can you send a replacement zip puller?"]
    assert all(s.source == "help centre" for s in assistant.suggest(said, -0.5))
    knowledge.record_agent_answer(AgentAnswer(
        0, NOW, "my tent zip broke, can you send a replacement zip puller",
        "I'm sorry about the zip — I've posted you a free replacement zip puller today.",
        "ann", "conv-1"))
    knowledge.record_agent_answer(AgentAnswer(0, NOW, "thanks", "ok", "ann", "conv-1"))  # too short
    top = assistant.suggest(said, -0.5)
    assert top[0].source == "agent answer" and "zip puller" in top[0].answer
    assert all(s.answer != "ok" for s in assistant.suggest(["thanks"], 0.0))
    knowledge.publish(Article("qa-0049", "Do you have a physical store?",
                              "Yes: Leeds, Bristol, Edinburgh and Manchester.", "stores", "sam", NOW))
    store = assistant.suggest(["do you have a physical store?"], 0.0)[0]
    assert store.id == "qa-0049" and "Manchester" in store.answer and store.source == "published"
