"""An inverted-file index (IVF-Flat or IVF-PQ) built in shards: trained once, here, then filled
a shard at a time by whoever `fill` hands the shards to (Ray tasks on other machines, or this
process), the filled shards merged back in order.

Assigning every vector to its list (and, for IVF-PQ, encoding it) is the part of a build that
grows with the archive; training runs on a bounded sample. Shards are consecutive runs of the
vectors and are merged in that order, so every list holds its vectors in the order one `add`
of them all gives: the same index, and the same search results, as `build`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

import faiss
import numpy as np

from .base import VectorIndex
from .ivf import IvfFlatIndex

__all__ = ["SHARD_VECTORS", "Fill", "build_in_shards", "fill_here", "fill_shard"]

SHARD_VECTORS = 65_536
"""Vectors a shard: a task's worth of work, and what it ships (about 25 MB at 384-d)."""

Fill = Callable[[bytes, Sequence[tuple[np.ndarray, np.ndarray]]], Iterable[bytes]]
"""(the trained empty index, serialised; the (ids, vectors) of each shard) -> each shard's
filled index, serialised, in shard order."""


def fill_shard(empty: bytes, ids: np.ndarray, vectors: np.ndarray) -> bytes:
    """One shard: the empty index with these vectors added (runs anywhere FAISS does)."""
    index = faiss.deserialize_index(np.frombuffer(empty, dtype=np.uint8))
    index.add_with_ids(np.ascontiguousarray(vectors, dtype=np.float32), np.asarray(ids, dtype=np.int64))
    return bytes(faiss.serialize_index(index))


def fill_here(empty: bytes, shards: Sequence[tuple[np.ndarray, np.ndarray]]) -> Iterable[bytes]:
    """Every shard in this process, one after another."""
    return (fill_shard(empty, ids, vectors) for ids, vectors in shards)


def build_in_shards(
    backend: type[IvfFlatIndex],
    dimension: int,
    ids: np.ndarray,
    vectors: np.ndarray,
    *,
    lists: int,
    nprobe: int,
    fill: Fill = fill_here,
    shard_vectors: int = SHARD_VECTORS,
) -> VectorIndex:
    """`backend.build(dimension, ids, vectors, lists=…, nprobe=…)`, its vectors added in shards
    by `fill`."""
    if shard_vectors < 1:
        raise ValueError(f"shard_vectors must be at least 1, got {shard_vectors}")
    out = backend.trained(dimension, vectors, lists=lists, nprobe=nprobe)
    shards = [
        (ids[at : at + shard_vectors], vectors[at : at + shard_vectors])
        for at in range(0, len(ids), shard_vectors)
    ]
    if len(shards) != 0:
        filled = list(fill(out.serialized(), shards))
        if len(filled) != len(shards):
            raise ValueError(f"{len(shards)} shards were sent to be filled, {len(filled)} came back")
        for shard in filled:
            out.merge(shard)
    out.map_ids()
    return out
