"""The question index: the questions that were asked, searched by meaning and words (the same
vector and BM25 indexes as `ask`, restricted to question turns) or browsed in date order,
each with who asked it, where, when, and the start of its answer."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

import numpy as np

from .chunking import sentences
from .filters import DocumentFilter
from .fusion import convex
from .model import Turn
from .retriever import Retriever

__all__ = ["AnswerStart", "AskedQuestion", "find_questions"]

ANSWER_CHARS = 300
"""How much of the answer comes with a question: whole sentences up to about this many."""


@dataclass(frozen=True, slots=True)
class AnswerStart:
    """The opening of a question's answer: `quote == document.text[start:end]`."""

    quote: str
    start: int
    end: int
    speaker: str | None
    person: str | None = None


@dataclass(frozen=True, slots=True)
class AskedQuestion:
    """A question turn: `text == document.text[start:end]`."""

    text: str
    document_id: str
    document_title: str
    start: int
    end: int
    turn_index: int
    speaker: str | None
    person: str | None
    date: str | None
    score: float | None
    answer: AnswerStart | None
    timestamp: str | None = None


def _answer_of(turns: tuple[Turn, ...], turn: Turn) -> Turn | None:
    later = turns[turn.index + 1 :]
    return next((t for t in later if t.act == "answer" and t.question_index == turn.index), None)


def find_questions(
    retriever: Retriever,
    text: str | None,
    query: np.ndarray | None,
    k: int,
    *,
    where: DocumentFilter | None = None,
    speakers: Collection[str] | None = None,
) -> list[AskedQuestion]:
    """The `k` question turns closest to `text` (dense and BM25 over their chunks, fused),
    or without `text` the first `k` in date order; `where` and `speakers` (the askers) filter."""
    allowed = retriever.allowed(where=where, speakers=speakers, acts=("question",))
    if allowed is None:  # never: an act filter always filters
        return []
    store = retriever.store
    picked: list[tuple[tuple[str, int], float | None]] = []
    if text:
        want = max(retriever.config.candidates, k * 10)
        empty = (np.empty(0, dtype=np.int64), np.empty(0, dtype=np.float32))
        dense = retriever.vectors.search(query, want, allowed=allowed.ids) if query is not None else empty
        lexical = retriever.lexical.search(text, want, allowed=allowed.ids)
        fused = convex(dense, lexical, weight=retriever.config.dense_weight if query is not None else 0.0)
        rows = store.chunk_rows(list(fused))
        best: dict[tuple[str, int], float] = {}
        for i, score in fused.items():
            row = rows.get(i)
            if row is not None:
                key = (row.document_id, row.turn_index)
                best[key] = max(best.get(key, 0.0), score)
        picked.extend(sorted(best.items(), key=lambda kv: -kv[1])[:k])
    else:
        dates = store.dates(allowed.documents)
        order = sorted(allowed.documents, key=lambda d: (dates.get(d) is None, dates.get(d) or "", d))
        for doc in order:
            for t in retriever.turns(doc):
                if t.act == "question" and allowed.speaks(doc, t.speaker):
                    picked.append(((doc, t.index), None))
                    if len(picked) >= k:
                        break
            if len(picked) >= k:
                break
    dates = store.dates(doc for (doc, _), _ in picked)
    names = {d: store.speaker_names(d) for d in dates}
    titles = {d: store.title(d) for d in dates}
    out = []
    for (doc, index), found in picked:
        turns = retriever.turns(doc)
        turn = turns[index]
        answer = _answer_of(turns, turn)
        opening = None
        if answer is not None:
            said = store.text_span(doc, answer.start, answer.end)
            end = answer.end
            for _, b, _ in sentences(said, 0, len(said)):
                end = answer.start + b
                if b >= ANSWER_CHARS:
                    break
            end = min(end, answer.start + 2 * ANSWER_CHARS)
            opening = AnswerStart(
                store.text_span(doc, answer.start, end),
                answer.start,
                end,
                answer.speaker,
                names[doc].get(answer.speaker) if answer.speaker else None,
            )
        out.append(
            AskedQuestion(
                text=store.text_span(doc, turn.start, turn.end),
                document_id=doc,
                document_title=titles[doc],
                start=turn.start,
                end=turn.end,
                turn_index=turn.index,
                speaker=turn.speaker,
                person=names[doc].get(turn.speaker) if turn.speaker else None,
                date=dates.get(doc),
                score=None if found is None else round(float(found), 4),
                answer=opening,
                timestamp=turn.timestamp,
            )
        )
    return out
