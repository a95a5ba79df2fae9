"""Measuring retrieval: gold-labelled questions in, hit@1, hit@k, MRR, citation accuracy out.

Two gold formats are read: line-numbered questions about one document (`seed_dev.jsonl`:
`{"id", "question", "gold_lines", "gold_question_lines", "answerable"?}`) and QMSum meetings
(`{"meeting_transcripts", "specific_query_list": [{"query", "relevant_text_span"}]}`), whose
meetings are indexed as JSON turn transcripts so that turn numbers stay turn numbers. A
line-numbered file whose questions all have empty `gold_lines` needs no document: its questions
are unanswerable ones, asked of whatever the other files index.
"""

from __future__ import annotations

import json
import statistics
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from .errors import InvalidInput
from .ingest import Source, decode, from_text, read_file
from .library import Library
from .model import Answer
from .retriever import Mode

__all__ = ["EvalSet", "GoldQuestion", "Metrics", "evaluate", "index_eval_set", "load_gold"]

SpanList = list[tuple[int, int]]


@dataclass(frozen=True, slots=True)
class GoldQuestion:
    id: str
    question: str
    document_id: str
    gold: SpanList
    """Spans a right passage overlaps; empty for a question the documents cannot answer."""
    gold_questions: SpanList = field(default_factory=list)
    """Spans of the interview questions a right citation overlaps (may be empty)."""
    scoped: bool = False
    """Asked of its own document only (a QMSum query is about one meeting)."""

    @property
    def answerable(self) -> bool:
        return bool(self.gold)


@dataclass(slots=True)
class EvalSet:
    documents: list[Source]
    questions: list[GoldQuestion]


@dataclass(frozen=True, slots=True)
class Metrics:
    mode: str
    k: int
    questions: int
    hit_at_1: float
    hit_at_k: float
    mrr: float
    citation_accuracy: float | None
    quote_mismatches: int
    mean_passage_chars: float
    latency_ms_p50: float
    latency_ms_p95: float
    latency_ms_p99: float
    false_reject_rate: float | None
    """Answerable questions judged unanswerable."""
    false_accept_rate: float | None
    """Unanswerable questions judged answerable (None without such questions)."""


def _line_spans(text: str) -> list[tuple[int, int]]:
    spans, pos = [], 0
    for line in text.split("\n"):
        spans.append((pos, pos + len(line)))
        pos += len(line) + 1
    return spans


def _open_questions(rows: list[dict]) -> EvalSet:
    """Questions nothing answers, asked of everything indexed: they need no document."""
    questions = [GoldQuestion(str(r.get("id", i)), r["question"], "", []) for i, r in enumerate(rows)]
    return EvalSet([], questions)


def _seed_gold(rows: list[dict], path: Path, document: Path | None) -> EvalSet:
    if document is None:
        candidates = sorted((path.parent.parent / "corpus" / "seed").glob("*.txt"))
        if len(candidates) != 1:
            if not any(r.get("gold_lines") for r in rows):
                return _open_questions(rows)
            raise InvalidInput(f"{path}: name the document these questions are about with --document")
        document = candidates[0]
    source = read_file(document)
    lines = _line_spans(source.document.text)

    def spans(numbers: Iterable[int]) -> SpanList:
        try:
            return [lines[n - 1] for n in numbers]
        except IndexError:
            raise InvalidInput(f"{path}: a gold line is past the end of {document}") from None

    questions = [
        GoldQuestion(
            id=str(r.get("id", i)),
            question=r["question"],
            document_id=source.document.id,
            gold=spans(r.get("gold_lines", [])),
            gold_questions=spans(r.get("gold_question_lines", [])),
        )
        for i, r in enumerate(rows)
    ]
    return EvalSet([source], questions)


