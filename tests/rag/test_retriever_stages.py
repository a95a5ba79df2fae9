"""Each ranking stage of `Retriever` on a small store built in memory: no `Library`, no files.

The store is a real SQLite database (`:memory:`) filled through `Store.put`, the vectors a real
FAISS index and BM25 a real bm25s index over the same chunks, the embedder the fake one."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

from rag.chunking import ChunkingConfig, chunk_document
from rag.ingest import from_text
from rag.lexical import LexicalIndex
from rag.model import Passage
from rag.ranker import FEATURES, LinearRanker, TreeRanker
from rag.retriever import RetrievalConfig, Retriever, _Span
from rag.store import Store, StoreView
from rag.vectors import VectorIndex
from tests.fakes import FakeEmbedder

FERRY = (
    "Ana: When does the first ferry leave?\n\n"
    "Ben: The first ferry leaves at six. It crosses to the island in forty minutes. In winter the "
    "crossing takes longer, because the ferry slows down in the fog that lies on the water most "
    "mornings. The captain then sounds the horn every two minutes.\n\n"
    "Ana: And the last one?\n\n"
    "Ben: The last ferry comes back at midnight.\n"
)
BAKERY = """Cleo: What do you bake on Saturdays?

Dan: Cinnamon buns, two hundred of them, and rye bread for the market.
"""


@dataclass
class Stages:
    store: Store
    view: StoreView
    vectors: VectorIndex
    lexical: LexicalIndex
    embedder: FakeEmbedder

    def retriever(self, **config: object) -> Retriever:
        defaults: dict[str, object] = {"ranker": None}
        return Retriever(self.view, self.vectors, self.lexical, RetrievalConfig(**(defaults | config)))

    def text(self, document_id: str, start: int, end: int) -> str:
        return self.view.text_span(document_id, start, end)


@pytest.fixture
def stages() -> Iterator[Stages]:
    embedder = FakeEmbedder()
    store = Store(Path(":memory:"))
    ids: list[int] = []
    texts: list[str] = []
    vectors: list[np.ndarray] = []
    store.begin()
    for doc_id, text in (("ferry", FERRY), ("bakery", BAKERY)):
        doc = from_text(text, id=doc_id, format="labelled").document  # two turns: too short to detect
        chunks = chunk_document(doc, ChunkingConfig(max_chars=150))  # the long answer in several
        embedded = embedder.embed_documents([c.embed_text for c in chunks])
        _, new = store.put(
            doc,
            content_hash=doc_id,
            source=None,
            chunks=chunks,
            vectors=embedded,
            model=embedder.name,
            dimension=embedder.dimension,
        )
        ids += new
        texts += [c.embed_text for c in chunks]
        vectors.append(embedded)
    store.commit()
    index = VectorIndex.build(embedder.dimension, np.array(ids, dtype=np.int64), np.vstack(vectors))
    # an in-memory database has no second connection: read on the writer's own
    view = StoreView(store._db, threading.RLock())
    yield Stages(store, view, index, LexicalIndex.build(ids, texts), embedder)
    store.close()


def test_gather_fuses_both_searches_and_each_mode_uses_its_own(stages: Stages):
    r = stages.retriever()
    question = "When does the first ferry leave?"
    query = stages.embedder.embed_query(question)
    dense, lexical, fused, rows = r._gather(question, query, 10, None, "hybrid")
    assert len(dense[0]) and len(lexical[0])
    assert set(fused) == set(dense[0].tolist()) | set(lexical[0].tolist())
    assert set(rows) == set(fused)
    _, only_lexical, fused_dense, _ = r._gather(question, query, 10, None, "dense")
    assert not len(only_lexical[0]) and fused_dense == dict(
        zip(dense[0].tolist(), dense[1].tolist(), strict=True)
    )
    only_dense, _, fused_bm25, _ = r._gather(question, None, 10, None, "bm25")
    assert not len(only_dense[0]) and fused_bm25 == dict(
        zip(lexical[0].tolist(), lexical[1].tolist(), strict=True)
    )
    scoped = r.allowed(documents=["bakery"])
    _, _, _, bakery_rows = r._gather(question, query, 10, scoped, "hybrid")
    assert bakery_rows and {row.document_id for row in bakery_rows.values()} == {"bakery"}


def test_features_describe_acts_and_the_questions_words(stages: Stages):
    r = stages.retriever()
    question = "first ferry leave"
    dense, lexical, fused, rows = r._gather(
        question, stages.embedder.embed_query(question), 10, None, "hybrid"
    )
    ids, x = r._features(question, dense, lexical, fused, rows)
    assert x.shape == (len(ids), len(FEATURES))
    col = {f: j for j, f in enumerate(FEATURES)}
    by_text = {stages.text(rows[i].document_id, rows[i].start, rows[i].end): x[k] for k, i in enumerate(ids)}
    asks = by_text["When does the first ferry leave?"]
    answer = next(v for t, v in by_text.items() if t.startswith("The first ferry leaves at six."))
    assert asks[col["question"]] == 1 and asks[col["answer"]] == 0
    assert answer[col["answer"]] == 1 and answer[col["question"]] == 0
    assert asks[col["coverage"]] == 1.0  # it holds every term asked
    assert answer[col["cited"]] == 1.0  # the question it answers holds them all too
    assert answer[col["bm25"]] <= 1.0 and max(v[col["bm25"]] for v in by_text.values()) == 1.0


def test_the_shortlist_is_the_screens_best_in_their_own_order(stages: Stages):
    r = stages.retriever(scored=1)
    x = np.zeros((6, len(FEATURES)))
    x[:, FEATURES.index("bm25")] = [0.1, 0.9, 0.3, 0.8, 0.2, 0.7]
    screen = LinearRanker(tuple(1.0 if f == "bm25" else 0.0 for f in FEATURES), 0.0)
    assert r._shortlist(screen, x, k=1).tolist() == [1, 3, 5]  # never fewer than 3 per passage
    assert stages.retriever(scored=0)._shortlist(screen, x, k=1).tolist() == list(range(6))
    # unset: the ranker's own, as its file records it (a linear model's is 0, all)
    assert stages.retriever(scored=None)._shortlist(screen, x, k=1).tolist() == list(range(6))
    trees = TreeRanker(
        feature=(FEATURES.index("bm25"), -1, -1), threshold=(0.5, 0.0, 0.0), left=(1, -1, -1),
        right=(2, -1, -1), value=(0.0, 0.0, 1.0), roots=(0,), scored=4,
    )  # fmt: skip
    assert stages.retriever(scored=None)._shortlist(trees, x, k=1).tolist() == [0, 1, 3, 5]  # ties: first


def _rows_of_turn(stages: Stages, document_id: str, turn_index: int) -> list:
    r = stages.retriever()
    question = "ferry fog crossing winter captain horn"
    _, _, _, rows = r._gather(question, stages.embedder.embed_query(question), 20, None, "hybrid")
    return sorted(
        (row for row in rows.values() if row.document_id == document_id and row.turn_index == turn_index),
        key=lambda row: row.start,
    )


def test_assembly_merges_neighbouring_chunks_of_one_turn_that_score_alike(stages: Stages):
    rows = _rows_of_turn(stages, "ferry", 1)
    assert len(rows) >= 2, "the long answer is cut into several chunks"
    first, second = rows[0], rows[1]
    r = stages.retriever()
    [merged] = r._assemble([(first, 1.0), (second, 0.95)])
    assert (merged.start, merged.end, merged.score, merged.chunk_id) == (
        first.start,
        second.end,
        1.0,
        first.id,
    )
    apart = r._assemble([(first, 1.0), (second, 0.5)])  # below `merge_ratio` of the best
    assert sorted((s.start, s.end) for s in apart) == [(first.start, first.end), (second.start, second.end)]


def test_short_passages_grow_by_whole_sentences_inside_their_turn(stages: Stages):
    rows = _rows_of_turn(stages, "ferry", 1)
    r = stages.retriever(min_passage_chars=120)
    turn = r.turns("ferry")[1]
    sentences = r._sentences("ferry", turn)
    first = next(b for b in sentences if b[0] == turn.start)
    span = _Span("ferry", 1, first[0], first[1], 1.0, rows[0].id)
    [grown] = r._grow([span])
    assert grown.start == turn.start and grown.end - grown.start <= 120
    assert grown.end > first[1] and grown.end in {b for _, b in sentences}  # ends on a sentence's end
    # a second span inside the first grown one repeats it: dropped
    assert r._grow([span, span]) == [grown]


def test_a_question_that_only_asks_gives_its_place_to_its_answer(stages: Stages):
    r = stages.retriever()
    turns = r.turns("bakery")
    asks, answer = turns[0], turns[1]
    spans = [_Span("bakery", asks.index, asks.start, asks.end, 1.0, -1)]
    [shown] = r._shown_once(spans, "What do you bake on Saturdays?")
    assert (shown.turn_index, shown.start) == (answer.index, answer.start)


def test_highlight_marks_the_sentence_that_shares_most_words(stages: Stages):
    r = stages.retriever()
    turn = r.turns("ferry")[1]
    quote = stages.text("ferry", turn.start, turn.end)
    passage = Passage(
        quote=quote,
        score=1.0,
        document_id="ferry",
        document_title="ferry",
        start=turn.start,
        end=turn.end,
        speaker=turn.speaker,
        act=turn.act,
        turn_index=turn.index,
    )
    asked, [marked], [terms] = r._highlight([passage], "Why is the crossing slower in winter?")
    assert marked.highlight is not None
    sentence = stages.text("ferry", marked.highlight.start, marked.highlight.end)
    assert sentence.startswith("In winter the crossing takes longer")
    assert {"cross", "winter"} <= asked and "captain" in terms


def test_the_reranker_seam_orders_the_final_passages(stages: Stages):
    class Shortest:
        """Prefers short passages: an order the retriever itself would not give."""

        name = "shortest"

        def score(self, question: str, passages: list[str]) -> list[float]:
            return [-float(len(p)) for p in passages]

    question = "ferry"
    r = stages.retriever()
    plain = r.search(question, stages.embedder.embed_query(question), k=3)
    r.reranker = Shortest()
    reranked = r.search(question, stages.embedder.embed_query(question), k=3)
    lengths = [len(p.quote) for p in reranked]
    assert lengths == sorted(lengths)
    assert [p.quote for p in reranked] != [p.quote for p in plain]


def test_the_verdict_needs_passages_and_a_dense_search(stages: Stages):
    r = stages.retriever()
    question = "When does the last ferry come back?"
    answer = r.search(question, stages.embedder.embed_query(question), k=2)
    assert answer.evidence is not None and answer.confidence is not None
    assert answer.evidence.coverage > 0 and answer.evidence.unknown == 0.0
    words_only = r.search(question, None, k=2, mode="bm25")
    assert words_only.answerable and words_only.confidence is None  # no calibrated verdict
    nothing = r.search("zebra xylophone", stages.embedder.embed_query("zebra xylophone"), k=2, mode="bm25")
    assert not nothing.answerable and not len(nothing)


def test_the_verdicts_standing_is_over_the_first_candidates_whatever_k(stages: Stages):
    """A larger k searches wider (k * 10 chunks); the median the best cosine stands above must
    not move with it, or the same question would be answerable at one k and not another."""
    r = stages.retriever(candidates=3)
    question = "When does the last ferry come back?"
    query = stages.embedder.embed_query(question)
    dense, *_ = r._gather(question, query, 10, None, "hybrid")
    first = dense[1][:3].astype(float)
    for k in (1, 2):
        e = r.search(question, query, k=k).evidence
        assert e is not None and len(dense[0]) > 3
        assert e.margin == pytest.approx(e.similarity - float(np.median(first)), abs=2e-4)
        assert e.standout == pytest.approx((e.similarity - first.mean()) / first.std(), abs=2e-3)
