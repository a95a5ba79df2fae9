"""Filter speed: `ask` with a date range or a person filter against the same questions
unfiltered, at 100k chunks by default.

    python benchmarks/filters.py [--chunks 100000] [--unique 3000] [--repeat 3] [--backend onnx]

The corpus is corpus.build's (real transcripts and QMSum meetings, then copies under new ids:
`--unique` real chunks are embedded, the copies come from the embedding cache). Each document
gets a date, one day apart in indexing order, so a date range selects a known share of the
library; the person filter is the named person with the most turns (through every copy). Each line
is the median p50 over `--repeat` runs of all the questions, with the spread.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from datetime import date, timedelta
from typing import Any, cast

from corpus import ROOT, build, questions, shared_dir

from embeddings import Backend, load_embedder
from rag import Library

CACHE = ROOT / "benchmarks" / ".data"


def _date_documents(lib: Library) -> list[str]:
    """Give every document a date (one a day, in id order) where it has none; the dates."""
    infos = lib.documents()
    start = date(2000, 1, 1)
    dates = [(start + timedelta(days=i)).isoformat() for i in range(len(infos))]
    undated = [(i, d) for i, d in zip(infos, dates, strict=True) if i.date != d]
    if undated:
        with lib.batch():
            for info, day in undated:
                lib.set_metadata(info.id, {"date": day})
    return dates


def _p50s(
    lib: Library, qs: list[str], repeat: int, cases: list[dict[str, Any]]
) -> tuple[list[list[float]], list[float]]:
    """Per case, the p50 of each run, and the mean passages returned. The cases take turns
    question by question, so a busy machine slows them all alike."""
    runs: list[list[float]] = [[] for _ in cases]
    found = [0.0] * len(cases)
    for _ in range(repeat):
        latencies: list[list[float]] = [[] for _ in cases]
        for q in qs:
            for c, filters in enumerate(cases):
                t = time.perf_counter()
                answer = lib.ask(q, **filters)
                latencies[c].append((time.perf_counter() - t) * 1000)
                found[c] += len(answer.passages) / (repeat * len(qs))
        for c in range(len(cases)):
            runs[c].append(statistics.median(latencies[c]))
    return runs, found


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--chunks", type=int, default=100_000)
    parser.add_argument("--unique", type=int, default=3_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--backend", default="onnx")
    args = parser.parse_args()
    embedder = load_embedder(backend=cast(Backend, args.backend), cache_dir=CACHE / "models")
    lib = build(CACHE / f"filters-{args.chunks}-{args.unique}", args.chunks, embedder, unique=args.unique)
    dates = _date_documents(lib)
    status = lib.status()
    people = lib.speakers()
    named = [p for p in people if " " in p.name and not p.name.lower().startswith("the ")]
    person = max(named or people, key=lambda p: p.turns)  # a named person, not a role
    tenth, half = dates[len(dates) * 4 // 10], dates[len(dates) * 5 // 10]
    qs = questions(shared_dir())
    for q in qs[:5]:  # warm: model, files, per-document caches
        lib.ask(q)
        lib.ask(q, date_from=tenth, date_to=half)
        lib.ask(q, speakers=[person.name])
        lib.ask(q, date_from=dates[0], date_to=half)
    print(
        f"{status.chunks} chunks ({status.vector_index}), {len(dates)} documents, {len(qs)} questions, "
        f"{args.backend}; p50 per run, median (min-max) of {args.repeat}",
        file=sys.stderr,
    )
    cases: list[tuple[str, dict[str, Any]]] = [
        ("unfiltered", {}),
        (f"date range, 10% of documents ({tenth}..{half})", {"date_from": tenth, "date_to": half}),
        (f"date range, 50% of documents (..{half})", {"date_from": dates[0], "date_to": half}),
        (
            f"person {person.name!r} ({person.documents} documents, {person.turns} turns)",
            {"speakers": [person.name]},
        ),
    ]
    runs, found = _p50s(lib, qs, args.repeat, [filters for _, filters in cases])
    ref = statistics.median(runs[0])
    for (label, _), times, per in zip(cases, runs, found, strict=True):
        med = statistics.median(times)
        print(
            f"{label}: p50 {med:.1f} ms ({min(times):.1f}-{max(times):.1f}), {med / ref:.2f}x unfiltered, "
            f"{per:.1f} passages"
        )
    lib.close()


if __name__ == "__main__":
    main()
