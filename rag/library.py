"""The facade: open a data directory, add and remove documents, ask questions, reindex.

The write path lives in its own rooms: `rag.prepare` (source → chunks → vectors, pure),
`rag.writing` (the write scope and the session that commits), `rag.publisher` (generations,
the published snapshot, BM25 catch-up). This class wires them and keeps the public API.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Collection, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from embeddings import Embedder

from . import links
from .catalog import Person
from .chunking import ChunkingConfig
from .docmeta import edit
from .errors import IndexMismatch, InvalidInput, NotFound, RagError
from .filters import document_filter
from .ingest import DEFAULT_MAX_BYTES, Source, from_text, read_file, walk
from .model import Answer, Document, DocumentInfo, Passage, group_by_document
from .prepare import AddResult, CacheLookup, ChunkProgress, Encode, Prepared, embed, prepare, vectors_for
from .publisher import Publisher
from .questions import AskedQuestion, find_questions
from .rerank import Reranker
from .retriever import MODES, Mode, RetrievalConfig, Retriever
from .store import ChunkRow, Store
from .transcripts import FORMATS
from .vectors import Fill, IndexPolicy, new_index
from .writing import WriteScope, WriteSession

__all__ = [
    "AddResult",
    "ChunkProgress",
    "Compaction",
    "FolderRun",
    "IndexReport",
    "Library",
    "LibraryStatus",
    "folder_files",
]


@dataclass(frozen=True, slots=True)
class LibraryStatus:
    generation: int
    documents: int
    chunks: int
    vector_index: str = "flat"
    """The vector backend's kind: `flat` (exact) or `ivf` (approximate; see `IndexPolicy`)."""


@dataclass(frozen=True, slots=True)
class Compaction:
    """What `Library.compact` did: the SQLite file's bytes (with its log) before and after."""

    bytes_before: int
    bytes_after: int
    """The compacted database's; until the log is folded back (`folded`) it is in the log too."""
    cache_dropped: int
    """Cached vectors of texts no chunk holds now (or of another model), dropped."""
    folded: bool = True
    """False when readers kept part of the log from going back into the file."""


@dataclass(slots=True)
class IndexReport:
    added: int = 0
    replaced: int = 0
    unchanged: int = 0
    failed: dict[str, str] | None = None
    replaced_from: dict[str, str] = field(default_factory=dict)
    """By id, where each document replaced by another file had been read from."""

    def count(self, result: AddResult) -> None:
        setattr(self, result.status, getattr(self, result.status) + 1)
        if result.replaced_from:
            self.replaced_from[result.id] = result.replaced_from


FileProgress = Callable[[int, int, str, str], None]
"""Called after each file with (files done, files in all, document id, status or error message)."""

_GROUP_CHUNKS = 512
"""A folder is prepared and embedded this many chunks at a time, then committed together."""


def folder_files(folder: Path, format: str | None) -> list[tuple[str, Path]]:
    """(document id, path) of every transcript below `folder` (or the file itself)."""
    if format is not None and format not in FORMATS:
        raise InvalidInput(f"unknown format {format!r}; known formats: {', '.join(FORMATS)}")
    if folder.is_file():
        return [(folder.name, folder)]
    if folder.is_dir():
        return list(walk(folder))
    raise InvalidInput(f"{folder} does not exist")


