"""Exact scores for an approximate index: its top candidates re-scored with the true vectors
(which SQLite holds), so a quantised index finds what exact search finds and reports true
cosines (the verdict and the fusion read them)."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from .base import VectorIndex

__all__ = ["search_exact"]

REFINE = 10
"""Candidates an approximate index returns per result wanted, before re-scoring."""


def search_exact(
    index: VectorIndex,
    query: np.ndarray,
    k: int,
    *,
    allowed: np.ndarray | None,
    vectors_of: Callable[[np.ndarray], np.ndarray],
) -> tuple[np.ndarray, np.ndarray]:
    """`index.search`, re-scored exactly when the index is approximate. `vectors_of(ids)`:
    the true vectors of these ids, in order."""
    if not index.approximate:
        return index.search(query, k, allowed=allowed)
    ids, _ = index.search(query, k * REFINE, allowed=allowed)
    if len(ids) == 0:
        return ids, np.empty(0, dtype=np.float32)
    scores = vectors_of(ids) @ np.asarray(query, dtype=np.float32).reshape(-1)
    order = np.argsort(-scores, kind="stable")[:k]
    return ids[order], scores[order].astype(np.float32)
