"""Test doubles: fakes with real behaviour, not mocks."""

from __future__ import annotations

import hashlib
import re
import time
from collections.abc import Sequence

import numpy as np


class FakeEmbedder:
    """Bag of hashed words: texts sharing words get similar vectors. Fast, deterministic, no model."""

    def __init__(self, dimension: int = 64, name: str = "fake-bow") -> None:
        self.dimension = dimension
        self.name = name
        self.calls = 0

    def _one(self, text: str) -> np.ndarray:
        v = np.zeros(self.dimension, dtype=np.float32)
        for word in re.findall(r"\w+", text.lower()):
            h = int.from_bytes(hashlib.blake2b(word.encode(), digest_size=8).digest(), "little")
            v[h % self.dimension] += 1.0
        norm = float(np.linalg.norm(v))
        return v / norm if norm else v

    def embed_documents(self, texts: Sequence[str], *, progress=None) -> np.ndarray:
        self.calls += 1
        out = np.stack([self._one(t) for t in texts]) if texts else np.empty((0, self.dimension), np.float32)
        if progress:
            progress(len(texts))
        return out

    def embed_query(self, text: str) -> np.ndarray:
        return self._one(text)


class SlowEmbedder(FakeEmbedder):
    """The fake, encoding `batch` texts at a time with a pause each and reporting each batch as a
    real model does: slow enough to watch a job's progress move, or to stop a server mid-job."""

    def __init__(self, pause: float = 0.05, batch: int = 4) -> None:
        super().__init__()
        self.pause, self.batch = pause, batch

    def embed_documents(self, texts: Sequence[str], *, progress=None) -> np.ndarray:
        parts = []
        for start in range(0, len(texts), self.batch):
            time.sleep(self.pause)
            parts.append(super().embed_documents(texts[start : start + self.batch]))
            if progress:
                progress(len(parts[-1]))
        return np.concatenate(parts) if parts else np.empty((0, self.dimension), np.float32)
