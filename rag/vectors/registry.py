"""Every vector backend, registered once: adding one is a class and a line here."""

from __future__ import annotations

import faiss

from .base import VectorIndex
from .ivf import IvfFlatIndex
from .ivfpq import IvfPqIndex

__all__ = ["BACKENDS", "backend_for", "new_index"]

BACKENDS: dict[str, type[VectorIndex]] = {
    VectorIndex.kind: VectorIndex,
    IvfFlatIndex.kind: IvfFlatIndex,
    IvfPqIndex.kind: IvfPqIndex,
}
"""Kind (as `IndexPolicy.kind` and `LibraryStatus.vector_index` name it) to backend class."""


def backend_for(index: faiss.Index) -> type[VectorIndex]:
    """The backend whose structure a FAISS index read from a file holds."""
    for backend in reversed(BACKENDS.values()):  # the most specific structures first
        if backend.holds(index):
            return backend
    raise ValueError(f"no vector backend reads a {type(index).__name__}")


def new_index(dimension: int) -> VectorIndex:
    """An empty index to start from (exact: the policy restructures it as it grows)."""
    return VectorIndex(dimension)
