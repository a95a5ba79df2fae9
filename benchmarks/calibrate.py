"""Fit the answerable verdict (`rag.verdict.VerdictModel`) on train splits; report it on dev.

    python benchmarks/calibrate.py [--train-data /tmp/ranker-data] [--work benchmarks/.data/calibrate]
        [--per-set 400] [--backend onnx]

Train rows come from the libraries `benchmarks/train_ranker.py` indexes (`--train-data/NAME`,
its `TRAIN_SETS`; only the questions whose document is indexed there). Each library is copied
twice into `--work`, each copy without one half of its documents (by a hash of the id), so a
question can be asked where its own document is not indexed at all, as an unanswerable
question is at serving time: every signal, `unknown` above all, is then what a user would
get. Per train question (with a gold answer), four asks, hybrid, k=5 (and a fifth, its own
half of everything, whose FRR is only reported):

- its own half, of its own document (scoped as `rag eval` asks it): answerable;
- the other half, of everything: unanswerable (same kind of talk, none of it its own);
- the other half, of one of its documents: unanswerable (one meeting, like a QMSum query);
- the next train set's library, of everything: unanswerable (another kind of transcript).

Choices are made on these rows by 5-fold cross-validation grouped by the question's document:
the signals (similarity, coverage and unknown always; a further one only if it lowers the
cross-validated FAR by a point) and the threshold (the highest that keeps every train set's
cross-validated FRR at or under `--frr`), folded into the bias. The model fitted on all train
rows is printed as the `VerdictModel(...)` to put in `rag/verdict.py`, then judged, next to
the one in use, on the dev sets, which choose nothing: the interview's dev questions with
`benchmarks/seed_unanswerable.jsonl`, QMSum committee val with
`benchmarks/qmsum_unanswerable.jsonl`, MeetingQA dev and FriendsQA dev fold 2/2 (fold 1
trains; answerable questions only, so FRR only). Each dev set is asked of `--work/dev-NAME`,
copied from `--dev-data/NAME` (seed, qval, mqa, fqa) when given, else indexed there.
"""

from __future__ import annotations

import argparse
import hashlib
import random
import shutil
import sqlite3
import time
from collections.abc import Collection, Sequence
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from corpus import ROOT, service_embedder, shared_dir

from embeddings import Embedder
from rag import Library
from rag.evaluation import EvalSet, GoldQuestion, index_eval_set, load_gold
from rag.goldsets import select
from rag.verdict import VerdictModel

SIGNALS = ("similarity", "coverage", "unknown", "terms", "margin", "standout")
"""`VerdictModel.inputs`, in order: the names of its weights."""
BASE = SIGNALS[:3]
"""The signals every fit keeps (README: The answerable verdict); the others must earn a place."""
KINDS = ("own", "other library", "other meeting", "other set")
REPORTED = "own, unscoped"
"""Answerable rows asked of their whole half-library (as `rag ask` without `-d` asks): not
fitted on, since the rule above was fixed before they were asked; their FRR is reported."""


@dataclass(frozen=True, slots=True)
class Row:
    set: str
    document: str
    """The question's own document: cross-validation folds never split one."""
    kind: str
    label: int
    x: tuple[float, ...]


def half(document_id: str) -> int:
    """1 or 2, by a hash of the id salted apart from `rag.goldsets.fold_of` (FriendsQA's train
    scenes are already one fold of it)."""
    return int(hashlib.sha256(f"verdict:{document_id}".encode()).hexdigest(), 16) % 2 + 1


