"""Photos customers attach: only real pictures, made inert (re-encoded, no metadata), stored
with the conversation, shown to staff behind the admin token, and the upload's limits."""

from __future__ import annotations

import io
from datetime import UTC, datetime

import pytest
from PIL import Image
from starlette.testclient import TestClient

from commerce.memory_repository import InMemoryStoreRepository
from commerce.photos import MAX_SIDE, PhotoRejected, make_inert
from commerce.service import MAX_PHOTOS_PER_CONVERSATION, StoreService
from console.app import create_app
from shopdesk.clock import FixedClock
from shopdesk.errors import InvalidRequestError
from shopdesk.settings import Settings

SITE = "https://shop.example.com"
NOW = datetime(2026, 5, 4, 12, 0, tzinfo=UTC)


def picture(fmt: str = "JPEG", size: tuple[int, int] = (64, 48), mode: str = "RGB",
            gps: bool = False) -> bytes:
    image = Image.new(mode, size, (200, 30, 30) if mode == "RGB" else None)
    out = io.BytesIO()
    if gps:
        exif = Image.Exif()
        exif[0x010F] = "PhoneMaker"           # camera make
        exif[0x8825] = {1: "N", 2: (51.0, 30.0, 0.0)}  # GPS position
        image.save(out, format=fmt, exif=exif)
    else:
        image.save(out, format=fmt)
    return out.getvalue()


def test_a_photo_is_re_encoded_without_its_metadata_or_hidden_payload() -> None:
    raw = picture(gps=True) + b"<script>alert(1)</script>"  # trailing data (a polyglot)
    assert b"PhoneMaker" in raw
    inert = make_inert(raw, 5_000_000)
    assert inert.content_type == "image/jpeg" and (inert.width, inert.height) == (64, 48)
    assert b"PhoneMaker" not in inert.data and b"<script>" not in inert.data
    with Image.open(io.BytesIO(inert.data)) as again:
        assert again.format == "JPEG" and not again.getexif()


@pytest.mark.parametrize("fmt,mode", [("PNG", "RGBA"), ("PNG", "P"), ("WEBP", "RGB"),
                                      ("GIF", "P")])
def test_other_photo_formats_become_plain_jpeg(fmt: str, mode: str) -> None:
    inert = make_inert(picture(fmt, mode=mode), 5_000_000)
    assert inert.data.startswith(b"\xff\xd8") and inert.content_type == "image/jpeg"


def test_a_big_photo_is_scaled_down() -> None:
    inert = make_inert(picture(size=(4000, 1000)), 20_000_000)
    assert max(inert.width, inert.height) == MAX_SIDE and inert.width == 4 * inert.height


