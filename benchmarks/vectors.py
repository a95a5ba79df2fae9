"""Vector backends at size: exact vs IVF-Flat vs IVF-PQ, recall@10 against exact search,
latency, bytes per vector and build time, on real embeddings.

    python benchmarks/vectors.py --library DATA_DIR [--sizes 20000 100000] [--nprobe 16 64 128]
        [--threads one team]

An approximate index (IVF-PQ) is searched as the retriever searches it: its top 10x
candidates re-scored with the true vectors (`rag.vectors.search_exact`).

The vectors are a library's own chunk vectors (distinct texts; any library indexed with the
model, e.g. by `rag eval` or `rag index`); the last `--held-out` are kept out as queries,
with the dev questions when ../shared is there. Sizes past the real count add perturbed
copies (noise of the scale of the gaps between real neighbours), and the output says so.

`--threads`: `one` searches as the service does (`VectorIndex.search_threads` 1: each query on
the calling thread alone), `team` with FAISS's OpenMP team of every core (0), as it did before.
"""

from __future__ import annotations

import argparse
import itertools
import sqlite3
import statistics
import time
from pathlib import Path

import faiss
import numpy as np

from rag.vectors import IndexPolicy, VectorIndex, search_exact


def library_vectors(data_dir: Path) -> np.ndarray:
    """One vector per distinct embedded text, in chunk order."""
    db = sqlite3.connect(f"file:{data_dir / 'library.sqlite3'}?mode=ro", uri=True)
    dim = int(db.execute("SELECT value FROM meta WHERE key = 'dimension'").fetchone()[0])
    rows = db.execute("SELECT vector FROM chunks GROUP BY embed_text ORDER BY MIN(id)").fetchall()
    return np.frombuffer(b"".join(r[0] for r in rows), dtype=np.float32).reshape(len(rows), dim).copy()


def dev_questions(embed_dir: Path) -> np.ndarray | None:
    try:
        from corpus import questions, shared_dir

        from embeddings import load_embedder

        texts = questions(shared_dir())
    except (ImportError, SystemExit, OSError):
        return None
    return load_embedder(backend="onnx", cache_dir=embed_dir).embed_documents(texts)


def grown(base: np.ndarray, size: int, rng: np.random.Generator) -> np.ndarray:
    gaps = np.sort(base[:2000] @ base[:200].T, axis=0)[-2]
    noise = float(np.sqrt(max(1e-6, 2 - 2 * np.median(gaps))) / np.sqrt(base.shape[1]))
    vecs = base[:size]
    while len(vecs) < size:
        extra = base[: size - len(vecs)] + rng.normal(0, noise, base[: size - len(vecs)].shape)
        vecs = np.concatenate([vecs, extra.astype(np.float32)])
    return vecs / np.linalg.norm(vecs, axis=1, keepdims=True)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--library", type=Path, required=True)
    parser.add_argument("--sizes", type=int, nargs="+", default=[20_000, 100_000])
    parser.add_argument("--nprobe", type=int, nargs="+", default=[16, 64, 128])
    parser.add_argument("--held-out", type=int, default=300)
    parser.add_argument("--kinds", nargs="+", default=["flat", "ivf", "ivfpq"])
    parser.add_argument("--threads", nargs="+", choices=["one", "team"], default=["one"])
    args = parser.parse_args()

    real = library_vectors(args.library)
    base, held = real[: -args.held_out], real[-args.held_out :]
    asked = dev_questions(args.library / "models")
    queries = held if asked is None else np.concatenate([asked, held])
    n_asked = 0 if asked is None else len(asked)
    print(
        f"{len(base)} distinct real chunk vectors of {args.library}; queries: {n_asked} dev questions, "
        f"{len(held)} held-out chunks; faiss threads {faiss.omp_get_max_threads()}"
    )
    rng = np.random.default_rng(0)
    for size in args.sizes:
        vecs = grown(base, size, rng)
        note = "" if size <= len(base) else f" ({size - len(base)} perturbed copies)"
        ids = np.arange(len(vecs), dtype=np.int64)
        flat = VectorIndex(vecs.shape[1])
        flat.add(ids, vecs)
        truth = [set(flat.search(q, 10)[0].tolist()) for q in queries]
        for kind in args.kinds:
            start = time.perf_counter()
            index = flat if kind == "flat" else IndexPolicy(kind=kind).fit(flat.copy())
            build = time.perf_counter() - start
            nbytes = len(faiss.serialize_index(index._index))
            for nprobe, threads in itertools.product([0] if kind == "flat" else args.nprobe, args.threads):
                index.nprobe = nprobe or index.nprobe
                index.search_threads = 1 if threads == "one" else 0
                times, recall = [], []
                exact = vecs.__getitem__  # the true vectors, as SQLite would give them
                for q, want in zip(queries, truth, strict=True):
                    t = time.perf_counter()
                    got = search_exact(index, q, 10, allowed=None, vectors_of=exact)[0]
                    times.append((time.perf_counter() - t) * 1000)
                    recall.append(len(want & set(got.tolist())) / 10)
                name = kind if kind == "flat" else f"{kind}{index.lists}/{nprobe}"
                name += ("+rescore" if index.approximate else "") + ("" if threads == "one" else " team")
                asked_recall = f"questions {np.mean(recall[:n_asked]):.3f}, " if n_asked else ""
                p99 = sorted(times)[int(len(times) * 0.99)]
                print(
                    f"  {size:>8}{note} {name:24} recall@10 {asked_recall}"
                    f"held-out {np.mean(recall[n_asked:]):.3f}; p50 {statistics.median(times):.2f} ms, "
                    f"p99 {p99:.2f} ms; {nbytes / len(vecs):.0f} B/vector; build {build:.1f} s",
                    flush=True,
                )


if __name__ == "__main__":
    main()
