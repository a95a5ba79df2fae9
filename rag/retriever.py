"""Question in, ranked passages out: dense and BM25 search, fusion, passage assembly, citations."""

from __future__ import annotations

import math
from collections.abc import Collection
from dataclasses import dataclass, field, replace
from itertools import islice, takewhile
from typing import Literal

import numpy as np

from . import rerank
from .chunking import sentences
from .filters import Allowed, DocumentFilter, allowed_chunks
from .fusion import FUSIONS, Ranked
from .lexical import LexicalIndex, tokenize
from .mentions import named_speakers
from .model import Answer, Citation, Passage, Span, Turn, thread
from .ranker import FEATURES, Ranker, default_ranker, idf_coverage, shortlist
from .readcache import ReadCache
from .store import ChunkRow, StoreView
from .vectors import VectorIndex, search_exact
from .verdict import VerdictModel, evidence

__all__ = ["MODES", "Mode", "RetrievalConfig", "Retriever"]

Mode = Literal["hybrid", "dense", "bm25"]
MODES: tuple[Mode, ...] = ("hybrid", "dense", "bm25")


@dataclass(frozen=True, slots=True)
class RetrievalConfig:
    mode: Mode = "hybrid"
    fusion: str = "convex"
    dense_weight: float = 0.7
    """The dense share of the fused score (a feature of the ranker; the score itself under
    the hand-set weights). How it was chosen: README, The learned ranker."""
    rrf_k: float = 60.0
    candidates: int = 100
    """How many chunks each search returns before fusion and assembly."""
    scored: int | None = None
    """How many candidates the ranker scores in full (0: all), the best by its `screen`; the
    rest are dropped. None: the ranker's own `scored`, chosen when it was fitted."""
    merge_ratio: float = 0.9
    """A neighbouring chunk of the same turn joins a passage when it scores this close to it."""
    max_passage_chars: int = 1200
    min_passage_chars: int = 600
    """Shorter passages grow by whole sentences of their turn (after, then before) to this size."""
    epilogue_weight: float = 0.5
    """Speakerless narration after the conversation's last exchange (a blog's commentary,
    readers' comments) counts this much: it is not what was said, and comments similar in tone
    outranked the one paragraph holding a rare name asked about. A script's last lines, which
    have speakers, are not commentary."""
    question_weight: float = 0.8
    """A question turn's score counts this much: the answer is what an interview's reader
    wants, but in a hearing the questioner's own words (facts, quotes, figures) are often the
    passage asked for, so questions are weighed down, not dropped (README, Quality)."""
    ranker: Ranker | None = field(default_factory=default_ranker)
    """Scores hybrid candidates from their features (`rag.ranker`): by default the boosted
    trees that ship (`rag/ranker.json`, fitted on public train splits). None: the convex
    fusion with the hand-set weights here (`question_weight`, `epilogue_weight`,
    `speaker_boost`), which then apply in every mode; with a ranker they apply to `dense` and
    `bm25` only."""
    filler_weight: float = 0.01
    """Backchannels ("Yeah.", "Mm-hmm.") and the room's procedure ("Next question.") count this
    much: they are returned only when nothing else matches."""
    verdict: VerdictModel = field(default_factory=VerdictModel)
    """Whether the passages answer the question (`rag.verdict`)."""
    speaker_boost: float = 0.3
    """Fused scores of turns by a speaker the question names ("What did Ana Ruiz say about …")
    are multiplied by 1 + this."""
    mmr_lambda: float = 1.0
    """Relevance against novelty when ordering passages; 1 is relevance only: overlapping
    passages are already dropped, so k passages are k places."""

    def __post_init__(self) -> None:
        if self.mode not in MODES:
            raise ValueError(f"mode must be one of {', '.join(MODES)}, got {self.mode!r}")
        if self.fusion not in FUSIONS:
            raise ValueError(f"fusion must be one of {', '.join(FUSIONS)}, got {self.fusion!r}")


