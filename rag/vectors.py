"""The FAISS side: chunk row ids to normalised vectors, inner-product search, atomic files.

Two index structures, both keyed by chunk row id and both supporting removal: exact search
(`IndexIDMap2` over `IndexFlatIP`) and an inverted file (`IndexIVFFlat` with a hash-table
direct map) that scans `nprobe` of its lists. `IndexPolicy` picks one by size.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import faiss
import numpy as np

__all__ = ["IndexPolicy", "VectorIndex", "write_atomic"]


def write_atomic(path: Path, write: Callable[[Path], None]) -> None:
    """`write` a temporary file, fsync it, rename it over `path`, fsync the folder: a reader
    finds the old file or the whole new one."""
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    write(tmp)
    fd = os.open(tmp, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(tmp, path)
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


_NPROBE = 64


def _bitmap(allowed: np.ndarray) -> tuple[faiss.IDSelector, np.ndarray]:
    """A selector of these ids (and the bits it reads): a bit test per scanned vector, much
    cheaper than `IDSelectorBatch`'s hash set when many ids are allowed (36 ms against 131 ms
    for 50k of 100k, every IVF list scanned)."""
    ids = np.asarray(allowed, dtype=np.int64)
    top = int(ids.max()) + 1 if len(ids) else 1
    flags = np.zeros(top, dtype=bool)
    flags[ids] = True
    bits = np.packbits(flags, bitorder="little")
    return faiss.IDSelectorBitmap(len(bits), faiss.swig_ptr(bits)), bits  # n counts bytes


"""IVF lists scanned per question by default (recall on real embeddings: see IndexPolicy)."""


IndexKind = Literal["auto", "flat", "ivf"]


@dataclass(frozen=True, slots=True)
class IndexPolicy:
    """Which structure a published generation gets. Exact search while it is fast enough
    (below `ivf_min_vectors`: about 9 ms a query on 2 cores at 44k); past it, IVF with about
    4·sqrt(n) lists, scanning `nprobe` of them: recall@10 against exact search 0.971-0.985 for
    the dev questions over 10k-44k real chunk embeddings, about 1.5 ms at 100k
    (`benchmarks/speed.py faiss`). IVF rather than HNSW: it removes ids, HNSW cannot.
    `kind` overrides the choice."""

    kind: IndexKind = "auto"
    ivf_min_vectors: int = 50_000
    nprobe: int = _NPROBE

    def __post_init__(self) -> None:
        if self.kind not in ("auto", "flat", "ivf"):
            raise ValueError(f"index kind must be auto, flat or ivf, got {self.kind!r}")
        if self.ivf_min_vectors < 1 or self.nprobe < 1:
            raise ValueError("ivf_min_vectors and nprobe must be at least 1")

    @staticmethod
    def lists_for(n: int) -> int:
        """About 4·sqrt(n) lists, with at least 39 training vectors each (FAISS's minimum)."""
        return max(1, min(int(4 * math.sqrt(n)), n // 39))

    def wants_ivf(self, n: int, currently_ivf: bool) -> bool:
        if self.kind != "auto":  # forced IVF still needs 39 vectors to train one list
            return self.kind == "ivf" and n >= 39
        # hysteresis: back to exact only well below the threshold, so sizes near it do not flip
        return n >= (self.ivf_min_vectors * 0.8 if currently_ivf else self.ivf_min_vectors)

    def fit(self, index: VectorIndex) -> VectorIndex:
        """`index`, or the same vectors restructured: to IVF past the threshold, retrained when
        it has grown 4x since training (its lists would be twice the intended length), back
        to exact when it has shrunk. Only writers call this; it can take seconds."""
        n = len(index)
        if self.wants_ivf(n, index.is_ivf):
            target = self.lists_for(n)
            if not index.is_ivf or index.lists * 2 < target or index.lists > 2 * target:
                index = index.restructured(target)
        elif index.is_ivf:
            index = index.restructured(0)
        index.nprobe = self.nprobe
        return index


class VectorIndex:
    """Chunk row ids (as in SQLite) to vectors, searched by inner product."""

    def __init__(self, dimension: int, index: faiss.Index | None = None, nprobe: int = _NPROBE) -> None:
        self.dimension = dimension
        self._index = index if index is not None else faiss.IndexIDMap2(faiss.IndexFlatIP(dimension))
        if self._index.d != dimension:
            raise ValueError(f"index has dimension {self._index.d}, expected {dimension}")
        self._ivf = faiss.try_extract_index_ivf(self._index)
        self.nprobe = nprobe

    def __len__(self) -> int:
        return int(self._index.ntotal)

    @property
    def is_ivf(self) -> bool:
        return self._ivf is not None

    @property
    def lists(self) -> int:
        """IVF lists; 0 for exact search."""
        return int(self._ivf.nlist) if self._ivf is not None else 0

    def copy(self) -> VectorIndex:
        """An independent copy for a writer to change while readers search this one."""
        return VectorIndex(self.dimension, faiss.clone_index(self._index), self.nprobe)

    def ids(self) -> np.ndarray:
        if self._ivf is not None:
            invlists = self._ivf.invlists
            parts = [
                faiss.rev_swig_ptr(invlists.get_ids(i), invlists.list_size(i)).copy()
                for i in range(self._ivf.nlist)
                if invlists.list_size(i)
            ]
            return np.concatenate(parts) if parts else np.empty(0, dtype=np.int64)
        return faiss.vector_to_array(self._index.id_map).astype(np.int64)

    def restructured(self, lists: int) -> VectorIndex:
        """The same vectors in an IVF of `lists` lists trained on them, or exact (`lists=0`)."""
        ids = self.ids()
        vectors = self.reconstruct(ids.tolist())
        if lists <= 0:
            out = VectorIndex(self.dimension, nprobe=self.nprobe)
        else:
            quantizer = faiss.IndexFlatIP(self.dimension)
            ivf = faiss.IndexIVFFlat(quantizer, self.dimension, lists, faiss.METRIC_INNER_PRODUCT)
            ivf.cp.seed = 1234  # the same vectors give the same lists
            # k-means on at most 32 vectors a list, 8 rounds: 100k vectors in about 9 s
            # (`benchmarks/speed.py faiss`), half the time of 64 and 10 for the same recall
            ivf.cp.niter, ivf.cp.max_points_per_centroid = 8, 32
            ivf.train(vectors)
            ivf.set_direct_map_type(faiss.DirectMap.Hashtable)  # for removal and reconstruct
            ivf.own_fields = True
            out = VectorIndex(self.dimension, ivf, self.nprobe)
            quantizer.this.disown()
        out.add(ids, vectors)
        return out

    def add(self, ids: np.ndarray, vectors: np.ndarray) -> None:
        if len(ids) == 0:
            return
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        if vectors.shape != (len(ids), self.dimension):
            raise ValueError(f"expected {len(ids)} vectors of {self.dimension}, got {vectors.shape}")
        self._index.add_with_ids(vectors, np.asarray(ids, dtype=np.int64))

    def remove(self, ids: np.ndarray) -> int:
        if len(ids) == 0:
            return 0
        return int(self._index.remove_ids(np.asarray(ids, dtype=np.int64)))

    def reconstruct(self, ids: list[int]) -> np.ndarray:
        """The stored vectors of these ids, in order."""
        out = np.empty((len(ids), self.dimension), dtype=np.float32)
        if self._ivf is None and len(ids) > 64:
            # IndexIDMap2 reconstructs one id at a time; the flat storage is in insertion order
            rows = {int(i): r for r, i in enumerate(faiss.vector_to_array(self._index.id_map))}
            storage = self._index.index.reconstruct_n(0, len(self))
            out[:] = storage[[rows[int(i)] for i in ids]]
            return out
        for row, i in enumerate(ids):
            out[row] = self._index.reconstruct(int(i))
        return out

    def search(
        self, query: np.ndarray, k: int, *, allowed: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """(ids, scores), best first, without FAISS's -1 padding; only `allowed` ids if given."""
        if len(self) == 0 or k <= 0 or (allowed is not None and len(allowed) == 0):
            return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.float32)
        q = np.ascontiguousarray(query.reshape(1, -1), dtype=np.float32)
        selector, bits = (None, None) if allowed is None else _bitmap(allowed)
        params: faiss.SearchParameters | None
        if self._ivf is not None:
            nprobe = min(self.nprobe, self._ivf.nlist)
            if allowed is not None:
                # the probe reaches about as many allowed vectors as an unfiltered one reaches
                # vectors when it scans 1/share more lists; a small share scans every list, where
                # the bitmap skips the others before any distance is computed
                share = max(len(allowed) / len(self), 1e-9)
                nprobe = min(self._ivf.nlist, math.ceil(nprobe / share))
            params = faiss.SearchParametersIVF(sel=selector, nprobe=nprobe)
        else:
            params = None if selector is None else faiss.SearchParameters(sel=selector)
        scores, ids = self._index.search(q, min(k, len(self)), params=params)
        del bits  # the selector reads it during the search only
        keep = ids[0] >= 0
        return ids[0][keep], scores[0][keep]

    def save(self, path: Path) -> None:
        # FAISS writes the file itself: no in-memory copy of a 150 MB index (it cost a second)
        write_atomic(path, lambda tmp: faiss.write_index(self._index, str(tmp)))

    @classmethod
    def load(cls, path: Path, dimension: int, nprobe: int = _NPROBE) -> VectorIndex:
        if not path.is_file():
            raise FileNotFoundError(path)
        return cls(dimension, faiss.read_index(str(path)), nprobe)
