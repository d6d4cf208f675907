"""One clock: nothing reads the wall clock except ``shopdesk/clock.py``.

Every date and time in the product comes from the injected clock (``shopdesk.clock``); only the
composition roots and process entry points hand the wall clock (``system_clock``) on. This test
reads every Python file of the project and fails on a wall-clock read anywhere else
(``datetime.now()``, ``date.today()``, ``time.time()``, a database-side ``now()`` default…).
``time.monotonic()`` measures durations and is allowed everywhere.
"""

from __future__ import annotations

import ast
import re
import subprocess
from pathlib import Path

import pytest

from shopdesk.settings import PROJECT_ROOT

THE_CLOCK = "shopdesk/clock.py"
# who may hand the wall clock on: composition roots, process entry points, tests of real servers
ENTRY_POINTS = (
    "shopdesk/composition.py", "shopdesk/cli.py", "shopdesk/stack.py", "console/app.py",
    "console/staff_cli.py",
    "profiles/cli.py", "retrieval/cli.py", "sentiment/cli.py", "tests/conftest.py",
    "tests/e2e/", "tests/integration/", "tests/unit/test_one_clock.py",
    # Rasa builds the Slack channel itself (from_credentials): its replay window needs the time
    "bot/platforms/slack.py",
    # the platform fakes stand for other companies' systems, with their own clocks
    "tests/fakes/",
)
_WALL_ATTRS = {"now", "utcnow", "today"}
_TIME_READS = {"time", "time_ns"}
_TIME_DEFAULT_NOW = {"gmtime", "localtime", "ctime", "asctime"}
_SQL_NOW = re.compile(r"\bnow\s*\(\s*\)|\b(current_timestamp|current_date|localtimestamp)\b", re.I)
_SQL_CALLS = {"text", "execute", "exec_driver_sql", "literal_column"}
_DEFAULT_KEYWORDS = {"default", "server_default", "onupdate", "server_onupdate"}


def _dotted(node: ast.AST) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return f"{_dotted(node.value)}.{node.attr}"
    return ""


def wall_clock_reads(source: str, filename: str = "<string>") -> list[str]:
    """Every wall-clock read in ``source``, as 'line: what'."""
    tree = ast.parse(source, filename)
    found: list[str] = []
    imported_time_funcs: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module == "time":
            for alias in node.names:
                if alias.name in _TIME_READS | _TIME_DEFAULT_NOW | {"strftime"}:
                    imported_time_funcs.add(alias.asname or alias.name)
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        name = _dotted(node.func)
        last = name.rsplit(".", 1)[-1]
        owner = name.rsplit(".", 1)[0] if "." in name else ""
        no_time_given = not node.args and not node.keywords
        reads_time_module = (last in _TIME_READS or (last in _TIME_DEFAULT_NOW and no_time_given)
                             or (last == "strftime" and len(node.args) == 1))
        datetime_now = last in _WALL_ATTRS and owner.rsplit(".", 1)[-1] in {"datetime", "date"}
        time_now = reads_time_module and (owner == "time" or (not owner and last in imported_time_funcs))
        if datetime_now or time_now:
            found.append(f"{node.lineno}: {name}()")
        elif last in {"now", "current_timestamp", "current_date", "localtimestamp"} \
                and owner.endswith("func"):
            found.append(f"{node.lineno}: database-side {name}()")
        else:
            sql_args = list(node.args) if last in _SQL_CALLS else []
            sql_args += [k.value for k in node.keywords if k.arg in _DEFAULT_KEYWORDS]
            for arg in sql_args:
                if isinstance(arg, ast.Constant) and isinstance(arg.value, str) \
                        and _SQL_NOW.search(arg.value):
                    found.append(f"{node.lineno}: SQL {arg.value.strip()[:40]!r}")
    return found


def _project_files() -> list[Path]:
    listed = subprocess.run(["git", "ls-files", "--cached", "--others", "--exclude-standard",
                             "*.py"], cwd=PROJECT_ROOT, capture_output=True, text=True, check=True)
    return [PROJECT_ROOT / line for line in listed.stdout.splitlines()
            if line and (PROJECT_ROOT / line).is_file()]


def test_nothing_but_the_clock_reads_the_wall_clock() -> None:
    files = _project_files()
    assert len(files) > 50, "the scan found too few files to be looking at the project"
    offenders = []
    for path in files:
        relative = path.relative_to(PROJECT_ROOT).as_posix()
        if relative == THE_CLOCK:
            continue
        offenders += [f"{relative}:{hit}" for hit in
                      wall_clock_reads(path.read_text(encoding="utf-8"), relative)]
    assert not offenders, ("read the time from the injected clock (shopdesk.clock), not the wall "
                           "clock:\n  " + "\n  ".join(offenders))


def test_only_entry_points_hand_on_the_wall_clock() -> None:
    offenders = []
    for path in _project_files():
        relative = path.relative_to(PROJECT_ROOT).as_posix()
        if relative == THE_CLOCK or relative.startswith(ENTRY_POINTS):
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"), relative)
        offenders += [f"{relative}:{n.lineno}" for n in ast.walk(tree)
                      if isinstance(n, ast.Name) and n.id == "system_clock"
                      or isinstance(n, ast.alias) and n.name == "system_clock"]
    assert not offenders, ("only composition roots and entry points may use system_clock; "
                           "take a clock as a parameter instead:\n  " + "\n  ".join(offenders))


@pytest.mark.parametrize("snippet", [
    "from datetime import datetime, UTC\nx = datetime.now(UTC)",
    "import datetime\nx = datetime.datetime.utcnow()",
    "from datetime import date\nx = date.today()",
    "import time\nx = time.time()",
    "import time\nx = time.strftime('%Y')",
    "import time\nx = time.gmtime()",
    "from time import time\nx = time()",
    "from sqlalchemy import func\nx = Column(server_default=func.now())",
    "x = session.execute(text('select now()'))",
    "x = Column(server_default=text('CURRENT_TIMESTAMP'))",
])
def test_the_scan_catches_each_kind_of_wall_clock_read(snippet: str) -> None:
    assert wall_clock_reads(snippet)


@pytest.mark.parametrize("snippet", [
    "import time\nx = time.monotonic()",
    "import time\nx = time.strftime('%Y', time.gmtime(0))",
    "x = clock().date()",
    "x = datetime.fromisoformat('2026-01-01')",
    "print('right now')",
])
def test_the_scan_leaves_durations_and_injected_clocks_alone(snippet: str) -> None:
    assert wall_clock_reads(snippet) == []