def _last_exchange(turns: tuple[Turn, ...]) -> int:
    return max((t.index for t in turns if t.act in ("question", "answer")), default=len(turns))


@dataclass(slots=True)
class _Span:
    document_id: str
    turn_index: int
    start: int
    end: int
    score: float
    chunk_id: int
    """The best-scoring chunk inside: the span's vector, for diversification."""
    rerank_score: float | None = None
    """The re-ranker's score (`rag.rerank`), when one ran: a feature for a learned ranker."""


_NEAR = (-2, -1, 1, 2)
"""Offsets of the turns around a candidate's turn whose best scores are its `near_*` features:
an answer is often surrounded by talk about the same thing."""
_COLUMN = {name: j for j, name in enumerate(FEATURES)}


def _near(
    groups: dict[tuple[str, int], int], turn_bm25: np.ndarray, turn_cos: np.ndarray, floor: float
) -> tuple[np.ndarray, np.ndarray]:
    """Per candidate turn, the best bm25 (0 without any) and cosine (`floor`) among the
    candidate turns `_NEAR` it in the same document. Each turn is a key, document code times
    2**32 plus turn index, so a neighbour is a binary search (an index below 0 reaches no turn)."""
    count = len(groups)
    near_bm25, near_cos = np.zeros(count), np.full(count, floor)
    if not count:
        return near_bm25, near_cos
    codes: dict[str, int] = {}
    key = np.array([(codes.setdefault(d, len(codes)) << 32) + i for d, i in groups], dtype=np.int64)
    order = np.argsort(key)
    ordered = key[order]
    for d in _NEAR:
        pos = np.minimum(np.searchsorted(ordered, key + d), count - 1)
        there = ordered[pos] == key + d
        h = order[pos]
        near_bm25 = np.where(there, np.maximum(near_bm25, turn_bm25[h]), near_bm25)
        near_cos = np.where(there, np.maximum(near_cos, turn_cos[h]), near_cos)
    return near_bm25, near_cos


def _speakers(turns: tuple[Turn, ...], first: int, end: int) -> tuple[str, ...]:
    """Who asks or answers in a passage from turn `first` to `end`, in order of first words:
    the turns are in text order, so the walk stops at the first turn past the passage."""
    inside = takewhile(lambda t: t.start < end, islice(turns, first, None))
    return tuple(dict.fromkeys(t.speaker for t in inside if t.speaker and t.act in ("question", "answer")))


def _overlap(a: _Span, b: _Span) -> bool:
    return a.document_id == b.document_id and a.start < b.end and b.start < a.end


