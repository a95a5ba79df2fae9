"""The vector index protocol every backend implements, and the FAISS wrapper the built-in
backends share.

Keyed by chunk row id (as in SQLite), searched by inner product over normalised vectors,
removal supported (replacing or deleting a document must stay cheap).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import ClassVar, Protocol, runtime_checkable

import faiss
import numpy as np

from ..atomic import write_atomic

__all__ = ["DEFAULT_NPROBE", "VectorBackend", "VectorIndex", "write_atomic"]

DEFAULT_NPROBE = 64
"""IVF lists scanned per question by default (recall on real embeddings: see IndexPolicy)."""


@contextmanager
def _threads(n: int) -> Iterator[None]:
    """At most `n` OpenMP threads for FAISS inside (0: its default team). The limit is the
    calling thread's own (OpenMP keeps it per thread) and is put back after."""
    before = faiss.omp_get_max_threads()
    if n > 0:
        faiss.omp_set_num_threads(n)
    try:
        yield
    finally:
        faiss.omp_set_num_threads(before)


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


@runtime_checkable
class VectorBackend(Protocol):
    """What the writer, the generations and the retriever use of a vector index."""

    kind: ClassVar[str]
    approximate: ClassVar[bool]
    dimension: int
    nprobe: int

    def __len__(self) -> int: ...

    @property
    def lists(self) -> int:
        """Inverted lists (0: no lists, exhaustive search)."""
        ...

    @classmethod
    def build(
        cls, dimension: int, ids: np.ndarray, vectors: np.ndarray, *, lists: int, nprobe: int
    ) -> VectorBackend:
        """A new index of these vectors, trained on them where the structure needs training."""
        ...

    def copy(self) -> VectorBackend: ...

    def ids(self) -> np.ndarray: ...

    def add(self, ids: np.ndarray, vectors: np.ndarray) -> None: ...

    def remove(self, ids: np.ndarray) -> int: ...

    def reconstruct(self, ids: list[int]) -> np.ndarray: ...

    def search(
        self, query: np.ndarray, k: int, *, allowed: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray]: ...

    def save(self, path: Path) -> None: ...


class VectorIndex:
    """A FAISS index keyed by chunk row id: exact search (`IndexIDMap2(IndexFlatIP)`) unless
    a subclass builds another structure. `VectorIndex(dimension)` is an empty exact index."""

    kind: ClassVar[str] = "flat"
    approximate: ClassVar[bool] = False
    """Scores are approximations (quantised codes): `rescore.search_exact` corrects them."""
    search_threads: int = 1
    """OpenMP threads for one query's search (0: FAISS's team of every core). One: the team
    costs a single query more than it shares out, and far more while other work holds a core
    (README: Speed); building and training an index keep every core."""

    def __init__(
        self, dimension: int, index: faiss.Index | None = None, nprobe: int = DEFAULT_NPROBE
    ) -> None:
        self.dimension = dimension
        self._index = index if index is not None else faiss.IndexIDMap2(faiss.IndexFlatIP(dimension))
        if self._index.d != dimension:
            raise ValueError(f"index has dimension {self._index.d}, expected {dimension}")
        self._ivf = faiss.try_extract_index_ivf(self._index)
        self.nprobe = nprobe

    @classmethod
    def build(
        cls,
        dimension: int,
        ids: np.ndarray,
        vectors: np.ndarray,
        *,
        lists: int = 0,
        nprobe: int = DEFAULT_NPROBE,
    ) -> VectorIndex:
        out = cls(dimension, nprobe=nprobe)
        out.add(ids, vectors)
        return out

    @classmethod
    def holds(cls, index: faiss.Index) -> bool:
        """Whether a FAISS index read from a file is this backend's structure."""
        return faiss.try_extract_index_ivf(index) is None

    def __len__(self) -> int:
        return int(self._index.ntotal)

    @property
    def is_ivf(self) -> bool:
        return self._ivf is not None

    @property
    def lists(self) -> int:
        return int(self._ivf.nlist) if self._ivf is not None else 0

    def copy(self) -> VectorIndex:
        """An independent copy for a writer to change while readers search this one."""
        return type(self)(self.dimension, faiss.clone_index(self._index), self.nprobe)

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
        """The stored vectors of these ids, in order (decoded, so approximate for PQ)."""
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

    def _params(self, selector: faiss.IDSelector | None, share: float) -> faiss.SearchParameters | None:
        """How to search: `share` is the part of the index the filter allows (1 unfiltered)."""
        return None if selector is None else faiss.SearchParameters(sel=selector)

    def search(
        self, query: np.ndarray, k: int, *, allowed: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """(ids, scores), best first, without FAISS's -1 padding; only `allowed` ids if given."""
        if len(self) == 0 or k <= 0 or (allowed is not None and len(allowed) == 0):
            return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.float32)
        q = np.ascontiguousarray(query.reshape(1, -1), dtype=np.float32)
        selector, bits = (None, None) if allowed is None else _bitmap(allowed)
        share = 1.0 if allowed is None else max(len(allowed) / len(self), 1e-9)
        with _threads(self.search_threads):
            scores, ids = self._index.search(q, min(k, len(self)), params=self._params(selector, share))
        del bits  # the selector reads it during the search only
        keep = ids[0] >= 0
        return ids[0][keep], scores[0][keep]

    def save(self, path: Path) -> None:
        # FAISS writes the file itself: no in-memory copy of a 150 MB index (it cost a second)
        write_atomic(path, lambda tmp: faiss.write_index(self._index, str(tmp)))

    @classmethod
    def load(cls, path: Path, dimension: int, nprobe: int = DEFAULT_NPROBE) -> VectorIndex:
        """The index saved at `path`, as the backend whose structure it holds."""
        from .registry import backend_for  # the registry imports every backend, this one too

        if not path.is_file():
            raise FileNotFoundError(path)
        index = faiss.read_index(str(path))
        return backend_for(index)(dimension, index, nprobe)
