"""Add, ask, replace, remove and crash recovery against a real SQLite file and FAISS index."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from rag import Busy, IndexMismatch, InvalidInput, Library, NotFound, RagError
from rag.vectors import VectorIndex
from tests.fakes import FakeEmbedder

QA = """Q: What colour is the ferry?
A: The ferry is painted bright yellow so that fishermen can see it in fog.

Q: Where does it sail?
A: It sails between the harbour and the island twice a day.
"""


def _open(path: Path, embedder=None) -> Library:
    return Library.open(path, embedder=embedder or FakeEmbedder())


def _check_quotes(lib: Library, passages) -> None:
    for p in passages:
        assert lib.document(p.document_id).text[p.start : p.end] == p.quote


def test_add_text_is_text_and_add_file_is_a_file_while_add_warns(tmp_path: Path) -> None:
    talk = tmp_path / "talk.txt"
    talk.write_text(QA, encoding="utf-8")
    with _open(tmp_path / "data") as lib:
        assert lib.add_file(str(talk)).id == "talk.txt"  # a str path is a file here
        assert lib.document("talk.txt").text == QA
        lib.add_text("talk.txt", id="words")  # and the words "talk.txt" here
        assert lib.document("words").text == "talk.txt"
        progress: list[tuple[int, int]] = []
        lib.add_text(QA.replace("yellow", "green"), id="green", progress=lambda *p: progress.append(p))
        chunks = next(i.chunk_count for i in lib.documents() if i.id == "green")
        assert progress[0][0] < chunks and progress[-1] == (chunks, chunks)  # cached ones count at once
        with pytest.warns(DeprecationWarning, match="add_text"):
            assert lib.add("talk.txt", id="old-words").status == "added"  # dispatches as before
        assert lib.document("old-words").text == "talk.txt"
        with pytest.warns(DeprecationWarning):
            assert lib.add(talk, id="old-file").status == "added"
        assert lib.document("old-file").text == QA


def test_round_trip(tmp_path: Path) -> None:
    lib = _open(tmp_path)
    result = lib.add_text(QA, id="ferry")
    assert result.status == "added" and result.chunks > 0
    passages = lib.ask("what colour is the ferry painted", k=3)
    assert passages[0].document_id == "ferry"
    assert "yellow" in passages[0].quote
    assert passages[0].question is not None
    assert passages[0].question.text == "What colour is the ferry?"
    _check_quotes(lib, passages)

    # the same text again changes nothing
    assert lib.add_text(QA, id="ferry").status == "unchanged"
    generation = lib.generation

    # new text under the same id replaces the old
    changed = QA.replace("bright yellow", "deep red")
    assert lib.add_text(changed, id="ferry").status == "replaced"
    assert lib.generation == generation + 1
    quotes = " ".join(p.quote for p in lib.ask("ferry colour painted", k=5))
    assert "deep red" in quotes and "yellow" not in quotes
    [info] = lib.documents()
    assert info.id == "ferry" and info.chunk_count == lib.status().chunks

    lib.remove("ferry")
    assert lib.documents() == []
    assert list(lib.ask("ferry", k=3)) == []
    with pytest.raises(NotFound):
        lib.remove("ferry")
    lib.close()


def test_reopen_sees_the_same_index(tmp_path: Path) -> None:
    with _open(tmp_path) as lib:
        lib.add_text(QA, id="ferry")
        before = [(p.start, p.end) for p in lib.ask("island harbour", k=2)]
    with _open(tmp_path) as lib:
        assert [(p.start, p.end) for p in lib.ask("island harbour", k=2)] == before
        generation = lib.generation
    # old generations are cleaned up
    assert [p.name for p in (tmp_path / "vectors").iterdir()] == [f"{generation:010d}.faiss"]
    assert [p.name for p in (tmp_path / "lexical").iterdir()] == [f"{generation:010d}"]


def test_damaged_lexical_folder_is_rebuilt(tmp_path: Path) -> None:
    with _open(tmp_path) as lib:
        lib.add_text(QA, id="ferry")
        before = [(p.start, p.end) for p in lib.ask("island harbour", k=2, mode="bm25")]
    [folder] = (tmp_path / "lexical").iterdir()
    for child in folder.iterdir():
        child.write_bytes(b"garbage")
    with _open(tmp_path) as lib:
        assert [(p.start, p.end) for p in lib.ask("island harbour", k=2, mode="bm25")] == before


def test_failure_while_saving_files_publishes_nothing(tmp_path: Path, monkeypatch) -> None:
    """Files are saved before the SQLite commit: a writer dying mid-save leaves the last
    published generation, and running the work again completes it."""
    with _open(tmp_path) as lib:
        lib.add_text(QA, id="ferry")

    def die(self, path):
        path.with_name(".partial").write_bytes(b"half a file")
        raise KeyboardInterrupt("killed mid-save")

    monkeypatch.setattr(VectorIndex, "save", die)
    lib = _open(tmp_path)
    with pytest.raises(KeyboardInterrupt):
        lib.add_text("Q: Is there a café?\nA: Yes, on the upper deck, serving tea.", id="cafe")
    monkeypatch.undo()

    lib.close()

    with _open(tmp_path) as reopened:
        assert {d.id for d in reopened.documents()} == {"ferry"}
        assert reopened.generation == 1
        assert reopened.ask("yellow ferry", k=1)[0].document_id == "ferry"
        reopened.add_text("Q: Is there a café?\nA: Yes, on the upper deck, serving tea.", id="cafe")
        passages = reopened.ask("tea on the upper deck", k=1)
        assert passages[0].document_id == "cafe"
        _check_quotes(reopened, passages)


def test_damaged_vector_file_is_rebuilt(tmp_path: Path) -> None:
    with _open(tmp_path) as lib:
        lib.add_text(QA, id="ferry")
    [path] = (tmp_path / "vectors").glob("*.faiss")
    path.write_bytes(b"garbage")
    with _open(tmp_path) as lib:
        assert lib.ask("yellow ferry", k=1)[0].document_id == "ferry"


def test_other_model_is_a_clear_error(tmp_path: Path) -> None:
    with _open(tmp_path) as lib:
        lib.add_text(QA, id="ferry")
    with pytest.raises(IndexMismatch, match="rag reindex"):
        Library.open(tmp_path, embedder=FakeEmbedder(dimension=32, name="other"))
    other = FakeEmbedder(dimension=32, name="other")
    with Library.open(tmp_path, embedder=other, allow_model_change=True) as lib:
        assert lib.reindex() == lib.documents()[0].chunk_count
        assert lib.ask("yellow ferry", k=1)[0].document_id == "ferry"
    with Library.open(tmp_path, embedder=other) as lib:  # now the recorded model
        assert lib.documents()


def test_index_folder_is_incremental(tmp_path: Path) -> None:
    folder = tmp_path / "docs"
    (folder / "sub").mkdir(parents=True)
    (folder / "a.txt").write_text(QA, encoding="utf-8")
    (folder / "sub" / "b.md").write_text("Ann: Why?\nBob: Because of the tide.\n", encoding="utf-8")
    (folder / "bad.txt").write_bytes(b"caf\xe9 au lait")
    (folder / ".hidden.txt").write_text("secret", encoding="utf-8")
    (folder / "image.png").write_bytes(b"\x89PNG")
    seen = []
    with _open(tmp_path / "data") as lib:
        report = lib.index_folder(folder, progress=lambda done, total, i, s: seen.append((done, total, i)))
        assert (report.added, report.replaced, report.unchanged) == (2, 0, 0)
        assert set(report.failed) == {"bad.txt"} and "UTF-8" in report.failed["bad.txt"]
        assert {d.id for d in lib.documents()} == {"a.txt", "sub/b.md"}
        assert seen == [(1, 3, "a.txt"), (2, 3, "bad.txt"), (3, 3, "sub/b.md")]
        (folder / "a.txt").write_text(QA + "\nQ: Fare?\nA: Two euros.\n", encoding="utf-8")
        report = lib.index_folder(folder)
        assert (report.added, report.replaced, report.unchanged) == (0, 1, 1)


def test_a_file_of_another_folder_under_the_same_id_is_reported_as_replacing(tmp_path: Path) -> None:
    """Ids are paths inside the folder indexed: a second folder's `notes.txt` replaces the
    first's, and says where the replaced one was read from; an edit of the same file does not."""
    first, second = tmp_path / "first", tmp_path / "second"
    for folder, answer in ((first, "Yellow."), (second, "Blue.")):
        folder.mkdir()
        (folder / "notes.txt").write_text(f"Q: What colour is the ferry?\nA: {answer}\n", encoding="utf-8")
    with _open(tmp_path / "data") as lib:
        assert lib.index_folder(first).replaced_from == {}
        report = lib.index_folder(second)
        assert (report.added, report.replaced) == (0, 1)
        assert report.replaced_from == {"notes.txt": str((first / "notes.txt").resolve())}
        (second / "notes.txt").write_text("Q: What colour is the ferry?\nA: Green.\n", encoding="utf-8")
        result = lib.add_file(second / "notes.txt")
        assert result.status == "replaced" and result.replaced_from is None  # the same file, edited
        assert lib.add_text("Q: Why?\nA: Tides.", id="notes.txt").replaced_from is None  # no file


