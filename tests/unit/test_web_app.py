"""The web app's widget endpoints: who may load the config, what the pages allow."""

from __future__ import annotations

from starlette.testclient import TestClient

from console.app import create_app
from shopdesk.settings import Settings

SITE = "https://shop.example.com"


def client() -> TestClient:
    return TestClient(create_app(Settings.from_env({"SHOPDESK_WIDGET_ORIGINS": SITE,
                                                    "SHOPDESK_WIDGET_NAME": "Ada"})))


def test_an_allowed_site_reads_the_widget_config_cross_origin() -> None:
    r = client().get("/widget-config.json", headers={"Origin": SITE})
    assert r.status_code == 200
    assert r.headers["access-control-allow-origin"] == SITE and r.headers["vary"] == "Origin"
    config = r.json()
    assert config["look"]["name"] == "Ada" and config["socketUrl"].startswith("http")


def test_any_other_site_is_refused_with_what_to_configure() -> None:
    r = client().get("/widget-config.json", headers={"Origin": "https://evil.example.net"})
    assert r.status_code == 403 and "SHOPDESK_WIDGET_ORIGINS" in r.json()["error"]
    assert "access-control-allow-origin" not in r.headers
    # no Origin header: not a cross-site browser request (our own page, a server)
    assert client().get("/widget-config.json").status_code == 200


def test_pages_may_be_framed_only_by_allowed_sites() -> None:
    csp = client().get("/").headers["content-security-policy"]
    frame = next(p for p in csp.split(";") if "frame-ancestors" in p)
    assert SITE in frame and "'self'" in frame and "*" not in frame
    assert "script-src 'self';" in csp  # no inline script, no eval


def test_the_widget_is_one_script_with_its_styles_and_socket_client() -> None:
    c = client()
    r = c.get("/widget.js")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/javascript")
    body = r.text
    assert "ShopdeskSocket" in body and "attachShadow" in body
    assert "__SHOPDESK_CSS__" not in body and ".launcher" in body  # the stylesheet is inlined
    again = c.get("/widget.js", headers={"If-None-Match": r.headers["etag"]})
    assert again.status_code == 304