def split_library(source: Path, target: Path, keep: int, only: Collection[str]) -> Path:
    """A copy of `source` holding only the documents of half `keep` among `only` (the set's
    own: a library may hold more, such as the meetings `train_ranker._keep` leaves out, which
    must not be learnt from even as unanswerable rows). Made once; `split.done` records which
    documents the copy started from, so a grown source is split again. `source` is only read
    (SQLite opened read-only, files copied), and must have no writer while it is copied."""
    with closing(sqlite3.connect(f"file:{source / 'library.sqlite3'}?mode=ro", uri=True)) as db:
        ids = sorted(row[0] for row in db.execute("SELECT id FROM documents"))
    stamp = hashlib.sha256("\n".join([*ids, "only:", *sorted(only)]).encode()).hexdigest()
    done = target / "split.done"
    if done.exists() and done.read_text() == stamp:
        return target
    shutil.rmtree(target, ignore_errors=True)
    shutil.copytree(source, target, ignore=shutil.ignore_patterns("write.lock", "*.npz", "models"))
    with Library.open(target, lock_timeout=60) as lib:
        with lib.batch():
            for d in ids:
                if half(d) != keep or d not in only:
                    lib.remove(d)
        lib.catch_up()
    done.write_text(stamp)
    return target


def signals(lib: Library, question: str, documents: Sequence[str] | None) -> tuple[float, ...]:
    """One ask's evidence as the verdict reads it, asked as `rag eval` asks (hybrid, k=5)."""
    e = lib.ask(question, k=5, documents=documents).evidence
    assert e is not None
    return VerdictModel.inputs(e)


def train_rows(source: Path, work: Path, embedder: Embedder, per_set: int) -> list[Row]:
    from train_ranker import TRAIN_SETS, _keep

    libs: dict[str, dict[int, Library]] = {}
    chosen: dict[str, list[GoldQuestion]] = {}
    for name, (path, fold) in TRAIN_SETS.items():
        if not (source / name / "library.sqlite3").exists():
            print(f"{name}: no library in {source}, left out")
            continue
        evalset = _keep(select(load_gold(path), fold=fold))
        its_own = {s.document.id for s in evalset.documents}
        libs[name] = {
            h: Library.open(split_library(source / name, work / f"{name}-{h}", h, its_own), embedder=embedder)
            for h in (1, 2)
        }
        indexed = {h: sorted(d.id for d in lib.documents()) for h, lib in libs[name].items()}
        have = set(indexed[1]) | set(indexed[2])
        questions = [q for q in evalset.questions if q.gold and q.document_id in have]
        picked = set(random.Random(1).sample(range(len(questions)), min(per_set, len(questions))))
        chosen[name] = [q for i, q in enumerate(questions) if i in picked]
        print(f"{name}: {len(have)} documents indexed (halves {len(indexed[1])} + {len(indexed[2])}), "
              f"{len(chosen[name])} of {len(questions)} answerable questions")  # fmt: skip
    names = list(libs)
    rows = []
    started = time.perf_counter()
    for n, name in enumerate(names):
        other_set = names[(n + 1) % len(names)]
        for i, q in enumerate(chosen[name]):
            own, other = half(q.document_id), 3 - half(q.document_id)
            meetings = sorted(d.id for d in libs[name][other].documents())
            asks = [
                ("own", libs[name][own], [q.document_id] if q.scoped else None),
                (REPORTED, libs[name][own], None),
                ("other library", libs[name][other], None),
                ("other meeting", libs[name][other], [meetings[i % len(meetings)]]),
            ]
            if other_set != name:
                asks.append(("other set", libs[other_set][own], None))
            for kind, lib, documents in asks:
                answerable = int(kind in ("own", REPORTED))
                rows.append(Row(name, q.document_id, kind, answerable, signals(lib, q.question, documents)))
        print(f"{name}: asked ({time.perf_counter() - started:.0f} s)")
    for pair in libs.values():
        for lib in pair.values():
            lib.close()
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


def folds_of(documents: Sequence[str], k: int = 5) -> np.ndarray:
    return np.array([int(hashlib.sha256(d.encode()).hexdigest(), 16) % k for d in documents])


