"""The FAISS side: chunk row ids to normalised vectors, inner-product search, atomic files."""

from __future__ import annotations

import os
from pathlib import Path

import faiss
import numpy as np

__all__ = ["VectorIndex", "write_atomic"]


def write_atomic(path: Path, data: bytes | memoryview) -> None:
    """Write to a temporary file, fsync, rename over `path`, fsync the folder."""
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    with tmp.open("wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


class VectorIndex:
    """`IndexIDMap2` over exact inner product; ids are the chunk row ids in SQLite."""

    def __init__(self, dimension: int, index: faiss.Index | None = None) -> None:
        self.dimension = dimension
        self._index = index if index is not None else faiss.IndexIDMap2(faiss.IndexFlatIP(dimension))
        if self._index.d != dimension:
            raise ValueError(f"index has dimension {self._index.d}, expected {dimension}")

    def __len__(self) -> int:
        return int(self._index.ntotal)

    def copy(self) -> VectorIndex:
        """An independent copy for a writer to change while readers search this one."""
        return VectorIndex(self.dimension, faiss.clone_index(self._index))

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
        params = None
        if allowed is not None:
            params = faiss.SearchParameters(sel=faiss.IDSelectorBatch(np.asarray(allowed, dtype=np.int64)))
        scores, ids = self._index.search(q, min(k, len(self)), params=params)
        keep = ids[0] >= 0
        return ids[0][keep], scores[0][keep]

    def save(self, path: Path) -> None:
        write_atomic(path, faiss.serialize_index(self._index).tobytes())

    @classmethod
    def load(cls, path: Path, dimension: int) -> VectorIndex:
        index = faiss.deserialize_index(np.fromfile(path, dtype=np.uint8))
        return cls(dimension, index)
