"""Fit the learned ranker (`rag/ranker.json`) on train splits, with grouped cross-validation.

Each train set is indexed once into its own persistent library (re-runs skip what is there),
every question's hybrid candidates are collected with their features, and a candidate is
labelled right when it overlaps a gold span. Each question is asked of its own document (as
`rag eval` asks it); `--library-wide` asks it of the whole train library too (as a user asks
without `-d`, where the wrong candidates come from every document) and learns from both.
Two kinds of model are fitted: a class-balanced logistic regression (pointwise or pairwise)
and LightGBM LambdaMART trees, converted to
`rag.ranker.TreeRanker`'s JSON. The kind and its settings are chosen by cross-validation over
documents (no meeting is in two folds); the figures printed are top-candidate hit@1 and MRR
on the held-out folds.

    python benchmarks/train_ranker.py                 # fit and write rag/ranker.json
    python benchmarks/train_ranker.py --no-write      # cross-validation only

Needs scikit-learn and lightgbm (`pip install -e '.[bench]'`); serving needs neither.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import lightgbm
import numpy as np
from corpus import service_embedder
from sklearn.linear_model import LogisticRegression

from embeddings import Embedder
from embeddings.split import question_encoder
from rag import Library
from rag.evaluation import index_eval_set
from rag.goldsets import EvalSet, fold_of, load_gold, select
from rag.ranker import FEATURES, LinearRanker, Ranker, TreeRanker, feature_rows, shortlist

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "benchmarks"
# AMI meetings that MeetingQA train shares with QMSum's val and test splits (its README): left
# out, so no QMSum figure is measured on a meeting the ranker learned from.
SHARED_WITH_QMSUM = {
    "ES2004b", "ES2004d", "ES2011c", "IS1003b", "IS1003c",
    "ES2006c", "ES2009b", "ES2009d", "IS1006c", "TS3009b", "TS3009c", "TS3009d", "TS3010d",
}  # fmt: skip
TRAIN_SETS = {
    "meetingqa": (SHARED / "meetingqa" / "train.jsonl.gz", None),
    "qmsum": (SHARED / "qmsum" / "train_all.jsonl.gz", None),
    # FriendsQA has no train split: its dev scenes of fold 1 of 2 train, and fold 2 is the one
    # reported (`rag eval … --split-fold 2/2`)
    "friendsqa": (SHARED / "friendsqa" / "dev.jsonl.gz", (1, 2)),
}


@dataclass
class Group:
    """One question's candidates: features, labels, and the document it is about."""

    set: str
    document: str
    x: np.ndarray
    y: np.ndarray
    scoped: bool = True
    """Asked of its own document (as `rag eval` asks); else of its whole train library, as a
    user asks without `-d`, where the wrong candidates come from every document."""


def _keep(evalset: EvalSet) -> EvalSet:
    docs = [s for s in evalset.documents if s.document.id.split("/")[-1] not in SHARED_WITH_QMSUM]
    kept = {s.document.id for s in docs}
    return EvalSet(docs, [q for q in evalset.questions if q.document_id in kept])


def collect(
    name: str,
    path: Path,
    fold: tuple[int, int] | None,
    data_dir: Path,
    embedder: Embedder,
    *,
    scoped: bool = True,
) -> list[Group]:
    """Index the set (once) and gather its candidates, each question asked of its own document
    (`scoped`) or of the whole library; kept in `DATA_DIR/NAME.candidates[-unscoped].npz`,
    which a re-run reuses while the feature list, the selection and the question encoder
    (whose vectors the cosines are of) are the same."""
    cache = data_dir / f"{name}.candidates{'' if scoped else '-unscoped'}.npz"
    selection = "all" if fold is None else f"{fold[0]}/{fold[1]}"
    encoder = question_encoder(embedder).name
    if cache.exists():
        with np.load(cache, allow_pickle=False) as saved:  # each key read once: a read is a copy
            features, x, y, bounds, documents = (
                saved[k] for k in ("features", "x", "y", "bounds", "documents")
            )
            selected = str(saved["selection"]) if "selection" in saved else "?"
            encoded = str(saved["questions"]) if "questions" in saved else "?"
        if tuple(features.tolist()) == FEATURES and selected == selection and encoded == encoder:
            return [
                Group(name, str(d), x[a:b], y[a:b], scoped)
                for d, a, b in zip(documents.tolist(), bounds[:-1], bounds[1:], strict=True)
            ]
    groups = _gather(name, path, fold, data_dir, embedder, scoped)
    bounds = np.cumsum([0] + [len(g.y) for g in groups])
    np.savez(
        cache,
        x=np.vstack([g.x for g in groups]),
        y=np.concatenate([g.y for g in groups]),
        bounds=bounds,
        documents=np.array([g.document for g in groups]),
        features=np.array(FEATURES),
        selection=np.array(selection),
        questions=np.array(encoder),
    )
    return groups