def cross_validated(x: np.ndarray, y: np.ndarray, folds: np.ndarray) -> np.ndarray:
    """Each row's score (the logit) from a model fitted without its fold."""
    out = np.empty(len(y))
    for f in np.unique(folds):
        held = folds == f
        weights, bias = fit(x[~held], y[~held])
        out[held] = x[held] @ weights + bias
    return out


def threshold_for(scores: np.ndarray, y: np.ndarray, sets: np.ndarray, frr: float) -> float:
    """The highest logit that rejects at most `frr` of every set's answerable rows."""
    return min(float(np.quantile(scores[(sets == s) & (y == 1)], frr)) for s in np.unique(sets))


def rates(accept: np.ndarray, y: np.ndarray, groups: np.ndarray) -> str:
    out = []
    for g in [*dict.fromkeys(groups.tolist()), "all"]:
        m = np.ones(len(y), bool) if g == "all" else groups == g
        frr = f"{np.mean(~accept[m & (y == 1)]):.3f}" if (m & (y == 1)).any() else "-"
        far = f"{np.mean(accept[m & (y == 0)]):.3f}" if (m & (y == 0)).any() else "-"
        out.append(f"{g}: FRR {frr} FAR {far}")
    return "  ".join(out)


def dev_sets(shared: Path) -> dict[str, tuple[str, list[EvalSet]]]:
    """Each set's library folder and its gold files; unanswerable questions are asked of
    everything the set's other file indexes."""
    bench = shared / "benchmarks"
    return {
        "interview": (
            "seed",
            [
                load_gold(shared / "eval" / "seed_dev.jsonl"),  # about the one seed transcript
                load_gold(ROOT / "benchmarks" / "seed_unanswerable.jsonl"),
            ],
        ),
        "qmsum-val": (
            "qval",
            [
                load_gold(bench / "qmsum" / "committee_val.jsonl"),
                load_gold(ROOT / "benchmarks" / "qmsum_unanswerable.jsonl"),
            ],
        ),
        "meetingqa-dev": ("mqa", [load_gold(bench / "meetingqa" / "dev.jsonl.gz")]),
        "friendsqa-dev-2/2": ("fqa", [select(load_gold(bench / "friendsqa" / "dev.jsonl.gz"), fold=(2, 2))]),
    }


def dev_rows(shared: Path, work: Path, embedder: Embedder, indexed: Path | None) -> list[Row]:
    """Each set asked of `work/dev-FOLDER`, a copy of `indexed/FOLDER` where there is one
    (else the set is indexed there)."""
    rows = []
    for name, (folder, sets) in dev_sets(shared).items():
        target = work / f"dev-{folder}"
        if not target.exists() and indexed is not None and (indexed / folder).exists():
            shutil.copytree(indexed / folder, target, ignore=shutil.ignore_patterns("write.lock"))
        documents = {s.document.id: s for e in sets for s in e.documents}
        questions = [q for e in sets for q in e.questions if q.answerable or not q.document_id]
        with Library.open(target, embedder=embedder) as lib:
            index_eval_set(lib, EvalSet(list(documents.values()), []))
            for q in questions:
                x = signals(lib, q.question, [q.document_id] if q.scoped else None)
                rows.append(Row(name, q.document_id, "dev", int(q.answerable), x))
        print(f"{name}: {sum(r.label for r in rows if r.set == name)} answerable, "
              f"{sum(1 - r.label for r in rows if r.set == name)} not")  # fmt: skip
    return rows