def test_bad_input(tmp_path: Path) -> None:
    with _open(tmp_path) as lib:
        with pytest.raises(InvalidInput, match="empty"):
            lib.add_text("   \n", id="blank")
        with pytest.raises(InvalidInput, match="invalid document id"):
            lib.add_text(QA, id="../escape")
        with pytest.raises(InvalidInput, match="empty"):
            lib.ask("  ")
        with pytest.raises(InvalidInput, match="k must be"):
            lib.ask("ferry", k=0)
        assert lib.documents() == []


def test_filter_by_document(tmp_path: Path) -> None:
    with _open(tmp_path) as lib:
        lib.add_text(QA, id="ferry")
        lib.add_text("Q: What colour is the bus?\nA: The bus is yellow too.", id="bus")
        assert {p.document_id for p in lib.ask("yellow", k=5, documents=["bus"])} == {"bus"}


def test_bad_files_change_nothing(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "big.txt").write_text("Q: Why?\nA: " + "word " * 100, encoding="utf-8")
    (folder / "empty.txt").write_bytes(b"")
    (folder / "binary.json").write_bytes(b"\x00\x01\x02\x03")
    (folder / "latin1.srt").write_bytes(b"1\n00:00:01,000 --> 00:00:02,000\ncaf\xe9\n")
    with Library.open(tmp_path / "data", embedder=FakeEmbedder(), max_document_bytes=300) as lib:
        lib.add_text(QA, id="ferry")
        generation = lib.generation
        report = lib.index_folder(folder)
        assert report.failed is not None
        assert "over the limit of 300" in report.failed["big.txt"]
        assert "empty" in report.failed["empty.txt"]
        assert "binary" in report.failed["binary.json"]
        assert "line 3" in report.failed["latin1.srt"]
        with pytest.raises(InvalidInput, match="does not fit"):
            lib.add_text(QA, id="forced", format="dashed")
        with pytest.raises(InvalidInput, match="unknown format"):
            lib.index_folder(folder, format="odt")  # docx and pdf are formats now
        assert [d.id for d in lib.documents()] == ["ferry"]
        assert lib.generation == generation


