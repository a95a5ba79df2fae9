"""The facade: open a data directory, add and remove documents, ask questions, reindex."""

from __future__ import annotations

import re
import shutil
import threading
from collections.abc import Callable, Collection, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import filelock
import numpy as np

from embeddings import Embedder

from .chunking import ChunkingConfig, chunk_document
from .errors import Busy, IndexMismatch, InvalidInput, NotFound, RagError
from .ingest import DEFAULT_MAX_BYTES, Source, from_text, read_file, walk
from .lexical import LexicalIndex
from .model import Answer, Document, DocumentInfo
from .retriever import MODES, Mode, RetrievalConfig, Retriever
from .store import Store
from .transcripts import FORMATS
from .vectors import VectorIndex

__all__ = ["AddResult", "IndexReport", "Library"]

_GENERATION_FILE = re.compile(r"^(\d{10})(?:\.faiss)?$")


@dataclass(frozen=True, slots=True)
class AddResult:
    id: str
    status: Literal["added", "replaced", "unchanged"]
    chunks: int


@dataclass(slots=True)
class IndexReport:
    added: int = 0
    replaced: int = 0
    unchanged: int = 0
    failed: dict[str, str] | None = None

    def count(self, result: AddResult) -> None:
        setattr(self, result.status, getattr(self, result.status) + 1)


FileProgress = Callable[[int, int, str, str], None]
"""Called after each file with (files done, files in all, document id, status or error message)."""


