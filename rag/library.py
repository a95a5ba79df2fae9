"""The facade: open a data directory, add and remove documents, ask questions, reindex."""

from __future__ import annotations

import sqlite3
import threading
import time
import warnings
from collections.abc import Callable, Collection, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Literal

import filelock
import numpy as np

from embeddings import Embedder

from . import links
from .catalog import Person
from .catchup import CatchUp
from .chunking import ChunkingConfig, chunk_document
from .docmeta import describe, edit
from .errors import Busy, IndexMismatch, InvalidInput, NotFound, RagError
from .filters import document_filter
from .generations import Generations, ReadCache, Snapshot, build_lexical
from .ingest import DEFAULT_MAX_BYTES, Source, from_text, read_file, walk
from .model import Answer, Document, DocumentInfo, Passage, group_by_document
from .questions import AskedQuestion, find_questions
from .rerank import Reranker
from .retriever import MODES, Mode, RetrievalConfig, Retriever
from .store import ChunkRow, Store, StoreView, text_hash
from .transcripts import FORMATS
from .vectors import IndexPolicy, VectorIndex

__all__ = ["AddResult", "IndexReport", "Library", "LibraryStatus"]


@dataclass(frozen=True, slots=True)
class AddResult:
    id: str
    status: Literal["added", "replaced", "unchanged"]
    chunks: int


@dataclass(frozen=True, slots=True)
class LibraryStatus:
    generation: int
    documents: int
    chunks: int
    vector_index: str = "flat"
    """`flat` (exact) or `ivf` (approximate; see `IndexPolicy`)."""


@dataclass(slots=True)
class IndexReport:
    added: int = 0
    replaced: int = 0
    unchanged: int = 0
    failed: dict[str, str] | None = None

    def count(self, result: AddResult) -> None:
        setattr(self, result.status, getattr(self, result.status) + 1)


ChunkProgress = Callable[[int, int], None]
"""Called with (chunks embedded, chunks in all), as `reindex` reports."""
FileProgress = Callable[[int, int, str, str], None]
"""Called after each file with (files done, files in all, document id, status or error message)."""