def test_cached_turns_follow_a_replaced_document(tmp_path: Path) -> None:
    """Readers cache turns and sentences per generation; a replaced document must not keep them."""
    with _open(tmp_path) as lib:
        lib.add_text("Q: What colour is the ferry?\nA: The ferry is painted bright yellow.", id="f")
        lib.add_text("Q: Where is the harbour?\nA: The harbour is north of town.", id="h")
        assert lib.ask("ferry colour", k=1)[0].speaker is None
        lib.add_text(
            "A short introduction.\n\nQ: Is the harbour busy today?\nA: Very busy, with boats everywhere.\n\n"
            "Q: What colour is the ferry?\nA: Green: the ferry is green now.",
            id="f",
        )
        [best] = lib.ask("ferry colour green", k=1, documents=["f"])
        assert "green now" in best.quote and best.question.text == "What colour is the ferry?"
        _check_quotes(lib, [best])
        assert lib.ask("harbour north", k=1)[0].document_id == "h"  # untouched: still cached, still right


def test_unchanged_text_is_never_encoded_twice(tmp_path: Path) -> None:
    turns = [
        f"Q: What happened in year {y}?\nA: In {y} the old pier was rebuilt in oak.\n\n" for y in range(8)
    ]
    with _open(tmp_path) as lib:
        lib.add_text("".join(turns), id="pier")
        first = lib.encoded
        assert first == lib.status().chunks > 0
        turns[3] = "Q: What happened in year 3?\nA: Nothing at all, it was a quiet year.\n\n"
        lib.add_text("".join(turns), id="pier")  # one answer changed: only its chunk is new
        assert lib.encoded - first == 1
        lib.remove("pier")
        before = lib.encoded
        lib.add_text("".join(turns), id="pier")  # removed and uploaded again
        lib.reindex()  # same model
        assert lib.encoded == before
        _check_quotes(lib, lib.ask("quiet year", k=2))
    with _open(tmp_path) as reopened:  # the cache is in SQLite: it outlives the process
        reopened.add_text("".join(turns), id="pier-copy")
        assert reopened.encoded == 0