class Library:
    """A data directory: `library.sqlite3` (the truth) and `vectors/NNNNNNNNNN.faiss` (derived).

    Writers take a file lock, so one process writes at a time; each write publishes a
    new generation, and any process that asks later loads it.
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
    ) -> None:
        self.data_dir = data_dir
        self.max_document_bytes = max_document_bytes
        self.store = store
        self.embedder = embedder
        self.chunking = chunking
        self.retrieval = retrieval
        self._vector_dir = data_dir / "vectors"
        self._vector_dir.mkdir(exist_ok=True)
        self._lock = threading.RLock()
        self._file_lock = filelock.FileLock(data_dir / "write.lock", timeout=lock_timeout, thread_local=False)
        self._batch_depth = 0
        self._vectors: VectorIndex | None = None
        self._generation = -1
        self._lexical_dir = data_dir / "lexical"
        self._lexical_dir.mkdir(exist_ok=True)
        self._lexical: LexicalIndex | None = None
        self._lexical_generation = -1

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
    ) -> Library:
        """Open (creating if needed) a data directory.

        Without an embedder the library can list and remove documents but not add or ask.
        With one, its model must be the one the index was built with, unless
        `allow_model_change` (for `reindex`).
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
        )
        if embedder is not None and not allow_model_change:
            lib._check_model(embedder)
        return lib

    def close(self) -> None:
        self.store.close()

    def __enter__(self) -> Library:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- model ------------------------------------------------------------------------

    def _check_model(self, embedder: Embedder) -> None:
        model, dim = self.store.meta("model"), self.store.meta("dimension")
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

    def _vector_path(self, generation: int) -> Path:
        return self._vector_dir / f"{generation:010d}.faiss"

    def _current(self) -> VectorIndex:
        """The vectors of the latest published generation, loading or rebuilding them if needed."""
        with self._lock:
            generation = self.store.generation
            if self._vectors is not None and generation == self._generation:
                return self._vectors
            dim = int(self.store.meta("dimension") or (self.embedder.dimension if self.embedder else 0))
            path = self._vector_path(generation)
            vectors: VectorIndex | None = None
            if dim and path.exists():
                try:
                    vectors = VectorIndex.load(path, dim)
                except (RuntimeError, ValueError):
                    vectors = None  # a damaged file: rebuilt from SQLite below
                if vectors is not None and len(vectors) != self.store.chunk_count():
                    vectors = None
            if vectors is None:
                vectors = self._rebuild(dim)
            self._vectors, self._generation = vectors, generation
            return vectors

    def _current_lexical(self) -> LexicalIndex:
        """BM25 over the latest generation's chunks: its saved folder, or built from SQLite."""
        with self._lock:
            generation = self.store.generation
            if self._lexical is not None and generation == self._lexical_generation:
                return self._lexical
            path = self._lexical_dir / f"{generation:010d}"
            lexical: LexicalIndex | None = None
            if path.is_dir():
                try:
                    lexical = LexicalIndex.load(path)
                except (OSError, ValueError, KeyError):
                    lexical = None  # damaged: rebuilt below
                if lexical is not None and len(lexical) != self.store.chunk_count():
                    lexical = None
            if lexical is None:
                lexical = self._build_lexical()
            self._lexical, self._lexical_generation = lexical, generation
            return lexical

    def _build_lexical(self) -> LexicalIndex:
        ids: list[int] = []
        texts: list[str] = []
        for batch_ids, batch_texts in self.store.iter_embed_texts():
            ids.extend(batch_ids)
            texts.extend(batch_texts)
        return LexicalIndex.build(ids, texts)

    def _rebuild(self, dim: int) -> VectorIndex:
        vectors = VectorIndex(dim or 1)
        if dim:
            for ids, vecs in self.store.iter_vectors(dim):
                vectors.add(ids, vecs)
        return vectors

    def _publish(self, generation: int) -> None:
        """Save this generation's vectors and drop older files (only outside a batch)."""
        self._generation = generation
        if self._batch_depth or self._vectors is None:
            return
        self._vectors.save(self._vector_path(generation))
        self._lexical, self._lexical_generation = self._build_lexical(), generation
        self._lexical.save(self._lexical_dir / f"{generation:010d}")
        for folder in (self._vector_dir, self._lexical_dir):
            for path in folder.iterdir():
                m = _GENERATION_FILE.match(path.name)
                if (m and int(m.group(1)) != generation) or path.name.startswith("."):
                    if path.is_dir():
                        shutil.rmtree(path, ignore_errors=True)
                    else:
                        path.unlink(missing_ok=True)

    @contextmanager
    def _writing(self) -> Iterator[None]:
        with self._lock:
            try:
                self._file_lock.acquire()
            except filelock.Timeout:
                raise Busy(
                    f"another process is writing to {self.data_dir} (lock {self._file_lock.lock_file}); "
                    "try again when it has finished"
                ) from None
            try:
                yield
            finally:
                self._file_lock.release()

    @contextmanager
    def batch(self) -> Iterator[None]:
        """Hold the writer lock and save the vectors once, at the end, for many writes."""
        with self._writing():
            self._batch_depth += 1
            try:
                yield
            finally:
                self._batch_depth -= 1
                if self._batch_depth == 0 and self._vectors is not None:
                    self._publish(self._generation)

    # -- writes -----------------------------------------------------------------------

    def add(
        self,
        source: Path | str,
        *,
        id: str | None = None,
        title: str | None = None,
        format: str | None = None,
    ) -> AddResult:
        """Add or replace a document: a `Path` is read as a file, a `str` is the text itself."""
        if isinstance(source, Path):
            src = read_file(source, id=id, title=title, format=format, max_bytes=self.max_document_bytes)
        else:
            src = from_text(source, id=id, title=title, format=format)
        return self.add_source(src, format=format)

    def add_source(self, src: Source, *, format: str | None = None) -> AddResult:
        embedder = self._require_embedder()
        doc = src.document
        stored = self.store.fingerprint(doc.id)
        if stored is not None and stored[0] == src.content_hash and format in (None, stored[1]):
            return AddResult(doc.id, "unchanged", 0)
        chunks = chunk_document(doc, self.chunking)
        vectors = embedder.embed_documents([c.embed_text for c in chunks])
        with self._writing():
            current = self._current()
            if len(current) == 0 and current.dimension != embedder.dimension:
                current = self._vectors = VectorIndex(embedder.dimension)
            removed, added, generation = self.store.put(
                doc,
                content_hash=src.content_hash,
                source=src.origin,
                chunks=chunks,
                vectors=vectors,
                model=embedder.name,
                dimension=embedder.dimension,
            )
            current.remove(np.array(removed, dtype=np.int64))
            current.add(np.array(added, dtype=np.int64), vectors)
            self._publish(generation)
        return AddResult(doc.id, "replaced" if removed else "added", len(chunks))

    def index_folder(
        self, folder: Path, *, format: str | None = None, progress: FileProgress | None = None
    ) -> IndexReport:
        """Add every transcript below `folder`; unchanged files are skipped, changed ones replaced.

        A file that fails is reported and the others still go in.
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
            current = self._current()
            result = self.store.delete(document_id)
            if result is None:
                raise NotFound(f"no document with id {document_id!r}")
            removed, generation = result
            current.remove(np.array(removed, dtype=np.int64))
            self._publish(generation)

    def reindex(self, *, progress: Callable[[int, int], None] | None = None) -> int:
        """Re-embed every chunk with the current model (after a model change). Returns the count."""
        embedder = self._require_embedder()
        with self._writing():
            total = self.store.chunk_count()
            ids: list[int] = []
            parts: list[np.ndarray] = []
            for batch_ids, texts in self.store.iter_embed_texts():
                parts.append(embedder.embed_documents(texts))
                ids.extend(batch_ids)
                if progress:
                    progress(len(ids), total)
            vectors = np.concatenate(parts) if parts else np.empty((0, embedder.dimension), np.float32)
            generation = self.store.replace_vectors(
                ids, vectors, model=embedder.name, dimension=embedder.dimension
            )
            index = VectorIndex(embedder.dimension)
            index.add(np.array(ids, dtype=np.int64), vectors)
            self._vectors = index
            self._publish(generation)
            return len(ids)

    # -- reads ------------------------------------------------------------------------

    def documents(self) -> list[DocumentInfo]:
        return self.store.infos()

    def document(self, document_id: str) -> Document:
        doc = self.store.document(document_id)
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
    ) -> Answer:
        """The `k` passages that best answer `question`, each quoted exactly and cited, with a
        verdict on whether they answer it. `documents` and `speakers` restrict the search."""
        question = question.strip() if question else ""
        if not question:
            raise InvalidInput("the question is empty")
        if k < 1:
            raise InvalidInput(f"k must be at least 1, got {k}")
        if mode is not None and mode not in MODES:
            raise InvalidInput(f"mode must be one of {', '.join(MODES)}, got {mode!r}")
        mode = mode or self.retrieval.mode
        query = self._require_embedder().embed_query(question) if mode != "bm25" else None
        with self._lock:
            retriever = Retriever(self.store, self._current(), self._current_lexical(), self.retrieval)
            return retriever.search(question, query, k, documents=documents, speakers=speakers, mode=mode)

    @property
    def generation(self) -> int:
        return self.store.generation
