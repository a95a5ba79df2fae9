"""Cross-validate the ranker at the passage level, on the train splits: what a user gets.

`train_ranker.py` scores candidate chunks; but the retriever then assembles passages, lets a
question that only asks give its place to its answer, and joins short answers, so a chunk-level
gain need not survive. Here the documents of each train set are split in four folds (by the
hash `rag eval --split-fold` uses); for each fold a ranker is fitted on the other three, and
`rag eval --split-fold K/4` measures it on the held-out fold against the hand-set weights
(`RAG_RANKER=none`), over the libraries `train_ranker.py` built. FriendsQA trains on its fold
1 of 2 only, which holds folds 1 and 3 of 4.

    python benchmarks/ranker_cv.py                    # the shipped kind: trees, 7 leaves, 300 rounds
    python benchmarks/ranker_cv.py --leaves 15 --rounds 100
    python benchmarks/ranker_cv.py --variant all --variant first17 --variant balanced --variant library-wide
    python benchmarks/ranker_cv.py --no-hand-set --scored 0 --scored 20   # the shortlist
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from dataclasses import replace
from pathlib import Path

from corpus import service_embedder
from train_ranker import SHARED, TRAIN_SETS, Trees, collect, fit_trees

from rag.goldsets import fold_of
from rag.ranker import FEATURES

FOLDS = 4
EVAL_FOLDS = {"meetingqa": (1, 2, 3, 4), "qmsum": (1, 2, 3, 4), "friendsqa": (1, 3)}
VARIANTS = {
    "all": {},
    "balanced": {"balanced": True},  # each train set weighs the same
    "first17": {"features": FEATURES[:17]},  # the features of the previous model
    "library-wide": {"unscoped": True},  # the questions asked of the whole library too
}


def _eval(gold: Path, fold: int, data_dir: Path, ranker: str, scored: int | None) -> dict[str, float]:
    rag = Path(sys.executable).with_name("rag")  # the console script beside this Python
    command = [str(rag), "eval", str(gold), "--mode", "hybrid", "--json"]
    command += ["--split-fold", f"{fold}/{FOLDS}", "--data-dir", str(data_dir)]
    env = {**os.environ, "RAG_RANKER": ranker}
    if scored is not None:
        env["RAG_RANKER_SCORED"] = str(scored)
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=True)
    return json.loads(done.stdout)[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-dir", type=Path, default=Path("/tmp/ranker-data"))
    parser.add_argument("--leaves", type=int, default=7)
    parser.add_argument("--rounds", type=int, default=300)
    parser.add_argument("--min-leaf", type=int, default=20)
    parser.add_argument("--variant", choices=list(VARIANTS), action="append")
    parser.add_argument("--no-hand-set", action="store_true", help="skip the hand-set baseline")
    parser.add_argument(
        "--scored",
        type=int,
        action="append",
        help="the trees score in full only the best N candidates by their screen (RAG_RANKER_SCORED; "
        "0: all, which is also what these folds' trees do unset)",
    )
    args = parser.parse_args()
    base = Trees(args.leaves, args.rounds, args.min_leaf)
    variants = [replace(base, **VARIANTS[v]) for v in args.variant or ["all"]]  # type: ignore[arg-type]
    asks = (True, False) if any(v.unscoped for v in variants) else (True,)  # of its document; of all
    embedder = service_embedder(args.data_dir / "models")  # only used where no cache holds its candidates
    groups = [
        g
        for name, (path, fold) in TRAIN_SETS.items()
        for scoped in asks
        for g in collect(name, path, fold, args.data_dir, embedder, scoped=scoped)
    ]
    pooled: dict[tuple[str, str], list[tuple[int, float, float, float]]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for k in range(1, FOLDS + 1):
            rankers: list[tuple[str, str, int | None]] = []
            if not args.no_hand_set:
                rankers.append(("hand-set", "none", None))
            for v, trees in enumerate(variants):
                path = Path(tmp) / f"ranker-{k}-{v}.json"
                fit_trees([g for g in groups if fold_of(g.document, FOLDS) != k], trees).save(path)
                for scored in args.scored or [None]:
                    tag = f"trees {trees}" + ("" if scored is None else f" scored={scored}")
                    rankers.append((tag, str(path), scored))
            for name, (gold, _) in TRAIN_SETS.items():
                if k not in EVAL_FOLDS[name]:
                    continue
                for tag, ranker, scored in rankers:
                    r = _eval(gold, k, args.data_dir / name, ranker, scored)
                    row = (int(r["questions"]), r["hit_at_1"], r["hit_at_k"], r["mrr"])
                    pooled.setdefault((name, tag), []).append(row)
                    print(
                        f"fold {k} {name:9s} {tag:32s} hit@1 {r['hit_at_1']:.3f} hit@5 {r['hit_at_k']:.3f} "
                        f"MRR {r['mrr']:.3f}",
                        flush=True,
                    )
    for (name, tag), rows in pooled.items():
        n = sum(q for q, _, _, _ in rows)
        hit, hit5, mrr = (sum(r[0] * r[j] for r in rows) / n for j in (1, 2, 3))
        print(f"pooled {name:9s} {tag:32s} hit@1 {hit:.3f} hit@5 {hit5:.3f} MRR {mrr:.3f} ({n} questions)")
    print(f"(train sets under {SHARED})")


if __name__ == "__main__":
    main()
