"""Sweep the hand-set retrieval weights on the train splits (never on dev or test).

Reuses the libraries `benchmarks/train_ranker.py` indexes (MeetingQA train, half of QMSum
train), asks every question under each setting and prints passage-level hit@1 and MRR per set,
so a weight is chosen where both sets agree.

    python benchmarks/sweep.py --question-weight 0.6 0.8 1.0 --dense-weight 0.6 0.7
"""

from __future__ import annotations

import argparse
import itertools
from dataclasses import replace
from pathlib import Path

from corpus import service_embedder
from train_ranker import TRAIN_SETS, _keep

from rag import Library
from rag.evaluation import ask_all, score
from rag.goldsets import load_gold, select
from rag.retriever import RetrievalConfig


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-dir", type=Path, default=Path("/tmp/ranker-data"))
    parser.add_argument("--question-weight", type=float, nargs="*", default=[0.8])
    parser.add_argument("--dense-weight", type=float, nargs="*", default=[0.7])
    parser.add_argument("--epilogue-weight", type=float, nargs="*", default=[0.8])
    parser.add_argument("--limit", type=int, default=None)
    args = parser.parse_args()
    embedder = service_embedder(args.data_dir / "models")
    sets = {}
    for name, (path, fold) in TRAIN_SETS.items():
        evalset = _keep(select(load_gold(path), fold=fold))
        if args.limit:
            evalset = select(evalset, limit=args.limit, seed=2)
        sets[name] = (Library.open(args.data_dir / name, embedder=embedder), evalset.questions)
    grid = itertools.product(args.question_weight, args.dense_weight, args.epilogue_weight)
    for qw, dw, ew in grid:
        shown = []
        for name, (lib, questions) in sets.items():
            lib.retrieval = replace(
                RetrievalConfig(), question_weight=qw, dense_weight=dw, epilogue_weight=ew
            )
            m = score(lib, list(ask_all(lib, questions, k=5, mode="hybrid")), k=5, mode="hybrid")
            shown.append(f"{name} hit@1 {m.hit_at_1:.3f} MRR {m.mrr:.3f}")
        print(f"question {qw:.2f} dense {dw:.2f} epilogue {ew:.2f}  " + "  ".join(shown), flush=True)


if __name__ == "__main__":
    main()
