"""Fit the answerable verdict (`rag.verdict.VerdictModel`) and report it on the dev sets.

    python benchmarks/calibrate.py [--backend onnx] [--data-dir benchmarks/.data/calibrate]
        [--train-data /tmp/ranker-data] [--per-set 400]

Dev rows: the interview's dev questions with the unanswerable ones written for it, and QMSum
committee val with the unanswerable ones written for its meetings. Each question is asked once
(hybrid, k=5, as `rag eval` asks it); its `Answer.evidence` is one row. Train rows: questions of
MeetingQA train and half of QMSum train (the libraries `benchmarks/train_ranker.py` indexes),
each asked of its own meeting (answerable) and of another meeting of the same set
(unanswerable, mostly). A class-balanced logistic regression (Newton steps, a little L2 on
standardised features) fitted on the train rows is reported on the dev rows, next to the
model in use and a cosine threshold.

The model in use is still the dev fit of the previous stop: the train fit learns that unknown
terms mean *answerable* (a question asked of another meeting of the same library finds all its
words in the library: its own meeting is there), which accepts 70% of the dev sets'
unanswerable questions. Negatives from a library without the question's own document would
fix that; not done yet.
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


def train_rows(data: Path, embedder, per_set: int) -> tuple[np.ndarray, np.ndarray]:  # type: ignore[no-untyped-def]
    """Own-meeting questions (answerable) and the same questions asked of another meeting."""
    from train_ranker import TRAIN_SETS, _keep

    from rag.goldsets import select

    x, y = [], []
    for name, (path, fold) in TRAIN_SETS.items():
        evalset = _keep(select(load_gold(path), fold=fold))
        ids = sorted({s.document.id for s in evalset.documents})
        chosen = select(evalset, limit=per_set, seed=1).questions
        with Library.open(data / name, embedder=embedder) as lib:
            index_eval_set(lib, evalset)  # already there: nothing is encoded again
            for q in chosen:
                other = ids[(ids.index(q.document_id) + 1 + len(q.question) % (len(ids) - 1)) % len(ids)]
                for doc, label in ((q.document_id, 1), (other, 0)):
                    e = lib.ask(q.question, k=5, documents=[doc]).evidence
                    assert e is not None
                    x.append(astuple(e))
                    y.append(label)
        print(f"{name}: {len(chosen)} questions, each asked of its meeting and of another")
    return np.array(x), np.array(y)


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
    parser.add_argument("--train-data", type=Path, default=Path("/tmp/ranker-data"))
    parser.add_argument("--per-set", type=int, default=400)
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
    tx, ty = train_rows(args.train_data, embedder, args.per_set)
    print(f"{len(ty)} train rows: {int(ty.sum())} answerable, {int((1 - ty).sum())} not")
    best_cosine = max(np.unique(tx[:, 0]), key=lambda t: -np.mean((tx[:, 0] >= t) != ty))
    print(
        f"cosine   {rates(x[:, 0] >= best_cosine, y, groups)}  (threshold {best_cosine:.3f}, fitted on train)"
    )
    for chosen in (FEATURES[:1], FEATURES):
        cols = [FEATURES.index(f) for f in chosen]
        weights, bias = fit(tx[:, cols], ty)
        train_fit = tx[:, cols] @ weights + bias >= 0
        dev = x[:, cols] @ weights + bias >= 0
        terms = ", ".join(f"{f}={w:.2f}" for f, w in zip(chosen, weights, strict=True))
        print(f"fit      {terms}, bias={bias:.2f}")
        print(f"  train  FRR {np.mean(~train_fit[ty == 1]):.3f} FAR {np.mean(train_fit[ty == 0]):.3f}")
        print(f"  dev    {rates(dev, y, groups)}")


if __name__ == "__main__":
    main()