def _gather(
    name: str, path: Path, fold: tuple[int, int] | None, data_dir: Path, embedder, scoped: bool
) -> list[Group]:
    evalset = _keep(select(load_gold(path), fold=fold))
    lib = Library.open(data_dir / name, embedder=embedder)
    started = time.perf_counter()
    index_eval_set(lib, evalset)
    print(f"{name}: {len(evalset.documents)} documents indexed in {time.perf_counter() - started:.0f} s")
    # "the whole library" is the set's documents only: a library may hold more (the meetings
    # `_keep` leaves out), which must not be learnt from even as wrong answers
    everything = [s.document.id for s in evalset.documents]
    groups = []
    for q in evalset.questions:
        if not q.gold:
            continue
        cands = lib.candidates(q.question, documents=[q.document_id] if q.scoped and scoped else everything)
        if not cands:
            continue
        x = feature_rows([f for _, f in cands])
        y = np.array(
            [r.document_id == q.document_id and _hits(q.gold, r.start, r.end) for r, _ in cands],
            dtype=np.int8,
        )
        groups.append(Group(name, q.document_id, x, y, scoped))
    lib.close()
    asked = "of their document" if scoped else "of the whole library"
    right = sum(int(g.y.any()) for g in groups)
    print(f"{name}: {len(groups)} questions asked {asked}, {right} with a right candidate")
    return groups


def _hits(gold: Sequence[tuple[int, int]], start: int, end: int) -> bool:
    return any(start < b and a < end for a, b in gold)


def fit_pairwise(groups: Sequence[Group], c: float, negatives: int = 30) -> LinearRanker:
    """Logistic regression on differences (right minus wrong) of one question's candidates:
    it learns an order within a question, not a probability across questions."""
    diffs = []
    weights = []
    for g in groups:
        pos, neg = np.flatnonzero(g.y == 1), np.flatnonzero(g.y == 0)
        if not len(pos) or not len(neg):
            continue
        hard = neg[np.argsort(-g.x[neg, FEATURES.index("fused")])[:negatives]]  # the wrong ones near the top
        d = (g.x[pos][:, None, :] - g.x[hard][None, :, :]).reshape(-1, g.x.shape[1])
        diffs.append(d)
        weights.append(np.full(len(d), 1.0 / len(d)))
    x = np.vstack(diffs)
    w = np.concatenate(weights)
    std = x.std(axis=0) + 1e-9
    z = np.vstack([x / std, -x / std])
    y = np.concatenate([np.ones(len(x)), np.zeros(len(x))])
    model = LogisticRegression(C=c, fit_intercept=False, max_iter=2000)
    model.fit(z, y, sample_weight=np.concatenate([w, w]) * len(diffs))
    coef = model.coef_[0] / std
    return LinearRanker(tuple(float(v) for v in coef), 0.0)


def fit(groups: Sequence[Group], c: float, objective: str = "pointwise") -> LinearRanker:
    if objective == "pairwise":
        return fit_pairwise(groups, c)
    x = np.vstack([g.x for g in groups])
    y = np.concatenate([g.y for g in groups])
    mean, std = x.mean(axis=0), x.std(axis=0) + 1e-9
    # each question weighs the same whatever its number of candidates, and each train set the
    # same whatever its number of questions (meetings would otherwise outvote hearings)
    per_set = {s: sum(1 for g in groups if g.set == s) for s in {g.set for g in groups}}
    w = np.concatenate([np.full(len(g.y), 1.0 / (len(g.y) * per_set[g.set])) for g in groups])
    model = LogisticRegression(C=c, class_weight="balanced", max_iter=2000)
    model.fit((x - mean) / std, y, sample_weight=w * len(y) / w.sum())
    coef = model.coef_[0] / std
    bias = float(model.intercept_[0] - (model.coef_[0] * mean / std).sum())
    return LinearRanker(tuple(float(v) for v in coef), bias)


