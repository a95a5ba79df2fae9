"""The two halves of a write: `prepare` (pure, runs anywhere) and `commit` (the writer)."""

from __future__ import annotations

import pickle
import sqlite3
from pathlib import Path

import numpy as np
import pytest

from rag import IndexMismatch, Library
from rag.chunking import ChunkingConfig
from rag.ingest import from_text
from rag.prepare import embed, missing_texts, prepare, prepare_file, vectors_for
from rag.store import text_hash
from tests.fakes import FakeEmbedder

FERRY = "Q: What colour is the ferry?\nA: The ferry is painted bright yellow for the fog.\n"
PIER = "Q: When was the pier rebuilt?\nA: The pier was rebuilt in oak after the storm.\n"
FIXTURES = Path(__file__).parent.parent / "fixtures"


def _rows(path: Path) -> list[tuple]:
    with sqlite3.connect(path / "library.sqlite3") as db:
        sql = "SELECT id, document_id, turn_index, start, end, embed_text, vector FROM chunks"
        return db.execute(sql).fetchall()


def test_prepared_in_another_place_commits_as_add_would(tmp_path: Path) -> None:
    """Read, chunk and embed with no library at all, ship it (pickle), commit it: the same
    rows, vectors and answers as `add`."""
    fake = FakeEmbedder()
    item = prepare_file(FIXTURES / "qa.txt", "qa", ChunkingConfig(), format=None, max_bytes=1 << 20)
    [shipped], encoded = embed([item], fake.embed_documents, lambda hashes: {}, model=fake.name, dimension=64)
    shipped = pickle.loads(pickle.dumps(shipped))
    assert encoded == len(set(item.texts)) and shipped.vectors.shape == (len(item.chunks), 64)

    with Library.open(tmp_path / "a", embedder=FakeEmbedder()) as lib:
        [result] = lib.commit([shipped])
        assert result.status == "added" and lib.generation == 1
        via_commit = lib.ask("what did they say", k=3)
    with Library.open(tmp_path / "b", embedder=FakeEmbedder()) as lib:
        lib.add_file(FIXTURES / "qa.txt", id="qa")
        assert list(lib.ask("what did they say", k=3)) == list(via_commit)
    assert _rows(tmp_path / "a") == _rows(tmp_path / "b")


def test_a_library_opened_without_a_model_takes_prepared_vectors_from_its_first_commit(
    tmp_path: Path,
) -> None:
    """A bulk writer that only commits vectors made elsewhere needs no model of its own, even
    into a new library (whose dimension is not recorded until that first commit)."""
    fake = FakeEmbedder()
    items, _ = embed(
        [prepare(from_text(FERRY, id="ferry"), ChunkingConfig())],
        fake.embed_documents,
        lambda hashes: {},
        model=fake.name,
        dimension=64,
    )
    with Library.open(tmp_path) as lib:
        assert [r.status for r in lib.commit(items)] == ["added"]
        assert lib.status().chunks == len(items[0].chunks) and lib.generation == 1
    with Library.open(tmp_path, embedder=FakeEmbedder()) as lib:
        assert "yellow" in lib.ask("what colour is the ferry", k=1)[0].quote


def test_one_commit_is_one_publication(tmp_path: Path) -> None:
    with Library.open(tmp_path, embedder=FakeEmbedder()) as lib:
        items = lib.prepare([from_text(FERRY, id="ferry"), from_text(PIER, id="pier")])
        results = lib.commit(items)
        assert [r.status for r in results] == ["added", "added"] and lib.generation == 1
        assert [r.status for r in lib.commit(items)] == ["unchanged", "unchanged"]
        assert lib.generation == 1  # nothing changed: nothing published


def test_the_cache_is_consulted_before_the_model(tmp_path: Path) -> None:
    with Library.open(tmp_path, embedder=FakeEmbedder()) as lib:
        lib.add_text(FERRY, id="ferry")
        ferry_texts = lib.encoded
        copy, pier = (prepare(from_text(t, id=i), lib.chunking) for t, i in ((FERRY, "copy"), (PIER, "pier")))
        texts = copy.texts + pier.texts
        with lib.store.reading() as view:
            cached = view.cached_vectors("fake-bow", [text_hash(t) for t in texts], 64)
        assert len(cached) == ferry_texts > 0
        assert missing_texts(texts, cached) == list(dict.fromkeys(pier.texts))
        lib.commit(lib.embed([copy, pier]))
        assert lib.encoded - ferry_texts == len(set(pier.texts))  # the copy's came from the cache


def test_commit_refuses_other_models_and_missing_vectors(tmp_path: Path) -> None:
    with Library.open(tmp_path, embedder=FakeEmbedder()) as lib:
        lib.add_text(FERRY, id="ferry")
        other = FakeEmbedder(name="another-model")
        item = prepare(from_text(PIER, id="pier"), lib.chunking)
        [foreign], _ = embed([item], other.embed_documents, lambda h: {}, model=other.name, dimension=64)
        with pytest.raises(IndexMismatch, match="another-model"):
            lib.commit([foreign])
        with pytest.raises(ValueError, match="not embedded"):
            lib.commit([item])
        assert [d.id for d in lib.documents()] == ["ferry"] and lib.generation == 1


def test_a_failed_step_inside_a_batch_leaves_vectors_and_rows_agreeing(tmp_path: Path) -> None:
    """An inner scope that fails rolls SQLite back to its savepoint; the vectors it had
    changed must come back too (they are rebuilt from the writer's rows)."""
    with Library.open(tmp_path, embedder=FakeEmbedder()) as lib:
        with lib.batch():
            lib.add_text(FERRY, id="ferry")
            with pytest.raises(RuntimeError), lib.batch():
                lib.remove("ferry")
                raise RuntimeError("the step fails after changing the vectors")
            lib.add_text(PIER, id="pier")
        status = lib.status()
        assert status.documents == 2 and status.chunks == lib.store.chunk_count()
        [best] = lib.ask("ferry painted yellow", k=1, mode="dense")
        assert best.document_id == "ferry"
        assert np.isfinite(best.score)


def test_progress_counts_chunks_cached_at_once_and_repeated_texts_each_time() -> None:
    """`progress(embedded, all)` over the chunks, not the distinct texts the model sees: the
    cache's count at once, the model's steps scaled to what is left, then all of them."""
    fake = FakeEmbedder()
    texts = ["cached one", "cached two"] + [f"new {i}" for i in range(4)] * 2  # 2 + 8 chunks, 4 distinct new
    known = {text_hash(t): fake.embed_query(t) for t in texts[:2]}
    calls: list[int] = []

    def encode(batch: list[str], /, *, progress=None) -> np.ndarray:
        calls.append(len(batch))
        for _ in batch:  # one at a time, as a model reports its batches
            if progress:
                progress(1)
        return fake.embed_documents(batch)

    seen: list[tuple[int, int]] = []
    vectors, encoded = vectors_for(texts, encode, lambda hashes: known, 64, lambda *p: seen.append(p))
    assert calls == [4] and encoded == 4
    assert seen == [(2, 10), (4, 10), (6, 10), (8, 10), (10, 10)]
    assert np.allclose(vectors[2], vectors[6])  # a repeated text has its one vector
    seen.clear()
    vectors_for(texts[:2], encode, lambda hashes: known, 64, lambda *p: seen.append(p))
    assert seen == [(2, 2)] and calls == [4]  # all cached: no model call, done at once
