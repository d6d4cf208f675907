"""bot/serve.py hands the JWT secret to `rasa run` inside the process."""

from __future__ import annotations

import sys
import types

import pytest

from bot import serve


def test_a_secret_starting_with_a_dash_is_one_argument(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[str] = []
    fake = types.ModuleType("rasa.__main__")
    fake.main = lambda: seen.extend(sys.argv)  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "rasa", types.ModuleType("rasa"))
    monkeypatch.setitem(sys.modules, "rasa.__main__", fake)
    monkeypatch.setenv("SHOPDESK_RASA_JWT_SECRET", "-starts-with-a-dash-0123456789")
    monkeypatch.setattr(sys, "argv", ["serve", "--port", "5005"])
    serve.main()
    assert "--jwt-secret=-starts-with-a-dash-0123456789" in seen
    assert "-starts-with-a-dash-0123456789" not in seen  # never a separate word argparse misreads