class FolderRun:
    """A folder's files in order: each failed, skipped (unchanged) or waiting for its group's
    commit; progress is reported in file order once a file's outcome is known."""

    def __init__(self, total: int, progress: FileProgress | None) -> None:
        self.report = IndexReport(failed={})
        self._total, self._progress, self._done = total, progress, 0
        self._pending: list[tuple[str, str | None]] = []  # (id, status; None: in the group)

    def fail(self, doc_id: str, message: str) -> None:
        self.report.failed[doc_id] = message  # type: ignore[index]
        self._pending.append((doc_id, f"failed: {message}"))

    def skip(self, doc_id: str) -> None:
        self.report.unchanged += 1
        self._pending.append((doc_id, "unchanged"))

    def wait(self, doc_id: str) -> None:
        self._pending.append((doc_id, None))

    def done(self, results: Sequence[AddResult]) -> None:
        """The waiting files' results (in order): everything pending is reported."""
        outcomes = iter(results)
        for doc_id, status in self._pending:
            if status is None:
                result = next(outcomes)
                self.report.count(result)
                status = result.status
            self._done += 1
            if self._progress:
                self._progress(self._done, self._total, doc_id, status)
        self._pending = []


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
        self.store = store
        self.embedder = embedder
        self.chunking = chunking
        self.retrieval = retrieval
        self.index_policy = index_policy or IndexPolicy()
        self._publisher = Publisher(
            data_dir, store, self.index_policy, lexical_sync_max_chunks, embedder.dimension if embedder else 0
        )
        self._scope = WriteScope(data_dir, store, self._publisher, lock_timeout, checkpoint_seconds)
        self.encoded = 0
        """Texts this library had the model encode (the rest came from the embedding cache)."""

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

        Without an embedder the library can list and remove documents and `commit` items
        embedded elsewhere (a bulk load of vectors made before), but not embed, add text or ask.
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
        self._publisher.catch_up()

    def close(self) -> None:
        """Finish bringing BM25 up to date (so the files left behind are complete), then close."""
        self._publisher.close()
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

    # -- the write scope --------------------------------------------------------------

    def _writing(self) -> AbstractContextManager[WriteSession]:
        """The writer's scope (`WriteScope.session`): the outermost holds the file lock and
        one transaction and publishes at its end; inner ones are savepoints."""
        return self._scope.session()

    @contextmanager
    def batch(self, *, fill: Fill | None = None) -> Iterator[None]:
        """Many writes under one lock, published together at the end (and at checkpoints).
        `fill`: who fills the vector index a shard at a time when a publication restructures
        it (`rag.vectors.shards`; Ray tasks in `rag.distributed`)."""
        with self._writing() as session:
            if fill is not None:
                session.fill = fill
            yield

    # -- writes: prepare (anywhere), then commit (the writer) ---------------------------

    def prepare(self, sources: Sequence[Source], *, format: str | None = None) -> list[Prepared]:
        """Chunk and embed `sources` (the embedding cache first, the model for the rest, in one
        call), without the write lock: what `commit` then stores."""
        self._require_embedder()
        items = [prepare(src, self.chunking, format=format) for src in sources]
        return self.embed(items)

    def embed(
        self,
        items: Sequence[Prepared],
        *,
        encode: Encode | None = None,
        progress: ChunkProgress | None = None,
    ) -> list[Prepared]:
        """Vectors for prepared documents: cached ones looked up, the rest encoded, by this
        library's model or by `encode` (the same model elsewhere: a Ray actor pool).
        `progress(chunks embedded, chunks in all)` as they go."""
        embedder = self._require_embedder()
        out, encoded = embed(
            items,
            encode or embedder.embed_documents,
            self._lookup(embedder),
            model=embedder.name,
            dimension=embedder.dimension,
            progress=progress,
        )
        self.encoded += encoded
        return out

    def unchanged(self, item: Prepared | Source, format: str | None = None) -> bool:
        """Whether the library holds this document already (a commit would skip it)."""
        if isinstance(item, Prepared):
            return self._scope.unchanged(item.source, item.format)
        return self._scope.unchanged(item, format)

    def commit(self, prepared: Sequence[Prepared]) -> list[AddResult]:
        """Store prepared, embedded documents under the write lock, published together (or
        with the batch this runs in, which may publish here at a checkpoint)."""
        with self._writing() as session:
            results = [session.put(p) for p in prepared]
        self._scope.checkpoint()
        return results

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
        self._require_embedder()
        if self.unchanged(src, format):  # before chunking: a rerun over a folder costs little
            return AddResult(src.document.id, "unchanged", 0)
        [result] = self.commit(self.embed([prepare(src, self.chunking, format=format)], progress=progress))
        return result

    def index_folder(
        self, folder: Path, *, format: str | None = None, progress: FileProgress | None = None
    ) -> IndexReport:
        """Add every transcript below `folder`; unchanged files are skipped, changed ones replaced.

        Files are prepared and embedded a group at a time (one model call per group), and
        committed per group. A file that fails is reported and the others still go in. What is
        done is published every `checkpoint_seconds`, so an interrupted run loses little and a
        rerun skips it.
        """
        files = folder_files(folder, format)
        self._require_embedder()
        run = FolderRun(len(files), progress)
        group: list[Prepared] = []
        with self.batch():
            for doc_id, path in files:
                try:
                    source = read_file(path, id=doc_id, format=format, max_bytes=self.max_document_bytes)
                    if self.unchanged(source, format):
                        run.skip(doc_id)
                        continue
                    group.append(prepare(source, self.chunking, format=format))
                except InvalidInput as exc:
                    run.fail(doc_id, str(exc))
                    continue
                run.wait(doc_id)
                if sum(len(p.chunks) for p in group) >= _GROUP_CHUNKS:
                    run.done(self.commit(self.embed(group)))
                    group = []
            run.done(self.commit(self.embed(group)) if group else [])
        return run.report

    def remove(self, document_id: str) -> None:
        with self._writing() as session:
            session.delete(document_id)

    def reindex(self, *, progress: ChunkProgress | None = None) -> int:
        """Re-embed every chunk with the current model (after a model change). Returns the count."""
        embedder = self._require_embedder()
        with self._writing() as session:
            total = self.store.chunk_count()
            ids: list[int] = []
            parts: list[np.ndarray] = []
            for batch_ids, texts in self.store.iter_embed_texts():
                vectors = self._vectors(embedder, texts)
                self.store.remember_vectors(embedder.name, texts, vectors)
                parts.append(vectors)
                ids.extend(batch_ids)
                if progress:
                    progress(len(ids), total)
            vectors = np.concatenate(parts) if parts else np.empty((0, embedder.dimension), np.float32)
            self.store.replace_vectors(ids, vectors, model=embedder.name, dimension=embedder.dimension)
            index = new_index(embedder.dimension)
            index.add(np.array(ids, dtype=np.int64), vectors)
            session.replace_vectors(index)
            return len(ids)

    def _lookup(self, embedder: Embedder) -> CacheLookup:
        def lookup(hashes: Sequence[bytes]) -> dict[bytes, np.ndarray]:
            with self._scope.view() as view:  # inside a batch: its own uncommitted texts too
                return view.cached_vectors(embedder.name, hashes, embedder.dimension)

        return lookup

    def _vectors(self, embedder: Embedder, texts: list[str]) -> np.ndarray:
        """Vectors for bare texts (a reindex), through the embedding cache."""
        lookup = self._lookup(embedder)
        vectors, encoded = vectors_for(texts, embedder.embed_documents, lookup, embedder.dimension)
        self.encoded += encoded
        return vectors

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
            snap = self._publisher.snapshot(view)
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
            snap = self._publisher.snapshot(view)
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
            snap = self._publisher.snapshot(view)
            retriever = Retriever(view, snap.vectors, snap.lexical, self.retrieval, snap.cache)
            return retriever.candidates(question, query, documents=documents, speakers=speakers)

    def compact(self, *, prune_cache: bool = True, fold_wait: float = 5.0) -> Compaction:
        """Give back the disk space removed and replaced documents left: SQLite reuses its free
        pages but never returns them to the disk, and the embedding cache keeps every text ever
        embedded (so that adding it again costs nothing). `prune_cache` drops the cached texts
        no chunk holds now; the rest of the library, and what readers see, stays as it was.
        `fold_wait`: how long to wait for readers' snapshots to end before leaving the log to
        fold back later."""
        files = [self.store.path, self.store.path.with_name(self.store.path.name + "-wal")]

        def size() -> int:
            return sum(f.stat().st_size for f in files if f.exists())

        with self._scope.exclusive() as store:
            before = size()
            dropped = store.prune_cache() if prune_cache else 0
            try:
                folded = store.vacuum(fold_wait)
            except RagError as exc:
                if dropped:
                    raise RagError(f"{exc} ({dropped:,} dead cache rows were dropped first)") from None
                raise
            # the database's own size: with the log not yet folded back, the files are larger
            return Compaction(before, store.database_bytes() if not folded else size(), dropped, folded)

    def status(self) -> LibraryStatus:
        """The published generation and its size, loading its search files if not yet loaded."""
        with self.store.reading() as view:
            snap = self._publisher.snapshot(view)
            return LibraryStatus(
                generation=snap.generation,
                documents=view.document_count(),
                chunks=len(snap.vectors),
                vector_index=snap.vectors.kind,
            )

    @property
    def generation(self) -> int:
        with self.store.reading() as view:
            return view.generation
