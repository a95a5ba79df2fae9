"""Issue 2's acceptance check: the dev questions about the reference interview, with the real model."""

from __future__ import annotations

import bisect
import json
from pathlib import Path

import pytest

from rag import Library

pytestmark = pytest.mark.model


def test_dev_questions_find_gold_lines(tmp_path: Path, shared: Path, real_embedder) -> None:
    seed = shared / "corpus" / "seed" / "aliyev-interview-2024-12.txt"
    text = seed.read_bytes().decode("utf-8")
    starts = [0] + [i + 1 for i, c in enumerate(text) if c == "\n"]

    def lines(start: int, end: int) -> set[int]:
        return set(range(bisect.bisect_right(starts, start), bisect.bisect_right(starts, end - 1) + 1))

    questions = [json.loads(line) for line in (shared / "eval" / "seed_dev.jsonl").read_text().splitlines()]
    with Library.open(tmp_path, embedder=real_embedder) as lib:
        lib.add_file(seed)
        hits = 0
        for q in questions:
            passages = lib.ask(q["question"], k=5)
            for p in passages:
                assert text[p.start : p.end] == p.quote
            hits += any(lines(p.start, p.end) & set(q["gold_lines"]) for p in passages)
    assert hits >= 18, f"only {hits} of {len(questions)} dev questions have a gold line in the top 5"


def test_verdict_tells_answerable_from_unanswerable(tmp_path: Path, shared: Path, real_embedder) -> None:
    """The dev questions should be judged answered and the ones written to have no answer not:
    measured 2 of 20 and 0 of 16 wrong (`rag eval`; a cosine threshold alone rejects 6 of the 20
    to accept none of the 16); a little slack for another backend."""
    seed = shared / "corpus" / "seed" / "aliyev-interview-2024-12.txt"
    root = Path(__file__).resolve().parents[2]
    answerable = [
        json.loads(x)["question"] for x in (shared / "eval" / "seed_dev.jsonl").read_text().splitlines()
    ]
    unanswerable = [
        json.loads(x)["question"]
        for x in (root / "benchmarks" / "seed_unanswerable.jsonl").read_text().splitlines()
    ]
    with Library.open(tmp_path, embedder=real_embedder) as lib:
        lib.add_file(seed)
        rejected = [q for q in answerable if not lib.ask(q, k=5).answerable]
        accepted = [q for q in unanswerable if lib.ask(q, k=5).answerable]
    assert len(rejected) <= 4, rejected
    assert len(accepted) <= 1, accepted