def test_the_cache_serves_texts_added_earlier_in_the_same_batch(tmp_path: Path) -> None:
    text = "".join(f"Q: What happened in {y}?\nA: In {y} the pier was rebuilt in oak.\n\n" for y in range(6))
    with _open(tmp_path) as lib:
        with lib.batch():
            lib.add_text(text, id="one")
            first = lib.encoded
            lib.add_text(text, id="two")  # uncommitted yet: the writer's own view must find it
        assert lib.encoded == first > 0
        assert lib.status().chunks == 2 * first


def test_an_index_from_before_the_cache_seeds_it_on_open(tmp_path: Path) -> None:
    text = "Q: What colour is the ferry?\nA: The ferry is painted bright yellow.\n"
    with _open(tmp_path) as lib:
        lib.add_text(text, id="old")
    with sqlite3.connect(tmp_path / "library.sqlite3") as db:  # as an older version left it
        db.execute("DELETE FROM embedding_cache")
        db.execute("UPDATE meta SET value = '2' WHERE key = 'schema_version'")
    with _open(tmp_path) as lib:
        lib.add_text(text, id="again")
        assert lib.encoded == 0


def test_a_v6_embedding_cache_becomes_a_rowid_table_with_every_vector(tmp_path: Path) -> None:
    with _open(tmp_path) as lib:
        lib.add_text(QA, id="old")
        lib.add_text("Q: Where is the harbour?\nA: North of the town, past the mill.", id="harbour")
    path = tmp_path / "library.sqlite3"
    with sqlite3.connect(path) as db:  # the cache as schema v6 kept it
        before = sorted(db.execute("SELECT model, text_hash, vector FROM embedding_cache"))
        db.execute("ALTER TABLE embedding_cache RENAME TO new_cache")
        db.execute(
            "CREATE TABLE embedding_cache (model TEXT NOT NULL, text_hash BLOB NOT NULL, "
            "vector BLOB NOT NULL, PRIMARY KEY (model, text_hash)) WITHOUT ROWID"
        )
        db.execute("INSERT INTO embedding_cache SELECT model, text_hash, vector FROM new_cache")
        db.execute("DROP TABLE new_cache")
        db.execute("UPDATE meta SET value = '6' WHERE key = 'schema_version'")
    assert len(before) >= 2
    for _ in range(2):  # the upgrade is idempotent: a second open changes nothing
        with _open(tmp_path) as lib:
            assert lib.ask("What colour is the ferry?", k=1)[0].document_id == "old"
        with sqlite3.connect(path) as db:
            assert db.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone() == ("7",)
            [sql] = db.execute("SELECT sql FROM sqlite_master WHERE name = 'embedding_cache'").fetchone()
            assert "WITHOUT ROWID" not in sql.upper()
            assert sorted(db.execute("SELECT model, text_hash, vector FROM embedding_cache")) == before
            tables = db.execute("SELECT name FROM sqlite_master WHERE name LIKE 'embedding%'").fetchall()
            assert tables == [("embedding_cache",)]  # the old table is gone
    with _open(tmp_path) as lib:
        lib.add_text(QA, id="again")  # every vector still found in the cache
        assert lib.encoded == 0


