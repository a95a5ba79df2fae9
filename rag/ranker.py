"""Learned rankers: a model over a few per-chunk features instead of hand-set weights.

The features are cheap facts the retriever has anyway (the two searches' scores and ranks, the
turn's act, whether the question names the speaker, how much of the question the cited
question holds). Two kinds score them, behind one protocol: a logistic model (`LinearRanker`)
and boosted trees (`TreeRanker`, fitted with LightGBM's LambdaMART but evaluated here with
numpy, so serving needs no LightGBM). Both are fitted on public train splits by
`benchmarks/train_ranker.py` and stored pickle-free as JSON with the feature list and a
version, so a model and the code that computes its features cannot silently disagree.
"""

from __future__ import annotations

import json
import operator
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, Protocol

import numpy as np

__all__ = [
    "FEATURES",
    "LinearRanker",
    "Ranker",
    "TreeRanker",
    "default_ranker",
    "idf_coverage",
    "load_ranker",
    "parse_ranker",
    "shortlist",
]

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
    "answer",  # the chunk is in an answer turn
    "coverage",  # idf-weighted share of the question's terms the chunk holds
    "rarest",  # the chunk holds the question's rarest term
    "turn_bm25",  # the best bm25 among candidate chunks of the same turn
    "turn_cosine",  # the best cosine among them
    "near_bm25",  # the best bm25 among candidates of the two turns either side
    "near_cosine",  # the best cosine among them
    "position",  # where the chunk starts inside its turn, 0 (first) to 1
    "cosine_gap",  # the best candidate's cosine minus this one's
    "query_terms",  # log(1 + the question's distinct indexed terms): short and long questions
    "top_bm25",  # log(1 + the best raw BM25 score): how much the words alone say
)
VERSION = 3
_SCORED_BEFORE = 20
"""What every screened file was scored with before files carried their own `scored`."""
_LINEAR_VERSIONS = (2, 3)  # version 2 files were linear and had no "kind"


class Ranker(Protocol):
    """Scores candidate rows (columns: its `features`) so that higher is better, each in (0, 1):
    the retriever multiplies scores by weights, so they must stay positive."""

    @property
    def features(self) -> tuple[str, ...]: ...

    @property
    def trained_on(self) -> dict[str, object]: ...

    def score(self, x: np.ndarray) -> np.ndarray: ...

    def screen(self, x: np.ndarray) -> np.ndarray:
        """A cheaper first look at the same rows, higher is better: which are worth `score`
        (the retriever scores only the best `scored`)."""
        ...

    @property
    def scored(self) -> int:
        """How many candidates, the best by `screen`, `score` sees (0: all). It is chosen with
        the screen, when the model is fitted, so it travels in the model's file."""
        ...

    def to_json(self) -> str: ...


def _check(features: tuple[str, ...], version: int, versions: tuple[int, ...]) -> None:
    """A model may use any of the features this program computes, in its own order; one it
    does not compute cannot be scored."""
    unknown = [f for f in features if f not in FEATURES]
    if unknown or len(set(features)) != len(features):
        raise ValueError(
            f"ranker features {list(features)} are not among this program's {list(FEATURES)} "
            "(or repeat one): retrain it with benchmarks/train_ranker.py"
        )
    if version not in versions:
        raise ValueError(f"ranker version {version}, this program reads {', '.join(map(str, versions))}")


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(z, -30, 30)))