@pytest.mark.parametrize("raw,reason", [
    (b"", "empty"),
    (b"%PDF-1.7 not a photo", "not a photo"),
    (b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>", "not a photo"),
    (b"\xff\xd8\xff\xe0" + b"\x00" * 40, "could not be read"),  # truncated JPEG
])
def test_anything_else_is_refused_with_a_reason(raw: bytes, reason: str) -> None:
    with pytest.raises(PhotoRejected, match=reason):
        make_inert(raw, 5_000_000)


def test_size_and_pixel_bombs_are_refused() -> None:
    with pytest.raises(PhotoRejected, match="larger than"):
        make_inert(picture(), 100)
    # a tiny PNG that claims 30,000 x 30,000 pixels
    bomb = io.BytesIO()
    Image.new("1", (30_000, 30_000)).save(bomb, format="PNG")
    with pytest.raises(PhotoRejected, match="too large in pixels"):
        make_inert(bomb.getvalue(), 5_000_000)


def test_a_conversation_holds_a_bounded_number_of_photos() -> None:
    store = StoreService(InMemoryStoreRepository(), FixedClock(NOW))
    first = store.attach_photo("web-1", picture(), 5_000_000)
    assert first.id.startswith("P") and first.created_at == NOW
    assert store.photo_of("web-1", first.id) == first
    assert store.photo_of("web-2", first.id) is None  # another conversation's photo
    for _ in range(MAX_PHOTOS_PER_CONVERSATION - 1):
        store.attach_photo("web-1", picture(), 5_000_000)
    with pytest.raises(InvalidRequestError, match="at most"):
        store.attach_photo("web-1", picture(), 5_000_000)


def app(tmp_path) -> TestClient:  # noqa: ANN001
    settings = Settings.from_env({"SHOPDESK_DATA_DIR": str(tmp_path),
                                  "SHOPDESK_WIDGET_ORIGINS": SITE,
                                  "SHOPDESK_ADMIN_TOKEN": "admin-token-for-tests",
                                  "SHOPDESK_MAX_PHOTO_BYTES": "200000"})
    return TestClient(create_app(settings, FixedClock(NOW)))


def test_the_widget_uploads_a_photo_and_staff_see_it(tmp_path) -> None:  # noqa: ANN001
    c = app(tmp_path)
    pre = c.options("/api/chat/photos", headers={
        "Origin": SITE, "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type,x-shopdesk-session"})
    assert pre.status_code == 204 and pre.headers["access-control-allow-origin"] == SITE
    assert "X-Shopdesk-Session" in pre.headers["access-control-allow-headers"]
    r = c.post("/api/chat/photos", content=picture(gps=True),
               headers={"Origin": SITE, "Content-Type": "image/jpeg",
                        "X-Shopdesk-Session": "widgetsession01"})
    assert r.status_code == 201, r.text
    photo = r.json()["id"]
    assert c.get(f"/api/photos/{photo}").status_code == 401
    staff = {"Authorization": "Bearer admin-token-for-tests"}
    shown = c.get(f"/api/photos/{photo}", headers=staff)
    assert shown.status_code == 200 and shown.headers["content-type"] == "image/jpeg"
    assert b"PhoneMaker" not in shown.content
    assert "sandbox" in shown.headers["content-security-policy"]
    found = c.post("/api/photos/search", json={"conversation": "widgetsession01"}, headers=staff)
    assert [p["id"] for p in found.json()["photos"]] == [photo]
    assert c.post("/api/photos/search", json={"conversation": "widgetsession01"}
                  ).status_code == 401
    assert c.get("/api/photos/P0000000000000000", headers=staff).status_code == 404
    assert c.get("/api/photos/../../etc", headers=staff).status_code in {400, 404}


def test_the_platform_channels_upload_over_the_service_path(tmp_path) -> None:  # noqa: ANN001
    settings = Settings.from_env({"SHOPDESK_DATA_DIR": str(tmp_path),
                                  "SHOPDESK_ACTION_SECRET": "service-secret-for-tests",
                                  "SHOPDESK_ADMIN_TOKEN": "admin-token-for-tests"})
    c = TestClient(create_app(settings, FixedClock(NOW)))
    phone = "whatsapp:+447700900123"
    r = c.post("/api/chat/photos", content=picture(), headers={
        "Authorization": "Bearer service-secret-for-tests", "X-Shopdesk-Conversation": phone})
    assert r.status_code == 201, r.text
    found = c.post("/api/photos/search", json={"conversation": phone},
                   headers={"Authorization": "Bearer admin-token-for-tests"}).json()["photos"]
    assert [p["id"] for p in found] == [r.json()["id"]]
    for secret in ("wrong", "admin-token-for-tests"):  # only the service secret
        assert c.post("/api/chat/photos", content=picture(), headers={
            "Authorization": f"Bearer {secret}", "X-Shopdesk-Conversation": phone}
                      ).status_code == 401
    r = c.post("/api/chat/photos", content=picture(),
               headers={"Authorization": "Bearer service-secret-for-tests"})
    assert r.status_code == 400 and "X-Shopdesk-Conversation" in r.json()["error"]


def test_bad_uploads_get_clear_errors(tmp_path) -> None:  # noqa: ANN001
    c = app(tmp_path)
    ok = {"Origin": SITE, "X-Shopdesk-Session": "widgetsession02"}
    r = c.post("/api/chat/photos", content=b"MZ\x90\x00 an executable", headers=ok)
    assert r.status_code == 400 and "not a photo" in r.json()["error"]
    assert r.headers["access-control-allow-origin"] == SITE  # the widget can read why
    r = c.post("/api/chat/photos", content=picture(), headers={"Origin": SITE})
    assert r.status_code == 400 and "X-Shopdesk-Session" in r.json()["error"]
    r = c.post("/api/chat/photos", content=picture(),
               headers={**ok, "Origin": "https://evil.example.net"})
    assert r.status_code == 403
    r = c.post("/api/chat/photos", content=b"\xff\xd8\xff" + b"0" * 300_000, headers=ok)
    assert r.status_code == 413


def test_erasure_deletes_the_conversations_photos_and_nothing_else(tmp_path) -> None:  # noqa: ANN001
    from commerce.sql_repository import SqlStoreRepository
    from profiles.privacy import delete_support_records
    from shopdesk.database import make_engine

    url = f"sqlite:///{tmp_path / 'store.db'}"
    engine = make_engine(url)
    repo = SqlStoreRepository(engine)
    repo.create_schema()
    store = StoreService(repo, FixedClock(NOW))
    mine = store.attach_photo("web-erase-me", picture(), 5_000_000)
    theirs = store.attach_photo("web-keep-me", picture(), 5_000_000)
    store.record_feedback("web-erase-me", "complaint", "torn bag")
    assert delete_support_records(url, ["web-erase-me"]) == 2  # the photo and the complaint
    assert repo.get_photo(mine.id) is None and repo.get_photo(theirs.id) is not None
    engine.dispose()


def test_the_bot_links_a_photo_to_the_case_under_way_or_asks_what_is_wrong() -> None:
    from actions.photos import ActionReceivePhoto
    from actions.support import ActionHandleComplaint
    from tests.conftest import make_tracker
    from tests.helpers import run_action, texts

    store = StoreService(InMemoryStoreRepository(), FixedClock(NOW))
    services = type("S", (), {"store": store, "profiles": None})()
    action = ActionReceivePhoto(services)  # type: ignore[arg-type]
    first = store.attach_photo("web-9", picture(), 5_000_000)
    # no case yet: thanked, asked what is wrong; the photo waits for the case
    messages, _ = run_action(action, make_tracker("/share_photo", "share_photo",
                                                  sender_id="web-9", metadata={"photo": first.id}))
    assert "What's wrong with the item?" in texts(messages)
    assert store.photo_of("web-9", first.id).case_ref == ""  # type: ignore[union-attr]
    # a claim under way: linked to it, and the customer told
    second = store.attach_photo("web-9", picture(), 5_000_000)
    messages, _ = run_action(action, make_tracker(
        "/share_photo", "share_photo", sender_id="web-9", metadata={"photo": second.id},
        slots={"open_case": {"ref": "W1234567", "item": "tent", "order": "100237"}}))
    assert "added your photos to W1234567" in texts(messages)
    assert {p.case_ref for p in store.photos("web-9")} == {"W1234567"}
    # another conversation's photo id is not this conversation's
    messages, _ = run_action(action, make_tracker("/share_photo", "share_photo", sender_id="web-8",
                                                  metadata={"photo": second.id}))
    assert "couldn't find that photo" in texts(messages)
    # a complaint opened after a photo: the photo belongs to the complaint
    third = store.attach_photo("web-7", picture(), 5_000_000)
    complaint = ActionHandleComplaint(services)  # type: ignore[arg-type]
    messages, _ = run_action(complaint, make_tracker("I want to complain", "complaint",
                                                     sender_id="web-7"))
    assert "added your photo to C00001" in texts(messages)
    assert store.photo_of("web-7", third.id).case_ref == "C00001"  # type: ignore[union-attr]
