"""The SQLite side: documents, turns, chunks (with their vectors) and index metadata.

SQLite is the source of truth. A writer changes it inside one transaction that ends by
bumping the `generation` counter; the FAISS and BM25 files of a generation are derived
from the rows here and can always be rebuilt from them. Readers each read inside their
own read transaction (`Store.reading()`), so in WAL mode they see one committed
generation from first row to last while a writer works.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from . import docmeta, people
from .catalog import CatalogView, CatalogWriter, to_v6
from .errors import Damaged, IndexMismatch, RagError
from .model import Chunk, Document, DocumentInfo, Turn

__all__ = ["SCHEMA_VERSION", "ChunkRow", "Store", "StoreView", "text_hash"]

SCHEMA_VERSION = 7
"""v5 was never released (jobs live in their own file, `rag.jobstore`): a v1-v6 file goes
through `_to_v4`, `_to_v6` and `_to_v7`, each idempotent."""

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS documents (
    id TEXT PRIMARY KEY,
    title TEXT NOT NULL,
    text TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    format TEXT NOT NULL,
    source TEXT,
    metadata TEXT NOT NULL DEFAULT '{}',
    added_at TEXT NOT NULL,
    roles TEXT NOT NULL DEFAULT '{}'
);
CREATE TABLE IF NOT EXISTS turns (
    document_id TEXT NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    idx INTEGER NOT NULL,
    role TEXT NOT NULL,
    speaker TEXT,
    start INTEGER NOT NULL,
    end INTEGER NOT NULL,
    question_index INTEGER,
    timestamp TEXT,
    page INTEGER,
    PRIMARY KEY (document_id, idx)
);
CREATE TABLE IF NOT EXISTS chunks (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    document_id TEXT NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    turn_index INTEGER NOT NULL,
    start INTEGER NOT NULL,
    end INTEGER NOT NULL,
    embed_text TEXT NOT NULL,
    vector BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS chunks_document ON chunks(document_id);
CREATE TABLE IF NOT EXISTS embedding_cache (
    id INTEGER PRIMARY KEY,
    model TEXT NOT NULL,
    text_hash BLOB NOT NULL,
    vector BLOB NOT NULL,
    UNIQUE (model, text_hash)
);
"""


_SQLITE_IOERR, _SQLITE_CORRUPT, _SQLITE_FULL, _SQLITE_NOTADB = 10, 11, 13, 26
_VACUUM_ROOM = (
    "SQLite writes a whole copy of the file first (in the temporary folder, then beside it), so "
    "it needs about twice its size free"
)
_BUSY_MS = 30_000
"""How long a connection waits for another's lock before SQLite says it is busy."""


def damaged(path: Path, exc: BaseException) -> Damaged | None:
    """The one-line error for a database file SQLite finds damaged; None for other errors."""
    code = getattr(exc, "sqlite_errorcode", None)
    if (
        not isinstance(exc, sqlite3.DatabaseError)
        or code is None
        or code & 0xFF
        not in (
            _SQLITE_CORRUPT,
            _SQLITE_NOTADB,
        )
    ):
        return None
    return Damaged(
        f"{path} is damaged ({exc}); it was left as it is: restore it from a backup, or move it "
        "aside and index the transcripts again"
    )


def text_hash(text: str) -> bytes:
    """The embedding cache's key for a text (with the model's name)."""
    return hashlib.blake2b(text.encode("utf-8"), digest_size=16).digest()


@contextmanager
def _no_room(path: Path, doing: str, need: str = "free some disk") -> Iterator[None]:
    """A disk that is full (or refuses the write: a quota) is a message naming the file."""
    try:
        yield
    except sqlite3.OperationalError as exc:
        if getattr(exc, "sqlite_errorcode", 0) & 0xFF not in (_SQLITE_FULL, _SQLITE_IOERR):
            raise
        raise RagError(f"no room to {doing} {path} ({exc}): {need}; the library is whole") from None


@dataclass(frozen=True, slots=True)
class ChunkRow:
    id: int
    document_id: str
    turn_index: int
    start: int
    end: int


