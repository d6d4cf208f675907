"""The agent console's API on the real web app (SQLite): roles enforced on every route, CSRF on
every change, login cookies, the queue, exclusive claims (also under concurrency), the audit."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from starlette.testclient import TestClient

from commerce.records import HandoffTicket
from commerce.sql_repository import SqlStoreRepository
from console.app import create_app
from console.staff_api import ROUTES
from console.staff_auth import StaffAuth
from console.staff_sql import SqlStaffStore
from console.staff_store import Role
from shopdesk.clock import FixedClock
from shopdesk.database import make_engine
from shopdesk.settings import Settings

NOW = datetime(2031, 6, 1, 12, 0, tzinfo=UTC)
PASSWORD = "green lantern harbour 9"
ROLES = [Role.AGENT, Role.SUPERVISOR, Role.ADMIN]


@pytest.fixture
def app(tmp_path):  # type: ignore[no-untyped-def]
    settings = Settings.from_env({"SHOPDESK_DATA_DIR": str(tmp_path),
                                  "SHOPDESK_STAFF_LOGINS_PER_MINUTE": "1000",
                                  "SHOPDESK_STAFF_STREAM_SECONDS": "2"})
    clock = FixedClock(NOW)
    staff = SqlStaffStore(make_engine(settings.database_url))
    staff.create_schema()
    auth = StaffAuth(staff, clock)
    for role in ROLES:
        auth.create_account(role.value, role.value.title(), role, PASSWORD)
        auth.create_account(f"{role.value}2", role.value.title(), role, PASSWORD)
    repo = SqlStoreRepository(make_engine(settings.database_url))
    repo.create_schema()
    for i, minutes in enumerate((30, 5), 1):
        repo.add_handoff(HandoffTicket(f"H00000{i}", f"conv-{i}", "requested",
                                       f"Customer: help {i}", NOW - timedelta(minutes=minutes)))
    return create_app(settings, clock)


def signed_in(app, username: str) -> tuple[TestClient, str]:  # type: ignore[no-untyped-def]
    client = TestClient(app)
    r = client.post("/console/api/login", json={"username": username, "password": PASSWORD})
    assert r.status_code == 200, r.text
    return client, r.json()["csrf"]


def concrete(path: str) -> str:
    return path.replace("{ticket}", "H000001").replace("{username}", "agent2") \
        .replace("{change}", "disable")


STREAMS = {"/console/api/events"}  # endless: read the first event only


def first_event(client: TestClient, url: str) -> tuple[int, str]:
    with client.stream("GET", url) as answer:
        if answer.status_code != 200:
            return answer.status_code, answer.read().decode()
        lines: list[str] = []
        for line in answer.iter_lines():
            if line.startswith("retry:") or (not line and not lines):
                continue
            if not line:
                break
            lines.append(line)
        return 200, "\n".join(lines)


@pytest.mark.parametrize("method,path,role", [r for r in ROUTES if r[2] is not None
                                              and r[1] not in STREAMS])
def test_every_route_enforces_its_role_and_csrf(app, method: str, path: str,  # type: ignore[no-untyped-def]
                                                role: Role) -> None:
    url = concrete(path)
    assert TestClient(app).request(method, url).status_code == 401  # not signed in
    if "{ticket}/" in path and not path.endswith(("/claim", "/release")):
        holder, csrf = signed_in(app, "agent")  # these need the conversation claimed first
        holder.post("/console/api/queue/H000001/claim", headers={"X-CSRF-Token": csrf})
    for other in ROLES:
        client, csrf = signed_in(app, other.value)
        headers = {"X-CSRF-Token": csrf}
        body = {"username": f"new-{other.value}", "name": "N", "role": "agent",
                "password": PASSWORD} if path == "/console/api/staff" else None
        if other.at_least(role) and method == "POST":  # without the CSRF token: refused
            assert client.request(method, url, json=body).status_code == 403
        r = client.request(method, url, headers=headers, json=body)
        if other.at_least(role):
            assert r.status_code not in {401, 403}, (other, r.status_code, r.text)
        else:
            assert r.status_code == 403, (other, r.status_code)
            assert r.json()["error"] == "Your role does not allow this."
        client.close()


def test_login_sets_a_strict_http_only_cookie_and_refuses_alike(app) -> None:  # type: ignore[no-untyped-def]
    client = TestClient(app)
    r = client.post("/console/api/login", json={"username": "agent", "password": PASSWORD})
    cookie = r.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie and "path=/" in cookie
    assert client.get("/console/api/me").json()["user"]["role"] == "agent"
    wrong = TestClient(app).post("/console/api/login", json={"username": "agent",
                                                              "password": "nope nope nope"})
    unknown = TestClient(app).post("/console/api/login", json={"username": "ghost",
                                                                "password": PASSWORD})
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json() == unknown.json()
    assert TestClient(app).post("/console/api/login", content=b"\xff").status_code == 400
    page = TestClient(app).get("/console")
    assert page.status_code == 200 and "frame-ancestors 'none'" in \
        page.headers["content-security-policy"]


def test_the_queue_and_one_claim_per_ticket_even_at_once(app) -> None:  # type: ignore[no-untyped-def]
    ann, ann_csrf = signed_in(app, "agent")
    rows = ann.get("/console/api/queue").json()["queue"]
    assert [r["ticket"] for r in rows] == ["H000001", "H000002"]  # Rasa is not running: by wait
    assert rows[0]["mood"] is None and rows[0]["waiting_minutes"] == 30
    clients = [signed_in(app, name) for name in ("agent", "agent2", "supervisor", "admin")]
    results: list[int] = []
    start = threading.Barrier(len(clients))

    def claim(client: TestClient, csrf: str) -> None:
        start.wait()
        results.append(client.post("/console/api/queue/H000002/claim",
                                   headers={"X-CSRF-Token": csrf}).status_code)

    threads = [threading.Thread(target=claim, args=c) for c in clients]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == [200, 409, 409, 409]
    claimed_by = {r["ticket"]: r["claimed_by"] for r in ann.get("/console/api/queue").json()["queue"]}
    assert claimed_by["H000002"] in {"agent", "agent2", "supervisor", "admin"}
    # an agent cannot release another's claim; a supervisor can
    bob, bob_csrf = signed_in(app, "agent2")
    ann.post("/console/api/queue/H000001/claim", headers={"X-CSRF-Token": ann_csrf})
    assert bob.post("/console/api/queue/H000001/release",
                    headers={"X-CSRF-Token": bob_csrf}).status_code == 403
    sup, sup_csrf = signed_in(app, "supervisor")
    assert sup.post("/console/api/queue/H000001/release",
                    headers={"X-CSRF-Token": sup_csrf}).status_code == 200
    assert ann.post("/console/api/queue/H999999/claim",
                    headers={"X-CSRF-Token": ann_csrf}).status_code == 404
    assert ann.post("/console/api/queue/nonsense/claim",
                    headers={"X-CSRF-Token": ann_csrf}).status_code == 400
    audit = sup.get("/console/api/audit").json()["audit"]
    actions = [(e["username"], e["action"], e["target"]) for e in audit]
    assert ("agent", "claim", "H000001") in actions and ("supervisor", "release", "H000001") in actions


def test_only_the_claiming_agent_or_a_supervisor_works_a_conversation(app) -> None:  # type: ignore[no-untyped-def]
    ann, ann_csrf = signed_in(app, "agent")
    bob, bob_csrf = signed_in(app, "agent2")
    assert ann.get("/console/api/queue/H000001/conversation").json()["error"] == \
        "Claim the conversation first."
    ann.post("/console/api/queue/H000001/claim", headers={"X-CSRF-Token": ann_csrf})
    for path in ("conversation", "takeover", "message", "handback"):
        method = "GET" if path == "conversation" else "POST"
        r = bob.request(method, f"/console/api/queue/H000001/{path}",
                        headers={"X-CSRF-Token": bob_csrf}, json={"text": "hi"})
        assert r.status_code == 403, path
    # Rasa is not running here: the agent is told, nothing breaks
    r = ann.post("/console/api/queue/H000001/takeover", headers={"X-CSRF-Token": ann_csrf})
    assert r.status_code == 503
    empty = ann.post("/console/api/queue/H000001/message", headers={"X-CSRF-Token": ann_csrf},
                     json={"text": "   "})
    assert empty.status_code == 400


def test_admins_manage_staff_and_a_disabled_agent_is_signed_out(app) -> None:  # type: ignore[no-untyped-def]
    admin, csrf = signed_in(app, "admin")
    weak = admin.post("/console/api/staff", headers={"X-CSRF-Token": csrf},
                      json={"username": "carl", "role": "agent", "password": "short"})
    assert weak.status_code == 400 and "12" in weak.json()["error"]
    made = admin.post("/console/api/staff", headers={"X-CSRF-Token": csrf},
                      json={"username": "carl", "name": "Carl", "role": "agent",
                            "password": PASSWORD})
    assert made.status_code == 201
    carl, _ = signed_in(app, "carl")
    assert admin.post("/console/api/staff/carl/disable",
                      headers={"X-CSRF-Token": csrf}).status_code == 200
    assert carl.get("/console/api/queue").status_code == 401
    assert admin.post("/console/api/staff/admin/disable",
                      headers={"X-CSRF-Token": csrf}).status_code == 400  # not yourself


def test_agents_see_the_sentiment_alerts(app, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from sentiment.alert_store import SqlAlertStore
    from sentiment.alerts import AlertEvent

    alerts = SqlAlertStore(make_engine(f"sqlite:///{tmp_path / 'shopdesk.db'}"))
    alerts.create_schema()
    alerts.record(AlertEvent("opened", "product:PC-3001", NOW, 0.75, 0.12, 24))
    ann, _ = signed_in(app, "agent")
    (shown,) = ann.get("/console/api/alerts").json()["alerts"]
    assert shown["kind"] == "product" and shown["name"] == "PC-3001"
    assert shown["closed_at"] is None and "75%" in shown["message"]


def test_a_signed_in_agent_sees_a_customers_photo_and_it_is_audited(app) -> None:  # type: ignore[no-untyped-def]
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (16, 16)).save(out, format="JPEG")
    customer = TestClient(app)
    photo = customer.post("/api/chat/photos", content=out.getvalue(),
                          headers={"X-Shopdesk-Session": "widgetsession77"}).json()["id"]
    assert customer.get(f"/api/photos/{photo}").status_code == 401  # not staff
    ann, _ = signed_in(app, "agent")
    shown = ann.get(f"/api/photos/{photo}")
    assert shown.status_code == 200 and shown.content.startswith(b"\xff\xd8")
    sup, _ = signed_in(app, "supervisor")
    audit = sup.get("/console/api/audit").json()["audit"]
    assert any(e["action"] == "read_photo" and e["target"] == photo and e["username"] == "agent"
               for e in audit)


def test_the_live_view_streams_the_queue_to_staff_only(app) -> None:  # type: ignore[no-untyped-def]
    assert first_event(TestClient(app), "/console/api/events")[0] == 401
    ann, csrf = signed_in(app, "agent")
    status, event = first_event(ann, "/console/api/events")
    assert status == 200 and event.startswith("event: queue")
    assert '"H000001"' in event and '"H000002"' in event
    ann.post("/console/api/queue/H000001/claim", headers={"X-CSRF-Token": csrf})
    status, event = first_event(ann, "/console/api/events?ticket=H000001")
    assert status == 200 and '"claimed_by": "agent"' in event
    assert first_event(ann, "/console/api/events?ticket=nonsense")[0] == 400

