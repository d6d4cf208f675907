"""Train the Rasa model only when its inputs changed.

The key is a SHA-256 over the domain, config, NLU/stories/rules files and the Rasa
requirements. Trained models are kept in ``$SHOPDESK_MODEL_CACHE`` (default
``~/.cache/shopdesk/models``), so a fresh clone on the same machine reuses them.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import time
from pathlib import Path

from shopdesk.errors import ShopdeskError
from shopdesk.settings import PROJECT_ROOT

# models/encoders/*/KEY names the build of each encoder the featurizer reads (shopdesk/encoders.py)
ENCODER_KEYS = ("models/encoders/all-mpnet-base-v2/KEY",)
TRAINING_INPUTS = ("config.yml", "bot/domain", "bot/encoder_featurizer.py", *ENCODER_KEYS,
                   "training_data/nlu",
                   "training_data/stories", "training_data/rules", "requirements-rasa.txt",
                   "requirements-rasa-models.txt")
NLU_INPUTS = ("config.yml", "bot/encoder_featurizer.py", *ENCODER_KEYS, "training_data/nlu",
              "requirements-rasa.txt", "requirements-rasa-models.txt")
RASA_DATA = ("training_data/nlu", "training_data/stories", "training_data/rules")


class TrainingError(ShopdeskError):
    pass


def rasa_env(root: Path = PROJECT_ROOT) -> dict[str, str]:
    """Environment for every Rasa process: our Rasa-side modules importable, quiet
    TensorFlow, and Rasa's telemetry and crash reports (which phone home) off."""
    return {**os.environ, "PYTHONPATH": str(root), "TF_CPP_MIN_LOG_LEVEL": "2",
            "RASA_TELEMETRY_ENABLED": "false"}


def cache_dir() -> Path:
    default = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "shopdesk/models"
    return Path(os.environ.get("SHOPDESK_MODEL_CACHE", default)).expanduser()


def rasa_bin(root: Path = PROJECT_ROOT) -> Path:
    return root / ".venv-rasa/bin/rasa"


def training_files(root: Path = PROJECT_ROOT,
                   inputs: tuple[str, ...] = TRAINING_INPUTS) -> list[Path]:
    files: list[Path] = []
    for name in inputs:
        path = root / name
        if path.is_dir():
            files.extend(sorted(p for p in path.rglob("*") if p.is_file() and p.suffix in
                                {".yml", ".yaml", ".txt", ".py"}))
        elif path.is_file():
            files.append(path)
    return files


def training_hash(root: Path = PROJECT_ROOT, inputs: tuple[str, ...] = TRAINING_INPUTS) -> str:
    digest = hashlib.sha256()
    for path in training_files(root, inputs):
        digest.update(str(path.relative_to(root)).encode())
        digest.update(b"\0")
        digest.update(path.read_bytes())
        digest.update(b"\0")
    return digest.hexdigest()[:16]


_COMPONENT = re.compile(r"Starting to train component '([^']+)'")
_EPOCHS = re.compile(r"Epochs:\s+(\d+)%")


def _clean_lines(text: str) -> list[str]:
    return [line for line in re.split(r"[\r\n]+", text) if line.strip()]


def _run_with_progress(cmd: list[str], root: Path, log_path: Path) -> int:
    """Run ``rasa train`` with its full output in ``log_path`` and a short progress here."""
    env = rasa_env(root)
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(cmd, cwd=root, env=env, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        assert proc.stdout is not None
        buffer = b""
        component, shown = "", -1
        while chunk := proc.stdout.read1(4096):  # type: ignore[attr-defined]
            log.write(chunk)
            buffer += chunk
            *parts, buffer = re.split(rb"[\r\n]", buffer)
            for raw in parts:
                line = raw.decode("utf-8", "replace")
                if m := _COMPONENT.search(line):
                    component, shown = m.group(1), -1
                    print(f"    training {component}", flush=True)
                elif (m := _EPOCHS.search(line)) and component:
                    pct = int(m.group(1))
                    if pct // 25 > shown // 25 if shown >= 0 else True:
                        shown = pct
                        print(f"      {component}: {pct}% of epochs", flush=True)
        return proc.wait()


def _prune_cache(keep: int) -> None:
    models = sorted(cache_dir().glob("rasa-*.tar.gz"), key=lambda p: p.stat().st_mtime,
                    reverse=True)
    for old in models[keep:]:
        old.unlink(missing_ok=True)


def ensure_model(root: Path = PROJECT_ROOT, force: bool = False) -> Path:
    """Path of a trained model for the current inputs, training one if needed."""
    key = training_hash(root)
    cached = cache_dir() / f"rasa-{key}.tar.gz"
    local = root / "models" / cached.name
    if cached.is_file() and not force:
        print(f"• Rasa model is up to date (inputs hash {key})", flush=True)
    else:
        if not rasa_bin(root).exists():
            raise TrainingError("the Rasa environment is missing: run `make setup` first")
        cached.parent.mkdir(parents=True, exist_ok=True)
        print(f"• Training the Rasa model (inputs hash {key}); this takes a few minutes...",
              flush=True)
        started = time.monotonic()
        tmp_out = cached.parent / f".training-{key}-{os.getpid()}"
        cmd = [str(rasa_bin(root)), "train", "--domain", "bot/domain", "--config", "config.yml",
               "--data", *RASA_DATA, "--out", str(tmp_out), "--fixed-model-name", f"rasa-{key}"]
        log_path = cached.parent / f"train-{key}.log"
        returncode = _run_with_progress(cmd, root, log_path)
        produced = tmp_out / f"rasa-{key}.tar.gz"
        if returncode != 0 or not produced.is_file():
            shutil.rmtree(tmp_out, ignore_errors=True)
            tail = "\n".join(_clean_lines(log_path.read_text(errors="replace"))[-30:])
            raise TrainingError(f"rasa train failed (exit {returncode}). Full log: {log_path}\n"
                                f"{tail}")
        os.replace(produced, cached)  # atomic: never a half-written model in the cache
        shutil.rmtree(tmp_out, ignore_errors=True)
        print(f"• Trained in {time.monotonic() - started:.0f} s -> {cached}", flush=True)
    local.parent.mkdir(parents=True, exist_ok=True)
    for stale in local.parent.glob("rasa-*.tar.gz"):
        if stale != local:
            stale.unlink()  # only our local copies; the cache keeps the recent ones
    _prune_cache(keep=5)
    if not local.is_file():
        shutil.copy2(cached, local.with_suffix(".tmp"))
        os.replace(local.with_suffix(".tmp"), local)
    return local
