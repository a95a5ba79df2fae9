"""The pure half of a write: a parsed source becomes chunks, embedding texts and then vectors.

Nothing here touches a library: `prepare` and `embed` run in the writer's process, in a
thread, or in a Ray task on another machine, and the writer only `commit`s what they made
(`rag.writing`). The embedding cache is consulted through a lookup function handed in, so
texts already embedded are never sent to the model.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Literal, Protocol

import numpy as np

from embeddings import Progress

from .chunking import ChunkingConfig, chunk_document
from .docmeta import describe
from .ingest import Source, read_file
from .model import Chunk, Document
from .store import text_hash

__all__ = [
    "AddResult",
    "CacheLookup",
    "ChunkProgress",
    "Encode",
    "Prepared",
    "attach",
    "embed",
    "gather",
    "missing_texts",
    "prepare",
    "prepare_file",
    "vectors_for",
]


@dataclass(frozen=True, slots=True)
class AddResult:
    id: str
    status: Literal["added", "replaced", "unchanged"]
    chunks: int
    replaced_from: str | None = None
    """Where the document it replaced was read from, when that was another file: ids are paths
    inside the folder indexed, so two folders' `notes.txt` are one id, and the second replaces
    the first."""


@dataclass(frozen=True, slots=True)
class Prepared:
    """One document ready to store: its source, its chunks and (once embedded) their vectors
    and the model that made them. Plain data, so it pickles to and from a worker."""

    source: Source
    chunks: tuple[Chunk, ...]
    format: str | None = None
    """The format the caller asked for (None: detected); part of the unchanged check."""
    vectors: np.ndarray | None = None
    model: str | None = None

    @property
    def document(self) -> Document:
        return self.source.document

    @property
    def texts(self) -> list[str]:
        return [c.embed_text for c in self.chunks]

    def with_vectors(self, vectors: np.ndarray, model: str) -> Prepared:
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        if len(vectors) != len(self.chunks):
            raise ValueError(f"{self.document.id}: {len(self.chunks)} chunks but {len(vectors)} vectors")
        return replace(self, vectors=vectors, model=model)


def prepare(source: Source, chunking: ChunkingConfig, *, format: str | None = None) -> Prepared:
    """Chunk a parsed source (no vectors yet), its metadata described first (`date`, `kind`,
    `tags`, `source_url`: `rag.docmeta`), wherever it is prepared."""
    doc = source.document
    doc = replace(doc, metadata=describe(doc.metadata, title=doc.title, name=doc.id, roles=doc.roles))
    source = replace(source, document=doc)
    return Prepared(source, tuple(chunk_document(doc, chunking)), format)


def prepare_file(
    path: Path, doc_id: str, chunking: ChunkingConfig, *, format: str | None, max_bytes: int
) -> Prepared:
    """Read, parse and chunk one file: what a worker does with a path the driver listed."""
    return prepare(read_file(path, id=doc_id, format=format, max_bytes=max_bytes), chunking, format=format)


CacheLookup = Callable[[Sequence[bytes]], Mapping[bytes, np.ndarray]]
"""Text hashes to the vectors this model made for them before (those it has)."""

ChunkProgress = Callable[[int, int], None]
"""Called with (chunks embedded, chunks in all)."""


class Encode(Protocol):
    """Texts to normalised float32 vectors, in order; `progress(n)` after each n encoded
    (an `Embedder.embed_documents`, or a pool of them elsewhere)."""

    def __call__(self, texts: list[str], /, *, progress: Progress | None = None) -> np.ndarray: ...


def missing_texts(texts: Sequence[str], cached: Mapping[bytes, np.ndarray]) -> list[str]:
    """Each of `texts` the cache lacks, once: what a model still has to encode."""
    out: dict[bytes, str] = {}
    for text in texts:
        key = text_hash(text)
        if key not in cached and key not in out:
            out[key] = text
    return list(out.values())


def vectors_for(
    texts: Sequence[str],
    encode: Encode,
    lookup: CacheLookup,
    dimension: int,
    progress: ChunkProgress | None = None,
) -> tuple[np.ndarray, int]:
    """Vectors for `texts`, in order: from the cache where it has them, the rest encoded in
    one call (each distinct text once). Returns them and how many texts were encoded.

    `progress(texts embedded, texts in all)` from the cache hits on (cached ones count at
    once), as the model goes, up to all of them."""
    found = dict(lookup([text_hash(t) for t in texts]))
    todo = missing_texts(texts, found)
    total, cached = len(texts), sum(text_hash(t) in found for t in texts)
    if progress:
        progress(cached, total)
    if todo:
        vectors = encode(todo, progress=_steps(progress, cached, total, len(todo)) if progress else None)
        found.update(zip((text_hash(t) for t in todo), vectors, strict=True))
        if progress:
            progress(total, total)
    return gather(texts, found, dimension), len(todo)


def _steps(progress: ChunkProgress, start: int, total: int, distinct: int) -> Progress:
    """The model's `progress(n encoded)` as texts embedded of all: a text repeated counts each
    time, so the `distinct` ones encoded are scaled to the `total - start` still to do."""
    encoded = 0

    def step(n: int) -> None:
        nonlocal encoded
        encoded = min(encoded + n, distinct)
        done = start + (total - start) * encoded // distinct
        if done < total:  # the last is reported once the vectors are in
            progress(done, total)

    return step


def gather(texts: Sequence[str], vectors: Mapping[bytes, np.ndarray], dimension: int) -> np.ndarray:
    """The vectors of `texts` looked up by text hash (each text must be in `vectors`)."""
    out = np.empty((len(texts), dimension), dtype=np.float32)
    for row, text in enumerate(texts):
        out[row] = vectors[text_hash(text)]
    return out


def attach(items: Sequence[Prepared], vectors: np.ndarray, model: str) -> list[Prepared]:
    """`items` with their vectors: `vectors` holds every item's chunks, in order."""
    out, at = [], 0
    for item in items:
        out.append(item.with_vectors(vectors[at : at + len(item.chunks)], model))
        at += len(item.chunks)
    if at != len(vectors):
        raise ValueError(f"{at} chunks but {len(vectors)} vectors")
    return out


def embed(
    items: Sequence[Prepared],
    encode: Encode,
    lookup: CacheLookup,
    *,
    model: str,
    dimension: int,
    progress: ChunkProgress | None = None,
) -> tuple[list[Prepared], int]:
    """`items` with vectors (see `vectors_for`; `progress` counts all their chunks); also how
    many texts were encoded."""
    texts = [t for item in items for t in item.texts]
    vectors, encoded = vectors_for(texts, encode, lookup, dimension, progress)
    return attach(items, vectors, model), encoded