class Library:
    """A data directory: `library.sqlite3` (the truth) plus the derived search files of each
    published generation (see `rag.generations`).

    Readers search an immutable `Snapshot` of the generation their read transaction sees,
    so they never wait for a writer and never see half a change. A writer (one at a time
    across processes: a file lock) builds the next generation on a copy and publishes it
    with one SQLite commit; later questions, in any process, see it.
    """

    def __init__(
        self,
        data_dir: Path,
        store: Store,
        embedder: Embedder | None,
        chunking: ChunkingConfig,
        retrieval: RetrievalConfig,
        lock_timeout: float,
        max_document_bytes: int = DEFAULT_MAX_BYTES,
        checkpoint_seconds: float = 30.0,
        lexical_sync_max_chunks: int = 20_000,
        index_policy: IndexPolicy | None = None,
        reranker: Reranker | None = None,
        public_url: str | None = None,
    ) -> None:
        self.data_dir = data_dir
        self.public_url = public_url
        self.reranker = reranker
        self.max_document_bytes = max_document_bytes
        self.checkpoint_seconds = checkpoint_seconds
        self.store = store
        self.embedder = embedder
        self.chunking = chunking
        self.retrieval = retrieval
        self.index_policy = index_policy or IndexPolicy()
        self._generations = Generations(data_dir, self.index_policy)
        self._published: Snapshot | None = None
        self._load_lock = threading.Lock()
        self._write_lock = threading.RLock()
        self._lock_timeout = lock_timeout
        self._file_lock = filelock.FileLock(data_dir / "write.lock", timeout=lock_timeout, thread_local=False)
        self._write_depth = 0
        self._writer = 0  # the thread inside the write scope
        self._work: VectorIndex | None = None  # the writer's copy of the vectors, once changed
        self._dirty = False
        self._changed: set[str] = set()  # documents the writer touched: their cached facts go
        self._last_publish = time.monotonic()
        self.encoded = 0
        """Texts this library had the model encode (the rest came from the embedding cache)."""
        self.lexical_sync_max_chunks = lexical_sync_max_chunks
        self._catch_up = CatchUp(self._catch_up_lexical)

    @classmethod
    def open(
        cls,
        data_dir: str | Path,
        *,
        embedder: Embedder | None = None,
        chunking: ChunkingConfig | None = None,
        retrieval: RetrievalConfig | None = None,
        allow_model_change: bool = False,
        lock_timeout: float = 10.0,
        max_document_bytes: int = DEFAULT_MAX_BYTES,
        checkpoint_seconds: float = 30.0,
        lexical_sync_max_chunks: int = 20_000,
        index_policy: IndexPolicy | None = None,
        reranker: Reranker | None = None,
        public_url: str | None = None,
    ) -> Library:
        """Open (creating if needed) a data directory.

        Without an embedder the library can list and remove documents but not add or ask.
        With one, its model must be the one the index was built with, unless
        `allow_model_change` (for `reindex`). `checkpoint_seconds`: how often a long
        batch (a folder) publishes what it has done so far. Past `lexical_sync_max_chunks`
        a write is published with the previous BM25 index and BM25 catches up in the
        background (a new document is found by meaning at once, by its words seconds later).
        `index_policy`: exact or approximate vector search, by size unless told.
        `reranker`: re-orders each question's top candidates by its score (`rag.rerank`);
        None (the default) leaves the ranking as it is. `public_url`: where the server is
        reached, so each passage's permalink (`Passage.url`) is absolute; None: a path.
        """
        path = Path(data_dir).expanduser()
        if path.exists() and not path.is_dir():
            raise InvalidInput(f"data directory {path} is a file")
        path.mkdir(parents=True, exist_ok=True)
        store = Store(path / "library.sqlite3")
        lib = cls(
            path,
            store,
            embedder,
            chunking or ChunkingConfig(),
            retrieval or RetrievalConfig(),
            lock_timeout,
            max_document_bytes,
            checkpoint_seconds,
            lexical_sync_max_chunks,
            index_policy,
            reranker,
            public_url,
        )
        if embedder is not None and not allow_model_change:
            lib._check_model(embedder)
        return lib

    def catch_up(self) -> None:
        """Bring BM25 up to the published generation now instead of in the background (before
        a backup, between benchmark runs); `close` does it too."""
        self._catch_up.run_now()

    def close(self) -> None:
        """Finish bringing BM25 up to date (so the files left behind are complete), then close."""
        self._catch_up.close()
        self.store.close()

    def __enter__(self) -> Library:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- model ------------------------------------------------------------------------

    def _check_model(self, embedder: Embedder) -> None:
        with self.store.reading() as view:
            model, dim = view.meta("model"), view.meta("dimension")
        if model is None:
            return  # nothing indexed yet: the first write records the model
        if model != embedder.name or int(dim or 0) != embedder.dimension:
            raise IndexMismatch(
                f"{self.data_dir} was indexed with model {model} ({dim}-d), not {embedder.name} "
                f"({embedder.dimension}-d): run `rag reindex` to rebuild it with the current model"
            )

    def _require_embedder(self) -> Embedder:
        if self.embedder is None:
            raise RagError("this library was opened without an embedding model")
        return self.embedder

    # -- generations ------------------------------------------------------------------

    def _dimension(self, view: StoreView) -> int:
        return int(view.meta("dimension") or (self.embedder.dimension if self.embedder else 0))

    def _snapshot(self, view: StoreView) -> Snapshot:
        """The search state of the generation `view` sees, loaded once and shared."""
        generation = view.generation
        snap = self._published
        if snap is not None and snap.generation == generation and not self._caught_up_elsewhere(snap):
            return snap
        with self._load_lock:
            snap = self._published
            if snap is not None and snap.generation == generation:
                if self._caught_up_elsewhere(snap):  # another process saved this BM25 meanwhile
                    lexical = self._generations.load_lexical(generation)
                    if lexical is not None:
                        snap = self._published = replace(snap, lexical=lexical, lexical_generation=generation)
                return snap
            snap = self._generations.load(view, self._dimension(view))
            if self._published is None or snap.generation > self._published.generation:
                self._published = snap
            return snap

    def _caught_up_elsewhere(self, snap: Snapshot) -> bool:
        return snap.lexical_generation < snap.generation and self._generations.has_lexical(snap.generation)

    def _working(self) -> VectorIndex:
        """The writer's private copy of the vectors; readers keep searching the published ones."""
        if self._work is None:
            # Through a read transaction: the last committed generation, never this writer's
            # uncommitted rows (which would then be added twice).
            with self.store.reading() as view:
                dim = self._dimension(view) or self._require_embedder().dimension
                current = self._snapshot(view).vectors
            self._work = current.copy() if len(current) or current.dimension == dim else VectorIndex(dim)
        return self._work

    def _publish(self) -> None:
        """Make the writer's changes the next generation: files first, then the SQLite commit."""
        if not self._dirty:
            self.store.commit()
            return
        vectors = self.index_policy.fit(self._working())  # may restructure (seconds, rarely)
        generation = self.store.bump()
        previous = self._published
        cache = previous.cache.without(self._changed) if previous is not None else ReadCache()
        lagging = previous is not None and len(vectors) > self.lexical_sync_max_chunks
        if lagging:  # BM25 over everything takes seconds here: publish now, catch it up after
            snap = Snapshot(generation, vectors, previous.lexical, cache, previous.lexical_generation)
        else:
            snap = Snapshot(generation, vectors, build_lexical(self.store), cache)
            self._generations.save_lexical(generation, snap.lexical)
        self._generations.save_vectors(snap)
        self.store.commit()
        self._published, self._work, self._dirty = snap, None, False
        self._changed = set()
        self._last_publish = time.monotonic()
        self._generations.prune({generation, generation - 1}, {snap.lexical_generation, generation})
        if lagging:
            self._catch_up.request()

    def _catch_up_lexical(self) -> bool:
        """One round of bringing BM25 up to the published generation; True if it moved on."""
        snap = self._published
        if snap is None or snap.lexical_generation >= snap.generation:
            return False
        with self.store.reading() as view:
            generation = view.generation
            lexical = build_lexical(view)
        with self._write_lock:  # files and the published snapshot change under the writer's locks
            try:
                self._file_lock.acquire()
            except filelock.Timeout:
                return True  # another process is writing: try again later
            try:
                self._generations.save_lexical(generation, lexical)
                with self._load_lock:
                    current = self._published
                    if current is not None and current.lexical_generation < generation <= current.generation:
                        self._published = replace(current, lexical=lexical, lexical_generation=generation)
                if current is not None:
                    self._generations.prune(
                        {current.generation, current.generation - 1}, {generation, current.generation}
                    )
            finally:
                self._file_lock.release()
        current = self._published
        return current is not None and current.lexical_generation < current.generation

    @contextmanager
    def _writing(self) -> Iterator[None]:
        """The writer's scope. The outermost one holds the file lock and one SQLite transaction
        and publishes at its end; inner ones are savepoints that undo themselves on error."""
        # One bound for both locks: a writer never waits without end for another thread's batch
        # either (a negative `lock_timeout` is the one way to ask for no bound).
        deadline = time.monotonic() + self._lock_timeout
        if not self._write_lock.acquire(timeout=self._lock_timeout if self._lock_timeout >= 0 else -1):
            raise Busy(f"another writer in this process is writing to {self.data_dir}; try again shortly")
        try:
            if self._write_depth:
                self._write_depth += 1
                try:
                    with self.store.savepoint():
                        yield
                finally:
                    self._write_depth -= 1
                return
            try:
                self._file_lock.acquire(timeout=self._left(deadline))
            except filelock.Timeout:
                raise Busy(
                    f"another process is writing to {self.data_dir} (lock {self._file_lock.lock_file}); "
                    "try again when it has finished"
                ) from None
            self._write_depth, self._writer = 1, threading.get_ident()
            try:
                with self.store.translating():
                    self.store.begin()
                    try:
                        yield
                        self._publish()
                    except BaseException:
                        self._work, self._dirty, self._changed = None, False, set()
                        with suppress(sqlite3.DatabaseError):  # a damaged file may refuse even this
                            self.store.rollback()
                        raise
            finally:
                self._write_depth = 0
                self._file_lock.release()
        finally:
            self._write_lock.release()

    def _left(self, deadline: float) -> float:
        return -1 if self._lock_timeout < 0 else max(deadline - time.monotonic(), 0)

    def _checkpoint(self) -> None:
        """Inside a batch, between documents: publish what is done so far, at most every
        `checkpoint_seconds`, so readers see progress and an interrupted run keeps it."""
        if (
            self._write_depth == 1
            and self._owns_write()
            and time.monotonic() - self._last_publish >= self.checkpoint_seconds
        ):
            self._publish()
            self.store.begin()

    @contextmanager
    def batch(self) -> Iterator[None]:
        """Many writes under one lock, published together at the end (and at checkpoints)."""
        with self._writing():
            yield

    # -- writes -----------------------------------------------------------------------

    def add_text(
        self,
        text: str,
        *,
        id: str | None = None,
        title: str | None = None,
        format: str | None = None,
        progress: ChunkProgress | None = None,
    ) -> AddResult:
        """Add or replace a document whose text is `text`."""
        src = from_text(text, id=id, title=title, format=format)
        return self.add_source(src, format=format, progress=progress)

    def add_file(
        self,
        path: str | Path,
        *,
        id: str | None = None,
        title: str | None = None,
        format: str | None = None,
        progress: ChunkProgress | None = None,
    ) -> AddResult:
        """Add or replace the document read from the file at `path` (text, PDF or DOCX)."""
        src = read_file(Path(path), id=id, title=title, format=format, max_bytes=self.max_document_bytes)
        return self.add_source(src, format=format, progress=progress)

    def add(
        self,
        source: Path | str,
        *,
        id: str | None = None,
        title: str | None = None,
        format: str | None = None,
    ) -> AddResult:
        """Deprecated: a `str` was the text, even `"talk.txt"`; use `add_text` or `add_file`."""
        warnings.warn(
            "Library.add is deprecated: use add_text(text) or add_file(path)",
            DeprecationWarning,
            stacklevel=2,
        )
        if isinstance(source, Path):
            return self.add_file(source, id=id, title=title, format=format)
        return self.add_text(source, id=id, title=title, format=format)

    def add_source(
        self, src: Source, *, format: str | None = None, progress: ChunkProgress | None = None
    ) -> AddResult:
        """`progress(chunks embedded, chunks in all)`, from 0 once chunked (cached vectors count
        as embedded at once); the document is published when this returns outside a batch."""
        embedder = self._require_embedder()
        doc = src.document
        doc = replace(doc, metadata=describe(doc.metadata, title=doc.title, name=doc.id, roles=doc.roles))
        if self._unchanged(src, format):
            return AddResult(doc.id, "unchanged", 0)
        chunks = chunk_document(doc, self.chunking)
        texts = [c.embed_text for c in chunks]
        vectors = self._embed(embedder, texts, progress)
        with self._writing():
            if self._unchanged(src, format):  # another writer stored the same text meanwhile
                return AddResult(doc.id, "unchanged", 0)
            removed, added = self.store.put(
                doc,
                content_hash=src.content_hash,
                source=src.origin,
                chunks=chunks,
                vectors=vectors,
                model=embedder.name,
                dimension=embedder.dimension,
            )
            self.store.remember_vectors(embedder.name, texts, vectors)
            work = self._working()
            work.remove(np.array(removed, dtype=np.int64))
            work.add(np.array(added, dtype=np.int64), vectors)
            self._dirty = True
            self._changed.add(doc.id)
        self._checkpoint()
        return AddResult(doc.id, "replaced" if removed else "added", len(chunks))

    def _embed(
        self, embedder: Embedder, texts: list[str], progress: ChunkProgress | None = None
    ) -> np.ndarray:
        """Vectors for `texts`: from the embedding cache where this model made them before,
        encoded (in one call) for the rest."""
        hashes = [text_hash(t) for t in texts]
        with self._view() as view:
            found = view.cached_vectors(embedder.name, hashes, embedder.dimension)
        vectors = np.empty((len(texts), embedder.dimension), dtype=np.float32)
        missing = [i for i, h in enumerate(hashes) if h not in found]
        for i, h in enumerate(hashes):
            if h in found:
                vectors[i] = found[h]
        done = len(texts) - len(missing)
        if progress:
            progress(done, len(texts))
        if missing:

            def step(encoded: int) -> None:
                nonlocal done
                done += encoded
                if progress:
                    progress(done, len(texts))

            vectors[missing] = embedder.embed_documents([texts[i] for i in missing], progress=step)
        self.encoded += len(missing)
        return vectors

    def _owns_write(self) -> bool:
        """Whether this thread is inside its own write scope (another thread's batch is not)."""
        return self._writer == threading.get_ident()

    @contextmanager
    def _view(self) -> Iterator[StoreView]:
        """What this thread should read: inside its own write scope, the writer's connection
        (it sees the uncommitted work of the batch); otherwise a read transaction."""
        if self._write_depth and self._owns_write():
            yield self.store
        else:
            with self.store.reading() as view:
                yield view

    def _unchanged(self, src: Source, format: str | None) -> bool:
        with self._view() as view:
            stored = view.fingerprint(src.document.id)
        return stored is not None and stored[0] == src.content_hash and format in (None, stored[1])

    def index_folder(
        self, folder: Path, *, format: str | None = None, progress: FileProgress | None = None
    ) -> IndexReport:
        """Add every transcript below `folder`; unchanged files are skipped, changed ones replaced.

        A file that fails is reported and the others still go in. What is done is published
        every `checkpoint_seconds`, so an interrupted run loses little and a rerun skips it.
        """
        if format is not None and format not in FORMATS:
            raise InvalidInput(f"unknown format {format!r}; known formats: {', '.join(FORMATS)}")
        if folder.is_file():
            files = [(folder.name, folder)]
        elif folder.is_dir():
            files = list(walk(folder))
        else:
            raise InvalidInput(f"{folder} does not exist")
        report = IndexReport(failed={})
        with self.batch():
            for done, (doc_id, path) in enumerate(files, 1):
                try:
                    source = read_file(path, id=doc_id, format=format, max_bytes=self.max_document_bytes)
                    result = self.add_source(source, format=format)
                except InvalidInput as exc:
                    report.failed[doc_id] = str(exc)  # type: ignore[index]
                    status = f"failed: {exc}"
                else:
                    report.count(result)
                    status = result.status
                if progress:
                    progress(done, len(files), doc_id, status)
        return report

    def remove(self, document_id: str) -> None:
        with self._writing():
            removed = self.store.delete(document_id)
            if removed is None:
                raise NotFound(f"no document with id {document_id!r}")
            self._working().remove(np.array(removed, dtype=np.int64))
            self._dirty = True
            self._changed.add(document_id)

    def reindex(self, *, progress: ChunkProgress | None = None) -> int:
        """Re-embed every chunk with the current model (after a model change). Returns the count."""
        embedder = self._require_embedder()
        with self._writing():
            total = self.store.chunk_count()
            ids: list[int] = []
            parts: list[np.ndarray] = []
            for batch_ids, texts in self.store.iter_embed_texts():
                vectors = self._embed(embedder, texts)
                self.store.remember_vectors(embedder.name, texts, vectors)
                parts.append(vectors)
                ids.extend(batch_ids)
                if progress:
                    progress(len(ids), total)
            vectors = np.concatenate(parts) if parts else np.empty((0, embedder.dimension), np.float32)
            self.store.replace_vectors(ids, vectors, model=embedder.name, dimension=embedder.dimension)
            index = VectorIndex(embedder.dimension)
            index.add(np.array(ids, dtype=np.int64), vectors)
            self._work, self._dirty = index, True
            return len(ids)

    # -- reads ------------------------------------------------------------------------

    def documents(self) -> list[DocumentInfo]:
        with self.store.reading() as view:
            return view.infos()

    def document(self, document_id: str) -> Document:
        with self.store.reading() as view:
            doc = view.document(document_id)
        if doc is None:
            raise NotFound(f"no document with id {document_id!r}")
        return doc

    def ask(
        self,
        question: str,
        k: int = 5,
        *,
        documents: Collection[str] | None = None,
        speakers: Collection[str] | None = None,
        mode: Mode | None = None,
        date_from: str | None = None,
        date_to: str | None = None,
        kinds: Collection[str] | None = None,
        tags: Collection[str] | None = None,
        group_by: str | None = None,
    ) -> Answer:
        """The `k` passages that best answer `question`, each quoted exactly and cited, with a
        verdict on whether they answer it. `documents`, `speakers` (people, through all their
        labels), `date_from`/`date_to` (inclusive `YYYY-MM-DD`), `kinds` and `tags` restrict
        the search; `group_by="document"` also returns the passages per document, by date."""
        question = question.strip() if question else ""
        if not question:
            raise InvalidInput("the question is empty")
        if k < 1:
            raise InvalidInput(f"k must be at least 1, got {k}")
        if mode is not None and mode not in MODES:
            raise InvalidInput(f"mode must be one of {', '.join(MODES)}, got {mode!r}")
        if group_by not in (None, "document"):
            raise InvalidInput(f"group_by must be 'document', got {group_by!r}")
        where = document_filter(documents, date_from, date_to, kinds, tags)
        mode = mode or self.retrieval.mode
        query = self._require_embedder().embed_query(question) if mode != "bm25" else None
        with self.store.reading() as view:
            snap = self._snapshot(view)
            retriever = Retriever(
                view, snap.vectors, snap.lexical, self.retrieval, snap.cache, reranker=self.reranker
            )
            answer = retriever.search(question, query, k, speakers=speakers, mode=mode, where=where)
            metadata = {d: view.metadata(d) for d in {p.document_id for p in answer}}
        answer = links.annotate(answer, metadata, self.public_url)
        if group_by == "document":  # after the links, so the grouped passages carry them too
            answer = replace(answer, groups=group_by_document(answer.passages))
        return answer

    def passage(self, document_id: str, start: int, end: int) -> Passage:
        """The quote `start..end` of a document, cited as `ask` cites it (for a passage id)."""
        with self.store.reading() as view:
            doc = view.document(document_id)
            if doc is None:
                raise NotFound(f"no document with id {document_id!r}")
            names = view.speaker_names(document_id)
        passage = links.at_span(doc, start, end, base=self.public_url)
        return replace(passage, person=names.get(passage.speaker) if passage.speaker else None)

    def questions(
        self,
        text: str | None = None,
        k: int = 10,
        *,
        documents: Collection[str] | None = None,
        speakers: Collection[str] | None = None,
        date_from: str | None = None,
        date_to: str | None = None,
        kinds: Collection[str] | None = None,
        tags: Collection[str] | None = None,
    ) -> list[AskedQuestion]:
        """The questions asked (`rag.questions`): the `k` closest to `text`, or without it the
        first `k` in date order; `speakers` are the askers."""
        text = (text or "").strip() or None
        if k < 1:
            raise InvalidInput(f"k must be at least 1, got {k}")
        where = document_filter(documents, date_from, date_to, kinds, tags)
        query = self._require_embedder().embed_query(text) if text and self.embedder is not None else None
        with self.store.reading() as view:
            snap = self._snapshot(view)
            retriever = Retriever(view, snap.vectors, snap.lexical, self.retrieval, snap.cache)
            return find_questions(retriever, text, query, k, where=where, speakers=speakers)

    def speakers(self) -> list[Person]:
        """Everyone who speaks in the library, as people: names, labels, counts, parts."""
        with self.store.reading() as view:
            return view.people()

    def alias(self, label: str, name: str, *, document: str | None = None) -> int:
        """Say that `label` names the person `name`, in `document` or in every document (now
        and when documents are added later). Returns how many labels now name them."""
        label, name = " ".join(label.split()), " ".join(name.split())
        for text in (label, name, document or ""):
            try:
                text.encode("utf-8")
            except UnicodeEncodeError:
                raise InvalidInput(f"{text!r} holds an unpaired surrogate") from None
        if not label or not name:
            raise InvalidInput("a speaker alias needs a label and a name")
        if len(label) > 200 or len(name) > 200:
            raise InvalidInput("a speaker label or name is longer than 200 characters")
        with self._writing():
            if document is not None and self.store.fingerprint(document) is None:
                raise NotFound(f"no document with id {document!r}")
            return self.store.alias(label, name, document)

    def set_metadata(self, document_id: str, changes: dict[str, str | list[str] | None]) -> dict[str, str]:
        """Change a document's metadata (`date`, `kind`, `tags`, `source_url`, or any other
        key; None removes one). Kept when the document is replaced. Returns the metadata."""
        with self._writing():
            doc = self.store.document(document_id)
            if doc is None:
                raise NotFound(f"no document with id {document_id!r}")
            metadata = edit(doc.metadata, changes)
            stored = {k: (None if v is None else metadata.get(k)) for k, v in changes.items()}
            self.store.set_metadata(document_id, metadata, stored)
            return metadata

    def candidates(
        self,
        question: str,
        *,
        documents: Collection[str] | None = None,
        speakers: Collection[str] | None = None,
    ) -> list[tuple[ChunkRow, dict[str, float]]]:
        """The hybrid candidates of a question with the ranker's features, for training one."""
        query = self._require_embedder().embed_query(question)
        with self.store.reading() as view:
            snap = self._snapshot(view)
            retriever = Retriever(view, snap.vectors, snap.lexical, self.retrieval, snap.cache)
            return retriever.candidates(question, query, documents=documents, speakers=speakers)

    def status(self) -> LibraryStatus:
        """The published generation and its size, loading its search files if not yet loaded."""
        with self.store.reading() as view:
            snap = self._snapshot(view)
            return LibraryStatus(
                generation=snap.generation,
                documents=view.document_count(),
                chunks=len(snap.vectors),
                vector_index="ivf" if snap.vectors.is_ivf else "flat",
            )

    @property
    def generation(self) -> int:
        with self.store.reading() as view:
            return view.generation
