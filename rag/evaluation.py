"""Measuring retrieval: gold-labelled questions in, hit@1, hit@k, MRR, citation accuracy out.

Five gold formats are read (plain or gzip'd JSON lines, told apart by the keys of the first line;
the readers are in `goldsets`):

- line-numbered questions about one document (`seed_dev.jsonl`: `{"id", "question", "gold_lines",
  "gold_question_lines", "answerable"?}`). A file whose questions all have empty `gold_lines`
  needs no document: its questions are unanswerable ones, asked of whatever the other files index;
- QMSum meetings (`{"meeting_transcripts", "specific_query_list": [{"query",
  "relevant_text_span"}]}`, also `train_all.jsonl.gz` with its `domain`), indexed as JSON turn
  transcripts so that turn numbers stay turn numbers; each query is asked of its own meeting;
- MeetingQA meetings (`{"meeting", "sentences": [{"speaker", "text"}], "questions": [{"id",
  "question_sentences", "answer_sentences"}]}`), rendered as a labelled transcript (a speaker's
  consecutive sentences are one `Speaker X: ...` paragraph) and read by the ordinary text path.
  The question is its sentences joined by a space; the gold is its answer sentences that are not
  question sentences; it is asked of its own meeting, where its own words are too (the "self"
  metric counts top passages that only quote the question back; "cite" counts top passages whose
  question thread is the question sentences);
- FriendsQA scenes (`{"scene", "utterances": [{"speakers", "text"}], "questions": [{"id",
  "question", "answer_utterances", "is_speaker"}]}`), one `Name: text` paragraph per utterance
  (several speakers joined by " and ", a `#NOTE#` as a `# ` narration paragraph); the gold is
  its answer utterances, asked of its own scene.

`goldsets.select` bounds a run (a seeded sample of questions, a fold of the documents). `evaluate`
gives the metrics of one mode; `ask_all` yields each question's `QuestionResult` (gold, answer,
which passages are right) for whoever wants more than the metrics, and `score` totals them.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

from .goldsets import EvalSet, GoldQuestion, SpanList, load_gold, select
from .library import Library
from .model import Answer
from .retriever import Mode

__all__ = [
    "EvalSet",
    "GoldQuestion",
    "Metrics",
    "QuestionResult",
    "ask_all",
    "evaluate",
    "index_eval_set",
    "load_gold",
    "score",
    "select",
]


@dataclass(frozen=True, slots=True)
class Metrics:
    mode: str
    k: int
    questions: int
    hit_at_1: float
    hit_at_k: float
    mrr: float
    citation_accuracy: float | None
    self_rate: float | None
    """Top passages that overlap the question's own words (None unless the gold says where they
    are, as MeetingQA's does): the retriever found the question, not its answer."""
    quote_mismatches: int
    mean_passage_chars: float
    latency_ms_p50: float
    latency_ms_p95: float
    latency_ms_p99: float
    false_reject_rate: float | None
    """Answerable questions judged unanswerable."""
    false_accept_rate: float | None
    """Unanswerable questions judged answerable (None without such questions)."""


def index_eval_set(lib: Library, evalset: EvalSet) -> None:
    """Index the documents, then bring BM25 up to them: past `lexical_sync_max_chunks` it would
    otherwise catch up in the background while the first questions are asked."""
    with lib.batch():
        for source in evalset.documents:
            lib.add_source(source)
    lib.catch_up()


def _overlaps(start: int, end: int, spans: SpanList) -> bool:
    return any(start < b and a < end for a, b in spans)


def _percentile(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


@dataclass(frozen=True, slots=True)
class QuestionResult:
    """One question asked in one mode: what a ranker could learn from (the gold, the answer, and
    which passages are right)."""

    question: GoldQuestion
    answer: Answer
    latency_ms: float
    relevant: tuple[bool, ...]
    """Per passage: in the question's document and overlapping a gold span."""

    @property
    def rank(self) -> int | None:
        """The first right passage (0-based); None if none, or the question is unanswerable."""
        return next((i for i, right in enumerate(self.relevant) if right), None)

    @property
    def quoted_self(self) -> bool | None:
        """The top passage overlaps the question's own words (None without them)."""
        q = self.question
        if not q.asked:
            return None
        if not len(self.answer):
            return False
        top = self.answer[0]
        return top.document_id == q.document_id and _overlaps(top.start, top.end, q.asked)


def ask_all(
    lib: Library, questions: Sequence[GoldQuestion], *, k: int = 5, mode: Mode = "hybrid"
) -> Iterator[QuestionResult]:
    """Ask each question of `lib` (a scoped one of its own document only), in order."""
    for q in questions:
        t0 = time.perf_counter()
        answer = lib.ask(q.question, k=k, mode=mode, documents=[q.document_id] if q.scoped else None)
        ms = (time.perf_counter() - t0) * 1000
        relevant = tuple(p.document_id == q.document_id and _overlaps(p.start, p.end, q.gold) for p in answer)
        yield QuestionResult(q, answer, ms, relevant)


def evaluate(
    lib: Library,
    questions: Sequence[GoldQuestion],
    *,
    k: int = 5,
    mode: Mode = "hybrid",
    on_answer: Callable[[GoldQuestion, Answer, int | None], None] | None = None,
) -> Metrics:
    """Ask every question of `lib` and score the answers against the gold spans.

    `on_answer` sees each answerable question as it is answered (for progress lines); to keep
    every result, iterate `ask_all` and pass the list to `score`.
    """
    results = []
    for r in ask_all(lib, questions, k=k, mode=mode):
        results.append(r)
        if on_answer and r.question.answerable:
            on_answer(r.question, r.answer, r.rank)
    return score(lib, results, k=k, mode=mode)


def score(lib: Library, results: Sequence[QuestionResult], *, k: int, mode: Mode) -> Metrics:
    """The metrics of answered questions; `lib` is read to check every quote against its text."""
    ranks: list[int | None] = []
    cited: list[bool] = []
    quoted_self: list[bool] = []
    rejected: list[bool] = []
    accepted: list[bool] = []
    lengths: list[int] = []
    mismatches = 0
    texts: dict[str, str] = {}
    for r in results:
        q, answer = r.question, r.answer
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
        ranks.append(r.rank)
        if q.gold_questions and len(answer):
            cited.append(any(_overlaps(c.start, c.end, q.gold_questions) for c in answer[0].thread))
        if r.quoted_self is not None:
            quoted_self.append(r.quoted_self)
    n = len(ranks) or 1
    calibrated = mode != "bm25"
    latencies = [r.latency_ms for r in results]
    return Metrics(
        mode=mode,
        k=k,
        questions=len(results),
        hit_at_1=sum(r == 0 for r in ranks) / n,
        hit_at_k=sum(r is not None for r in ranks) / n,
        mrr=sum(1 / (r + 1) for r in ranks if r is not None) / n,
        citation_accuracy=sum(cited) / len(cited) if cited else None,
        self_rate=sum(quoted_self) / len(quoted_self) if quoted_self else None,
        quote_mismatches=mismatches,
        mean_passage_chars=statistics.mean(lengths) if lengths else 0.0,
        latency_ms_p50=_percentile(latencies, 0.5) if latencies else 0.0,
        latency_ms_p95=_percentile(latencies, 0.95) if latencies else 0.0,
        latency_ms_p99=_percentile(latencies, 0.99) if latencies else 0.0,
        false_reject_rate=sum(rejected) / len(rejected) if rejected and calibrated else None,
        false_accept_rate=sum(accepted) / len(accepted) if accepted and calibrated else None,
    )
