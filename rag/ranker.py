"""A learned ranker: a logistic model over a few per-chunk features, instead of hand-set weights
(opt-in: `RAG_RANKER=learned`, until it is ahead of them).

The features are cheap facts the retriever has anyway (the two searches' scores and ranks, the
turn's act, whether the question names the speaker, how much of the question the cited
question holds). The weights are fitted on public train splits by `benchmarks/train_ranker.py`
and stored pickle-free as JSON with the feature list and a version, so a model and the code
that computes its features cannot silently disagree.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import numpy as np

__all__ = ["FEATURES", "LinearRanker", "default_ranker", "idf_coverage"]

FEATURES: tuple[str, ...] = (
    "cosine",  # dense cosine (the lowest one seen where dense search did not return the chunk)
    "bm25",  # BM25 over the query's best BM25 score (0 where BM25 did not return it)
    "dense_rr",  # 1 / (1 + rank) in the dense list, 0 where absent
    "bm25_rr",  # the same in the BM25 list
    "fused",  # the convex fusion: the dense share of the cosine plus the rest of bm25
    "question",  # the chunk is in a question turn
    "filler",  # a backchannel or procedural turn
    "narration",  # a turn that answers nothing
    "epilogue",  # narration after the last exchange
    "named",  # the question names the turn's speaker
    "log_chars",  # log(chunk characters / 100)
    "cited",  # idf-weighted share of the question's terms in the question this chunk answers
    "turn_hits",  # log(1 + other candidate chunks of the same turn)
    "weighted",  # the hand-set scheme's score: fused x question, epilogue and named-speaker weights
    "question_cosine",  # cosine in a question turn: a question matching the question asked
    "question_bm25",  # the same for BM25
    "cited_cosine",  # cited x cosine: an answer to a matching question that is itself close
)
VERSION = 2


def idf_coverage(asked: Mapping[str, float], terms: set[str]) -> float:
    """The share of the question's idf weight that `terms` hold."""
    total = sum(asked.values())
    if total <= 0:
        return 0.0
    return sum(w for t, w in asked.items() if t in terms) / total


@dataclass(frozen=True, slots=True)
class LinearRanker:
    """score = sigmoid(bias + weights · features): a probability that the chunk answers."""

    weights: tuple[float, ...]
    bias: float
    features: tuple[str, ...] = FEATURES
    version: int = VERSION
    trained_on: dict[str, object] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.features != FEATURES:
            raise ValueError(
                f"ranker features {list(self.features)} are not this program's {list(FEATURES)}: "
                "retrain it with benchmarks/train_ranker.py"
            )
        if len(self.weights) != len(self.features):
            raise ValueError(f"{len(self.weights)} weights for {len(self.features)} features")
        if self.version != VERSION:
            raise ValueError(f"ranker version {self.version}, this program reads {VERSION}")

    def score(self, x: np.ndarray) -> np.ndarray:
        """One probability per row of `x` (rows are candidates, columns `FEATURES`)."""
        z = x @ np.asarray(self.weights, dtype=np.float64) + self.bias
        return 1.0 / (1.0 + np.exp(-np.clip(z, -30, 30)))

    def to_json(self) -> str:
        return json.dumps(
            {
                "version": self.version,
                "features": list(self.features),
                "weights": [round(w, 6) for w in self.weights],
                "bias": round(self.bias, 6),
                "trained_on": self.trained_on,
            },
            indent=2,
        )

    @classmethod
    def from_json(cls, text: str) -> LinearRanker:
        data = json.loads(text)
        return cls(
            weights=tuple(float(w) for w in data["weights"]),
            bias=float(data["bias"]),
            features=tuple(data["features"]),
            version=int(data["version"]),
            trained_on=dict(data.get("trained_on", {})),
        )

    def save(self, path: Path) -> None:
        path.write_text(self.to_json() + "\n", encoding="utf-8")

    @classmethod
    def load(cls, path: Path) -> LinearRanker:
        return cls.from_json(path.read_text(encoding="utf-8"))


def default_ranker() -> LinearRanker:
    """The weights that ship with the package (`rag/ranker.json`)."""
    return LinearRanker.from_json(resources.files("rag").joinpath("ranker.json").read_text(encoding="utf-8"))


def log_chars(n: int) -> float:
    return math.log(max(n, 1) / 100.0)


def feature_rows(rows: Sequence[Mapping[str, float]]) -> np.ndarray:
    """Candidates' feature dicts as a matrix in `FEATURES` order (a missing feature is 0)."""
    return np.array([[r.get(f, 0.0) for f in FEATURES] for r in rows], dtype=np.float64).reshape(
        len(rows), len(FEATURES)
    )
