"""Authentication on every service API, localhost binding and secrets kept out of logs."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from shopdesk.clock import system_clock
from shopdesk.stack import Stack, rasa_admin_token

pytestmark = [pytest.mark.integration, pytest.mark.e2e]


def test_action_server_refuses_calls_without_the_shared_secret(stack: Stack) -> None:
    base = f"http://127.0.0.1:{stack.settings.actions_port}"
    call = {"next_action": "action_handoff", "sender_id": "attacker", "tracker": {},
            "domain": {}, "version": "3.6.21"}
    assert httpx.post(f"{base}/webhook", json=call, timeout=10).status_code == 401
    wrong = {"Authorization": "Bearer not-the-secret"}
    assert httpx.post(f"{base}/webhook", json=call, headers=wrong, timeout=10).status_code == 401
    assert httpx.get(f"{base}/actions", timeout=10).status_code == 401
    assert httpx.get(f"{base}/health", timeout=10).status_code == 200


def test_rasa_http_api_needs_a_token(stack: Stack) -> None:
    base = f"http://127.0.0.1:{stack.settings.rasa_port}"
    url = f"{base}/conversations/e2e-someone/tracker"
    assert httpx.get(url, timeout=10).status_code == 401
    forged = rasa_admin_token("a-guessed-secret-value-that-is-long-enough", system_clock)
    assert httpx.get(url, headers={"Authorization": f"Bearer {forged}"}, timeout=10).status_code == 401
    good = rasa_admin_token(stack.rasa_secret, system_clock)
    assert httpx.get(url, headers={"Authorization": f"Bearer {good}"}, timeout=10).status_code == 200


def _listening_addresses(port: int) -> set[str]:
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        path = Path(table)
        if not path.exists():
            continue
        for line in path.read_text().splitlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            address, port_hex = local.rsplit(":", 1)
            if state == "0A" and int(port_hex, 16) == port:
                found.add(address)
    return found


def test_every_service_listens_on_localhost_only(stack: Stack) -> None:
    loopback = {"0100007F", "00000000000000000000000001000000"}
    for port in (stack.settings.rasa_port, stack.settings.actions_port, stack.settings.web_port):
        addresses = _listening_addresses(port)
        assert addresses, f"nothing listens on {port}"
        assert addresses <= loopback, f"port {port} listens on {addresses}"


def test_secrets_and_personal_data_stay_out_of_logs(stack: Stack) -> None:
    from tests.e2e.conftest import Chat

    Chat(stack, "e2e-log-check").say("my card 4111 1111 1111 1111 was charged twice, "
                                     "call me on 07700 900123 or mail jo.bloggs@example.org")
    secrets_file = (stack.settings.data_dir / "secrets.env").read_text()
    secret_values = [line.split("=", 1)[1] for line in secrets_file.splitlines()
                     if "=" in line and not line.startswith("#")]
    assert secrets_file and (stack.settings.data_dir / "secrets.env").stat().st_mode & 0o077 == 0
    logs = "".join(p.read_text(errors="replace") for p in (stack.settings.data_dir / "logs").glob("*"))
    for value in secret_values:
        assert value not in logs
    assert "4111 1111 1111 1111" not in logs
    assert "jo.bloggs@example.org" not in logs
