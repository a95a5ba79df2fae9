"""The embedder interface the rest of the project depends on."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Protocol, runtime_checkable

import numpy as np

__all__ = ["Embedder", "Progress"]

Progress = Callable[[int], None]
"""Called with the number of texts just encoded."""


@runtime_checkable
class Embedder(Protocol):
    """Turns texts into L2-normalised float32 vectors.

    `name` identifies the model exactly (it is stored with an index, and a different
    name means the vectors are not comparable).
    """

    name: str
    dimension: int

    def embed_documents(self, texts: Sequence[str], *, progress: Progress | None = None) -> np.ndarray: ...

    def embed_query(self, text: str) -> np.ndarray: ...