def test_large_indexes_publish_at_once_and_catch_bm25_up_after(tmp_path: Path) -> None:
    """Past `lexical_sync_max_chunks` a write is published with the previous BM25 index: found
    by meaning at once, by its words once BM25 catches up; removed chunks never come back."""
    lib = Library.open(tmp_path, embedder=FakeEmbedder(), lexical_sync_max_chunks=0)
    lib.add_text("Q: Where is the harbour?\nA: The harbour lies north of the town.", id="harbour")
    lib.catch_up()
    lib.add_text(QA, id="ferry")
    assert lib.ask("yellow ferry fog", k=1, mode="dense")[0].document_id == "ferry"  # at once
    lib.remove("harbour")  # removed while BM25 may still hold its chunks
    for p in lib.ask("harbour north town", k=5, mode="bm25"):
        assert p.document_id == "ferry"
    _check_quotes(lib, lib.ask("harbour north town", k=5))
    lib.catch_up()
    generation = lib.generation
    assert lib.ask("yellow ferry fog", k=1, mode="bm25")[0].document_id == "ferry"
    assert (tmp_path / "lexical" / f"{generation:010d}").is_dir()

    other = Library.open(tmp_path, embedder=FakeEmbedder())  # another process's view
    assert other.ask("yellow ferry fog", k=1, mode="bm25")[0].document_id == "ferry"
    lib.add_text("Q: Is there a café?\nA: Yes, on the upper deck, serving tea.", id="cafe")
    lib.close()  # closing finishes the catch-up: the files left behind are complete
    assert (tmp_path / "lexical" / f"{generation + 1:010d}").is_dir()
    assert other.ask("tea upper deck", k=1, mode="bm25")[0].document_id == "cafe"
    other.close()


def test_index_turns_approximate_past_the_threshold_and_keeps_working(tmp_path: Path) -> None:
    from rag import IndexPolicy

    policy = IndexPolicy(ivf_min_vectors=40, nprobe=64)
    lib = Library.open(tmp_path, embedder=FakeEmbedder(), index_policy=policy)
    lib.add_text(QA, id="ferry")
    assert lib.status().vector_index == "flat"
    with lib.batch():
        for i in range(30):
            lib.add_text(QA.replace("ferry", f"ferry number {i}").replace("yellow", f"shade {i}"), id=f"f{i}")
    status = lib.status()
    assert status.vector_index == "ivf" and status.chunks >= 40
    hits = lib.ask("what colour is ferry number 7 painted", k=3, documents=["f7"])
    assert hits and all(p.document_id == "f7" for p in hits)
    _check_quotes(lib, hits)
    lib.remove("f7")
    assert list(lib.ask("ferry", k=3, documents=["f7"])) == []
    lib.close()

    reopened = Library.open(tmp_path, embedder=FakeEmbedder(), index_policy=policy)
    assert reopened.status().vector_index == "ivf"
    assert any(p.document_id == "f8" for p in reopened.ask("ferry number 8", k=10))
    for i in range(30):
        if i != 7:
            reopened.remove(f"f{i}")
    assert reopened.status().vector_index == "flat"  # shrunk well below: exact again
    reopened.close()


def test_a_version_3_index_gains_pages_and_roles_on_open(tmp_path: Path) -> None:
    text = QA
    with _open(tmp_path) as lib:
        lib.add_text(text, id="old")
    with sqlite3.connect(tmp_path / "library.sqlite3") as db:  # as version 3 left it
        db.execute("ALTER TABLE turns DROP COLUMN page")
        db.execute("ALTER TABLE documents DROP COLUMN roles")
        db.execute("UPDATE meta SET value = '3' WHERE key = 'schema_version'")
    with _open(tmp_path) as lib:
        doc = lib.document("old")
        assert doc.roles == {} and doc.turns and all(t.page is None for t in doc.turns)
        assert "question" in {t.act for t in doc.turns}
        talk = "Ann: Is it yellow?\n\nBo: Yes, bright yellow.\n\nAnn: Why yellow?\n\nBo: So boats see it.\n"
        lib.add_text(talk, id="new")
        assert lib.document("new").roles == {"Ann": "interviewer", "Bo": "guest"}


@pytest.mark.parametrize("text", ["Q: a?\nA: b.", "the the the", "🙂 🎉 🙂", "?! ... --"])
def test_documents_without_indexable_words_publish(tmp_path: Path, text: str) -> None:
    """Nothing for BM25 to index is a valid state: adding such a document to an empty
    library, deleting the last real one, reopening, and asking all work."""
    with _open(tmp_path) as lib:
        assert lib.add_text(text, id="empty").status == "added"
        assert list(lib.ask("ferry colour", k=3, mode="bm25")) == []
        lib.ask("ferry colour", k=3)
        lib.add_text(QA, id="ferry")
        assert lib.ask("yellow ferry", k=1, mode="bm25")[0].document_id == "ferry"
        lib.remove("ferry")
        assert list(lib.ask("yellow ferry", k=3, mode="bm25")) == []
        generation = lib.generation
    with _open(tmp_path) as lib:
        assert lib.status().generation == generation
        assert list(lib.ask("yellow ferry", k=3, mode="bm25")) == []
        lib.remove("empty")
        assert lib.documents() == []


