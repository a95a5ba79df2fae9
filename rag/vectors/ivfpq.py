"""IVF-PQ: inverted lists of product-quantised codes, for archives whose full vectors would not
fit in memory (`IndexPolicy.ivfpq_min_vectors`). Each vector is kept as `dimension / 4` bytes
(4 dimensions a byte-sized code) instead of `4 * dimension`; scores are approximate."""

from __future__ import annotations

from typing import ClassVar

import faiss
import numpy as np

from .ivf import IvfFlatIndex

__all__ = ["IvfPqIndex"]

_TRAIN_MAX = 65_536
"""Vectors the quantisers are trained on (a seeded sample): k-means time, not index size."""


class IvfPqIndex(IvfFlatIndex):
    kind: ClassVar[str] = "ivfpq"
    approximate: ClassVar[bool] = True

    @classmethod
    def holds(cls, index: faiss.Index) -> bool:
        ivf = faiss.try_extract_index_ivf(index)
        return ivf is not None and isinstance(faiss.downcast_index(ivf), faiss.IndexIVFPQ)

    @staticmethod
    def subquantizers(dimension: int) -> int:
        """Codes per vector: one byte for every 4 dimensions (a divisor of `dimension`)."""
        m = max(1, dimension // 4)
        while dimension % m:
            m -= 1
        return m

    @classmethod
    def _untrained(cls, dimension: int, quantizer: faiss.Index, lists: int, count: int) -> faiss.IndexIVF:
        nbits = 8 if count >= 256 * 8 else 4  # a small forced index: fewer codewords to train
        m = cls.subquantizers(dimension)
        ivf = faiss.IndexIVFPQ(quantizer, dimension, lists, m, nbits, faiss.METRIC_INNER_PRODUCT)
        ivf.pq.cp.niter = 10  # codebooks: 10 rounds of k-means, not 25
        ivf.do_polysemous_training = False  # Hamming filtering is not used; it costs most of training
        return ivf

    @classmethod
    def _training_sample(cls, vectors: np.ndarray) -> np.ndarray:
        if len(vectors) <= _TRAIN_MAX:
            return vectors
        pick = np.random.default_rng(1234).choice(len(vectors), _TRAIN_MAX, replace=False)
        return vectors[np.sort(pick)]
