"""Question in, ranked passages out: dense search, then passage assembly with citations."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

import numpy as np

from .model import Citation, Passage, Turn, thread
from .store import ChunkRow, Store
from .vectors import VectorIndex

__all__ = ["RetrievalConfig", "Retriever"]


@dataclass(frozen=True, slots=True)
class RetrievalConfig:
    candidates: int = 100
    """How many chunks the vector search returns before assembly."""
    merge_ratio: float = 0.9
    """A neighbouring chunk of the same turn joins a passage when it scores this close to it."""
    max_passage_chars: int = 1200


@dataclass(slots=True)
class _Span:
    document_id: str
    turn_index: int
    start: int
    end: int
    score: float


class Retriever:
    """Ranks over one consistent state of the store and vectors: the caller holds them still."""

    def __init__(self, store: Store, vectors: VectorIndex, config: RetrievalConfig | None = None) -> None:
        self.store = store
        self.vectors = vectors
        self.config = config or RetrievalConfig()

    def search(self, query: np.ndarray, k: int, *, documents: Collection[str] | None = None) -> list[Passage]:
        want = max(self.config.candidates, k * 10)
        if documents:
            want = len(self.vectors)  # a filter may exclude most of the index: look at all of it
        ids, scores = self.vectors.search(query, want)
        rows = self.store.chunk_rows(ids.tolist())
        hits = [(rows[int(i)], float(s)) for i, s in zip(ids, scores, strict=True) if int(i) in rows]
        if documents:
            hits = [(r, s) for r, s in hits if r.document_id in documents]
        spans = self._assemble(hits)
        spans.sort(key=lambda s: -s.score)
        passages = self._passages(spans[: k * 3])
        # A question is evidence of what its answer is about, not an answer: questions are
        # quoted only when too few answers or narration passages match.
        said = [p for p in passages if p.role != "question"]
        asked = [p for p in passages if p.role == "question"]
        return (said + asked)[:k]

    def _assemble(self, hits: list[tuple[ChunkRow, float]]) -> list[_Span]:
        """Merge neighbouring chunks of one turn that both score high into one passage."""
        by_turn: dict[tuple[str, int], list[tuple[ChunkRow, float]]] = {}
        for row, score in hits:
            by_turn.setdefault((row.document_id, row.turn_index), []).append((row, score))
        out: list[_Span] = []
        for (doc_id, turn_index), group in by_turn.items():
            best = max(s for _, s in group)
            strong = sorted(
                (r for r, s in group if s >= best * self.config.merge_ratio), key=lambda r: r.start
            )
            weak = [(r, s) for r, s in group if s < best * self.config.merge_ratio]
            scores = dict((r.id, s) for r, s in group)
            cur: _Span | None = None
            for row in strong:
                if (
                    cur is not None
                    and self._adjacent(doc_id, cur.end, row.start)
                    and row.end - cur.start <= self.config.max_passage_chars
                ):
                    cur.end, cur.score = row.end, max(cur.score, scores[row.id])
                    continue
                if cur is not None:
                    out.append(cur)
                cur = _Span(doc_id, turn_index, row.start, row.end, scores[row.id])
            if cur is not None:
                out.append(cur)
            out.extend(_Span(doc_id, turn_index, r.start, r.end, s) for r, s in weak)
        return out

    def _adjacent(self, document_id: str, end: int, start: int) -> bool:
        if start < end:
            return True
        return start - end <= 16 and not self.store.text_span(document_id, end, start).strip()

    def _passages(self, spans: list[_Span]) -> list[Passage]:
        turns: dict[str, tuple[Turn, ...]] = {}
        titles: dict[str, str] = {}
        out = []
        for span in spans:
            doc_turns = turns.get(span.document_id)
            if doc_turns is None:
                doc_turns = turns[span.document_id] = self.store.turns(span.document_id)
                titles[span.document_id] = self.store.title(span.document_id)
            turn = doc_turns[span.turn_index]
            cites = tuple(self._cite(span.document_id, q) for q in thread(doc_turns, turn))
            out.append(
                Passage(
                    quote=self.store.text_span(span.document_id, span.start, span.end),
                    score=span.score,
                    document_id=span.document_id,
                    document_title=titles[span.document_id],
                    start=span.start,
                    end=span.end,
                    speaker=turn.speaker,
                    role=turn.role,
                    turn_index=turn.index,
                    question=cites[-1] if cites else None,
                    thread=cites,
                    timestamp=turn.timestamp,
                )
            )
        return out

    def _cite(self, document_id: str, turn: Turn) -> Citation:
        return Citation(
            text=self.store.text_span(document_id, turn.start, turn.end),
            start=turn.start,
            end=turn.end,
            speaker=turn.speaker,
            turn_index=turn.index,
            timestamp=turn.timestamp,
        )