def test_a_folder_of_documents_without_words_indexes(tmp_path: Path) -> None:
    folder = tmp_path / "docs"
    folder.mkdir()
    for i, text in enumerate(["Q: a?\nA: b.", "the the the", "🙂🎉", "?! ... --"]):
        (folder / f"{i}.txt").write_text(text, encoding="utf-8")
    with _open(tmp_path / "data") as lib:
        report = lib.index_folder(folder)
        assert report.failed == {} and report.added + report.unchanged == 4
        assert list(lib.ask("anything at all", k=3, mode="bm25")) == []


def _interview(n: int) -> str:
    words = ["ferry", "harbour", "island", "taxes", "budget", "school", "river", "bridge", "market"]
    parts = []
    for t in range(30):
        a, b = words[(n + t) % len(words)], words[(n * 3 + t) % len(words)]
        parts.append(
            f"Q: What about the {a} number {n} {t}?\n"
            f"A: The {a} and the {b} matter here. We spoke of the {b} often. Item {n} {t} is done.\n"
        )
    return "\n".join(parts)


def test_readers_and_a_writer_in_one_process(tmp_path: Path) -> None:
    """Reader threads asking while a writer adds and removes documents, in one process, with
    threads switching often: no reader or writer fails (the writer carries the readers' cache
    into each generation while readers fill it) and every answer quotes its document exactly."""
    import sys
    import threading
    import time

    # BM25 caught up in the background: more publications a second, and the catch-up in the race
    lib = Library.open(tmp_path, embedder=FakeEmbedder(), lexical_sync_max_chunks=0)
    with lib.batch():
        for n in range(40):
            lib.add_text(_interview(n), id=f"doc{n}")
    versions = {f"doc{n}": [_interview(n)] for n in range(40)}
    errors: list[BaseException] = []
    stop = threading.Event()
    questions = [f"item {n} {t} the {w}" for t in range(30) for n in range(40) for w in ("ferry", "river")]

    def reader(offset: int) -> None:
        i = offset
        while not stop.is_set():
            try:
                for p in lib.ask(questions[i % len(questions)], k=10):
                    # an exact slice of a version of its document (the writer may have replaced it since)
                    assert any(t[p.start : p.end] == p.quote for t in versions[p.document_id]), p
            except BaseException as exc:
                errors.append(exc)
                return
            i += 7919

    def writer() -> None:
        n = 0
        while not stop.is_set():
            try:
                doc, text = f"doc{n % 40}", _interview(n % 40 + 100 * (n // 40 + 1))
                versions[doc].append(text)
                lib.remove(doc)
                lib.add_text(text, id=doc)
            except BaseException as exc:
                errors.append(exc)
                return
            n += 1

    old = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        threads = [threading.Thread(target=reader, args=(i,)) for i in range(4)]
        threads.append(threading.Thread(target=writer))
        for t in threads:
            t.start()
        time.sleep(3.0)
        stop.set()
        for t in threads:
            t.join(30)
    finally:
        sys.setswitchinterval(old)
        lib.close()
    assert not errors, repr(errors[0])


def test_an_empty_ids_file_is_rebuilt_once_and_saved(tmp_path: Path, caplog) -> None:
    """A truncated `lexical/<gen>/ids.npy` (a full disk, a killed copy): the library opens,
    rebuilds the search files from SQLite, logs it, and saves the repair for the next start."""
    import logging

    with _open(tmp_path) as lib:
        lib.add_text(QA, id="ferry")
        before = [(p.start, p.end) for p in lib.ask("island harbour", k=2, mode="bm25")]
    [folder] = (tmp_path / "lexical").iterdir()
    (folder / "ids.npy").write_bytes(b"")
    with caplog.at_level(logging.WARNING, logger="rag.generations"), _open(tmp_path) as lib:
        assert [(p.start, p.end) for p in lib.ask("island harbour", k=2, mode="bm25")] == before
    assert any(str(folder) in r.getMessage() and "rebuil" in r.getMessage() for r in caplog.records)
    assert (folder / "ids.npy").stat().st_size > 0  # the repair was saved
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="rag.generations"), _open(tmp_path) as lib:
        assert [(p.start, p.end) for p in lib.ask("island harbour", k=2, mode="bm25")] == before
    assert not caplog.records  # not repaired again


def test_a_damaged_sqlite_file_is_a_clear_error_and_left_alone(tmp_path: Path) -> None:
    import os

    from rag import Damaged

    with _open(tmp_path) as lib:
        lib.add_text(QA, id="ferry")
    path = tmp_path / "library.sqlite3"
    with path.open("r+b") as fh:
        fh.write(os.urandom(100))  # the header
    damaged = path.read_bytes()
    with pytest.raises(Damaged) as err:
        _open(tmp_path)
    message = str(err.value)
    assert str(path) in message and "backup" in message and "\n" not in message
    assert path.read_bytes() == damaged  # nothing overwritten or 'repaired'


def test_an_ivfpq_library_answers_with_true_cosines(tmp_path: Path) -> None:
    """A quantised index finds its candidates; their scores are the true cosines (re-scored
    from SQLite), as exact search would give them."""
    from rag import IndexPolicy

    docs = {
        f"f{i}": QA.replace("ferry", f"ferry number {i}").replace("yellow", f"shade {i}") for i in range(30)
    }
    scores = {}
    for kind in ("flat", "ivfpq"):
        lib = Library.open(tmp_path / kind, embedder=FakeEmbedder(), index_policy=IndexPolicy(kind=kind))
        with lib.batch():
            for doc_id, text in docs.items():
                lib.add_text(text, id=doc_id)
        assert lib.status().vector_index == kind
        hits = lib.ask("what colour is ferry number 7 painted", k=3, mode="dense")
        assert hits[0].document_id == "f7"
        scores[kind] = [round(p.score, 5) for p in hits]  # ties below the first may order either way
        lib.close()
    assert scores["ivfpq"] == scores["flat"]


def test_a_library_opens_and_answers_while_another_process_writes(tmp_path: Path) -> None:
    """Opening took SQLite's write lock (to create the schema), so a server could not start
    while `rag index` ran; at the current schema it takes none."""
    with _open(tmp_path) as lib:
        lib.add_text(QA, id="ferry")
    root = Path(__file__).resolve().parents[2]
    holder = subprocess.Popen(
        [sys.executable, "-m", "tests.writer", "hold", str(tmp_path), "60"],
        cwd=root,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        start = time.monotonic()
        with Library.open(tmp_path, embedder=FakeEmbedder(), lock_timeout=0.2) as lib:
            assert lib.ask("ferry colour", k=1)[0].document_id == "ferry"
            with pytest.raises(Busy, match="another process is writing"):
                lib.remove("ferry")
            with pytest.raises(Busy, match="another process is writing"):
                lib.compact()
        assert time.monotonic() - start < 5
    finally:
        holder.kill()
        holder.wait()


def _long_talk(topic: str, turns: int) -> str:
    return "".join(
        f"Q: What happened to the {topic} in year {y}?\nA: In year {y} the {topic} was mended, "
        f"painted and weighed {y * 7} kilos, {'and more ' * 40}said the keeper.\n\n"
        for y in range(turns)
    )


def test_compact_gives_back_the_space_and_forgets_only_texts_no_chunk_holds(tmp_path: Path) -> None:
    big, small = _long_talk("lighthouse", 300), QA
    with _open(tmp_path) as lib:
        lib.add_text(big, id="big")
        lib.add_text(small, id="small")
        lib.remove("big")
        generation = lib.generation
        done = lib.compact()
        assert done.bytes_after < done.bytes_before * 0.5  # the big one's pages and cache went
        assert done.cache_dropped > 0 and done.folded
        assert lib.generation == generation  # nothing readers see changed
        (top,) = lib.ask("What colour is the ferry?", k=1)
        assert top.document_id == "small"
        _check_quotes(lib, [top])
        before = lib.encoded
        lib.add_text(small, id="small-again")  # a text chunks hold: still cached
        assert lib.encoded == before
        lib.add_text(big, id="big")  # its cache went with it: embedded anew
        assert lib.encoded > before
    with sqlite3.connect(tmp_path / "library.sqlite3") as db:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)


def test_compact_can_keep_the_cache_and_is_not_for_inside_a_write(tmp_path: Path) -> None:
    with _open(tmp_path) as lib:
        lib.add_text(_long_talk("windmill", 40), id="mill")
        lib.remove("mill")
        assert lib.compact(prune_cache=False).cache_dropped == 0
        before = lib.encoded
        lib.add_text(_long_talk("windmill", 40), id="mill")
        assert lib.encoded == before  # every text was still cached
        with lib.batch(), pytest.raises(RuntimeError, match="inside a write scope"):
            lib.compact()
        assert lib.compact().cache_dropped == 0  # every cached text is held by a chunk


def test_compact_beside_a_reader_leaves_the_log_for_later_and_loses_nothing(tmp_path: Path) -> None:
    with _open(tmp_path) as lib:
        lib.add_text(_long_talk("bell", 100), id="bell")
        lib.add_text(QA, id="ferry")
        lib.remove("bell")
        with lib.store.reading() as view:  # a reader in the middle of a request
            assert view.document_count() == 1
            start = time.monotonic()
            held = lib.compact(fold_wait=0.1)
            assert not held.folded and held.bytes_after < held.bytes_before  # the database's own size
            assert time.monotonic() - start < 5
            assert view.document_count() == 1
        assert lib.ask("ferry colour", k=1)[0].document_id == "ferry"
        again = lib.compact()
        assert again.folded and again.bytes_after < again.bytes_before


class _FullDisk:
    """The writer's connection, on a disk that fills up at the statement starting `fails`."""

    def __init__(self, db: sqlite3.Connection, fails: str) -> None:
        self.db, self.fails = db, fails

    def execute(self, sql: str, *args: object) -> sqlite3.Cursor:
        if sql.startswith(self.fails):
            error = sqlite3.OperationalError("database or disk is full")
            error.sqlite_errorcode = 13  # SQLITE_FULL
            raise error
        return self.db.execute(sql, *args)

    def __getattr__(self, name: str) -> object:
        return getattr(self.db, name)


def _compact_on_a_full_disk(lib: Library, fails: str, match: str) -> None:
    real = lib.store._db
    lib.store._db = _FullDisk(real, fails)  # type: ignore[assignment]
    try:
        with pytest.raises(RagError, match=match):
            lib.compact()
    finally:
        lib.store._db = real


def test_compact_on_a_full_disk_says_so_and_leaves_the_library_whole(tmp_path: Path) -> None:
    with _open(tmp_path) as lib:
        lib.add_text(QA, id="ferry")
        _compact_on_a_full_disk(
            lib, "VACUUM", r"no room to compact .* twice its size free; the library is whole"
        )
        assert lib.ask("ferry colour", k=1)[0].document_id == "ferry"
        lib.remove("ferry")  # and the write lock was let go


def test_a_full_disk_while_dropping_dead_cache_rows_undoes_the_drop(tmp_path: Path) -> None:
    with _open(tmp_path) as lib:
        lib.add_text(_long_talk("kiln", 20), id="kiln")
        lib.add_text(QA, id="ferry")
        lib.remove("kiln")
        real = lib.store._db
        cached = real.execute("SELECT count(*) FROM embedding_cache").fetchone()[0]
        _compact_on_a_full_disk(
            lib,
            "DELETE FROM embedding_cache",
            r"no room to drop the dead cache rows of .*; the library is whole",
        )
        assert not real.in_transaction
        assert real.execute("SELECT count(*) FROM embedding_cache").fetchone()[0] == cached
        live = real.execute("SELECT count(DISTINCT embed_text) FROM chunks").fetchone()[0]
        assert 0 < live < cached and lib.compact().cache_dropped == cached - live  # later, with room


def test_compact_drops_another_models_cached_vectors(tmp_path: Path) -> None:
    with _open(tmp_path) as lib:
        lib.add_text(QA, id="ferry")
        path = tmp_path / "library.sqlite3"
        with sqlite3.connect(path) as db:  # vectors a model used before this one left behind
            db.execute(
                "INSERT INTO embedding_cache(model, text_hash, vector)"
                " SELECT 'an-old-model', text_hash, vector FROM embedding_cache"
            )
            mine = db.execute(
                "SELECT count(*) FROM embedding_cache WHERE model != 'an-old-model'"
            ).fetchone()[0]
        db.close()
        assert lib.compact().cache_dropped == mine
        with sqlite3.connect(path) as db:
            assert db.execute("SELECT count(DISTINCT model) FROM embedding_cache").fetchone()[0] == 1
        db.close()
        before = lib.encoded
        lib.add_text(QA, id="ferry-again")
        assert lib.encoded == before  # this model's vectors stayed
