"""Where an `ask` spends its time: milliseconds per question in each retrieval stage.

    python benchmarks/stages.py --data-dir DATA GOLD [--limit 150] [--mode hybrid --mode dense] [--models DIR]

Opens a library already indexed (e.g. a `rag eval --data-dir` one), draws `--limit` questions of
the gold file (the `rag eval` formats), and asks them in each mode twice, the second pass warm,
printing the whole `ask` and each `Retriever` stage below it per question. The stages are timed by
wrapping the retriever's methods in this process only (nested stages are inside their callers:
`_gather` and `_features` are inside `search`, `holds` inside `_features`).
"""

from __future__ import annotations

import argparse
import functools
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from corpus import service_embedder

from rag import Library
from rag.goldsets import load_gold, select
from rag.lexical import LexicalIndex
from rag.ranker import TreeRanker
from rag.retriever import Retriever

STAGES: tuple[tuple[type, str], ...] = (
    (Retriever, "search"),
    (Retriever, "_gather"),
    (LexicalIndex, "search"),
    (Retriever, "_features"),
    (LexicalIndex, "holds"),
    (TreeRanker, "score"),
    (Retriever, "_assemble"),
    (Retriever, "_grow"),
    (Retriever, "_passages"),
    (Retriever, "_highlight"),
    (Retriever, "_verdict"),
)


def _timed(spent: dict[str, float], name: str, method: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(method)
    def run(*args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return method(*args, **kwargs)
        finally:
            spent[name] = spent.get(name, 0.0) + time.perf_counter() - started

    return run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("gold", type=Path)
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument("--limit", type=int, default=150)
    parser.add_argument("--mode", action="append", choices=["hybrid", "dense", "bm25"])
    parser.add_argument("--models", type=Path, help="where the exported ONNX model is kept [DATA/models]")
    args = parser.parse_args()
    spent: dict[str, float] = {}
    for cls, method in STAGES:
        name = method if cls is Retriever else f"{cls.__name__}.{method}"
        setattr(cls, method, _timed(spent, name, getattr(cls, method)))
    embedder = service_embedder(args.models or args.data_dir / "models")
    questions = select(load_gold(args.gold), limit=args.limit, seed=3).questions
    with Library.open(args.data_dir, embedder=embedder) as lib:
        print(f"{len(questions)} questions over {args.data_dir}")
        for run in ("cold", "warm"):
            for mode in args.mode or ["hybrid", "dense"]:
                spent.clear()
                started = time.perf_counter()
                for q in questions:
                    lib.ask(q.question, k=5, mode=mode, documents=[q.document_id] if q.scoped else None)
                whole = (time.perf_counter() - started) / len(questions) * 1000
                stages = "  ".join(f"{n} {v / len(questions) * 1000:.2f}" for n, v in spent.items())
                print(f"{run} {mode:6s} ask {whole:.1f} ms  {stages}", flush=True)


if __name__ == "__main__":
    main()
