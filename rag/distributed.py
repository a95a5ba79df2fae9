"""Indexing on a Ray cluster: the prepare half of each write runs on the cluster, the commit
half in this process (the driver), which publishes one normal generation.

The driver lists the files and reads their bytes (so workers need no shared filesystem);
Ray tasks parse and chunk them; a pool of embedding actors (one per GPU when the cluster has
GPUs, else CPU actors running the model as this process would) encodes the texts the
embedding cache lacks; the driver attaches the vectors and commits, a window of files at a
time inside one batch (checkpoints publish as `Library.index_folder` does). When a
publication restructures the vector index (IVF or IVF-PQ, past the policy's threshold or
forced), the driver trains it once and Ray tasks fill it a shard each (`rag.vectors.shards`). A worker that
dies is retried by Ray; a driver that dies leaves the library at its last publication, and a
rerun skips what was published.

Ray is an optional dependency (`pip install -e '.[ray]'`); nothing here imports it until a
job starts.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from embeddings import Progress

from .chunking import ChunkingConfig
from .errors import InvalidInput, RagError
from .ingest import from_file_bytes, read_bytes
from .library import FileProgress, FolderRun, IndexReport, Library, folder_files
from .prepare import Encode, Prepared, prepare
from .vectors import Fill, fill_shard

__all__ = ["EmbedderSpec", "RayOptions", "index_on_ray"]

_PREPARE_CPU = 0.25
"""The CPU share of a parse-and-chunk task. The embedding actors hold the rest of each CPU
(1 - this), so a task can always be scheduled beside them (without a share for the read
stage a pipeline stalls silently under backpressure)."""


@dataclass(frozen=True, slots=True)
class EmbedderSpec:
    """How an actor loads the model: `embeddings.load_embedder(model, **options)`. The
    model folder (or the bundled package) must be present on every node."""

    model: str | None = None
    options: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class RayOptions:
    address: str | None = None
    """A running cluster (`HOST:PORT`, `ray://…`, or `auto`); None starts a local Ray runtime."""
    actors: int | None = None
    """Embedding actors; default one per GPU, else one per CPU of the cluster."""
    files_per_task: int = 8
    batch_size: int = 256
    """Texts per call to an actor."""
    window_files: int = 512
    """Files prepared, embedded and committed per round (bounds the driver's memory)."""


def _windows(items: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    for at in range(0, len(items), size):
        yield items[at : at + size]


def _prepare_files(
    files: list[tuple[str, str, str, bytes]], chunking: ChunkingConfig, format: str | None
) -> list[Prepared | str]:
    """A Ray task: parse and chunk shipped files; an error message for a file that fails."""
    out: list[Prepared | str] = []
    for doc_id, path, origin, data in files:
        try:
            source = from_file_bytes(data, Path(path), id=doc_id, format=format, origin=origin)
            out.append(prepare(source, chunking, format=format))
        except InvalidInput as exc:
            out.append(str(exc))
    return out


class _Encoder:
    """A Ray actor holding the model."""

    def __init__(self, spec: EmbedderSpec) -> None:
        from embeddings import load_embedder

        self.embedder = load_embedder(spec.model, **spec.options)

    def describe(self) -> tuple[str, int]:
        return self.embedder.name, self.embedder.dimension

    def encode(self, texts: list[str]) -> np.ndarray:
        return self.embedder.embed_documents(texts)


def _import_ray() -> Any:
    try:
        import ray
    except ImportError:
        raise RagError("Ray is not installed: pip install -e '.[ray]'") from None
    return ray


def index_on_ray(
    lib: Library,
    folder: Path | Sequence[tuple[str, Path]],
    spec: EmbedderSpec,
    options: RayOptions | None = None,
    *,
    format: str | None = None,
    progress: FileProgress | None = None,
    chunks_done: Callable[[int, float], None] | None = None,
) -> IndexReport:
    """`lib.index_folder(folder)` with the parsing and embedding on a Ray cluster: the same
    documents, chunks and vectors. `folder` may instead be (document id, path) pairs: ids of
    the caller's choosing (documents written out of another store keep theirs).
    `chunks_done(n, seconds)`: after each window, the chunks embedded in it and how long that
    took (for a throughput figure)."""
    files = folder_files(folder, format) if isinstance(folder, Path) else list(folder)
    options = options or RayOptions()
    embedder = lib.embedder
    if embedder is None:
        raise RagError("this library was opened without an embedding model")
    ray = _import_ray()
    started = not ray.is_initialized()
    if started:
        ray.init(address=options.address, log_to_driver=False, include_dashboard=False)
    try:
        pool = _pool(ray, spec, options)
        name, dimension = ray.get(pool[0].describe.remote())
        if (name, dimension) != (embedder.name, embedder.dimension):
            raise RagError(
                f"the cluster's model is {name} ({dimension}-d) but this library's is "
                f"{embedder.name} ({embedder.dimension}-d): give both the same --model"
            )
        encode = _encoder(ray, pool, options.batch_size)
        run = FolderRun(len(files), progress)
        with lib.batch(fill=_shard_fill(ray)):
            for window in _windows(files, options.window_files):
                t0, before = time.monotonic(), lib.encoded
                todo: list[Prepared] = []
                for (doc_id, _), item in zip(
                    window, _prepare_window(ray, lib, window, format, options), strict=True
                ):
                    if isinstance(item, str):
                        run.fail(doc_id, item)
                    elif lib.unchanged(item):
                        run.skip(doc_id)
                    else:
                        todo.append(item)
                        run.wait(doc_id)
                run.done(lib.commit(lib.embed(todo, encode=encode)) if todo else [])
                if chunks_done:
                    chunks_done(lib.encoded - before, time.monotonic() - t0)
        return run.report
    finally:
        if started:
            ray.shutdown()


def _pool(ray: Any, spec: EmbedderSpec, options: RayOptions) -> list[Any]:
    resources = ray.cluster_resources()
    gpus = int(resources.get("GPU", 0))
    shares: dict[str, float]
    if gpus:
        count, shares = options.actors or gpus, {"num_gpus": 1, "num_cpus": 1}
    else:
        count, shares = options.actors or max(1, int(resources.get("CPU", 1))), {"num_cpus": 1 - _PREPARE_CPU}
    actor = ray.remote(max_restarts=-1, max_task_retries=-1, **shares)(_Encoder)
    return [actor.remote(spec) for _ in range(count)]


def _prepare_window(
    ray: Any, lib: Library, window: Sequence[tuple[str, Path]], format: str | None, options: RayOptions
) -> list[Prepared | str]:
    """Parse and chunk a window of files in Ray tasks; their results in file order."""
    task = ray.remote(num_cpus=_PREPARE_CPU, max_retries=3)(_prepare_files)
    chunking = ray.put(lib.chunking)
    refs, read_errors = [], {}
    for part in _windows(window, options.files_per_task):
        shipped = []
        for doc_id, path in part:
            try:
                shipped.append(
                    (doc_id, str(path), str(path.resolve()), read_bytes(path, lib.max_document_bytes))
                )
            except InvalidInput as exc:
                read_errors[doc_id] = str(exc)
        refs.append(task.remote(shipped, chunking, format) if shipped else None)
    results = iter(item for part in ray.get([r for r in refs if r is not None]) for item in part)
    return [read_errors[doc_id] if doc_id in read_errors else next(results) for doc_id, _ in window]


def _shard_fill(ray: Any) -> Fill:
    """Fill a restructured vector index on the cluster: the trained empty index shipped once,
    a task a shard (beside the embedding actors, as the prepare tasks are)."""
    task = ray.remote(num_cpus=_PREPARE_CPU, max_retries=3)(fill_shard)

    def fill(empty: bytes, shards: Sequence[tuple[np.ndarray, np.ndarray]]) -> list[bytes]:
        shipped = ray.put(empty)
        return list(ray.get([task.remote(shipped, ids, vectors) for ids, vectors in shards]))

    return fill


def _encoder(ray: Any, pool: list[Any], batch_size: int) -> Encode:
    """Texts to vectors through the actor pool, `batch_size` texts a call, in order."""
    from ray.util import ActorPool

    def encode(texts: list[str], /, *, progress: Progress | None = None) -> np.ndarray:
        batches = [texts[at : at + batch_size] for at in range(0, len(texts), batch_size)]
        parts = []
        for part in ActorPool(pool).map(lambda actor, batch: actor.encode.remote(batch), batches):
            parts.append(part)
            if progress:
                progress(len(part))
        return np.concatenate(parts)

    return encode