class StoreView(CatalogView):
    """Reads on one connection. Inside `Store.reading()` every read sees the same snapshot."""

    def __init__(self, db: sqlite3.Connection, lock: threading.RLock) -> None:
        self._db = db
        self._lock = lock

    def meta(self, key: str) -> str | None:
        with self._lock:
            row = self._db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    @property
    def generation(self) -> int:
        return int(self.meta("generation") or 0)

    def source_of(self, document_id: str) -> str | None:
        """Where a stored document was read from (a file's resolved path), where it says."""
        with self._lock:
            row = self._db.execute("SELECT source FROM documents WHERE id = ?", (document_id,)).fetchone()
        return row[0] if row else None

    def fingerprint(self, document_id: str) -> tuple[str, str] | None:
        """(content hash, format) of a stored document: enough to tell whether a re-add changes it."""
        with self._lock:
            row = self._db.execute(
                "SELECT content_hash, format FROM documents WHERE id = ?", (document_id,)
            ).fetchone()
        return (row[0], row[1]) if row else None

    def infos(self) -> list[DocumentInfo]:
        with self._lock:
            rows = self._db.execute(
                "SELECT d.id, d.title, d.format, d.content_hash, d.source, d.added_at,"
                " (SELECT COUNT(*) FROM turns t WHERE t.document_id = d.id),"
                " (SELECT COUNT(*) FROM chunks c WHERE c.document_id = d.id), d.date, d.kind, d.tags"
                " FROM documents d ORDER BY d.id"
            ).fetchall()
        return [
            DocumentInfo(
                id=r[0],
                title=r[1],
                format=r[2],
                content_hash=r[3],
                source=r[4],
                added_at=r[5],
                turn_count=r[6],
                chunk_count=r[7],
                date=r[8],
                kind=r[9],
                tags=tuple(json.loads(r[10] or "[]")),
            )
            for r in rows
        ]

    def document(self, document_id: str) -> Document | None:
        with self._lock:
            row = self._db.execute(
                "SELECT id, title, text, format, metadata, roles FROM documents WHERE id = ?",
                (document_id,),
            ).fetchone()
            if row is None:
                return None
            turns = self.turns(document_id)
        return Document(
            id=row[0],
            title=row[1],
            text=row[2],
            turns=turns,
            format=row[3],
            metadata=json.loads(row[4]),
            roles=json.loads(row[5]),
        )

    def turns(self, document_id: str) -> tuple[Turn, ...]:
        with self._lock:
            rows = self._db.execute(
                "SELECT idx, role, start, end, speaker, question_index, timestamp, page FROM turns"
                " WHERE document_id = ? ORDER BY idx",
                (document_id,),
            ).fetchall()
        return tuple(Turn(*r) for r in rows)

    def metadata(self, document_id: str) -> dict[str, str]:
        with self._lock:
            row = self._db.execute("SELECT metadata FROM documents WHERE id = ?", (document_id,)).fetchone()
        return json.loads(row[0]) if row else {}

    def title(self, document_id: str) -> str:
        with self._lock:
            row = self._db.execute("SELECT title FROM documents WHERE id = ?", (document_id,)).fetchone()
        return row[0] if row else ""

    def text_span(self, document_id: str, start: int, end: int) -> str:
        """`document.text[start:end]` without loading the whole text (substr counts code points)."""
        with self._lock:
            row = self._db.execute(
                "SELECT substr(text, ?, ?) FROM documents WHERE id = ?",
                (start + 1, end - start, document_id),
            ).fetchone()
        return row[0] if row else ""

    def chunk_rows(self, ids: Sequence[int]) -> dict[int, ChunkRow]:
        if not ids:
            return {}
        marks = ",".join("?" * len(ids))
        with self._lock:
            rows = self._db.execute(
                f"SELECT id, document_id, turn_index, start, end FROM chunks WHERE id IN ({marks})",
                [int(i) for i in ids],
            ).fetchall()
        return {r[0]: ChunkRow(*r) for r in rows}

    def chunk_vectors(self, ids: Sequence[int], dimension: int) -> np.ndarray:
        """The stored vectors of these chunk ids, in order; zeros for an id with no row (a removed
        chunk: it scores nothing, and the retriever drops ids without rows)."""
        marks = ",".join("?" * len(ids))
        with self._lock:
            rows = dict(
                self._db.execute(
                    f"SELECT id, vector FROM chunks WHERE id IN ({marks})", [int(i) for i in ids]
                )
            )
        return np.frombuffer(b"".join(rows[int(i)] for i in ids), dtype=np.float32).reshape(
            len(ids), dimension
        )

    def iter_vectors(self, dimension: int, batch: int = 10_000) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        """All (ids, vectors) in id order, a batch at a time."""
        last = -1
        while True:
            with self._lock:
                rows = self._db.execute(
                    "SELECT id, vector FROM chunks WHERE id > ? ORDER BY id LIMIT ?",
                    (last, batch),
                ).fetchall()
            if not rows:
                return
            ids = np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))
            vecs = np.frombuffer(b"".join(r[1] for r in rows), dtype=np.float32).reshape(len(rows), dimension)
            yield ids, vecs
            last = int(ids[-1])

    def iter_embed_texts(self, batch: int = 1_000) -> Iterator[tuple[list[int], list[str]]]:
        last = -1
        while True:
            with self._lock:
                rows = self._db.execute(
                    "SELECT id, embed_text FROM chunks WHERE id > ? ORDER BY id LIMIT ?",
                    (last, batch),
                ).fetchall()
            if not rows:
                return
            yield [r[0] for r in rows], [r[1] for r in rows]
            last = rows[-1][0]

    def cached_vectors(self, model: str, hashes: Sequence[bytes], dimension: int) -> dict[bytes, np.ndarray]:
        """Vectors this model made before for texts with these hashes."""
        found: dict[bytes, np.ndarray] = {}
        unique = list(dict.fromkeys(hashes))
        for i in range(0, len(unique), 500):
            part = unique[i : i + 500]
            with self._lock:
                rows = self._db.execute(
                    "SELECT text_hash, vector FROM embedding_cache WHERE model = ? AND text_hash IN "
                    f"({','.join('?' * len(part))})",
                    [model, *part],
                ).fetchall()
            for key, blob in rows:
                if len(blob) == 4 * dimension:
                    found[key] = np.frombuffer(blob, dtype=np.float32)
        return found

    def document_count(self) -> int:
        with self._lock:
            return int(self._db.execute("SELECT COUNT(*) FROM documents").fetchone()[0])

    def chunk_count(self) -> int:
        with self._lock:
            return int(self._db.execute("SELECT COUNT(*) FROM chunks").fetchone()[0])


