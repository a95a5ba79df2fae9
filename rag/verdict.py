"""Whether the passages answer the question at all: a small logistic model over four signals.

One cosine alone cannot tell them apart: questions about a named thing can sit far from the
passage in embedding space and still be answered word for word, and questions about what was
never said sit near a passage on the same theme. Lexical signals separate those: how much of
the question's term weight one passage contains, and how much of it no indexed chunk contains
at all (a question about a topic the library never mentions). The number of the question's
terms says how much those shares can be trusted.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass

from .model import Evidence

__all__ = ["VerdictModel", "evidence", "idf"]


@dataclass(frozen=True, slots=True)
class VerdictModel:
    """Answerable when sigmoid(weights · inputs(evidence) + bias) >= 0.5.

    `python benchmarks/calibrate.py` fits one on train splits (each train question asked of
    its own document, and of copies of the train libraries without it); the defaults are
    still the fit of earlier stops on the dev sets, with no weight on the term count, since
    the train fit accepted far more of the dev sets' unanswerable questions (README: The
    answerable verdict). Pass the fitted weights to use that one instead.
    """

    similarity: float = 12.07
    coverage: float = 6.47
    unknown: float = -12.44
    bias: float = -6.53
    terms: float = 0.0
    """On log(1 + the question's distinct terms)."""

    @staticmethod
    def inputs(e: Evidence) -> tuple[float, float, float, float]:
        """The evidence as the model reads it, in the order of its weights."""
        return (e.similarity, e.coverage, e.unknown, math.log1p(e.terms))

    def probability(self, e: Evidence) -> float:
        weights = (self.similarity, self.coverage, self.unknown, self.terms)
        z = sum(w * v for w, v in zip(weights, self.inputs(e), strict=True)) + self.bias
        return 1.0 / (1.0 + math.exp(-z))


def idf(document_frequency: int, documents: int) -> float:
    """BM25's (Lucene's) inverse document frequency: a term no chunk holds weighs the most."""
    return math.log(1.0 + (documents - document_frequency + 0.5) / (document_frequency + 0.5))


def evidence(
    similarity: float,
    terms: Mapping[str, int],
    documents: int,
    passages: Sequence[Collection[str]],
) -> Evidence:
    """`terms`: the question's distinct terms and their document frequencies; `passages`: the
    terms of each returned passage."""
    weights = {t: idf(df, documents) for t, df in terms.items()}
    total = sum(weights.values())
    if not total:
        return Evidence(similarity, 0.0, 0.0, len(terms))
    covered = max(
        (sum(w for t, w in weights.items() if t in p) for p in passages),
        default=0.0,
    )
    unknown = sum(1 for df in terms.values() if df == 0) / len(terms)
    return Evidence(similarity, covered / total, unknown, len(terms))