def idf_coverage(asked: Mapping[str, float], terms: Collection[str]) -> float:
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
        _check(self.features, self.version, _LINEAR_VERSIONS)
        if len(self.weights) != len(self.features):
            raise ValueError(f"{len(self.weights)} weights for {len(self.features)} features")

    def score(self, x: np.ndarray) -> np.ndarray:
        """One probability per row of `x` (rows are candidates, columns `features`)."""
        return _sigmoid(x @ np.asarray(self.weights, dtype=np.float64) + self.bias)

    def screen(self, x: np.ndarray) -> np.ndarray:
        return self.score(x)  # as cheap as it gets

    @property
    def scored(self) -> int:
        return 0  # the screen is the score: a shortlist would save nothing

    def to_json(self) -> str:
        return json.dumps(
            {
                "version": self.version,
                "kind": "linear",
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
        save_ranker(self, path)

    @classmethod
    def load(cls, path: Path) -> LinearRanker:
        return cls.from_json(path.read_text(encoding="utf-8"))


@dataclass(frozen=True, slots=True)
class TreeRanker:
    """score = sigmoid(base + the sum of every tree's leaf): boosted regression trees.

    All trees' nodes are stored in flat arrays (a leaf has feature -1). A row goes left where
    its feature is <= the threshold, as in LightGBM, whose models `benchmarks/train_ranker.py`
    converts to this form.
    """

    feature: tuple[int, ...]
    threshold: tuple[float, ...]
    left: tuple[int, ...]
    right: tuple[int, ...]
    value: tuple[float, ...]
    roots: tuple[int, ...]
    base: float = 0.0
    features: tuple[str, ...] = FEATURES
    version: int = VERSION
    trained_on: dict[str, object] = field(default_factory=dict)
    screen_trees: int = 0
    """The first this many trees screen the candidates (`screen`); 0: all of them. Boosting
    fits each tree to what the earlier ones left, so the first few already rank most rows."""
    scored: int = 0
    """How many of the best by the screen every tree scores (0: all of them)."""
    _arrays: tuple[np.ndarray, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        _check(self.features, self.version, (VERSION,))
        n = len(self.feature)
        if not (len(self.threshold) == len(self.left) == len(self.right) == len(self.value) == n):
            raise ValueError("tree arrays differ in length")
        feature = np.asarray(self.feature, dtype=np.int64)
        left, right = np.asarray(self.left, dtype=np.int64), np.asarray(self.right, dtype=np.int64)
        inner = feature >= 0
        linked = np.concatenate([np.asarray(self.roots, dtype=np.int64), left[inner], right[inner]])
        if (feature >= len(self.features)).any() or ((linked < 0) | (linked >= n)).any():
            raise ValueError("a tree names a feature or node that does not exist")
        if not 0 <= self.screen_trees <= len(self.roots):
            raise ValueError(f"screen_trees must be 0 to {len(self.roots)}, got {self.screen_trees}")
        if self.scored < 0:
            raise ValueError(f"scored must be 0 or more, got {self.scored}")
        object.__setattr__(
            self, "_arrays", _exit_leaves(self.feature, self.threshold, left, right, self.value, self.roots)
        )

    def raw(self, x: np.ndarray, trees: int | None = None) -> np.ndarray:
        """The trees' sum per row, before the sigmoid (what LightGBM's `predict` returns); of
        the first `trees` trees only, where given (one-leaf trees always count: a constant).

        Every split of every tree is tested at once; a split a row passes to the right rules
        out the leaves of its left subtree (a bit mask per split), and a row's leaf in a tree
        is the leftmost one no split ruled out (QuickScorer, Lucchese et al. 2015). That is a
        few numpy operations in all, however many trees, instead of a walk level by level."""
        feature, threshold, masks, starts, values, constant = self._arrays
        if trees is not None and trees < len(starts):
            end = starts[trees] if trees else 0
            feature, threshold, masks = feature[:end], threshold[:end], masks[:end]
            starts, values = starts[:trees], values[:trees]
        if not len(starts):
            return np.full(len(x), constant + self.base)
        right = np.asarray(x, dtype=np.float64)[:, feature] > threshold
        alive = np.bitwise_and.reduceat(np.where(right, masks, _ALL), starts, axis=1)
        lowest = alive & (~alive + np.uint64(1))  # the lowest bit still set
        leaf = np.log2(lowest.astype(np.float64)).astype(np.int64)  # exact: powers of two
        return values[np.arange(len(starts)), leaf].sum(axis=1) + constant + self.base

    def score(self, x: np.ndarray) -> np.ndarray:
        return _sigmoid(self.raw(x))

    def screen(self, x: np.ndarray) -> np.ndarray:
        return self.raw(x, self.screen_trees or None)

    def to_json(self) -> str:
        return json.dumps(
            {
                "version": self.version,
                "kind": "trees",
                "features": list(self.features),
                "base": self.base,
                "roots": list(self.roots),
                "nodes": {
                    "feature": list(self.feature),
                    "threshold": list(self.threshold),
                    "left": list(self.left),
                    "right": list(self.right),
                    "value": list(self.value),
                },
                "trained_on": self.trained_on,
                "screen_trees": self.screen_trees,
                "scored": self.scored,
            }
        )

    @classmethod
    def from_json(cls, text: str) -> TreeRanker:
        data = json.loads(text)
        nodes = data["nodes"]
        return cls(
            feature=tuple(int(v) for v in nodes["feature"]),
            threshold=tuple(float(v) for v in nodes["threshold"]),
            left=tuple(int(v) for v in nodes["left"]),
            right=tuple(int(v) for v in nodes["right"]),
            value=tuple(float(v) for v in nodes["value"]),
            roots=tuple(int(v) for v in data["roots"]),
            base=float(data.get("base", 0.0)),
            features=tuple(data["features"]),
            version=int(data["version"]),
            trained_on=dict(data.get("trained_on", {})),
            screen_trees=int(data.get("screen_trees", 0)),
            scored=int(data.get("scored", _SCORED_BEFORE if data.get("screen_trees") else 0)),
        )

    def save(self, path: Path) -> None:
        save_ranker(self, path)

    @classmethod
    def from_lightgbm(cls, dump: Mapping[str, Any], features: tuple[str, ...] = FEATURES) -> TreeRanker:
        """LightGBM's JSON dump, fitted on columns `features`, as flat node arrays (numerical
        `<=` splits only, no missing values: the features are never missing)."""
        feature: list[int] = []
        threshold: list[float] = []
        left: list[int] = []
        right: list[int] = []
        value: list[float] = []

        def add(node: Mapping[str, Any]) -> int:
            at = len(feature)
            feature.append(-1)
            threshold.append(0.0)
            left.append(-1)
            right.append(-1)
            value.append(float(node.get("leaf_value", 0.0)))
            if "split_feature" in node:
                if node.get("decision_type", "<=") != "<=":
                    raise ValueError(f"unsupported split {node['decision_type']!r}")
                feature[at] = int(node["split_feature"])
                threshold[at] = float(node["threshold"])
                left[at] = add(node["left_child"])
                right[at] = add(node["right_child"])
            return at

        roots = [add(tree["tree_structure"]) for tree in dump["tree_info"]]
        if dump["feature_names"] and len(dump["feature_names"]) != len(features):
            raise ValueError("the model was fitted on another feature list")
        return cls(
            tuple(feature),
            tuple(threshold),
            tuple(left),
            tuple(right),
            tuple(value),
            tuple(roots),
            features=features,
        )


_ALL = np.uint64(2**64 - 1)


def _exit_leaves(
    feature: Sequence[int],
    threshold: Sequence[float],
    left: np.ndarray,
    right: np.ndarray,
    value: Sequence[float],
    roots: Sequence[int],
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, float]:
    """The forest as QuickScorer reads it: every split's feature, threshold and mask of the
    leaves it leaves alive when a row goes right, grouped by tree (`starts`), and each tree's
    leaf values left to right. Trees that are one leaf add a constant."""
    splits: list[tuple[int, float, int]] = []
    starts: list[int] = []
    values: list[list[float]] = []
    constant = 0.0
    seen = np.zeros(len(feature), dtype=bool)

    def walk(node: int, leaves: list[float], tree: list[tuple[int, float, int]], depth: int = 0) -> None:
        if seen[node]:
            raise ValueError("the tree nodes do not form a forest")
        if depth > 64:
            raise ValueError("a tree is deeper than 64 levels")
        seen[node] = True
        if feature[node] < 0:
            leaves.append(float(value[node]))
            if len(leaves) > 64:
                raise ValueError("a tree has more than 64 leaves")
            return
        first = len(leaves)
        walk(int(left[node]), leaves, tree, depth + 1)
        ruled_out = sum(1 << i for i in range(first, len(leaves)))  # its left subtree's leaves
        tree.append((int(feature[node]), float(threshold[node]), ruled_out))
        walk(int(right[node]), leaves, tree, depth + 1)

    for root in roots:
        leaves: list[float] = []
        tree: list[tuple[int, float, int]] = []
        walk(int(root), leaves, tree)
        if not tree:
            constant += leaves[0]
            continue
        starts.append(len(splits))
        splits += tree
        values.append(leaves)
    width = max((len(v) for v in values), default=1)
    table = np.zeros((len(values), width))
    for i, leaves in enumerate(values):
        table[i, : len(leaves)] = leaves
    return (
        np.array([f for f, _, _ in splits], dtype=np.int64),
        np.array([t for _, t, _ in splits], dtype=np.float64),
        np.array([(2**64 - 1) ^ m for _, _, m in splits], dtype=np.uint64),
        np.array(starts, dtype=np.int64),
        table,
        constant,
    )


RANKERS: dict[str, Callable[[str], Ranker]] = {
    "linear": LinearRanker.from_json,
    "trees": TreeRanker.from_json,
}
"""Every kind of ranker file, by its `kind` (one place to register another)."""


def parse_ranker(text: str) -> Ranker:
    """A ranker from its JSON, whichever kind it is."""
    kind = json.loads(text).get("kind", "linear")
    if kind not in RANKERS:
        raise ValueError(f"unknown ranker kind {kind!r}; one of {', '.join(RANKERS)}")
    return RANKERS[kind](text)


def save_ranker(ranker: Ranker, path: Path) -> None:
    path.write_text(ranker.to_json() + "\n", encoding="utf-8")


def load_ranker(path: Path) -> Ranker:
    return parse_ranker(path.read_text(encoding="utf-8"))


def shortlist(ranker: Ranker, x: np.ndarray, keep: int) -> np.ndarray:
    """The rows (of `x`, columns the ranker's features) it scores in full: the best `keep` by
    its cheaper screen (0: every row), in their own order, so that ties fall as without the cut."""
    if not keep or len(x) <= keep:
        return np.arange(len(x))
    return np.sort(np.argsort(-ranker.screen(x), kind="stable")[:keep])


def default_ranker() -> Ranker:
    """The model that ships with the package (`rag/ranker.json`)."""
    return parse_ranker(resources.files("rag").joinpath("ranker.json").read_text(encoding="utf-8"))


def feature_rows(rows: Sequence[Mapping[str, float]], names: Sequence[str] = FEATURES) -> np.ndarray:
    """Candidates' feature dicts as a matrix, columns `names` (a missing feature is 0)."""
    pick = operator.itemgetter(*names) if len(names) > 1 else lambda r: (r[names[0]],)
    try:
        table = [pick(r) for r in rows]  # the retriever's rows have every feature
    except KeyError:
        table = [[r.get(f, 0.0) for f in names] for r in rows]
    return np.array(table, dtype=np.float64).reshape(len(rows), len(names))
