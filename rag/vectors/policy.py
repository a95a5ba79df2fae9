"""Which backend a published generation gets, by size (restructuring only in the writer)."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import numpy as np

from .base import DEFAULT_NPROBE, VectorIndex
from .ivf import IvfFlatIndex
from .registry import BACKENDS
from .shards import Fill, build_in_shards

__all__ = ["Exact", "IndexKind", "IndexPolicy"]

IndexKind = Literal["auto", "flat", "ivf", "ivfpq"]

Exact = Callable[[], tuple[np.ndarray, np.ndarray]]
"""All (ids, vectors) exactly as stored, for retraining a quantised index (its own vectors
are only approximations)."""


@dataclass(frozen=True, slots=True)
class IndexPolicy:
    """Which structure a published generation gets. Exact search while it is fast enough
    (below `ivf_min_vectors`); past it, IVF with about 4·sqrt(n) lists, scanning `nprobe` of
    them; past `ivfpq_min_vectors`, where full vectors would take gigabytes in every process,
    IVF-PQ (a quarter byte a dimension). Recall, latency and memory: README "Scale",
    `benchmarks/speed.py faiss`. IVF rather than HNSW: it removes ids, HNSW cannot. `kind`
    overrides the choice."""

    kind: IndexKind = "auto"
    ivf_min_vectors: int = 50_000
    nprobe: int = DEFAULT_NPROBE
    ivfpq_min_vectors: int = 1_000_000
    ivfpq_nprobe: int = 128
    """IVF-PQ's lists scanned: recall@10 0.979 for the dev questions over real vectors with its
    candidates re-scored (0.949 at 64; README "Scale")."""

    def __post_init__(self) -> None:
        if self.kind != "auto" and self.kind not in BACKENDS:
            raise ValueError(f"index kind must be auto or one of {', '.join(BACKENDS)}, got {self.kind!r}")
        if min(self.ivf_min_vectors, self.nprobe, self.ivfpq_min_vectors, self.ivfpq_nprobe) < 1:
            raise ValueError("ivf_min_vectors, ivfpq_min_vectors and the nprobes must be at least 1")

    @staticmethod
    def lists_for(n: int) -> int:
        """About 4·sqrt(n) lists, with at least 39 training vectors each (FAISS's minimum)."""
        return max(1, min(int(4 * math.sqrt(n)), n // 39))

    def wants(self, n: int, current: str) -> str:
        """The backend kind for an index of `n` vectors that is now of kind `current`."""
        if self.kind != "auto":  # forced IVF still needs 39 vectors to train one list
            return self.kind if self.kind == "flat" or n >= 39 else "flat"
        # hysteresis: back down only well below a threshold, so sizes near it do not flip
        if n >= self.ivfpq_min_vectors * (0.8 if current == "ivfpq" else 1.0):
            return "ivfpq"
        return "ivf" if n >= self.ivf_min_vectors * (0.8 if current != "flat" else 1.0) else "flat"

    def wants_ivf(self, n: int, currently_ivf: bool) -> bool:
        return self.wants(n, "ivf" if currently_ivf else "flat") != "flat"

    def fit(self, index: VectorIndex, exact: Exact | None = None, fill: Fill | None = None) -> VectorIndex:
        """`index`, or the same vectors restructured: to IVF past the threshold, retrained when
        it has grown 4x since training (its lists would be twice the intended length), back
        to exact when it has shrunk. Only writers call this; it can take seconds. `exact`:
        where the true vectors are, when `index` holds approximations; `fill`: who fills a
        restructured IVF a shard at a time (Ray tasks), instead of one `add` here."""
        n = len(index)
        kind = self.wants(n, index.kind)
        target = self.lists_for(n) if kind != "flat" else 0
        if kind != index.kind or (target and (index.lists * 2 < target or index.lists > 2 * target)):
            index = restructured(index, kind, target, exact, fill)
        index.nprobe = self.nprobe_for(index.kind)
        return index

    def nprobe_for(self, kind: str) -> int:
        return self.ivfpq_nprobe if kind == "ivfpq" else self.nprobe


def restructured(
    index: VectorIndex, kind: str, lists: int, exact: Exact | None = None, fill: Fill | None = None
) -> VectorIndex:
    """The same vectors in a `kind` index (of `lists` lists where it has lists), filled in
    shards by `fill` when given and the structure has lists."""
    if exact is not None and index.kind == "ivfpq":
        ids, vectors = exact()
    else:
        ids = index.ids()
        vectors = index.reconstruct(ids.tolist())
    backend = BACKENDS[kind]
    if fill is not None and issubclass(backend, IvfFlatIndex):
        return build_in_shards(
            backend, index.dimension, ids, vectors, lists=lists, nprobe=index.nprobe, fill=fill
        )
    return backend.build(index.dimension, ids, vectors, lists=lists, nprobe=index.nprobe)
