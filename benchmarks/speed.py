"""Speed: raw encode vs end-to-end indexing, `ask` latency, and FAISS at scale.

    python benchmarks/speed.py encode [--backend torch onnx onnx-int8] [--passages 512] [--batch-size 8 32]
    python benchmarks/speed.py index  [--backend ...] [--chunks 1000]
    python benchmarks/speed.py ask    [--backend ...] [--chunks 10000] [--query-backend onnx-int8]
    python benchmarks/speed.py query  [--repeat 8]   one question's encoding: fp32 against int8 questions
    python benchmarks/speed.py faiss  [--sizes 10000 40000 100000 1000000] [--nprobe 16 32 48]
    python benchmarks/speed.py add    [--chunks 100000]   one ~10 KB document into a big index

Every figure is a median over `--repeat` runs with the spread (min-max) beside it. The
passages are real: chunks of the transcripts and QMSum meetings in ../shared. `faiss`
embeds distinct real chunk texts once (about 44k: the documents chunked at several window
sizes; cached in benchmarks/.data) and reaches larger sizes by perturbing those vectors
(noise of the scale of the distances between real neighbours); that is said in its output.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol, cast

import numpy as np
from corpus import ROOT, build, questions, real_vectors, shared_dir, sources

from embeddings import Backend, Embedder, load_embedder
from embeddings.base import Progress
from rag import Library
from rag.chunking import ChunkingConfig, chunk_document

CACHE = ROOT / "benchmarks" / ".data"


def _spread(values: list[float], unit: str = "", digits: int = 1) -> str:
    med = statistics.median(values)
    if len(values) == 1:
        return f"{med:.{digits}f}{unit}"
    return f"{med:.{digits}f}{unit} ({min(values):.{digits}f}-{max(values):.{digits}f})"


class _Batched(Embedder, Protocol):
    """Both backends encode documents in batches of a size this benchmark varies."""

    batch_size: int


def _embedder(backend: str, query_backend: str | None = None) -> _Batched:
    return cast(
        _Batched,
        load_embedder(
            backend=cast(Backend, backend),
            cache_dir=CACHE / "models",
            query_backend=cast(Backend | None, query_backend),
        ),
    )


def query(args: argparse.Namespace) -> None:
    """What `ask` pays to encode one question: fp32 on every core, against the int8 build on one
    (`RAG_QUERY_BACKEND=onnx-int8` beside an fp32 index), in alternating rounds over the dev
    questions."""
    qs = questions(shared_dir())
    cores = os.cpu_count() or 1
    builds: dict[str, Embedder] = {
        f"fp32, {cores} thread{'s' if cores > 1 else ''}": _embedder("onnx"),
        "int8, 1 thread": _embedder("onnx", "onnx-int8"),
    }
    for embedder in builds.values():
        for q in qs:
            embedder.embed_query(q)
    medians: dict[str, list[float]] = {label: [] for label in builds}
    for r in range(args.repeat):
        for label in list(builds) if r % 2 == 0 else list(builds)[::-1]:
            ms = []
            for q in qs:
                t = time.perf_counter()
                builds[label].embed_query(q)
                ms.append((time.perf_counter() - t) * 1000)
            medians[label].append(statistics.median(ms))
    for label, values in medians.items():
        print(f"one question ({len(qs)} dev questions), {label}: p50 {_spread(values, ' ms', digits=2)}")


def _passages(n: int) -> list[str]:
    out: list[str] = []
    config = ChunkingConfig()
    for source, _ in sources(shared_dir(), n * 2):
        out.extend(c.embed_text for c in chunk_document(source.document, config))
        if len(out) >= n:
            break
    return out[:n]


def encode(args: argparse.Namespace) -> None:
    texts = _passages(args.passages)
    print(f"raw encode: {len(texts)} real passages, mean {statistics.mean(map(len, texts)):.0f} chars")
    runs = [(b, size) for b in args.backend for size in (args.batch_size or [None])]
    for backend, size in runs:
        embedder = _embedder(backend)
        if size is not None:
            embedder.batch_size = size
        embedder.embed_documents(texts[:32])
        rates, query_ms = [], []
        for _ in range(args.repeat):
            start = time.perf_counter()
            embedder.embed_documents(texts)
            rates.append(len(texts) / (time.perf_counter() - start))
            for q in texts[:50]:
                t = time.perf_counter()
                embedder.embed_query(q[:100])
                query_ms.append((time.perf_counter() - t) * 1000)
        label = f"{backend}/{embedder.batch_size}"
        print(f"  {label:13} {_spread(rates, '/s')} passages/s, one query {_spread(query_ms, ' ms')}")


def index(args: argparse.Namespace) -> None:
    """Files on disk to a published index, against raw encoding of the same chunk texts."""
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "files"
        folder.mkdir()
        texts: list[str] = []
        config = ChunkingConfig()
        for i, (source, _) in enumerate(sources(shared_dir(), args.chunks)):
            doc = source.document
            suffix = ".json" if doc.format == "json" else ".txt"
            (folder / f"{i:04d}{suffix}").write_text(doc.text, encoding="utf-8")
            texts.extend(c.embed_text for c in chunk_document(doc, config))
        print(f"index: {len(list(folder.iterdir()))} files, {len(texts)} chunks, end to end (read, parse, ")
        print("  chunk, embed, SQLite, FAISS, BM25, publish) against raw encode of the same chunk texts")
        for backend in args.backend:
            embedder = _embedder(backend)
            embedder.embed_documents(texts[:32])
            raw, e2e = [], []
            for r in range(args.repeat):
                start = time.perf_counter()
                embedder.embed_documents(texts)
                raw.append(len(texts) / (time.perf_counter() - start))
                with Library.open(Path(tmp) / f"data-{backend}-{r}", embedder=embedder) as lib:
                    start = time.perf_counter()
                    lib.index_folder(folder)
                    e2e.append(lib.status().chunks / (time.perf_counter() - start))
            ratio = statistics.median(e2e) / statistics.median(raw)
            print(
                f"  {backend:10} raw {_spread(raw, '/s')}, indexing {_spread(e2e, '/s')}: {ratio:.0%} of raw"
            )


def ask(args: argparse.Namespace) -> None:
    qs = questions(shared_dir())
    for backend in args.backend:
        data = (
            CACHE / f"corpus-{args.chunks}"
            if backend != "onnx-int8"
            else CACHE / f"corpus-{args.chunks}-int8"
        )
        lib = build(data, args.chunks, _embedder(backend, args.query_backend))
        chunks = lib.status().chunks
        for q in qs[:5]:
            lib.ask(q)
        runs = []
        for _ in range(args.repeat):
            latencies = []
            for q in qs:
                t = time.perf_counter()
                lib.ask(q)
                latencies.append((time.perf_counter() - t) * 1000)
            latencies.sort()
            runs.append((latencies[len(latencies) // 2], latencies[int(len(latencies) * 0.99)]))
        lib.close()
        p50 = [r[0] for r in runs]
        p99 = [r[1] for r in runs]
        print(
            f"ask in-process, {chunks} chunks, {len(qs)} questions, {backend}"
            f"{f', questions {args.query_backend}' if args.query_backend else ''}: "
            f"p50 {_spread(p50, ' ms')}, p99 {_spread(p99, ' ms')}"
        )


class _Timed:
    """The embedder, with the time spent encoding counted: what `add` cannot avoid."""

    def __init__(self, embedder: Embedder) -> None:
        self._embedder, self.seconds, self.texts = embedder, 0.0, 0
        self.name, self.dimension = embedder.name, embedder.dimension

    def embed_documents(self, texts: Sequence[str], *, progress: Progress | None = None) -> np.ndarray:
        start = time.perf_counter()
        try:
            return self._embedder.embed_documents(texts, progress=progress)
        finally:
            self.seconds += time.perf_counter() - start
            self.texts += len(texts)

    def embed_query(self, text: str) -> np.ndarray:
        return self._embedder.embed_query(text)


def add_one(args: argparse.Namespace) -> None:
    """Time to publish one new ~10 KB transcript into an index of `--chunks` chunks, split into
    the embedding (unavoidable) and the rest (SQLite, vector copy, files, commit)."""
    backend = args.backend[0]
    embedder = _Timed(_embedder(backend))
    lib = build(CACHE / f"corpus-{args.chunks}", args.chunks, embedder)
    status = lib.status()
    source = next(s for s, _ in sources(shared_dir(), 10**9) if len(s.document.text) > 10_000)
    cut = source.document.text.rfind("\n", 0, 10_000)
    totals, embeds, encoded = [], [], []
    lib.catch_up()
    for r in range(args.repeat):
        # a mark in every sentence, so the embedding cache has few of the chunks
        mark = f"[{r}.{time.time_ns() % 100000}]"
        text = source.document.text[:cut].replace(". ", f". {mark} ")
        embedder.seconds, embedder.texts = 0.0, 0
        start = time.perf_counter()
        lib.add_text(text, id=f"bench-add-{r}")
        totals.append(time.perf_counter() - start)
        embeds.append(embedder.seconds)
        encoded.append(embedder.texts)
        lib.remove(f"bench-add-{r}")
        lib.catch_up()  # each add into a quiet index: BM25's background rebuild done first
    lib.close()
    rest = [t - e for t, e in zip(totals, embeds, strict=True)]
    print(
        f"add one {cut / 1000:.0f} KB document ({statistics.median(encoded):.0f} chunks encoded) to "
        f"{status.chunks} chunks ({status.vector_index}), {backend}: visible after "
        f"{_spread(totals, ' s', 2)}, of which embedding {_spread(embeds, ' s', 2)} "
        f"and the rest {_spread(rest, ' s', 2)}"
    )


def faiss_scale(args: argparse.Namespace) -> None:
    """Exact, IVF (what `IndexPolicy` builds, at several nprobe) and HNSW on real vectors.

    The vectors are distinct real chunk texts of ../shared embedded once (cached); sizes past
    what the shared data holds are reached by perturbing those vectors, and the output says so.
    Queries: the dev questions plus held-out real passages never indexed."""
    import faiss

    from rag.vectors import IndexPolicy, VectorIndex

    embedder = _embedder(args.backend[0])
    have = max(args.sizes) if max(args.sizes) <= args.real else args.real
    real = real_vectors(have + args.held_out, embedder, CACHE / f"real-{args.backend[0]}.npy")
    base, held = real[:have], real[have:]
    asked = embedder.embed_documents(questions(shared_dir()))
    queries = np.concatenate([asked, held])
    rng = np.random.default_rng(0)
    gaps = np.sort(base[:2000] @ base[:200].T, axis=0)[-2]
    noise = float(np.sqrt(max(1e-6, 2 - 2 * np.median(gaps))) / np.sqrt(base.shape[1]))
    print(f"FAISS: {len(base)} distinct real chunk vectors, {len(queries)} queries (dev questions and ")
    print(f"  held-out real chunks); sizes above {len(base)} add perturbed copies (noise sd {noise:.4f}/dim)")
    for size in args.sizes:
        vecs = base[:size]
        while len(vecs) < size:
            extra = base[: size - len(vecs)] + rng.normal(0, noise, base[: size - len(vecs)].shape)
            vecs = np.concatenate([vecs, extra.astype(np.float32)])
        vecs /= np.linalg.norm(vecs, axis=1, keepdims=True)
        ids = np.arange(len(vecs), dtype=np.int64)
        flat = VectorIndex(vecs.shape[1])
        flat.add(ids, vecs)
        truth = [set(flat.search(q, 10)[0].tolist()) for q in queries]
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        rows: list[tuple[str, object, float]] = [("flat", flat, 0.0)]
        start = time.perf_counter()
        ivf = IndexPolicy(kind="ivf").fit(flat.copy())
        ivf_build = time.perf_counter() - start
        for nprobe in args.nprobe:
            tuned = ivf.copy()
            tuned.nprobe = nprobe
            rows.append((f"ivf{ivf.lists}/{nprobe}", tuned, ivf_build))
        if args.hnsw:
            start = time.perf_counter()
            hnsw = faiss.IndexHNSWFlat(vecs.shape[1], 32, faiss.METRIC_INNER_PRODUCT)
            hnsw.hnsw.efConstruction = 80
            hnsw.hnsw.efSearch = 128
            mapped = faiss.IndexIDMap2(hnsw)
            mapped.add_with_ids(vecs, ids)
            hnsw_build = time.perf_counter() - start
            rows.append(("hnsw32/128", VectorIndex(vecs.shape[1], mapped), hnsw_build))
        for name, index, build_s in rows:
            times, recall = [], []
            for q, want in zip(queries, truth, strict=True):
                t = time.perf_counter()
                got = index.search(q, 10)[0]  # type: ignore[attr-defined]
                times.append((time.perf_counter() - t) * 1000)
                recall.append(len(want & set(got.tolist())) / 10)
            size_mb = len(faiss.serialize_index(index._index)) / 1e6  # type: ignore[attr-defined]
            print(
                f"  {size:>8} {name:14} search p50 {statistics.median(times):6.2f} ms, p99 "
                f"{sorted(times)[int(len(times) * 0.99)]:6.2f} ms, recall@10 questions "
                f"{np.mean(recall[: len(asked)]):.3f}, held-out chunks {np.mean(recall[len(asked) :]):.3f}, "
                f"build {build_s:5.1f} s, {size_mb:.0f} MB"
            )
        print(f"  {size:>8} peak RSS so far {rss:.0f} MB (after the exact index)")
        del flat, ivf, rows


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("what", choices=["encode", "index", "ask", "faiss", "add", "query"])
    parser.add_argument(
        "--query-backend", choices=["torch", "onnx", "onnx-int8"], help="`ask`: who encodes questions"
    )
    parser.add_argument("--backend", nargs="+", default=["torch", "onnx", "onnx-int8"])
    parser.add_argument("--passages", type=int, default=512)
    parser.add_argument("--batch-size", type=int, nargs="+", help="`encode`: batch sizes to compare")
    parser.add_argument("--chunks", type=int, default=None)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 40_000, 100_000, 1_000_000])
    parser.add_argument("--real", type=int, default=40_000, help="distinct real vectors for `faiss`")
    parser.add_argument("--held-out", type=int, default=300, help="real chunks kept out, as queries")
    parser.add_argument("--nprobe", type=int, nargs="+", default=[16, 32, 48, 64])
    parser.add_argument("--hnsw", action="store_true", help="HNSW32 too (build is slow past 100k)")
    args = parser.parse_args()
    if args.chunks is None:
        args.chunks = {"index": 1_000, "ask": 10_000, "add": 100_000}.get(args.what, 0)
    commands = {
        "encode": encode,
        "index": index,
        "ask": ask,
        "faiss": faiss_scale,
        "add": add_one,
        "query": query,
    }
    commands[args.what](args)


if __name__ == "__main__":
    main()
