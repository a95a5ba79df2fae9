"""Dev questions about the reference interview: hit@1, hit@5, MRR, citation accuracy, quote fidelity.

    python benchmarks/seed_dev.py [--shared ../shared] [-k 5]

A hit is a returned passage whose span overlaps a gold line; citation accuracy counts
the top passage whose cited question thread overlaps a gold question line.
"""

from __future__ import annotations

import argparse
import bisect
import json
import statistics
import tempfile
import time
from pathlib import Path

from embeddings import load_embedder
from rag import Library


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=Path(__file__).resolve().parents[2] / "shared")
    parser.add_argument("-k", type=int, default=5)
    args = parser.parse_args()
    seed = args.shared / "corpus" / "seed" / "aliyev-interview-2024-12.txt"
    questions = [json.loads(x) for x in (args.shared / "eval" / "seed_dev.jsonl").read_text().splitlines()]
    text = seed.read_bytes().decode("utf-8")
    starts = [0] + [i + 1 for i, c in enumerate(text) if c == "\n"]

    def lines(start: int, end: int) -> set[int]:
        return set(
            range(bisect.bisect_right(starts, start), bisect.bisect_right(starts, max(start, end - 1)) + 1)
        )

    with tempfile.TemporaryDirectory() as tmp, Library.open(tmp, embedder=load_embedder()) as lib:
        t0 = time.perf_counter()
        lib.add(seed)
        index_s = time.perf_counter() - t0
        ranks, cited, cite_total, mismatches, latencies, lengths = [], 0, 0, 0, [], []
        for q in questions:
            t0 = time.perf_counter()
            passages = lib.ask(q["question"], k=args.k)
            latencies.append((time.perf_counter() - t0) * 1000)
            mismatches += sum(text[p.start : p.end] != p.quote for p in passages)
            lengths += [len(p.quote) for p in passages]
            gold = set(q["gold_lines"])
            rank = next((i for i, p in enumerate(passages) if lines(p.start, p.end) & gold), None)
            ranks.append(rank)
            if q["gold_question_lines"] and passages:
                cite_total += 1
                thread = (
                    set().union(*(lines(c.start, c.end) for c in passages[0].thread))
                    if passages[0].thread
                    else set()
                )
                cited += bool(thread & set(q["gold_question_lines"]))
            print(f"{q['id']}: rank {rank if rank is None else rank + 1}  {q['question']}")
    n = len(questions)
    print(f"\nquestions {n}  k {args.k}  indexing {index_s:.1f}s")
    hit1 = sum(r == 0 for r in ranks) / n
    hitk = sum(r is not None for r in ranks) / n
    mrr = sum(1 / (r + 1) for r in ranks if r is not None) / n
    print(f"hit@1 {hit1:.2f}  hit@{args.k} {hitk:.2f}  MRR {mrr:.3f}")
    print(
        f"citation accuracy {cited}/{cite_total}  quote mismatches {mismatches}  "
        f"mean passage {statistics.mean(lengths):.0f} chars"
    )
    print(f"ask latency p50 {statistics.median(latencies):.1f} ms  max {max(latencies):.1f} ms")


if __name__ == "__main__":
    main()
