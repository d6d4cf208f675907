"""Per-message cost of the NLU featurizer's encoders (`make bench-nlu`, Rasa environment).

Featurizes the hold-out messages one at a time (batch 1, as the server does) with each
configuration and prints p50 / p95 milliseconds: MiniLM alone (the previous pipeline) next to
MiniLM + mpnet (the current one).
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from rasa.nlu.tokenizers.whitespace_tokenizer import WhitespaceTokenizer  # noqa: E402
from rasa.shared.nlu.training_data.message import Message  # noqa: E402

from bot.encoder_featurizer import SentenceEncoderFeaturizer  # noqa: E402

CONFIGS = {"MiniLM int8 (previous)": {"minilm": 1.0},
           "MiniLM int8 + mpnet mixed int8 (current)": {"minilm": 1.0, "mpnet": 1.5}}


def main() -> int:
    texts = [json.loads(line)["text"] for line in
             (ROOT / "tests/nlu/holdout.jsonl").read_text(encoding="utf-8").splitlines()
             if line.strip()][:300]
    tokenizer = WhitespaceTokenizer(WhitespaceTokenizer.get_default_config())
    print(f"{len(texts)} hold-out messages, one at a time\n")
    print("| featurizer | p50 ms | p95 ms | mean ms |\n|---|---:|---:|---:|")
    for name, encoders in CONFIGS.items():
        config = {**SentenceEncoderFeaturizer.get_default_config(), "encoders": encoders}
        featurizer = SentenceEncoderFeaturizer(config, "bench")
        timings = []
        for i, text in enumerate(texts):
            message = Message.build(text=text)
            tokenizer.process([message])
            started = time.perf_counter()
            featurizer.process([message])
            if i >= 10:  # warm-up
                timings.append((time.perf_counter() - started) * 1000)
        timings.sort()
        print(f"| {name} | {statistics.median(timings):.1f} | "
              f"{timings[int(0.95 * (len(timings) - 1))]:.1f} | {statistics.fmean(timings):.1f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
