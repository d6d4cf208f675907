"""Where the models run: CUDA when a GPU is present, otherwise the CPU."""

from __future__ import annotations

import functools


@functools.lru_cache(maxsize=1)
def best_device() -> str:
    import torch

    return "cuda" if torch.cuda.is_available() else "cpu"
