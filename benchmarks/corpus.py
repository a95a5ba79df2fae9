"""Benchmark corpora from the real data in ../shared, repeated under new ids to reach a size.

Repetition keeps the text real (the QMSum meetings and the transcripts as they are); copies
get ids `copy-N/...` so each is a separate document with its own chunks.
"""

from __future__ import annotations

import itertools
import json
import sys
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import numpy as np

from embeddings import Backend, Embedder, load_embedder
from rag import Library
from rag.chunking import ChunkingConfig, chunk_document
from rag.evaluation import load_gold
from rag.ingest import Source, read_file, walk
from rag.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"


def service_embedder(cache_dir: Path, backend: Backend = "onnx") -> Embedder:
    """The bundled model as `rag serve` loads it beside a `backend` index: questions by the build
    the settings choose (`RAG_QUERY_BACKEND`), so what is learnt here is what is served."""
    queries = Settings(backend=backend).embedder_options()["query_backend"]
    return load_embedder(backend=backend, cache_dir=cache_dir, query_backend=queries)


def shared_dir() -> Path:
    if not (SHARED / "benchmarks" / "qmsum").is_dir():
        sys.exit(f"benchmarks need the shared data at {SHARED} (corpus/ and benchmarks/qmsum/)")
    return SHARED


def base_sources(shared: Path) -> list[Source]:
    """Every QMSum meeting and every transcript, once."""
    sources: list[Source] = []
    for name in ("committee_val", "committee_test", "all_test"):
        sources.extend(load_gold(shared / "benchmarks" / "qmsum" / f"{name}.jsonl").documents)
    for doc_id, path in walk(shared / "corpus"):
        sources.append(read_file(path, id=doc_id))
    return sources


def sources(
    shared: Path, chunks: int, config: ChunkingConfig | None = None, unique: int = 10_000
) -> Iterator[tuple[Source, int]]:
    """(source, its chunk count) until about `chunks` chunks: real documents worth about
    `unique` chunks, then copies of them under new ids (which the embedding cache serves)."""
    config = config or ChunkingConfig()
    base: list[tuple[Source, int]] = []
    for s in base_sources(shared):
        if sum(n for _, n in base) >= unique:
            break
        base.append((s, len(chunk_document(s.document, config))))
    total, copy = 0, 0
    while total < chunks:
        for source, n in base:
            if total >= chunks:
                return
            if copy:  # the same parsed document under another id: no parsing, same chunks
                doc = replace(source.document, id=f"copy-{copy}/{source.document.id}")
                source = replace(source, document=doc)
            total += n
            yield source, n
        copy += 1


def questions(shared: Path) -> list[str]:
    rows = [json.loads(x) for x in (shared / "eval" / "seed_dev.jsonl").read_text().splitlines() if x.strip()]
    out = [r["question"] for r in rows]
    for q in load_gold(shared / "benchmarks" / "qmsum" / "committee_val.jsonl").questions:
        out.append(q.question)
    return out


def build(data_dir: Path, chunks: int, embedder: Embedder | None, unique: int = 10_000) -> Library:
    """Open `data_dir`, indexing the corpus into it first unless it already holds enough chunks
    (real documents worth about `unique` chunks, then copies)."""
    lib = Library.open(data_dir, embedder=embedder)
    have = lib.status().chunks
    if have >= chunks * 0.95:
        return lib
    start, done = time.perf_counter(), 0
    with lib.batch():
        for source, n in sources(shared_dir(), chunks, unique=unique):
            lib.add_source(source)
            done += n
            rate = done / (time.perf_counter() - start)
            print(f"\rindexing: {done}/{chunks} chunks, {rate:.0f}/s", end="", file=sys.stderr, flush=True)
    print(file=sys.stderr)
    return lib


def unique_passages(shared: Path) -> Iterator[str]:
    """Distinct real chunk texts: every document chunked at the service's size, then at other
    window sizes (different boundaries, so different texts), never the same text twice."""
    seen: set[str] = set()
    docs = [s.document for s in base_sources(shared)]
    for max_chars in (400, 250, 600, 320, 800, 200, 500):
        config = ChunkingConfig(max_chars=max_chars)
        for doc in docs:
            for chunk in chunk_document(doc, config):
                if chunk.embed_text not in seen:
                    seen.add(chunk.embed_text)
                    yield chunk.embed_text


def real_vectors(n: int, embedder: Embedder, cache: Path) -> np.ndarray:
    """`n` embeddings of distinct real passages, kept in `cache` (an .npy file grown in steps,
    so an interrupted run keeps what it embedded)."""
    have = np.load(cache) if cache.exists() else np.empty((0, embedder.dimension), np.float32)
    if len(have) >= n:
        return have[:n]
    texts = list(itertools.islice(unique_passages(shared_dir()), n))
    if len(texts) < n:
        sys.exit(f"only {len(texts)} distinct real passages in the shared data, asked for {n}")
    start, step, first = time.perf_counter(), 2048, len(have)
    for at in range(len(have), n, step):
        vecs = embedder.embed_documents(texts[at : at + step])
        have = np.concatenate([have, vecs.astype(np.float32)])
        tmp = cache.with_suffix(".tmp.npy")
        np.save(tmp, have)
        tmp.replace(cache)
        rate = (len(have) - first) / max(1e-9, time.perf_counter() - start)
        print(
            f"\rembedding real passages: {len(have)}/{n}, {rate:.0f}/s", end="", file=sys.stderr, flush=True
        )
    print(file=sys.stderr)
    return have[:n]
