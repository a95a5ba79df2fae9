"""Inverted-file backends: IVF-Flat (full vectors in `lists` lists, `nprobe` scanned)."""

from __future__ import annotations

import math
from typing import ClassVar

import faiss
import numpy as np

from .base import DEFAULT_NPROBE, VectorIndex

__all__ = ["IvfFlatIndex"]


class IvfFlatIndex(VectorIndex):
    """`IndexIVFFlat` with a hash-table direct map (for removal and reconstruct). A filtered
    question scans more lists the narrower its filter (every list for a few ids, which may
    sit in lists the probe skips)."""

    kind: ClassVar[str] = "ivf"

    @classmethod
    def holds(cls, index: faiss.Index) -> bool:
        ivf = faiss.try_extract_index_ivf(index)
        return ivf is not None and isinstance(faiss.downcast_index(ivf), faiss.IndexIVFFlat)

    @classmethod
    def _untrained(cls, dimension: int, quantizer: faiss.Index, lists: int, count: int) -> faiss.IndexIVF:
        """The index to train, for `count` vectors: what a subclass changes (IVF-PQ)."""
        return faiss.IndexIVFFlat(quantizer, dimension, lists, faiss.METRIC_INNER_PRODUCT)

    @classmethod
    def _training_sample(cls, vectors: np.ndarray) -> np.ndarray:
        return vectors

    @classmethod
    def build(
        cls,
        dimension: int,
        ids: np.ndarray,
        vectors: np.ndarray,
        *,
        lists: int = 1,
        nprobe: int = DEFAULT_NPROBE,
    ) -> VectorIndex:
        out = cls.trained(dimension, vectors, lists=lists, nprobe=nprobe)
        out.map_ids()
        out.add(ids, vectors)
        return out

    @classmethod
    def trained(
        cls, dimension: int, vectors: np.ndarray, *, lists: int = 1, nprobe: int = DEFAULT_NPROBE
    ) -> IvfFlatIndex:
        """An empty index with its lists (and codes) trained on `vectors`: what `build` fills,
        or what shards are filled from and merged into (`rag.vectors.shards`). Without the map
        from id to list (`map_ids`), which FAISS cannot merge."""
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        quantizer = faiss.IndexFlatIP(dimension)
        ivf = cls._untrained(dimension, quantizer, max(1, lists), len(vectors))
        ivf.cp.seed = 1234  # the same vectors give the same lists
        # k-means on at most 32 vectors a list, 8 rounds: 100k vectors in about 9 s
        # (`benchmarks/speed.py faiss`), half the time of 64 and 10 for the same recall
        ivf.cp.niter, ivf.cp.max_points_per_centroid = 8, 32
        ivf.train(cls._training_sample(vectors))
        ivf.own_fields = True
        out = cls(dimension, ivf, nprobe)
        quantizer.this.disown()
        return out

    def map_ids(self) -> None:
        """Keep a map from id to list (a hash table), which removal and reconstruct need."""
        assert self._ivf is not None
        self._ivf.set_direct_map_type(faiss.DirectMap.Hashtable)

    def serialized(self) -> bytes:
        return bytes(faiss.serialize_index(self._index))

    def merge(self, shard: bytes) -> None:
        """Move in the vectors of a shard: an index made from this one's `serialized` empty
        form, its lists appended to these (in order, so shards of consecutive vectors merge
        into the index one `add` of them all gives)."""
        assert self._ivf is not None
        other = faiss.deserialize_index(np.frombuffer(shard, dtype=np.uint8))
        self._ivf.merge_from(other, 0)

    def _params(self, selector: faiss.IDSelector | None, share: float) -> faiss.SearchParameters | None:
        assert self._ivf is not None
        # the probe reaches about as many allowed vectors as an unfiltered one reaches vectors
        # when it scans 1/share more lists; a small share scans every list, where the bitmap
        # skips the others before any distance is computed
        nprobe = min(self._ivf.nlist, math.ceil(min(self.nprobe, self._ivf.nlist) / share))
        return faiss.SearchParametersIVF(sel=selector, nprobe=nprobe)