TIE = 0.01
"""Mean held-out hit@1 within which settings count as equal (two 5-fold splittings of the same
questions moved the tree sizes' difference by about that much)."""


CUT_TIE = TIE / 2
"""How much mean hit@1 or MRR a shortlist may cost: it buys latency, not quality, so less
than the settings' own tie."""


@dataclass(frozen=True)
class Trees:
    """LambdaMART settings, the grid cross-validation chooses from: the tree sizes, the
    features the trees may split on, and whether each train set weighs the same."""

    leaves: int
    rounds: int
    min_leaf: int
    rate: float = 0.05
    features: tuple[str, ...] = FEATURES
    balanced: bool = False
    unscoped: bool = False
    """Learn from the questions asked of the whole library too, not only of their document."""
    screen: int = 10
    """The first trees that screen the candidates (`TreeRanker.screen_trees`; `main` chooses
    it, and this is its last choice, for `ranker_cv.py`)."""

    def __str__(self) -> str:
        shown = f"leaves={self.leaves} rounds={self.rounds} min_leaf={self.min_leaf}"
        if self.features != FEATURES:
            shown += f" features={len(self.features)}"
        return shown + (" balanced" if self.balanced else "") + (" library-wide" if self.unscoped else "")


def fit_trees(groups: Sequence[Group], trees: Trees) -> TreeRanker:
    """LambdaMART on each question's candidates (questions without a right one teach nothing)."""
    kept = [g for g in groups if g.y.any() and (trees.unscoped or g.scoped)]
    model = lightgbm.LGBMRanker(
        objective="lambdarank",
        num_leaves=trees.leaves,
        n_estimators=trees.rounds,
        learning_rate=trees.rate,
        min_data_in_leaf=trees.min_leaf,
        lambdarank_truncation_level=10,
        n_jobs=1,
        verbose=-1,
    )
    columns = [FEATURES.index(f) for f in trees.features]
    x, y = np.vstack([g.x[:, columns] for g in kept]), np.concatenate([g.y for g in kept])
    weight = None
    if trees.balanced:  # a set's questions weigh 1 / its number of questions
        per_set = {s: sum(1 for g in kept if g.set == s) for s in {g.set for g in kept}}
        mean = len(kept) / len(per_set)
        weight = np.concatenate([np.full(len(g.y), mean / per_set[g.set]) for g in kept])
    model.fit(x, y, group=[len(g.y) for g in kept], sample_weight=weight)
    ranker = TreeRanker.from_lightgbm(model.booster_.dump_model(), trees.features)
    return replace(ranker, screen_trees=min(trees.screen, len(ranker.roots)))


def _shortlist(ranker: Ranker, g: Group, scored: int) -> Group:
    """The candidates the retriever lets the ranker score in full (`RetrievalConfig.scored`):
    the best by the ranker's cheaper screen, in their own order."""
    if not scored or len(g.y) <= scored:
        return g
    best = shortlist(ranker, g.x[:, [FEATURES.index(f) for f in ranker.features]], scored)
    return Group(g.set, g.document, g.x[best], g.y[best])


