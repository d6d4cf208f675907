"""Where each server's CPU goes, by stage: py-spy samples the Rasa and action-server processes
while the highest load level runs (``py-spy record --format raw``), each sample is put in the
first stage whose code is on its stack, and a stage's share of the samples times the process's
CPU per message gives its CPU ms per message. Samples are of Python threads (time spent in
native code — onnxruntime, TensorFlow, SQLite — counts for the Python frame that called it);
samples in no stage are "other" (the web server, the event loop, glue)."""

from __future__ import annotations

import shutil
import subprocess
from collections import Counter
from pathlib import Path

# (stage, code on the stack that marks it — py-spy writes a frame as "function (file:line)"),
# first match wins
RASA_STAGES: list[tuple[str, tuple[str, ...]]] = [
    ("NLU", ("parse_message",)),
    ("tracker store", ("rasa/core/tracker_store.py", "tracker_store")),
    ("running actions (incl. action server calls)", ("rasa/core/actions/", "aiohttp")),
    ("policies", ("_predict_next_action_with_policies", "rasa/core/policies")),
    ("lock store", ("lock_store",)),
    ("channel and web server", ("bot/channels.py", "bot/platforms/", "sanic/")),
]
ACTION_STAGES: list[tuple[str, tuple[str, ...]]] = [
    ("sentiment", ("sentiment/",)),
    ("retrieval", ("retrieval/",)),
    ("profiles", ("profiles/",)),
    ("store (orders)", ("commerce/",)),
    ("actions (rest)", ("actions/",)),
    ("tracker decoding", ("rasa_sdk/interfaces.py", "json/")),
]
IDLE = ("select", "epoll", "Condition.wait", "_worker (concurrent", "_run_server_forever",
        "wait (threading", "poll (")


def sampler() -> str | None:
    found = shutil.which("py-spy")
    local = Path(__file__).resolve().parents[2] / ".venv/bin/py-spy"
    return found or (str(local) if local.exists() else None)


def record(pid: int, seconds: float, out: Path) -> subprocess.Popen[bytes] | None:
    """Start sampling ``pid`` for ``seconds`` into ``out``; None without py-spy."""
    tool = sampler()
    if tool is None:
        return None
    return subprocess.Popen([tool, "record", "--pid", str(pid), "--duration", str(int(seconds)),
                             "--rate", "50", "--format", "raw", "--output", str(out),
                             "--nonblocking"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def shares(folded: str, stages: list[tuple[str, tuple[str, ...]]]) -> dict[str, float]:
    """Each stage's share of the busy samples in py-spy's raw (folded) output."""
    counts: Counter[str] = Counter()
    for line in folded.splitlines():
        stack, _, number = line.rpartition(" ")
        if not number.isdigit():
            continue
        if any(mark in stack.rsplit(";", 1)[-1] for mark in IDLE):
            continue  # a thread waiting, not working
        stage = next((name for name, marks in stages if any(m in stack for m in marks)), "other")
        counts[stage] += int(number)
    total = sum(counts.values())
    return {name: counts[name] / total for name in [*(n for n, _ in stages), "other"]
            if total and counts[name]}
