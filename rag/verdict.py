"""Whether the passages answer the question at all: a small logistic model over three signals.

One cosine alone rejected 30% of the interview's answerable dev questions to keep its false
accepts at zero: questions about a named thing ("Radio Liberty", "COP29") can sit far from the
passage in embedding space and still be answered word for word. Two lexical signals tell those
apart: how much of the question's term weight one passage contains, and how much of it no
indexed chunk contains at all (a question about "vaping" over meetings that never say it).
"""

from __future__ import annotations

import math
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass

from .model import Evidence

__all__ = ["VerdictModel", "evidence", "idf"]


@dataclass(frozen=True, slots=True)
class VerdictModel:
    """P(answerable) = sigmoid(weights · evidence + bias).

    Fitted with class-balanced logistic regression on the dev sets only (the interview's dev
    questions and 16 unanswerable ones; QMSum committee val and 24 unanswerable ones) by
    `python benchmarks/calibrate.py`, which prints these weights and the leave-one-out rates.
    """

    similarity: float = 12.07
    coverage: float = 6.47
    unknown: float = -12.44
    bias: float = -6.53

    def probability(self, e: Evidence) -> float:
        z = self.similarity * e.similarity + self.coverage * e.coverage + self.unknown * e.unknown + self.bias
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
        return Evidence(similarity, 0.0, 0.0)
    covered = max(
        (sum(w for t, w in weights.items() if t in p) for p in passages),
        default=0.0,
    )
    unknown = sum(1 for df in terms.values() if df == 0) / len(terms)
    return Evidence(similarity, covered / total, unknown)
