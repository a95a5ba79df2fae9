"""Combining ranked lists from dense and lexical search: small pure functions picked by name."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

__all__ = ["FUSIONS", "convex", "rrf"]

Ranked = tuple[np.ndarray, np.ndarray]
"""(ids, scores), best first."""


def rrf(dense: Ranked, lexical: Ranked, *, weight: float = 0.5, k: float = 60.0) -> dict[int, float]:
    """Reciprocal rank fusion; `weight` is the dense share."""
    out: dict[int, float] = {}
    for (ids, _), w in ((dense, weight), (lexical, 1.0 - weight)):
        for rank, i in enumerate(ids.tolist()):
            out[i] = out.get(i, 0.0) + w / (k + rank + 1)
    return out


def convex(dense: Ranked, lexical: Ranked, *, weight: float = 0.5, k: float = 60.0) -> dict[int, float]:
    """`weight * cosine + (1 - weight) * bm25 / max bm25`; a list that misses an id gives it 0."""
    out: dict[int, float] = {}
    d_ids, d_scores = dense
    for i, s in zip(d_ids.tolist(), d_scores.tolist(), strict=True):
        out[i] = weight * s
    l_ids, l_scores = lexical
    top = float(l_scores[0]) if len(l_scores) else 0.0
    if top > 0:
        for i, s in zip(l_ids.tolist(), l_scores.tolist(), strict=True):
            out[i] = out.get(i, 0.0) + (1.0 - weight) * s / top
    return out


FUSIONS: dict[str, Callable[..., dict[int, float]]] = {"rrf": rrf, "convex": convex}
