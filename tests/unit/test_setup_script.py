"""The setup script explains what to install when it cannot find an interpreter."""

from __future__ import annotations

import os
import subprocess

from shopdesk.settings import PROJECT_ROOT


def test_missing_rasa_python_is_explained() -> None:
    env = {**os.environ, "RASA_PYTHON": "/nonexistent/python3.10"}
    result = subprocess.run(["bash", "scripts/setup.sh"], cwd=PROJECT_ROOT, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 1
    assert "RASA_PYTHON=/nonexistent/python3.10 is not a working Python 3.10" in result.stderr
    assert "pyenv install 3.10" in result.stderr


def test_wrong_version_is_refused() -> None:
    env = {**os.environ, "RASA_PYTHON": str(PROJECT_ROOT / ".venv/bin/python")}  # a 3.11
    result = subprocess.run(["bash", "scripts/setup.sh"], cwd=PROJECT_ROOT, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 1
    assert "not a working Python 3.10" in result.stderr
