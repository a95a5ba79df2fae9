"""Which backend a published generation gets, by size (restructuring only in the writer)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

from .base import DEFAULT_NPROBE, VectorIndex
from .registry import BACKENDS

__all__ = ["IndexKind", "IndexPolicy"]

IndexKind = Literal["auto", "flat", "ivf"]


@dataclass(frozen=True, slots=True)
class IndexPolicy:
    """Which structure a published generation gets. Exact search while it is fast enough
    (below `ivf_min_vectors`); past it, IVF with about 4·sqrt(n) lists, scanning `nprobe` of
    them (recall and latency: docs/architecture.md, `benchmarks/speed.py faiss`). IVF rather
    than HNSW: it removes ids, HNSW cannot. `kind` overrides the choice."""

    kind: IndexKind = "auto"
    ivf_min_vectors: int = 50_000
    nprobe: int = DEFAULT_NPROBE

    def __post_init__(self) -> None:
        if self.kind != "auto" and self.kind not in BACKENDS:
            raise ValueError(f"index kind must be auto or one of {', '.join(BACKENDS)}, got {self.kind!r}")
        if self.ivf_min_vectors < 1 or self.nprobe < 1:
            raise ValueError("ivf_min_vectors and nprobe must be at least 1")

    @staticmethod
    def lists_for(n: int) -> int:
        """About 4·sqrt(n) lists, with at least 39 training vectors each (FAISS's minimum)."""
        return max(1, min(int(4 * math.sqrt(n)), n // 39))

    def wants(self, n: int, current: str) -> str:
        """The backend kind for an index of `n` vectors that is now of kind `current`."""
        if self.kind != "auto":  # forced IVF still needs 39 vectors to train one list
            return self.kind if self.kind == "flat" or n >= 39 else "flat"
        # hysteresis: back to exact only well below the threshold, so sizes near it do not flip
        threshold = self.ivf_min_vectors * 0.8 if current != "flat" else self.ivf_min_vectors
        return "ivf" if n >= threshold else "flat"

    def wants_ivf(self, n: int, currently_ivf: bool) -> bool:
        return self.wants(n, "ivf" if currently_ivf else "flat") != "flat"

    def fit(self, index: VectorIndex) -> VectorIndex:
        """`index`, or the same vectors restructured: to IVF past the threshold, retrained when
        it has grown 4x since training (its lists would be twice the intended length), back
        to exact when it has shrunk. Only writers call this; it can take seconds."""
        n = len(index)
        kind = self.wants(n, index.kind)
        target = self.lists_for(n) if kind != "flat" else 0
        if kind != index.kind or (target and (index.lists * 2 < target or index.lists > 2 * target)):
            index = restructured(index, kind, target)
        index.nprobe = self.nprobe
        return index


def restructured(index: VectorIndex, kind: str, lists: int) -> VectorIndex:
    """The same vectors in a `kind` index (of `lists` lists where it has lists)."""
    ids = index.ids()
    vectors = index.reconstruct(ids.tolist())
    return BACKENDS[kind].build(index.dimension, ids, vectors, lists=lists, nprobe=index.nprobe)
