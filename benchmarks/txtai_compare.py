"""Side by side with txtai: same model files, same chunks, same questions, same scoring.

    pip install -e '.[bench]'        # txtai (after torch==2.13.0), kept out of the runtime deps
    python benchmarks/txtai_compare.py [--system ours-onnx ours-torch txtai]

Each system runs in its own process (clean peak RSS): it indexes the QMSum committee
validation meetings and the reference interview, then asks the dev questions of them.
txtai gets this service's chunk texts already cut (it has no transcript parser), embeds them
with the bundled model folder through its FAISS backend with content storage on, and answers
QMSum questions with an SQL filter on the meeting, as this service does with `documents=`.
A hit is the same for both: a returned span overlapping a gold span, in the top 5.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from corpus import shared_dir

from embeddings import bundled_model_path, load_embedder
from rag import Library
from rag.chunking import ChunkingConfig, chunk_document
from rag.evaluation import GoldQuestion, evaluate, load_gold

K = 5


def _gold() -> tuple[list, list[GoldQuestion]]:
    shared = shared_dir()
    qmsum = load_gold(shared / "benchmarks" / "qmsum" / "committee_val.jsonl")
    seed = load_gold(
        shared / "eval" / "seed_dev.jsonl",
        document=shared / "corpus" / "seed" / "aliyev-interview-2024-12.txt",
    )
    sources = qmsum.documents + seed.documents
    questions = [q for q in qmsum.questions + seed.questions if q.answerable]
    return sources, questions


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_ours(backend: str) -> dict:
    sources, questions = _gold()
    with tempfile.TemporaryDirectory() as tmp:
        embedder = load_embedder(backend=backend, cache_dir=Path(tmp) / "models")  # type: ignore[arg-type]
        embedder.embed_query("warm up")
        lib = Library.open(Path(tmp) / "data", embedder=embedder)
        start = time.perf_counter()
        with lib.batch():
            for source in sources:
                lib.add_source(source)
        index_s = time.perf_counter() - start
        chunks = lib.status().chunks
        metrics = evaluate(lib, questions, k=K)
        lib.close()
    return {
        "index_s": index_s,
        "chunks": chunks,
        "p50_ms": metrics.latency_ms_p50,
        "p99_ms": metrics.latency_ms_p99,
        "hit1": metrics.hit_at_1,
        "hitk": metrics.hit_at_k,
        "mrr": metrics.mrr,
        "rss_mb": _rss_mb(),
    }


def run_txtai() -> dict:
    from txtai import Embeddings

    sources, questions = _gold()
    config = ChunkingConfig()
    rows, spans = [], {}
    for source in sources:
        doc = source.document
        for i, chunk in enumerate(chunk_document(doc, config)):
            uid = f"{doc.id}#{i}"
            spans[uid] = (doc.id, chunk.start, chunk.end)
            rows.append((uid, {"text": chunk.embed_text, "doc": doc.id}, None))
    embeddings = Embeddings(path=str(bundled_model_path()), content=True, backend="faiss")
    start = time.perf_counter()
    embeddings.index(rows)
    index_s = time.perf_counter() - start
    ranks, latencies = [], []
    sql = "select id, score from txtai where similar(:q, 200) and doc = :d limit 5"
    for q in questions:
        t = time.perf_counter()
        if q.scoped:
            hits = embeddings.search(sql, parameters={"q": q.question, "d": q.document_id})
        else:
            hits = embeddings.search(q.question, K)
        latencies.append((time.perf_counter() - t) * 1000)
        rank = None
        for r, hit in enumerate(hits):
            doc_id, a, b = spans[hit["id"]]
            if doc_id == q.document_id and any(a < e and s < b for s, e in q.gold):
                rank = r
                break
        ranks.append(rank)
    latencies.sort()
    n = len(ranks)
    return {
        "index_s": index_s,
        "chunks": len(rows),
        "p50_ms": statistics.median(latencies),
        "p99_ms": latencies[min(n - 1, round(0.99 * (n - 1)))],
        "hit1": sum(r == 0 for r in ranks) / n,
        "hitk": sum(r is not None for r in ranks) / n,
        "mrr": sum(1 / (r + 1) for r in ranks if r is not None) / n,
        "rss_mb": _rss_mb(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--system", nargs="+", default=["ours-onnx", "ours-torch", "txtai"])
    parser.add_argument("--one", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        result = run_txtai() if args.one == "txtai" else run_ours(args.one.removeprefix("ours-"))
        print(json.dumps(result))
        return
    results = {}
    for system in args.system:
        done = subprocess.run(
            [sys.executable, __file__, "--one", system], capture_output=True, text=True, check=False
        )
        if done.returncode != 0:
            sys.exit(f"{system} failed:\n{done.stderr[-2000:]}")
        results[system] = json.loads(done.stdout.strip().splitlines()[-1])
    print("QMSum committee val (67) + reference interview dev (20) questions, top 5, same chunks")
    print(f"{'system':11} {'chunks':>6} {'index s':>8} {'p50 ms':>7} {'p99 ms':>7} {'hit@1':>6} {'hit@5':>6} "
          f"{'MRR':>6} {'peak MB':>8}")  # fmt: skip
    for system, r in results.items():
        print(
            f"{system:11} {r['chunks']:6d} {r['index_s']:8.1f} {r['p50_ms']:7.1f} {r['p99_ms']:7.1f} "
            f"{r['hit1']:6.3f} {r['hitk']:6.3f} {r['mrr']:6.3f} {r['rss_mb']:8.0f}"
        )
    if "txtai" in results:
        t = results["txtai"]
        for system, r in results.items():
            if system != "txtai":
                print(
                    f"{system} / txtai: index time {r['index_s'] / t['index_s']:.2f}x, "
                    f"query p50 {r['p50_ms'] / t['p50_ms']:.2f}x, "
                    f"peak memory {r['rss_mb'] / t['rss_mb']:.2f}x"
                )


if __name__ == "__main__":
    main()