def arrays(rows: Sequence[Row], columns: Sequence[int]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    x = np.array([r.x for r in rows])[:, list(columns)]
    return x, np.array([r.label for r in rows]), np.array([r.set for r in rows])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", default="onnx", choices=["torch", "onnx", "onnx-int8"])
    parser.add_argument("--train-data", type=Path, default=Path("/tmp/ranker-data"))
    parser.add_argument("--work", type=Path, default=ROOT / "benchmarks" / ".data" / "calibrate")
    parser.add_argument(
        "--dev-data", type=Path, help="dev libraries already indexed (seed, qval, mqa, fqa) to copy"
    )
    parser.add_argument("--per-set", type=int, default=400)
    parser.add_argument("--frr", type=float, default=0.05, help="each train set's CV FRR at most")
    args = parser.parse_args()
    shared = shared_dir()
    args.work.mkdir(parents=True, exist_ok=True)
    embedder = service_embedder(args.work / "models", args.backend)

    asked = train_rows(args.train_data, args.work, embedder, args.per_set)
    train = [r for r in asked if r.kind != REPORTED]
    reported = [r for r in asked if r.kind == REPORTED]
    y_all = np.array([r.label for r in train])
    print(f"{len(train)} train rows: {int(y_all.sum())} answerable, {int((1 - y_all).sum())} not")
    folds = folds_of([r.document for r in train])
    kinds = np.array([r.kind for r in train])
    print("cross-validated on train (5 folds by document), each at its own threshold:")

    def judged(columns: tuple[int, ...]) -> tuple[float, np.ndarray, float]:
        x, y, sets = arrays(train, columns)
        scores = cross_validated(x, y, folds)
        t = threshold_for(scores, y, sets, args.frr)
        print(f"  {'+'.join(SIGNALS[c] for c in columns):34} {rates(scores >= t, y, sets)}")
        return float(np.mean(scores[y == 0] >= t)), scores, t

    base = tuple(range(len(BASE)))
    for c in base:  # what each of the three contributes, for the record
        judged(tuple(b for b in base if b != c))
    columns, (far, scores, t) = base, judged(base)
    for c in range(len(BASE), len(SIGNALS)):  # a further signal must lower the CV FAR by a point
        trial = judged((*columns, c))
        if trial[0] <= far - 0.01:
            columns, (far, scores, t) = (*columns, c), trial
    x, y, sets = arrays(train, columns)
    print(f"chosen: {'+'.join(SIGNALS[c] for c in columns)}; by kind of negative:")
    for kind in KINDS[1:]:
        m = (kinds == kind) | (y == 1)
        print(f"  {kind:14} {rates(scores[m] >= t, y[m], sets[m])}")
    if reported:  # each row scored by the model fitted without its document's fold
        rx, ry, rsets = arrays(reported, columns)
        rfolds, rscores = folds_of([r.document for r in reported]), np.empty(len(reported))
        for f in np.unique(rfolds):
            w, b = fit(x[folds != f], y[folds != f])
            rscores[rfolds == f] = rx[rfolds == f] @ w + b
        print(f"  {REPORTED:14} {rates(rscores >= t, ry, rsets)}")
    weights, bias = fit(x, y)
    fitted = dict.fromkeys(SIGNALS, 0.0) | {
        SIGNALS[c]: round(float(w), 3) for c, w in zip(columns, weights, strict=True)
    }
    model = VerdictModel(**fitted, bias=round(bias - t, 3))
    shown = ", ".join(f"{k}={v}" for k, v in fitted.items())
    print(f"fitted on all train rows, the threshold in the bias: VerdictModel({shown}, bias={model.bias})")
    # what the shipping rule compares the fit with: the weights in use, on the same train rows
    tx, ty, tsets = arrays(train, range(len(SIGNALS)))
    print(f"in use on the train rows: {rates(logits(VerdictModel(), tx) >= 0, ty, tsets)}")

    dev = dev_rows(shared, args.work, embedder, args.dev_data)
    dx, dy, dsets = arrays(dev, range(len(SIGNALS)))
    for label, m in (("in use", VerdictModel()), ("fitted", model)):
        print(f"dev {label:7} {rates(logits(m, dx) >= 0, dy, dsets)}")


def logits(model: VerdictModel, x: np.ndarray) -> np.ndarray:
    return x @ np.array([getattr(model, s) for s in SIGNALS]) + model.bias


if __name__ == "__main__":
    main()
