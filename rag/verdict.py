"""Whether the passages answer the question at all: a small logistic model over six signals.

One cosine alone cannot tell them apart: questions about a named thing can sit far from the
passage in embedding space and still be answered word for word, and questions about what was
never said sit near a passage on the same theme. Lexical signals separate those: how much of
the question's term weight one passage contains, and how much of it no indexed chunk contains
at all (a question about a topic the library never mentions). The number of the question's
terms says how much those shares can be trusted. And a cosine means more against the others of
the same search: one that answers stands out from the chunks around it, while a short scene line
can answer at a cosine a long interview answer would fail at.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from .model import Evidence

__all__ = ["VerdictModel", "evidence", "idf", "standing"]


@dataclass(frozen=True, slots=True)
class VerdictModel:
    """Answerable when sigmoid(weights · inputs(evidence) + bias) >= 0.5.

    The defaults are what `python benchmarks/calibrate.py` fits on train splits (each train
    question asked of its own document, and of copies of the train libraries without it), the
    threshold folded into the bias (README: The answerable verdict).
    """

    similarity: float = 1.877
    coverage: float = 0.269
    unknown: float = -2.764
    bias: float = -0.697
    terms: float = -0.169
    """On log(1 + the question's distinct terms)."""
    margin: float = 9.787
    standout: float = -0.158

    @staticmethod
    def inputs(e: Evidence) -> tuple[float, float, float, float, float, float]:
        """The evidence as the model reads it, in the order of its weights."""
        return (e.similarity, e.coverage, e.unknown, math.log1p(e.terms), e.margin, e.standout)

    def probability(self, e: Evidence) -> float:
        weights = (self.similarity, self.coverage, self.unknown, self.terms, self.margin, self.standout)
        z = sum(w * v for w, v in zip(weights, self.inputs(e), strict=True)) + self.bias
        return 1.0 / (1.0 + math.exp(-z))


def idf(document_frequency: int, documents: int) -> float:
    """BM25's (Lucene's) inverse document frequency: a term no chunk holds weighs the most."""
    return math.log(1.0 + (documents - document_frequency + 0.5) / (document_frequency + 0.5))


def standing(similarity: float, cosines: Sequence[float]) -> tuple[float, float]:
    """How far `similarity` stands above `cosines` (the dense search's): above their median,
    and in standard deviations above their mean; (0, 0) for fewer than two, and no standout
    when they are all alike."""
    if len(cosines) < 2:
        return 0.0, 0.0
    c = np.asarray(cosines, dtype=np.float64)
    margin, spread = similarity - float(np.median(c)), float(c.std())
    return margin, (similarity - float(c.mean())) / spread if spread > 1e-6 else 0.0


def evidence(
    similarity: float,
    terms: Mapping[str, int],
    documents: int,
    passages: Sequence[Collection[str]],
    cosines: Sequence[float] = (),
) -> Evidence:
    """`terms`: the question's distinct terms and their document frequencies; `passages`: the
    terms of each returned passage; `cosines`: those of the chunks the dense search found."""
    margin, standout = standing(similarity, cosines)
    weights = {t: idf(df, documents) for t, df in terms.items()}
    total = sum(weights.values())
    if not total:
        return Evidence(similarity, 0.0, 0.0, len(terms), margin, standout)
    covered = max(
        (sum(w for t, w in weights.items() if t in p) for p in passages),
        default=0.0,
    )
    unknown = sum(1 for df in terms.values() if df == 0) / len(terms)
    return Evidence(similarity, covered / total, unknown, len(terms), margin, standout)