def _qmsum_gold(rows: list[dict], path: Path) -> EvalSet:
    documents, questions = [], []
    for m, meeting in enumerate(rows):
        doc_id = f"{path.stem}/meeting-{m:03d}"
        source = from_text(json.dumps(meeting["meeting_transcripts"]), id=doc_id, format="json")
        turns = source.document.turns
        documents.append(source)
        for q, query in enumerate(meeting.get("specific_query_list", [])):
            gold = []
            for a, b in query["relevant_text_span"]:
                first, last = int(a), min(int(b), len(turns) - 1)
                gold.append((turns[first].start, turns[last].end))
            questions.append(GoldQuestion(f"{m}.{q}", query["query"], doc_id, gold, scoped=True))
    return EvalSet(documents, questions)


def load_gold(path: Path, *, document: Path | None = None) -> EvalSet:
    """Read either gold format, by the keys of its first line."""
    try:
        rows = [
            json.loads(line) for line in decode(path.read_bytes(), str(path)).splitlines() if line.strip()
        ]
    except (OSError, ValueError) as exc:
        raise InvalidInput(f"cannot read gold file {path}: {exc}") from None
    if rows and "meeting_transcripts" in rows[0]:
        return _qmsum_gold(rows, path)
    if rows and "question" in rows[0]:
        return _seed_gold(rows, path, document)
    raise InvalidInput(f"{path}: not a gold file (expected seed_dev or QMSum lines)")


def index_eval_set(lib: Library, evalset: EvalSet) -> None:
    with lib.batch():
        for source in evalset.documents:
            lib.add_source(source)


def _overlaps(start: int, end: int, spans: SpanList) -> bool:
    return any(start < b and a < end for a, b in spans)


def _percentile(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def evaluate(
    lib: Library,
    questions: Sequence[GoldQuestion],
    *,
    k: int = 5,
    mode: Mode = "hybrid",
    on_answer: Callable[[GoldQuestion, Answer, int | None], None] | None = None,
) -> Metrics:
    """Ask every question of `lib` and score the answers against the gold spans."""
    ranks: list[int | None] = []
    cited: list[bool] = []
    rejected: list[bool] = []
    accepted: list[bool] = []
    latencies: list[float] = []
    lengths: list[int] = []
    mismatches = 0
    texts: dict[str, str] = {}
    for q in questions:
        t0 = time.perf_counter()
        answer = lib.ask(q.question, k=k, mode=mode, documents=[q.document_id] if q.scoped else None)
        latencies.append((time.perf_counter() - t0) * 1000)
        for p in answer:
            text = texts.get(p.document_id) or texts.setdefault(
                p.document_id, lib.document(p.document_id).text
            )
            mismatches += text[p.start : p.end] != p.quote
            lengths.append(len(p.quote))
        if not q.answerable:
            accepted.append(answer.answerable)
            continue
        rejected.append(not answer.answerable)
        rank = next(
            (
                i
                for i, p in enumerate(answer)
                if p.document_id == q.document_id and _overlaps(p.start, p.end, q.gold)
            ),
            None,
        )
        ranks.append(rank)
        if q.gold_questions and len(answer):
            cited.append(any(_overlaps(c.start, c.end, q.gold_questions) for c in answer[0].thread))
        if on_answer:
            on_answer(q, answer, rank)
    n = len(ranks) or 1
    calibrated = mode != "bm25"
    return Metrics(
        mode=mode,
        k=k,
        questions=len(questions),
        hit_at_1=sum(r == 0 for r in ranks) / n,
        hit_at_k=sum(r is not None for r in ranks) / n,
        mrr=sum(1 / (r + 1) for r in ranks if r is not None) / n,
        citation_accuracy=sum(cited) / len(cited) if cited else None,
        quote_mismatches=mismatches,
        mean_passage_chars=statistics.mean(lengths) if lengths else 0.0,
        latency_ms_p50=_percentile(latencies, 0.5) if latencies else 0.0,
        latency_ms_p95=_percentile(latencies, 0.95) if latencies else 0.0,
        latency_ms_p99=_percentile(latencies, 0.99) if latencies else 0.0,
        false_reject_rate=sum(rejected) / len(rejected) if rejected and calibrated else None,
        false_accept_rate=sum(accepted) / len(accepted) if accepted and calibrated else None,
    )