class Store(CatalogWriter, StoreView):
    """One SQLite file: a writer connection (used by one writer at a time, inside
    `begin()`..`commit()`) and a read-only connection per reading thread."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._local = threading.local()
        self._readers: list[sqlite3.Connection] = []
        self._readers_lock = threading.Lock()
        with self.translating():
            super().__init__(self._connect(), threading.RLock())
            try:
                if self._current():
                    return
                with self._lock:
                    self._db.execute("BEGIN IMMEDIATE")
                    try:
                        self._create()
                    except BaseException:
                        self._db.execute("ROLLBACK")
                        raise
                    self._db.execute("COMMIT")
            except BaseException:
                self._db.close()
                raise

    @contextmanager
    def translating(self) -> Iterator[None]:
        """SQLite's 'not a database' and 'malformed' errors become `Damaged`, naming the file."""
        try:
            yield
        except sqlite3.DatabaseError as exc:
            error = damaged(self.path, exc)
            if error is None:
                raise
            raise error from None

    def _connect(self) -> sqlite3.Connection:
        db = sqlite3.connect(
            self.path, check_same_thread=False, isolation_level=None, timeout=_BUSY_MS / 1000
        )
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=FULL")
        db.execute("PRAGMA foreign_keys=ON")
        return db

    def _add_column(self, table: str, column: str, kind: str) -> None:
        """Columns a newer schema added, where an older file lacks them."""
        have = {row[1] for row in self._db.execute(f"PRAGMA table_info({table})")}
        if column not in have:
            self._db.execute(f"ALTER TABLE {table} ADD COLUMN {column} {kind}")

    def _current(self) -> bool:
        """Whether the file is at this schema with nothing to create, migrate or backfill: then
        opening it takes no write lock, so a server starts while `rag index` is writing."""
        try:
            version = self.meta("schema_version")
            if version != str(SCHEMA_VERSION):
                return False
            return self.meta("model") is None or bool(
                self._db.execute("SELECT 1 FROM embedding_cache LIMIT 1").fetchone()
            )
        except sqlite3.OperationalError:  # a new file: no tables yet
            return False

    def _create(self) -> None:
        for statement in _SCHEMA.split(";"):
            if statement.strip():
                self._db.execute(statement)
        version = self.meta("schema_version")
        if version is None:
            self._to_v4()
            to_v6(self._db, self._add_column)
            self._set_meta("schema_version", str(SCHEMA_VERSION))
            self._set_meta("generation", "0")
        elif version.isdigit() and int(version) < SCHEMA_VERSION:
            self._to_v4()
            self._to_v6()
            self._to_v7()
            self._set_meta("schema_version", str(SCHEMA_VERSION))
        elif version != str(SCHEMA_VERSION):
            raise IndexMismatch(
                f"{self.path} has schema version {version}, this program reads {SCHEMA_VERSION}"
            )
        self._backfill_cache()

    def _to_v4(self) -> None:
        """v2 added turns.timestamp, v3 embedding_cache, v4 turns.page and documents.roles."""
        self._add_column("turns", "timestamp", "TEXT")
        self._add_column("turns", "page", "INTEGER")
        self._add_column("documents", "roles", "TEXT NOT NULL DEFAULT '{}'")

    def _to_v6(self) -> None:
        """v6: the catalogue (dates, kinds, tags, speakers as people), filled in for the
        documents already stored from what they say."""
        to_v6(self._db, self._add_column)
        ids = [r[0] for r in self._db.execute("SELECT id FROM documents WHERE date IS NULL AND kind IS NULL")]
        for document_id in ids:
            doc = self.document(document_id)
            if doc is None:
                continue
            meta = docmeta.describe(doc.metadata, title=doc.title, name=doc.id, roles=doc.roles)
            self._db.execute(
                "UPDATE documents SET metadata = ? WHERE id = ?",
                (json.dumps(meta, ensure_ascii=False), doc.id),
            )
            self._catalogue(doc.id, meta)
            self.link_speakers(doc.id, people.link_speakers(doc))

    def _to_v7(self) -> None:
        """v7: the embedding cache as an ordinary rowid table. A `WITHOUT ROWID` row keeps at
        most about a quarter of a page in its b-tree, so each 1.5 KB vector spilled into an
        overflow page of its own, mostly empty; rows copied in one statement, in this
        transaction (the old table's pages go to the free list, reused by later writes)."""
        row = self._db.execute("SELECT sql FROM sqlite_master WHERE name = 'embedding_cache'").fetchone()
        if row is None or "WITHOUT ROWID" not in row[0].upper():
            return
        self._db.execute("ALTER TABLE embedding_cache RENAME TO embedding_cache_v6")
        for statement in _SCHEMA.split(";"):
            if "embedding_cache" in statement:
                self._db.execute(statement)
        self._db.execute(
            "INSERT INTO embedding_cache(model, text_hash, vector)"
            " SELECT model, text_hash, vector FROM embedding_cache_v6"
        )
        self._db.execute("DROP TABLE embedding_cache_v6")

    def _backfill_cache(self) -> None:
        """Indexes made before the embedding cache existed: their vectors seed it, once."""
        model = self.meta("model")
        if model is None or self._db.execute("SELECT 1 FROM embedding_cache LIMIT 1").fetchone():
            return
        self._db.create_function("rag_text_hash", 1, lambda t: text_hash(t), deterministic=True)
        self._db.execute(
            "INSERT OR IGNORE INTO embedding_cache(model, text_hash, vector)"
            " SELECT ?, rag_text_hash(embed_text), vector FROM chunks",
            (model,),
        )

    def close(self) -> None:
        with self._readers_lock:
            for db in self._readers:
                db.close()
            self._readers.clear()
        with self._lock:
            self._db.close()

    @contextmanager
    def reading(self) -> Iterator[StoreView]:
        """A read transaction on this thread's own connection: one committed state throughout."""
        db: sqlite3.Connection | None = getattr(self._local, "db", None)
        if db is None:
            db = self._connect()
            db.execute("PRAGMA query_only=ON")
            self._local.db = db
            with self._readers_lock:
                self._readers.append(db)
        if db.in_transaction:  # nested: the outer read already holds a snapshot
            yield StoreView(db, threading.RLock())
            return
        with self.translating():
            db.execute("BEGIN")
            try:
                yield StoreView(db, threading.RLock())
            finally:
                db.execute("COMMIT")

    # -- the writer's transaction --------------------------------------------------------

    def begin(self) -> None:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")

    def commit(self) -> None:
        with self._lock:
            self._db.execute("COMMIT")

    def rollback(self) -> None:
        with self._lock:
            if self._db.in_transaction:
                self._db.execute("ROLLBACK")

    @contextmanager
    def savepoint(self) -> Iterator[None]:
        """A nested step of the writer's transaction that undoes itself alone when it fails."""
        with self._lock:
            self._db.execute("SAVEPOINT step")
            try:
                yield
            except BaseException:
                self._db.execute("ROLLBACK TO step")
                self._db.execute("RELEASE step")
                raise
            self._db.execute("RELEASE step")

    def _set_meta(self, key: str, value: str) -> None:
        self._db.execute(
            "INSERT INTO meta(key, value) VALUES (?, ?) "
            "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            (key, value),
        )

    def bump(self) -> int:
        """The next generation number, recorded in the writer's transaction."""
        generation = self.generation + 1
        self._set_meta("generation", str(generation))
        return generation

    # -- writes (inside the writer's transaction) ---------------------------------------

    def put(
        self,
        doc: Document,
        *,
        content_hash: str,
        source: str | None,
        chunks: Sequence[Chunk],
        vectors: np.ndarray,
        model: str,
        dimension: int,
        links: Sequence[people.Link] | None = None,
    ) -> tuple[list[int], list[int]]:
        """Insert or replace a document. Returns (removed chunk ids, new chunk ids).

        The first write records the model that made the vectors. `links`: who each speaker
        label names (`rag.people`; by default what the document says). The user's metadata
        edits and aliases outlive a replace.
        """
        if len(chunks) != len(vectors):
            raise ValueError(f"{len(chunks)} chunks but {len(vectors)} vectors")
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        now = datetime.now(UTC).isoformat(timespec="seconds")
        db = self._db
        with self._lock:
            if self.meta("model") is None:
                self._set_meta("model", model)
                self._set_meta("dimension", str(dimension))
            edits = self.edits(doc.id)
            metadata = {k: v for k, v in {**doc.metadata, **edits}.items() if v is not None}
            removed = self._delete(doc.id)
            db.execute(
                "INSERT INTO documents(id, title, text, content_hash, format, source, metadata, added_at,"
                " roles, edits) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    doc.id,
                    doc.title,
                    doc.text,
                    content_hash,
                    doc.format,
                    source,
                    json.dumps(metadata, ensure_ascii=False),
                    now,
                    json.dumps(doc.roles, ensure_ascii=False),
                    json.dumps(edits, ensure_ascii=False),
                ),
            )
            self._catalogue(doc.id, metadata)
            self.link_speakers(doc.id, people.link_speakers(doc) if links is None else links)
            db.executemany(
                "INSERT INTO turns(document_id, idx, role, speaker, start, end, question_index, timestamp,"
                " page) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    (doc.id, t.index, t.act, t.speaker, t.start, t.end, t.question_index, t.timestamp, t.page)
                    for t in doc.turns
                ],
            )
            added = []
            for chunk, vector in zip(chunks, vectors, strict=True):
                cur = db.execute(
                    "INSERT INTO chunks(document_id, turn_index, start, end, embed_text, vector)"
                    " VALUES (?, ?, ?, ?, ?, ?)",
                    (doc.id, chunk.turn_index, chunk.start, chunk.end, chunk.embed_text, vector.tobytes()),
                )
                assert cur.lastrowid is not None  # an INSERT just ran
                added.append(cur.lastrowid)
        return removed, added

    def delete(self, document_id: str) -> list[int] | None:
        """Remove a document; returns its chunk ids, or None when there was none."""
        with self._lock:
            if self._db.execute("SELECT 1 FROM documents WHERE id = ?", (document_id,)).fetchone() is None:
                return None
            return self._delete(document_id)

    def replace_vectors(self, ids: Sequence[int], vectors: np.ndarray, *, model: str, dimension: int) -> None:
        """Store re-embedded vectors and the model that made them."""
        with self._lock:
            self._db.executemany(
                "UPDATE chunks SET vector = ? WHERE id = ?",
                [
                    (v.tobytes(), int(i))
                    for i, v in zip(ids, np.asarray(vectors, dtype=np.float32), strict=True)
                ],
            )
            self._set_meta("model", model)
            self._set_meta("dimension", str(dimension))

    def remember_vectors(self, model: str, texts: Sequence[str], vectors: np.ndarray) -> None:
        """Keep vectors by (model, text hash), so the same text is never encoded twice."""
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        with self._lock:
            self._db.executemany(
                "INSERT OR IGNORE INTO embedding_cache(model, text_hash, vector) VALUES (?, ?, ?)",
                [(model, text_hash(t), v.tobytes()) for t, v in zip(texts, vectors, strict=True)],
            )

    def prune_cache(self) -> int:
        """Drop the cached vectors no chunk would look up now: texts no chunk holds any more,
        and other models'. In a transaction of its own, undone on any error; returns how many
        went."""
        model = self.meta("model")
        with self._lock, self.translating(), _no_room(self.path, "drop the dead cache rows of"):
            self._db.execute("BEGIN IMMEDIATE")
            try:
                self._db.execute("CREATE TEMP TABLE live (h BLOB PRIMARY KEY) WITHOUT ROWID")
                for _, texts in self.iter_embed_texts(batch=10_000):
                    self._db.executemany(
                        "INSERT OR IGNORE INTO temp.live VALUES (?)", [(text_hash(t),) for t in texts]
                    )
                dropped = self._db.execute(
                    "DELETE FROM embedding_cache"
                    " WHERE model IS NOT ? OR text_hash NOT IN (SELECT h FROM temp.live)",
                    (model,),
                ).rowcount
                self._db.execute("DROP TABLE temp.live")
                self._db.execute("COMMIT")
            except BaseException:
                with suppress(sqlite3.DatabaseError):  # a full disk may refuse even this
                    self._db.execute("ROLLBACK")
                with suppress(sqlite3.DatabaseError):
                    self._db.execute("DROP TABLE IF EXISTS temp.live")
                raise
        return dropped

    def vacuum(self, fold_wait: float = 5.0) -> bool:
        """Rewrite the file without its free pages, and fold the log back into it. Outside any
        transaction. False when readers kept the log from being folded back: the file is whole
        either way; it shrinks at a later checkpoint, and the log at the next TRUNCATE one (the
        next compact) or when the last connection closes."""
        with self._lock, self.translating():
            try:
                with _no_room(self.path, "compact", _VACUUM_ROOM):
                    self._db.execute("VACUUM")
            except RagError:
                with suppress(sqlite3.DatabaseError):  # what the failed copy left in the log
                    self._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
                raise
            # folding back waits for every reader's snapshot to end: a few seconds, not the
            # connection's 30 (a long export keeps its snapshot; the log folds back later)
            self._db.execute(f"PRAGMA busy_timeout = {int(fold_wait * 1000)}")
            try:
                busy, _, _ = self._db.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
            finally:
                self._db.execute(f"PRAGMA busy_timeout = {_BUSY_MS}")
        return not busy

    def database_bytes(self) -> int:
        """The database's own size (pages in use and free), whatever its log holds."""
        with self._lock:
            pages = self._db.execute("PRAGMA page_count").fetchone()[0]
            size = self._db.execute("PRAGMA page_size").fetchone()[0]
        return int(pages) * int(size)

    def _delete(self, document_id: str) -> list[int]:
        ids = [r[0] for r in self._db.execute("SELECT id FROM chunks WHERE document_id = ?", (document_id,))]
        self._db.execute("DELETE FROM documents WHERE id = ?", (document_id,))
        return ids
