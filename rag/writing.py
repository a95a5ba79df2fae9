"""The writer: one at a time across processes (a file lock) and threads, inside one SQLite
transaction, changing a private copy of the vectors that dies with its `WriteSession`.

`WriteScope.session()` is the scope: the outermost one takes the locks, begins the
transaction and publishes at its end; inner ones are savepoints that undo themselves on
error. `WriteSession.put` is the commit half of a write (`rag.prepare` is the other half):
it stores a prepared, embedded document and nothing else, so it is quick under the lock.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

import filelock
import numpy as np

from .errors import Busy, IndexMismatch, NotFound
from .generations import build_vectors
from .ingest import Source
from .prepare import AddResult, Prepared
from .publisher import Publisher
from .store import Store, StoreView
from .vectors import Fill, VectorIndex

__all__ = ["WriteScope", "WriteSession"]


class WriteSession:
    """What one write scope has changed: the SQLite rows (in the store's transaction), the
    working copy of the vectors and the documents touched. Gone when the scope ends."""

    def __init__(self, store: Store, publisher: Publisher) -> None:
        self.store = store
        self.publisher = publisher
        self._work: VectorIndex | None = None
        self._stale = False  # a failed step may have left the working copy ahead of SQLite
        self.changes = 0  # vector changes made, so a failed step knows whether it made any
        self.changed: set[str] = set()
        self.fill: Fill | None = None
        """Who fills a restructured vector index in shards at a publication (Ray tasks)."""

    @property
    def dirty(self) -> bool:
        return self.changes > 0 or self._stale

    def _working(self, dimension: int = 0) -> VectorIndex:
        if self._work is None:
            self._work = self.publisher.working_copy(dimension)
        return self._work

    def unchanged(self, prepared: Prepared) -> bool:
        return _unchanged(self.store, prepared.source, prepared.format)

    def put(self, prepared: Prepared) -> AddResult:
        """Store one prepared document with its vectors (added, replaced, or unchanged when a
        writer stored the same text meanwhile)."""
        doc, vectors = prepared.document, prepared.vectors
        if vectors is None or prepared.model is None:
            raise ValueError(f"{doc.id} was not embedded before its commit")
        model, dim = self.store.meta("model"), self.store.meta("dimension")
        if model is not None and (model != prepared.model or int(dim or 0) != vectors.shape[1]):
            raise IndexMismatch(
                f"{doc.id} was embedded with {prepared.model} ({vectors.shape[1]}-d); "
                f"this library holds {model} ({dim}-d)"
            )
        if self.unchanged(prepared):
            return AddResult(doc.id, "unchanged", 0)
        before, origin = self.store.source_of(doc.id), prepared.source.origin
        removed, added = self.store.put(
            doc,
            content_hash=prepared.source.content_hash,
            source=prepared.source.origin,
            chunks=prepared.chunks,
            vectors=vectors,
            model=prepared.model,
            dimension=vectors.shape[1],
        )
        self.store.remember_vectors(prepared.model, prepared.texts, vectors)
        self.changes += 1
        work = self._working(vectors.shape[1])
        work.remove(np.array(removed, dtype=np.int64))
        work.add(np.array(added, dtype=np.int64), vectors)
        self.changed.add(doc.id)
        elsewhere = before if removed and before and origin and before != origin else None
        return AddResult(doc.id, "replaced" if removed else "added", len(prepared.chunks), elsewhere)

    def delete(self, document_id: str) -> None:
        removed = self.store.delete(document_id)
        if removed is None:
            raise NotFound(f"no document with id {document_id!r}")
        self.changes += 1
        self._working().remove(np.array(removed, dtype=np.int64))
        self.changed.add(document_id)

    def replace_vectors(self, index: VectorIndex) -> None:
        """Every vector anew (a reindex): `index` replaces the working copy."""
        self.changes += 1
        self._work, self._stale = index, False

    def step_failed(self, changes_before: int) -> None:
        """A savepoint rolled SQLite back: if the step had changed the vectors too, the copy
        is rebuilt from the writer's rows when published."""
        if self.changes != changes_before:
            self._stale = True

    def publish(self) -> None:
        """Commit; when anything changed, as the next generation."""
        if not self.dirty:
            self.store.commit()
            return
        if self._stale:
            # the writer's connection sees its own uncommitted rows: the truth of this scope
            self._work = build_vectors(self.store, self.publisher.dimension(self.store))
        self.publisher.publish(self._working(), self.changed, self.fill)
        self._work, self._stale, self.changes, self.changed = None, False, 0, set()


def _unchanged(view: StoreView, source: Source, format: str | None) -> bool:
    stored = view.fingerprint(source.document.id)
    return stored is not None and stored[0] == source.content_hash and format in (None, stored[1])


class WriteScope:
    """One writer at a time: a thread lock in this process, a file lock across processes,
    both waited for at most `lock_timeout` seconds together (then `Busy`)."""

    def __init__(
        self,
        data_dir: Path,
        store: Store,
        publisher: Publisher,
        lock_timeout: float,
        checkpoint_seconds: float,
    ) -> None:
        self.data_dir = data_dir
        self.store = store
        self.publisher = publisher
        self.checkpoint_seconds = checkpoint_seconds
        self._write_lock = threading.RLock()
        self._lock_timeout = lock_timeout
        self._file_lock = filelock.FileLock(data_dir / "write.lock", timeout=lock_timeout, thread_local=False)
        self._write_depth = 0
        self._writer = 0  # the thread inside the write scope
        self._session: WriteSession | None = None
        self._last_publish = time.monotonic()
        publisher.bind(self._try_locked)

    @contextmanager
    def session(self) -> Iterator[WriteSession]:
        """The writer's scope. The outermost one holds the file lock and one SQLite transaction
        and publishes at its end; inner ones are savepoints that undo themselves on error."""
        deadline = self._take_thread_lock()
        try:
            if self._write_depth:
                session = self._session
                assert session is not None
                self._write_depth += 1
                before = session.changes
                try:
                    with self.store.savepoint():
                        yield session
                except BaseException:
                    session.step_failed(before)
                    raise
                finally:
                    self._write_depth -= 1
                return
            self._take_file_lock(deadline)
            self._write_depth, self._writer = 1, threading.get_ident()
            session = self._session = WriteSession(self.store, self.publisher)
            try:
                with self.store.translating():
                    self.store.begin()
                    try:
                        yield session
                        self._publish(session)
                    except BaseException:
                        with suppress(sqlite3.DatabaseError):  # a damaged file may refuse even this
                            self.store.rollback()
                        raise
            finally:
                self._write_depth, self._session = 0, None
                self._file_lock.release()
        finally:
            self._write_lock.release()

    @contextmanager
    def exclusive(self) -> Iterator[Store]:
        """Both locks and no transaction: for work SQLite runs outside one (VACUUM). Not
        inside a write scope, whose transaction would be open."""
        if self.owns():
            raise RuntimeError("exclusive() inside a write scope")
        deadline = self._take_thread_lock()
        try:
            self._take_file_lock(deadline)
            try:
                yield self.store
            finally:
                self._file_lock.release()
        finally:
            self._write_lock.release()

    def _take_thread_lock(self) -> float:
        """This process's writer lock; returns the deadline the file lock shares with it. One
        bound for both: a writer never waits without end for another thread's batch either (a
        negative `lock_timeout` is the one way to ask for no bound)."""
        deadline = time.monotonic() + self._lock_timeout
        if not self._write_lock.acquire(timeout=self._lock_timeout if self._lock_timeout >= 0 else -1):
            raise Busy(f"another writer in this process is writing to {self.data_dir}; try again shortly")
        return deadline

    def _take_file_lock(self, deadline: float) -> None:
        try:
            self._file_lock.acquire(timeout=self._left(deadline))
        except filelock.Timeout:
            raise Busy(
                f"another process is writing to {self.data_dir} (lock {self._file_lock.lock_file}); "
                "try again when it has finished"
            ) from None

    def _left(self, deadline: float) -> float:
        return -1 if self._lock_timeout < 0 else max(deadline - time.monotonic(), 0)

    def _publish(self, session: WriteSession) -> None:
        session.publish()
        self._last_publish = time.monotonic()

    def checkpoint(self) -> None:
        """Inside a batch, between documents: publish what is done so far, at most every
        `checkpoint_seconds`, so readers see progress and an interrupted run keeps it."""
        session = self._session
        if (
            session is not None
            and self._write_depth == 1
            and self.owns()
            and time.monotonic() - self._last_publish >= self.checkpoint_seconds
        ):
            self._publish(session)
            self.store.begin()

    def owns(self) -> bool:
        """Whether this thread is inside its own write scope (another thread's batch is not)."""
        return self._write_depth > 0 and self._writer == threading.get_ident()

    @contextmanager
    def view(self) -> Iterator[StoreView]:
        """What this thread should read: inside its own write scope, the writer's connection
        (it sees the uncommitted work of the batch); otherwise a read transaction."""
        if self.owns():
            yield self.store
        else:
            with self.store.reading() as view:
                yield view

    def unchanged(self, source: Source, format: str | None) -> bool:
        """Whether the library (as this thread sees it) holds this source already."""
        with self.view() as view:
            return _unchanged(view, source, format)

    @contextmanager
    def _try_locked(self) -> Iterator[bool]:
        """The writer's locks for catching BM25 up; False when another process holds the file."""
        with self._write_lock:
            try:
                self._file_lock.acquire()
            except filelock.Timeout:
                yield False
                return
            try:
                yield True
            finally:
                self._file_lock.release()