class Retriever:
    """Ranks over one consistent state of store, vectors and BM25: the caller holds them still."""

    def __init__(
        self,
        store: StoreView,
        vectors: VectorIndex,
        lexical: LexicalIndex,
        config: RetrievalConfig | None = None,
        cache: ReadCache | None = None,
        reranker: rerank.Reranker | None = None,
    ) -> None:
        self.reranker = reranker
        self.store = store
        self.vectors = vectors
        self.lexical = lexical
        self.config = config or RetrievalConfig()
        self._cache = cache if cache is not None else ReadCache()

    def search(
        self,
        question: str,
        query: np.ndarray | None,
        k: int,
        *,
        documents: Collection[str] | None = None,
        speakers: Collection[str] | None = None,
        mode: Mode | None = None,
        where: DocumentFilter | None = None,
    ) -> Answer:
        """`documents`, `where` (dates, kinds, tags) and `speakers` (people, through all their
        labels) restrict the search."""
        mode = mode or self.config.mode
        if mode != "bm25" and query is None:
            raise ValueError(f"mode {mode!r} needs a query vector")
        want = max(self.config.candidates, k * 10)
        allowed = self.allowed(documents, speakers, where)
        dense, lexical, fused, rows = self._gather(question, query, want, allowed, mode)
        if mode == "hybrid" and self.config.ranker is not None:
            ids, x = self._features(question, dense, lexical, fused, rows)
            ranker = self.config.ranker
            columns = x[:, [_COLUMN[f] for f in ranker.features]]
            keep = self._shortlist(ranker, columns, k)
            scores = ranker.score(columns[keep])
            # whatever the model learned, a backchannel or procedure comes after every real passage
            scores[x[keep, _COLUMN["filler"]] > 0] *= self.config.filler_weight
            fused = dict(zip([ids[j] for j in keep.tolist()], scores.tolist(), strict=True))
        else:
            self._reweigh(fused, rows)
            self._favour_named(question, fused, rows)
        hits = [(rows[i], s) for i, s in fused.items() if i in rows]
        spans = self._assemble(hits)
        spans.sort(key=lambda s: -s.score)
        spans = self._shown_once(self._diversify(self._grow(spans[: k * 3])), question, allowed)
        spans = rerank.rerank(self.reranker, question, spans, self.store.text_span)
        terms, passages, passage_terms = self._highlight(self._passages(spans[:k]), question)
        return self._verdict(question, terms, passages, passage_terms, dense, rows)

    def _shortlist(self, ranker: Ranker, x: np.ndarray, k: int) -> np.ndarray:
        """`rag.ranker.shortlist` of `config.scored` or the ranker's own (all: 0), never fewer
        than the `k * 3` passages assembly picks from. The features were found over every
        candidate, since a chunk's neighbours count."""
        scored = ranker.scored if self.config.scored is None else self.config.scored
        return shortlist(ranker, x, scored and max(scored, k * 3))

    def allowed(
        self,
        documents: Collection[str] | None = None,
        speakers: Collection[str] | None = None,
        where: DocumentFilter | None = None,
        acts: Collection[str] | None = None,
    ) -> Allowed | None:
        """The chunks a filtered search may return (None: all of them)."""
        if documents is not None:
            where = replace(where or DocumentFilter(), documents=documents)
        return allowed_chunks(self.store, self._cache, where, speakers, acts)

    def _reweigh(self, fused: dict[int, float], rows: dict[int, ChunkRow]) -> None:
        """Questions, backchannels and procedure, and commentary after the interview's last
        exchange, weigh less than what was said in answer."""
        last = self._cache.last_exchange
        for i, row in rows.items():
            turns = self._turns(row.document_id)
            if row.document_id not in last:
                last[row.document_id] = _last_exchange(turns)
            turn = turns[row.turn_index]
            act = turn.act
            if act == "question":
                fused[i] *= self.config.question_weight
            elif act in ("backchannel", "procedural"):
                fused[i] *= self.config.filler_weight
            elif row.turn_index > last[row.document_id] and act == "narration" and turn.speaker is None:
                fused[i] *= self.config.epilogue_weight

    def candidates(
        self,
        question: str,
        query: np.ndarray,
        *,
        documents: Collection[str] | None = None,
        speakers: Collection[str] | None = None,
    ) -> list[tuple[ChunkRow, dict[str, float]]]:
        """Every hybrid candidate chunk with the ranker's features: what a ranker learns from."""
        dense, lexical, fused, rows = self._gather(
            question, query, self.config.candidates, self.allowed(documents, speakers), "hybrid"
        )
        ids, x = self._features(question, dense, lexical, fused, rows)
        return [(rows[i], dict(zip(FEATURES, r, strict=True))) for i, r in zip(ids, x.tolist(), strict=True)]

    def _gather(
        self,
        question: str,
        query: np.ndarray | None,
        want: int,
        filtered: Allowed | None,
        mode: Mode,
    ) -> tuple[Ranked, Ranked, dict[int, float], dict[int, ChunkRow]]:
        """Both searches (those the mode uses), their fusion, and the candidates' rows."""
        allowed = None if filtered is None else filtered.ids
        empty = (np.empty(0, dtype=np.int64), np.empty(0, dtype=np.float32))
        exact = lambda ids: self.store.chunk_vectors(ids, self.vectors.dimension)  # noqa: E731
        dense = (
            search_exact(self.vectors, query, want, allowed=allowed, vectors_of=exact)
            if mode != "bm25" and query is not None
            else empty
        )
        lexical = self.lexical.search(question, want, allowed=allowed) if mode != "dense" else empty
        if mode == "dense":
            fused = dict(zip(dense[0].tolist(), dense[1].tolist(), strict=True))
        elif mode == "bm25":
            fused = dict(zip(lexical[0].tolist(), lexical[1].tolist(), strict=True))
        else:
            fused = FUSIONS[self.config.fusion](
                dense, lexical, weight=self.config.dense_weight, k=self.config.rrf_k
            )
        return dense, lexical, fused, self.store.chunk_rows(list(fused))

    def _features(
        self,
        question: str,
        dense: tuple[np.ndarray, np.ndarray],
        lexical: tuple[np.ndarray, np.ndarray],
        fused: dict[int, float],
        rows: dict[int, ChunkRow],
    ) -> tuple[list[int], np.ndarray]:
        """Per candidate chunk (a row), the facts `rag.ranker.FEATURES` names (the columns).

        Turn facts are found once per turn and scores combined as arrays: a question has a few
        hundred candidates, and this runs on every hybrid question."""
        ids = [i for i in fused if i in rows]
        n = len(ids)
        x = np.zeros((n, len(FEATURES)))
        column = _COLUMN
        cos = dict(zip(dense[0].tolist(), dense[1].tolist(), strict=True))
        floor = min(cos.values(), default=0.0)
        bm25 = dict(zip(lexical[0].tolist(), lexical[1].tolist(), strict=True))
        best_bm25 = max(bm25.values(), default=0.0)
        top = best_bm25 or 1.0
        d_rank = {i: r for r, i in enumerate(dense[0].tolist())}
        l_rank = {i: r for r, i in enumerate(lexical[0].tolist())}
        cosine = np.array([cos.get(i, floor) for i in ids], dtype=np.float64)
        lex = np.array([bm25.get(i, 0.0) for i in ids], dtype=np.float64) / top
        x[:, column["cosine"]] = cosine
        x[:, column["bm25"]] = lex
        x[:, column["dense_rr"]] = [1.0 / (1 + d_rank[i]) if i in d_rank else 0.0 for i in ids]
        x[:, column["bm25_rr"]] = [1.0 / (1 + l_rank[i]) if i in l_rank else 0.0 for i in ids]
        fused_score = np.array([fused[i] for i in ids], dtype=np.float64)
        x[:, column["fused"]] = fused_score

        # the turns the candidates are in, each once
        groups: dict[tuple[str, int], int] = {}
        group = np.empty(n, dtype=np.int64)
        position = np.empty(n)
        chars = np.empty(n)
        turn_of: list[Turn] = []
        for k, i in enumerate(ids):
            row = rows[i]
            key = (row.document_id, row.turn_index)
            g = groups.get(key)
            if g is None:
                g = groups[key] = len(turn_of)
                turn_of.append(self._turns(row.document_id)[row.turn_index])
            turn = turn_of[g]
            group[k] = g
            position[k] = (row.start - turn.start) / max(1, turn.end - turn.start)
            chars[k] = row.end - row.start
        named = (
            named_speakers(question, {t.speaker for t in turn_of if t.speaker})
            if self.config.speaker_boost
            else set()
        )
        asked = self._idf(tokenize([question])[0])
        last = self._cache.last_exchange
        count = len(turn_of)
        act = np.empty(count, dtype=object)
        is_named = np.zeros(count, dtype=bool)
        epilogue = np.zeros(count, dtype=bool)
        cited = np.zeros(count)
        for (document_id, index), g in groups.items():
            turn = turn_of[g]
            if document_id not in last:
                last[document_id] = _last_exchange(self._turns(document_id))
            act[g] = turn.act
            is_named[g] = turn.speaker in named
            epilogue[g] = turn.act == "narration" and turn.speaker is None and index > last[document_id]
            if asked and turn.act == "answer":  # chunks of one turn share the question it answers
                cited[g] = idf_coverage(asked, self._cited_terms(document_id, turn))
        acts = act[group] if n else np.empty(0, dtype=object)
        question_turn = acts == "question"
        filler = (acts == "backchannel") | (acts == "procedural")
        x[:, column["question"]] = question_turn
        x[:, column["filler"]] = filler
        x[:, column["narration"]] = acts == "narration"
        x[:, column["answer"]] = acts == "answer"
        x[:, column["epilogue"]] = epilogue[group]
        x[:, column["named"]] = is_named[group]
        x[:, column["log_chars"]] = np.log(np.maximum(chars, 1) / 100.0)
        chunk_cited = cited[group]
        x[:, column["cited"]] = chunk_cited
        x[:, column["turn_hits"]] = np.log1p(np.bincount(group, minlength=count)[group] - 1)
        config = self.config
        x[:, column["weighted"]] = fused_score * (
            np.where(question_turn, config.question_weight, 1.0)
            * np.where(epilogue[group], config.epilogue_weight, 1.0)
            * np.where(filler, config.filler_weight, 1.0)
            * np.where(is_named[group], 1.0 + config.speaker_boost, 1.0)
        )
        x[:, column["question_cosine"]] = np.where(question_turn, cosine, 0.0)
        x[:, column["question_bm25"]] = np.where(question_turn, lex, 0.0)
        x[:, column["cited_cosine"]] = chunk_cited * cosine

        terms = list(asked)
        idf = np.array([asked[t] for t in terms])
        if terms and idf.sum() > 0:
            held = self.lexical.holds(terms, ids)
            x[:, column["coverage"]] = held @ idf / idf.sum()
            x[:, column["rarest"]] = held[:, int(np.argmax(idf))]
        turn_bm25 = np.full(count, -1.0)
        np.maximum.at(turn_bm25, group, lex)
        turn_cos = np.full(count, -2.0)
        np.maximum.at(turn_cos, group, cosine)
        x[:, column["turn_bm25"]] = turn_bm25[group]
        x[:, column["turn_cosine"]] = turn_cos[group]
        near_bm25, near_cos = _near(groups, turn_bm25, turn_cos, floor)
        x[:, column["near_bm25"]] = near_bm25[group]
        x[:, column["near_cosine"]] = near_cos[group]
        x[:, column["position"]] = position
        x[:, column["cosine_gap"]] = max(cos.values(), default=0.0) - cosine
        x[:, column["query_terms"]] = math.log1p(len(terms))
        x[:, column["top_bm25"]] = math.log1p(best_bm25)
        return ids, x

    def _idf(self, terms: list[str]) -> dict[str, float]:
        """Each distinct question term's BM25 idf over the indexed chunks, in the question's
        order: features that pick one term (the rarest, the first of equals) must not depend on
        a set's order, which changes from process to process."""
        n = len(self.lexical)
        df = self.lexical.document_frequencies(dict.fromkeys(terms))
        return {t: float(np.log(1 + (n - d + 0.5) / (d + 0.5))) for t, d in df.items()}

    def _cited_terms(self, document_id: str, turn: Turn) -> frozenset[str]:
        """The tokens of the questions an answer turn answers (none for other turns)."""
        if turn.act != "answer":
            return frozenset()
        key = (document_id, turn.index)
        terms = self._cache.cited_terms.get(key)
        if terms is None:
            texts = [self._cite(document_id, q).text for q in thread(self._turns(document_id), turn)]
            terms = frozenset(t for tokens in tokenize(texts) for t in tokens) if texts else frozenset()
            self._cache.cited_terms[key] = terms
        return terms

    def _favour_named(self, question: str, fused: dict[int, float], rows: dict[int, ChunkRow]) -> None:
        """Turns of the speakers the question names count more."""
        if not self.config.speaker_boost:
            return
        speaker = {i: self._turns(r.document_id)[r.turn_index].speaker for i, r in rows.items()}
        named = named_speakers(question, (s for s in speaker.values() if s))
        if not named:
            return
        for i, who in speaker.items():
            if who in named and i in fused:
                fused[i] *= 1.0 + self.config.speaker_boost

    def _verdict(
        self,
        question: str,
        terms: set[str],
        passages: list[Passage],
        passage_terms: list[set[str]],
        dense: tuple[np.ndarray, np.ndarray],
        rows: dict[int, ChunkRow],
    ) -> Answer:
        """Answerable when the passages are close to the question in meaning and hold its words."""
        if not passages:
            return Answer(question, (), answerable=False, confidence=0.0)
        if not len(dense[0]):  # bm25 alone: no calibrated verdict
            return Answer(question, tuple(passages), answerable=True, confidence=None)
        spans = {(p.document_id, p.start, p.end) for p in passages}
        best = 0.0
        for i, s in zip(dense[0].tolist(), dense[1].tolist(), strict=True):
            row = rows.get(i)
            if row is not None and any(
                d == row.document_id and a <= row.start and row.end <= b for d, a, b in spans
            ):
                best = max(best, float(s))
        frequencies = self.lexical.document_frequencies(sorted(terms))  # sums in one order everywhere
        # the first `candidates` only: a larger k searches wider, and the standing must not move with it
        cosines = dense[1][: self.config.candidates].tolist()
        found = evidence(best, frequencies, len(self.lexical), passage_terms, cosines)
        p = self.config.verdict.probability(found)
        return Answer(
            question,
            tuple(passages),
            answerable=p >= 0.5,
            confidence=round(p, 4),
            evidence=replace(
                found,
                similarity=round(found.similarity, 4),
                coverage=round(found.coverage, 4),
                unknown=round(found.unknown, 4),
                margin=round(found.margin, 4),
                standout=round(found.standout, 4),
            ),
        )

    def turns(self, document_id: str) -> tuple[Turn, ...]:
        """A document's turns, cached for the generation."""
        return self._turns(document_id)

    def _turns(self, document_id: str) -> tuple[Turn, ...]:
        turns = self._cache.turns.get(document_id)
        if turns is None:
            turns = self._cache.turns[document_id] = self.store.turns(document_id)
        return turns

    def _sentences(self, document_id: str, turn: Turn) -> list[tuple[int, int]]:
        """Sentence bounds of a turn, in document offsets."""
        key = (document_id, turn.index)
        bounds = self._cache.sentences.get(key)
        if bounds is None:
            text = self.store.text_span(document_id, turn.start, turn.end)
            bounds = [(turn.start + a, turn.start + b) for a, b, _ in sentences(text, 0, len(text))]
            self._cache.sentences[key] = bounds
        return bounds

    def _highlight(
        self, passages: list[Passage], question: str
    ) -> tuple[set[str], list[Passage], list[set[str]]]:
        """Mark in each quote the sentence sharing most words with the question (the first such).
        Sentences are the turn's (cached), cut to the quote; one tokenizer call for all, whose
        terms (the question's, each passage's) the verdict reuses."""
        bounds: list[list[tuple[int, int]]] = []
        for p in passages:
            turn = self._turns(p.document_id)[p.turn_index]
            inside = [
                (max(a, p.start), min(b, p.end))
                for a, b in self._sentences(p.document_id, turn)
                if a < p.end and b > p.start
            ]
            bounds.append(inside or [(p.start, p.end)])
        texts = [
            p.quote[a - p.start : b - p.start]
            for p, spans in zip(passages, bounds, strict=True)
            for a, b in spans
        ]
        wanted, *tokens = tokenize([question, *texts])
        asked = set(wanted)
        out, terms, at = [], [], 0
        for p, spans in zip(passages, bounds, strict=True):
            own = tokens[at : at + len(spans)]
            shared = [len(asked.intersection(t)) for t in own]
            at += len(spans)
            a, b = spans[shared.index(max(shared))]
            out.append(replace(p, highlight=Span(a, b)))
            terms.append(set().union(*own))
        return asked, out, terms

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
                    if scores[row.id] > cur.score:
                        cur.score, cur.chunk_id = scores[row.id], row.id
                    cur.end = row.end
                    continue
                if cur is not None:
                    out.append(cur)
                cur = _Span(doc_id, turn_index, row.start, row.end, scores[row.id], row.id)
            if cur is not None:
                out.append(cur)
            out.extend(_Span(doc_id, turn_index, r.start, r.end, s, r.id) for r, s in weak)
        return out

    def _grow(self, spans: list[_Span]) -> list[_Span]:
        """Give short passages their neighbouring sentences, and drop any that then repeat."""
        target = self.config.min_passage_chars
        out: list[_Span] = []
        for span in spans:
            if target and span.end - span.start < target:
                turn = self._turns(span.document_id)[span.turn_index]
                bounds = self._sentences(span.document_id, turn)
                after = [b for b in bounds if b[0] >= span.end]
                before = [b for b in bounds if b[1] <= span.start][::-1]
                start, end = span.start, span.end
                while after or before:
                    if after and after[0][1] - start <= target:
                        end = after.pop(0)[1]
                    elif before and end - before[0][0] <= target:
                        start = before.pop(0)[0]
                    else:
                        break
                span = self._join_exchange(replace(span, start=start, end=end))
            if not any(
                o.document_id == span.document_id and o.start < span.end and span.start < o.end for o in out
            ):
                out.append(span)
        return out

    def _join_exchange(self, span: _Span) -> _Span:
        """A short answer takes in the turns that go on answering the same question (other
        answerers, with the backchannels between them), up to the passage size: a meeting's
        answer is often spread over several short turns. It never ends on a backchannel."""
        target = self.config.min_passage_chars
        turns = self._turns(span.document_id)
        turn = turns[span.turn_index]
        if turn.act != "answer" or span.end - span.start >= target or span.end < turn.end:
            return span
        end = span.end
        for nxt in turns[turn.index + 1 :]:
            joins = nxt.act == "backchannel" or (
                nxt.act == "answer" and nxt.question_index == turn.question_index
            )
            if not joins or nxt.end - span.start > target:
                break
            if nxt.act == "answer":
                end = nxt.end
        return replace(span, end=end) if end != span.end else span

    def _shown_once(self, spans: list[_Span], question: str, allowed: Allowed | None = None) -> list[_Span]:
        """A question whose answer ranks above it is shown already, as that answer's citation;
        one that only asks (every sentence a question) gives its place to its answer: who asks
        what was asked wants what was said back (within the speakers asked for). A question
        that states things (a hearing's "The report says ... Will the minister ...?") keeps
        its place: it may be the passage wanted."""
        answers: dict[tuple[str, int], _Span] = {}
        for span in spans:
            turns = self._turns(span.document_id)
            for q in thread(turns, turns[span.turn_index]):
                answers.setdefault((span.document_id, q.index), span)
        cited: set[tuple[str, int]] = set()
        placed: set[tuple[str, int, int]] = set()
        out: list[_Span] = []
        for span in spans:
            turns = self._turns(span.document_id)
            turn = turns[span.turn_index]
            if turn.act == "question":
                key = (span.document_id, turn.index)
                if key in cited:
                    continue
                if self._asks_what_was_asked(span.document_id, turn, question):
                    if key in answers:
                        span = replace(answers[key], score=max(span.score, answers[key].score))
                    else:
                        answer = self._answer_of(span, turns)
                        if answer is not None and (
                            allowed is None
                            or allowed.speaks(answer.document_id, turns[answer.turn_index].speaker)
                        ):
                            if any(_overlap(answer, o) for o in spans if o is not span):
                                continue  # its answer is quoted already
                            span = answer
                    turn = turns[span.turn_index]
            where = (span.document_id, span.start, span.end)
            if where in placed:
                continue
            placed.add(where)
            out.append(span)
            cited.update((span.document_id, q.index) for q in thread(turns, turn))
        return out

    def _answer_of(self, span: _Span, turns: tuple[Turn, ...]) -> _Span | None:
        """The opening of the first turn that answers a question, by whole sentences."""
        answer = next(
            (
                t
                for t in turns[span.turn_index + 1 :]
                if t.act == "answer" and t.question_index == span.turn_index
            ),
            None,
        )
        if answer is None:
            return None
        end = answer.end
        for _, b in self._sentences(span.document_id, answer):
            end = b
            if b - answer.start >= self.config.min_passage_chars:
                break
        if end - answer.start > self.config.max_passage_chars:
            end = answer.start + self.config.max_passage_chars
        return self._join_exchange(replace(span, turn_index=answer.index, start=answer.start, end=end))

    def _asks_what_was_asked(self, document_id: str, turn: Turn, question: str) -> bool:
        """The user asks what this turn asked: it only asks (every sentence a question), or the
        sentence of it that shares most words with the user's question is one of its questions.
        Where the words matched are the turn's statements ("The report says four thousand
        ferries …"), those are what is wanted, and the turn keeps its place."""
        text = self._cite(document_id, turn).text
        parts = [text[a - turn.start : b - turn.start] for a, b in self._sentences(document_id, turn)]
        asking = [p.rstrip(" \"'”’)").endswith("?") for p in parts]
        if all(asking):
            return True
        wanted, *tokens = tokenize([question, *parts])
        shared = [len(set(wanted).intersection(t)) for t in tokens]
        return bool(shared) and max(shared) > 0 and asking[shared.index(max(shared))]

    def _diversify(self, spans: list[_Span]) -> list[_Span]:
        """Maximal marginal relevance: each next passage is the one most relevant and least like
        those already chosen (cosine of their best chunks), so k passages are k places."""
        lam = self.config.mmr_lambda
        if lam >= 1.0 or len(spans) < 3:
            return spans
        vecs = self.vectors.reconstruct([s.chunk_id for s in spans])
        sims = vecs @ vecs.T
        rel = np.array([s.score for s in spans], dtype=np.float32)
        top = float(rel.max())
        if top > 0:
            rel /= top
        chosen = [int(np.argmax(rel))]
        closest = sims[chosen[0]].copy()
        left = set(range(len(spans))) - set(chosen)
        while left:
            pick = max(left, key=lambda i: lam * rel[i] - (1 - lam) * closest[i])
            chosen.append(pick)
            left.discard(pick)
            np.maximum(closest, sims[pick], out=closest)
        return [spans[i] for i in chosen]

    def _adjacent(self, document_id: str, end: int, start: int) -> bool:
        if start < end:
            return True
        return start - end <= 16 and not self.store.text_span(document_id, end, start).strip()

    def _passages(self, spans: list[_Span]) -> list[Passage]:
        titles: dict[str, str] = {}
        dates = self.store.dates(s.document_id for s in spans)
        names = {d: self.store.speaker_names(d) for d in dates}
        out = []
        for span in spans:
            doc_turns = self._turns(span.document_id)
            if span.document_id not in titles:
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
                    act=turn.act,
                    turn_index=turn.index,
                    question=cites[-1] if cites else None,
                    thread=cites,
                    timestamp=turn.timestamp,
                    document_date=dates.get(span.document_id),
                    person=names[span.document_id].get(turn.speaker) if turn.speaker else None,
                    speakers=_speakers(doc_turns, turn.index, span.end),
                )
            )
        return out

    def _cite(self, document_id: str, turn: Turn) -> Citation:
        key = (document_id, turn.index)
        cited = self._cache.citations.get(key)
        if cited is None:
            cited = self._cache.citations[key] = Citation(
                text=self.store.text_span(document_id, turn.start, turn.end),
                start=turn.start,
                end=turn.end,
                speaker=turn.speaker,
                turn_index=turn.index,
                timestamp=turn.timestamp,
            )
        return cited