def ranking(ranker: Ranker, groups: Sequence[Group], scored: int = 0) -> tuple[float, float]:
    """Top-candidate hit@1 and MRR over questions that have a right candidate (of all the
    candidates; a question whose right ones are all cut by `scored` counts as a miss)."""
    hits, rr = [], []
    for whole in groups:
        if not whole.y.any():
            continue
        g = _shortlist(ranker, whole, scored)
        if not g.y.any():
            hits.append(False)
            rr.append(0.0)
            continue
        columns = [FEATURES.index(f) for f in ranker.features]
        order = np.argsort(-ranker.score(g.x[:, columns]), kind="stable")
        first = int(np.flatnonzero(g.y[order])[0])
        hits.append(first == 0)
        rr.append(1.0 / (first + 1))
    return float(np.mean(hits)), float(np.mean(rr))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-dir", type=Path, default=Path("/tmp/ranker-data"))
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--c", type=float, nargs="*", default=[0.01, 0.1, 1.0, 10.0])
    parser.add_argument(
        "--objective",
        choices=["pointwise", "pairwise", "trees"],
        nargs="*",
        default=["pointwise", "pairwise", "trees"],
    )
    parser.add_argument("--leaves", type=int, nargs="*", default=[7, 15], help="tree sizes to try")
    parser.add_argument("--rounds", type=int, nargs="*", default=[100, 300, 600], help="rounds to try")
    parser.add_argument(
        "--scored",
        type=int,
        nargs="*",
        default=[20, 30, 50],
        help="shortlists to try: the whole model scores only the best N candidates by its screen",
    )
    parser.add_argument("--screen", type=int, nargs="*", default=[10, 20, 40], help="screening trees to try")
    parser.add_argument(
        "--library-wide",
        action="store_true",
        help="also ask each question of its whole train library, and learn from both (README: tried)",
    )
    parser.add_argument("--no-write", action="store_true")
    parser.add_argument("--out", type=Path, default=ROOT / "rag" / "ranker.json")
    args = parser.parse_args()
    args.data_dir.mkdir(parents=True, exist_ok=True)
    embedder = service_embedder(args.data_dir / "models")
    groups: list[Group] = []  # asked of their own document: what the figures are
    wide: list[Group] = []  # with --library-wide, the same asked of the whole library: learnt from too
    for name, (path, fold) in TRAIN_SETS.items():
        groups += collect(name, path, fold, args.data_dir, embedder)
        if args.library_wide:
            wide += collect(name, path, fold, args.data_dir, embedder, scoped=False)
    print(f"{len(groups)} questions" + (", each asked of the whole library too" if wide else ""))
    for alone in ("fused", "weighted"):  # the convex fusion, and the hand-set weighted score
        baseline = LinearRanker(tuple(1.0 if f == alone else 0.0 for f in FEATURES), 0.0)
        shown = "  ".join(
            "{} hit@1 {:.3f} MRR {:.3f}".format(n, *ranking(baseline, [g for g in groups if g.set == n]))
            for n in TRAIN_SETS
        )
        print(f"{alone} alone: {shown}")
    candidates: list[tuple[str, float | Trees]] = [
        (o, c) for o in args.objective if o != "trees" for c in args.c
    ] + [
        ("trees", Trees(leaves, rounds, 20, unscoped=args.library_wide))
        for leaves in args.leaves
        for rounds in args.rounds
        if "trees" in args.objective
    ]
    scored: list[tuple[float, str, float | Trees]] = []
    held_out: dict[str, list[tuple[Group, Ranker]]] = {}
    for objective, setting in candidates:
        held, held_wide = [], []
        for k in range(1, args.folds + 1):  # the folds `rag eval --split-fold` and ranker_cv use
            train = [g for g in groups + wide if fold_of(g.document, args.folds) != k]
            model = _fit(train, objective, setting)
            held += [(g, model) for g in groups if fold_of(g.document, args.folds) == k]
            held_wide += [(g, model) for g in wide if fold_of(g.document, args.folds) == k]
        overall, shown, _ = _held_out(held)
        label = f"C={setting}" if objective != "trees" else str(setting)
        print(f"{objective:9s} {label:34s} cross-validated: {shown}", flush=True)
        if held_wide:
            print(f"{'':44s} of the whole library: {_held_out(held_wide)[1]}", flush=True)
        scored.append((overall, objective, setting))
        held_out[label] = held
    best = max(overall for overall, _, _ in scored)
    # within the noise of the best, the cheapest to serve: a linear model, then the fewest splits
    _, objective, setting = min(
        (c for c in scored if c[0] >= best - TIE),
        key=lambda c: c[2].leaves * c[2].rounds if isinstance(c[2], Trees) else 0,
    )
    ranker = _fit(groups + wide, objective, setting)
    print(f"chosen {objective} {setting}")
    if isinstance(ranker, TreeRanker):
        held = held_out[str(setting)]
        screen, cut = _choose_shortlist(held, groups, args.screen, args.scored)
        ranker = replace(ranker, screen_trees=min(screen, len(ranker.roots)), scored=cut)
    if isinstance(ranker, LinearRanker):
        for f, w in zip(FEATURES, ranker.weights, strict=True):
            print(f"  {f:10s} {w:+.3f}")
        print(f"  bias       {ranker.bias:+.3f}")
    if not args.no_write:
        trained_on = {
            "sets": {
                n: str(p.relative_to(SHARED.parent)) + ("" if fold is None else f" fold {fold[0]}/{fold[1]}")
                for n, (p, fold) in TRAIN_SETS.items()
            },
            "questions": len(groups),
            "objective": objective,
            "setting": str(setting),
            "command": " ".join(["python benchmarks/train_ranker.py", *sys.argv[1:]]),
        }
        assert isinstance(ranker, (LinearRanker, TreeRanker))  # the kinds `_fit` makes
        args.out.write_text(replace(ranker, trained_on=trained_on).to_json() + "\n", encoding="utf-8")
        print(f"wrote {args.out}")


