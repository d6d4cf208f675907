"""``make loadtest``: the product under closed-loop load, beside a previous release, in one run.

    .venv/bin/python -m shopdesk.loadtest [--baseline COMMIT] [--users 1,16] [--seconds 60]
                                          [--turns 200] [--only ours|baseline]

For each system — the baseline (a git worktree of ``--baseline``, default the commit named in
``BASELINE``) and ours (this working tree) — it starts the real stack (Rasa, action server, web
app) on free ports with a throw-away data folder, warms it up, and for each number of customers
runs Locust (``drive``) for ``--seconds``: REST and socket.io customers in multi-turn
conversations (``conversations``). Per level it records messages/s, p50/p95/p99 of a turn,
errors, turns without a reply, and the CPU the Rasa and action-server processes spent per
message (from /proc). Then one conversation of ``--turns`` messages measures how a turn's cost
grows with the conversation's length (median of turns 1–10 against the last ten). It prints
the tables and writes ``reports/loadtest.md`` and ``reports/loadtest.png``.

Both systems use the same Python environments and the same load; the baseline's model is
trained (once; cached by its inputs) if its training data differ from ours.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import httpx

from shopdesk.loadtest import stages
from shopdesk.settings import PROJECT_ROOT

BASELINE = "ca8d911"  # the last release before the issue 15 work (stop 21)
ORIGIN = "http://loadtest.example"
REPORTS = PROJECT_ROOT / "reports"

# started in the system's own code root (PYTHONPATH), so a baseline runs its own stack code
SERVE = r'''
import json, signal, sys, tempfile
from pathlib import Path
from retrieval.cli import ensure_index
from shopdesk.clock import system_clock
from shopdesk.model_cache import ensure_model
from shopdesk.settings import Settings
from shopdesk.stack import isolated_stack

model = ensure_model()
index = ensure_index(Settings.from_env())
stack = isolated_stack(Path(tempfile.mkdtemp(prefix="loadtest-")), model, index, system_clock,
                       json.loads(sys.argv[1]))
stack.start(timeout=600)
print(json.dumps({"rasa": f"http://127.0.0.1:{stack.settings.rasa_port}",
                  "pids": {n: s.process.pid for n, s in stack.services.items()}}), flush=True)
signal.signal(signal.SIGTERM, lambda *_: (stack.stop(), sys.exit(0)))
sys.stdin.read()
stack.stop()
'''


def stack_env() -> dict[str, str]:
    """The load test's settings: the per-address limit raised (every customer is 127.0.0.1), and
    the per-conversation one (the long conversation is one customer typing without pause)."""
    return {"SHOPDESK_RATE_PER_IP": "10000000", "SHOPDESK_RATE_PER_SENDER": "100000",
            "SHOPDESK_WIDGET_ORIGINS": ORIGIN,
            "SHOPDESK_CSAT_IDLE_MINUTES": "0"}


def worktree(commit: str) -> Path:
    """A git worktree of ``commit`` that shares this checkout's Python environments and built
    encoders."""
    resolved = subprocess.run(["git", "rev-parse", "--short", commit], cwd=PROJECT_ROOT,
                              capture_output=True, text=True, check=True).stdout.strip()
    path = PROJECT_ROOT / "var" / "loadtest" / f"baseline-{resolved}"
    if not (path / ".git").exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        subprocess.run(["git", "worktree", "add", "--detach", str(path), resolved],
                       cwd=PROJECT_ROOT, check=True, capture_output=True)
    for shared in (".venv", ".venv-rasa", "models/encoders"):  # built by `make setup`
        if not (path / shared).exists():
            (path / shared).parent.mkdir(parents=True, exist_ok=True)
            (path / shared).symlink_to(PROJECT_ROOT / shared)
    return path


class RunningStack:
    def __init__(self, root: Path) -> None:
        env = {**os.environ, "PYTHONPATH": str(root), "HF_HUB_OFFLINE": "1",
               "TRANSFORMERS_OFFLINE": "1", "SHOPDESK_INDEX_DIR": str(PROJECT_ROOT / "var/index")}
        self.process = subprocess.Popen(
            [sys.executable, "-c", SERVE, json.dumps(stack_env())], cwd=root, env=env,
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, start_new_session=True)
        assert self.process.stdout is not None
        for line in self.process.stdout:
            print(f"  {line.rstrip()}", flush=True)
            if line.startswith("{"):
                info = json.loads(line)
                self.rasa, self.pids = info["rasa"], info["pids"]
                return
        raise RuntimeError("the stack did not start (see the lines above)")

    def stop(self) -> None:
        with_input = self.process.stdin
        if with_input is not None:
            with_input.close()
        try:
            self.process.wait(60)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)


def stage_table(level: dict[str, Any], profiles: dict[str, Any]) -> dict[str, dict[str, float]]:
    """CPU ms per message per stage of each sampled server (empty without py-spy)."""
    found: dict[str, dict[str, float]] = {}
    for name, (path, process) in profiles.items():
        if process is None:
            continue
        process.wait(60)
        if not path.is_file():
            continue
        rules = stages.RASA_STAGES if name == "rasa" else stages.ACTION_STAGES
        per_message = level["cpu_ms_per_message"].get(name, 0.0)
        found[name] = {stage: round(share * per_message, 1)
                       for stage, share in stages.shares(path.read_text(), rules).items()}
    return found


def say(rasa: str, sender: str, text: str) -> tuple[float, int]:
    started = time.perf_counter()
    answer = httpx.post(f"{rasa}/webhooks/rest/webhook", json={"sender": sender, "message": text},
                        timeout=60)
    return (time.perf_counter() - started) * 1000, len(answer.json() or [])


def growth(rasa: str, turns: int) -> dict[str, Any]:
    from shopdesk.loadtest.conversations import long_conversation

    sender = f"long-{uuid.uuid4().hex[:12]}"
    times = []
    for i, text in enumerate(long_conversation(turns), 1):
        ms, _ = say(rasa, sender, text)
        times.append(ms)
        if i % 50 == 0:
            print(f"    turn {i}/{turns}: {ms:.0f} ms", flush=True)
    first, last = statistics.median(times[:10]), statistics.median(times[-10:])
    return {"turns": turns, "first10_ms": round(first, 1), "last10_ms": round(last, 1),
            "ratio": round(last / first, 2), "all_ms": [round(t, 1) for t in times]}


def measure(name: str, root: Path, levels: list[int], seconds: float, turns: int) -> dict[str, Any]:
    print(f"• {name}: starting the stack from {root}", flush=True)
    stack = RunningStack(root)
    try:
        for i in range(10):  # warm up every path once
            say(stack.rasa, f"warm-{i}", ["hi", "how much does delivery cost?", "where is my order?",
                                          "100236", "jane.doe@example.com"][i % 5])
        results = []
        for users in levels:
            print(f"• {name}: {users} customer(s) for {seconds:.0f} s", flush=True)
            pids = ",".join(f"{n}={p}" for n, p in stack.pids.items())
            profiles = {}
            if users == levels[-1]:  # where the CPU goes, at the highest load
                folder = Path(tempfile.mkdtemp(prefix="loadtest-spy-"))
                profiles = {n: (folder / f"{n}.folded", stages.record(
                    stack.pids[n], seconds, folder / f"{n}.folded")) for n in ("rasa", "actions")}
            with tempfile.NamedTemporaryFile(suffix=".json") as out:
                subprocess.run([sys.executable, "-m", "shopdesk.loadtest.drive", "--host", stack.rasa,
                                "--users", str(users), "--seconds", str(seconds), "--out", out.name,
                                "--pids", pids],
                               cwd=PROJECT_ROOT, check=True,
                               env={**os.environ, "PYTHONPATH": str(PROJECT_ROOT),
                                    "LOADTEST_ORIGIN": ORIGIN})
                level = json.loads(Path(out.name).read_text())
            level["stages"] = stage_table(level, profiles)
            results.append(level)
        print(f"• {name}: one conversation of {turns} turns", flush=True)
        return {"name": name, "levels": results, "growth": growth(stack.rasa, turns)}
    finally:
        stack.stop()


def table(systems: list[dict[str, Any]]) -> str:
    lines = ["| system | customers | messages/s | p50 ms | p95 ms | p99 ms | errors | no reply | "
             "CPU ms/msg rasa | CPU ms/msg actions |", "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for system in systems:
        for level in system["levels"]:
            cpu = level["cpu_ms_per_message"]
            lines.append(f"| {system['name']} | {level['users']} | {level['messages_per_s']} | "
                         f"{level['p50_ms']:.0f} | {level['p95_ms']:.0f} | {level['p99_ms']:.0f} | "
                         f"{level['errors']} | {level['no_reply']} | {cpu.get('rasa', 0)} | "
                         f"{cpu.get('actions', 0)} |")
    rows = [(system["name"], level["users"], server, stage, ms) for system in systems
            for level in system["levels"] for server, split in level.get("stages", {}).items()
            for stage, ms in split.items()]
    if rows:
        lines += ["", "| system | customers | server | stage | CPU ms per message |",
                  "|---|---:|---|---|---:|"]
        lines += [f"| {a} | {b} | {c} | {d} | {e} |" for a, b, c, d, e in rows]
    lines += ["", "| system | turns | median of turns 1–10 | median of the last 10 | ratio |",
              "|---|---:|---:|---:|---:|"]
    for system in systems:
        g = system["growth"]
        lines.append(f"| {system['name']} | {g['turns']} | {g['first10_ms']:.0f} ms | "
                     f"{g['last10_ms']:.0f} ms | {g['ratio']}× |")
    return "\n".join(lines)


def plot(systems: list[dict[str, Any]], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (left, right) = plt.subplots(1, 2, figsize=(12, 4.5))
    for system in systems:
        top = system["levels"][-1]
        times = sorted(ms for _, ms in top["timeline"])
        if times:
            left.plot(times, [i / len(times) for i in range(len(times))],
                      label=f"{system['name']} ({top['users']} customers)")
        right.plot(range(1, len(system["growth"]["all_ms"]) + 1), system["growth"]["all_ms"],
                   label=system["name"], linewidth=0.8)
    left.set(xlabel="turn latency (ms)", ylabel="share of turns", title="Turn latency (CDF)")
    right.set(xlabel="turn of one conversation", ylabel="latency (ms)",
              title="A turn's cost as the conversation grows")
    left.legend()
    right.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", default=BASELINE)
    parser.add_argument("--users", default="1,16")
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--turns", type=int, default=200)
    parser.add_argument("--only", choices=["ours", "baseline"])
    args = parser.parse_args()
    levels = [int(u) for u in args.users.split(",") if u.strip()]
    systems = []
    if args.only != "ours":
        systems.append(measure(f"baseline {args.baseline}", worktree(args.baseline), levels,
                               args.seconds, args.turns))
    if args.only != "baseline":
        systems.append(measure("ours", PROJECT_ROOT, levels, args.seconds, args.turns))
    text = table(systems)
    print("\n" + text)
    REPORTS.mkdir(exist_ok=True)
    (REPORTS / "loadtest.md").write_text(
        f"`make loadtest` ({', '.join(map(str, levels))} customers, {args.seconds:.0f} s each, "
        f"{os.cpu_count()} cores)\n\n{text}\n")
    plot(systems, REPORTS / "loadtest.png")
    print(f"\n(table: {REPORTS / 'loadtest.md'}, plot: {REPORTS / 'loadtest.png'})")


if __name__ == "__main__":
    main()
