"""Fit the answerable verdict (`rag.verdict.VerdictModel`) on the dev sets, and say how well it
generalises.

    python benchmarks/calibrate.py [--backend onnx] [--data-dir benchmarks/.data/calibrate]

Dev data only: the interview's dev questions with the unanswerable ones written for it, and QMSum
committee val with the unanswerable ones written for its meetings. Each question is asked once
(hybrid, k=5, as `rag eval` asks it); its `Answer.evidence` is one row. A class-balanced logistic
regression (Newton steps, a little L2 on standardised features) gives the weights to put in
`VerdictModel`; leave-one-out refits show the false-reject and false-accept rates to expect on
questions the fit has not seen, next to the model in use and to a cosine threshold alone.
"""

from __future__ import annotations

import argparse
from dataclasses import astuple
from pathlib import Path

import numpy as np
from corpus import ROOT, shared_dir

from embeddings import load_embedder
from rag import Library
from rag.evaluation import EvalSet, GoldQuestion, index_eval_set, load_gold
from rag.model import Evidence
from rag.verdict import VerdictModel

FEATURES = ("similarity", "coverage", "unknown")


def dev_sets(shared: Path) -> dict[str, list[EvalSet]]:
    """Each set's unanswerable questions are asked of everything its other file indexes."""
    return {
        "interview": [
            load_gold(shared / "eval" / "seed_dev.jsonl"),  # about the one seed transcript
            load_gold(ROOT / "benchmarks" / "seed_unanswerable.jsonl"),
        ],
        "qmsum-val": [
            load_gold(shared / "benchmarks" / "qmsum" / "committee_val.jsonl"),
            load_gold(ROOT / "benchmarks" / "qmsum_unanswerable.jsonl"),
        ],
    }


def collect(name: str, sets: list[EvalSet], data: Path, embedder) -> list[tuple[str, GoldQuestion, Evidence]]:  # type: ignore[no-untyped-def]
    documents = {s.document.id: s for e in sets for s in e.documents}
    questions = [q for e in sets for q in e.questions]
    rows = []
    with Library.open(data / name, embedder=embedder) as lib:
        index_eval_set(lib, EvalSet(list(documents.values()), questions))
        for q in questions:
            answer = lib.ask(q.question, k=5, documents=[q.document_id] if q.scoped else None)
            assert answer.evidence is not None
            rows.append((name, q, answer.evidence))
    return rows


def fit(x: np.ndarray, y: np.ndarray, l2: float = 0.01) -> tuple[np.ndarray, float]:
    """Class-balanced logistic regression by Newton's method; weights on the raw feature scale."""
    mu, sd = x.mean(0), x.std(0) + 1e-9
    z = np.hstack([(x - mu) / sd, np.ones((len(x), 1))])
    balance = np.where(y == 1, 0.5 / y.mean(), 0.5 / (1 - y.mean()))
    w = np.zeros(z.shape[1])
    ridge = np.diag([l2] * (z.shape[1] - 1) + [0.0]) * len(x)
    for _ in range(50):
        p = 1 / (1 + np.exp(-z @ w))
        grad = z.T @ (balance * (p - y)) + ridge @ w
        hess = (z * (balance * p * (1 - p))[:, None]).T @ z + ridge
        step = np.linalg.solve(hess, grad)
        w -= step
        if np.abs(step).max() < 1e-10:
            break
    weights = w[:-1] / sd
    return weights, float(w[-1] - weights @ mu)


def rates(accept: np.ndarray, y: np.ndarray, groups: np.ndarray) -> str:
    out = []
    for g in [*dict.fromkeys(groups), "all"]:
        m = np.ones(len(y), bool) if g == "all" else groups == g
        frr = np.mean(~accept[m & (y == 1)])
        far = np.mean(accept[m & (y == 0)])
        out.append(f"{g}: FRR {frr:.3f} FAR {far:.3f}")
    return "  ".join(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", default="onnx", choices=["torch", "onnx", "onnx-int8"])
    parser.add_argument("--data-dir", type=Path, default=ROOT / "benchmarks" / ".data" / "calibrate")
    args = parser.parse_args()
    shared = shared_dir()
    embedder = load_embedder(backend=args.backend, cache_dir=ROOT / "benchmarks" / ".data" / "models")
    rows = [
        r for name, sets in dev_sets(shared).items() for r in collect(name, sets, args.data_dir, embedder)
    ]
    x = np.array([astuple(e) for _, _, e in rows])
    y = np.array([int(q.answerable) for _, q, _ in rows])
    groups = np.array([g for g, _, _ in rows])
    print(f"{len(y)} dev questions: {int(y.sum())} answerable, {int((1 - y).sum())} not")

    current = VerdictModel()
    in_use = np.array([current.probability(Evidence(*row)) >= 0.5 for row in x])
    print(f"in use   {rates(in_use, y, groups)}")
    best_cosine = max(np.unique(x[:, 0]), key=lambda t: -np.mean((x[:, 0] >= t) != y))
    print(f"cosine   {rates(x[:, 0] >= best_cosine, y, groups)}  (threshold {best_cosine:.3f}, fitted)")
    for chosen in (FEATURES[:1], FEATURES):
        cols = [FEATURES.index(f) for f in chosen]
        weights, bias = fit(x[:, cols], y)
        fitted = x[:, cols] @ weights + bias >= 0
        held_out = np.zeros(len(y), bool)
        for i in range(len(y)):
            keep = np.arange(len(y)) != i
            w, b = fit(x[keep][:, cols], y[keep])
            held_out[i] = x[i, cols] @ w + b >= 0
        terms = ", ".join(f"{f}={w:.2f}" for f, w in zip(chosen, weights, strict=True))
        print(f"fit      {terms}, bias={bias:.2f}")
        print(f"  fitted {rates(fitted, y, groups)}")
        print(f"  LOO    {rates(held_out, y, groups)}")


if __name__ == "__main__":
    main()