def _held_out(held: Sequence[tuple[Group, Ranker]], cut: int = 0) -> tuple[float, str, float]:
    """Mean hit@1 over the sets (each weighs the same), each set's hit@1 and MRR, mean MRR."""
    per_set = {}
    for name in TRAIN_SETS:
        scores = [ranking(r, [g], cut) for g, r in held if g.set == name and g.y.any()]
        per_set[name] = tuple(float(np.mean(v)) for v in zip(*scores, strict=True))
    overall = float(np.mean([h for h, _ in per_set.values()]))
    shown = "  ".join(f"{n} hit@1 {h:.3f} MRR {m:.3f}" for n, (h, m) in per_set.items())
    return overall, shown, float(np.mean([m for _, m in per_set.values()]))


def _choose_shortlist(
    held: Sequence[tuple[Group, Ranker]],
    groups: Sequence[Group],
    screens: Sequence[int],
    cuts: Sequence[int],
) -> tuple[int, int]:
    """How many first trees screen the candidates and how many of their best the whole model
    scores: the cheapest pair (tree evaluations per question) within `CUT_TIE` of scoring
    every candidate, in mean hit@1 and mean MRR. Prints every pair; returns the pair, (0, 0)
    when none keeps up (every candidate scored)."""
    whole, _, whole_mrr = _held_out(held)
    rounds = max(len(r.roots) for _, r in held if isinstance(r, TreeRanker))
    per_question = float(np.mean([len(g.y) for g in groups]))
    print(f"shortlists: all {per_question:.0f} candidates give mean hit@1 {whole:.3f}, MRR {whole_mrr:.3f}")
    chosen: tuple[float, int, int] | None = None
    for screen in screens:
        screened: dict[int, Ranker] = {
            id(r): replace(r, screen_trees=min(screen, len(r.roots)))
            for _, r in held
            if isinstance(r, TreeRanker)
        }
        for cut in cuts:
            hit, shown, mrr = _held_out([(g, screened[id(r)]) for g, r in held], cut)
            cost = screen * per_question + cut * rounds
            print(f"  first {screen} trees, best {cut} scored: {shown}  mean hit@1 {hit:.3f} MRR {mrr:.3f}")
            if hit >= whole - CUT_TIE and mrr >= whole_mrr - CUT_TIE and (chosen is None or cost < chosen[0]):
                chosen = (cost, screen, cut)
    if chosen is None:
        print("no shortlist keeps up: every candidate scored")
        return 0, 0
    print(f"chosen: the first {chosen[1]} trees screen, the best {chosen[2]} scored")
    return chosen[1], chosen[2]


def _fit(groups: Sequence[Group], objective: str, setting: float | Trees) -> Ranker:
    if isinstance(setting, Trees):
        return fit_trees(groups, setting)
    return fit(groups, setting, objective)


if __name__ == "__main__":
    main()
