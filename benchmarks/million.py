"""A million chunks on one machine: a library of real chunks plus marked copies, then each
vector backend (exact, IVF-Flat, IVF-PQ) opened cold in a fresh process: open time, memory,
disk, `ask` p50/p99 (hybrid and dense) and recall@10 of the approximate ones against exact.

    python benchmarks/million.py --source SOURCE_DATA_DIR --data-dir DATA [--chunks 1000000]
                                 [--kinds flat ivf ivfpq] [--questions 200] [--noise 1.0]

SOURCE is a library indexed with the bundled model (read only, in one read transaction).
DATA is built once and reused by later runs: the source's documents as they are, then
copies of them, each under its own id (`copy-N/ID`) with a visible first line `[copy N]`
before the original text. Turns and chunks are the original ones moved by the marker's
length, so every quote is still `document.text[start:end]`, and the embedded text (which
never holds the marker) is the original's: nothing is re-encoded. Vectors go in through the
library's own write path (`Library.commit` of prepared items that carry their vectors): a
copy's vector is the real chunk's vector plus Gaussian noise of `--noise` times the gap
between real nearest neighbours (0: exact duplicates, which tie and make recall by id
meaningless), normalised.

The build publishes an exact index. Each backend's file is then made from it as a writer
restructures one (`IndexPolicy.fit`: IVF from the vectors, IVF-PQ trained on a sample and
re-scored with the true vectors from SQLite when searched), kept under DATA/backends/, and
linked in as the published generation's vector file before that backend's process opens
the library. The data files are evicted from the page cache (`posix_fadvise`) first, so
"cold" means read from disk.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import sqlite3
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from rag.ingest import Source
    from rag.model import Chunk
    from rag.prepare import Prepared

ROOT = Path(__file__).resolve().parents[1]


# -- memory and disk -------------------------------------------------------------------


def memory_mb() -> tuple[float, float]:
    """This process's resident memory now and at its peak (VmRSS, VmHWM), in MB."""
    fields = {}
    for line in Path("/proc/self/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            fields[key] = int(value.split()[0]) / 1024
    return fields.get("VmRSS", 0.0), fields.get("VmHWM", 0.0)


def size_mb(path: Path) -> float:
    files = [path] if path.is_file() else [p for p in path.rglob("*") if p.is_file()]
    return sum(p.stat().st_size for p in files) / 1e6


def evict(paths: list[Path]) -> None:
    """Drop these files' pages from the page cache (only theirs: no root, nobody else's)."""
    for path in paths:
        for file in [path] if path.is_file() else [p for p in path.rglob("*") if p.is_file()]:
            fd = os.open(file, os.O_RDONLY)
            try:
                os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
            finally:
                os.close(fd)


# -- the source library, read only ------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Real:
    """One source document with its chunks and their vectors."""

    source: Source
    chunks: tuple[Chunk, ...]
    vectors: np.ndarray


def read_source(path: Path) -> tuple[list[Real], str]:
    """Every document of the library at `path` with its chunks and vectors, as one committed
    state (it may be written meanwhile), and the model that made them. Nothing is written."""
    from rag.ingest import Source, content_hash
    from rag.model import Chunk
    from rag.store import StoreView

    db = sqlite3.connect(f"file:{path / 'library.sqlite3'}?mode=ro", uri=True, isolation_level=None)
    db.execute("BEGIN")  # one read transaction: one committed state
    view = StoreView(db, threading.RLock())
    model, dim = view.meta("model"), int(view.meta("dimension") or 0)
    if model is None:
        sys.exit(f"{path} holds no indexed chunks")
    rows: dict[str, list[tuple[int, int, int, int, str, bytes]]] = {}
    for r in db.execute(
        "SELECT id, document_id, turn_index, start, end, embed_text, vector FROM chunks ORDER BY id"
    ):
        rows.setdefault(r[1], []).append((r[0], r[2], r[3], r[4], r[5], r[6]))
    out = []
    for info in view.infos():
        doc, chunks = view.document(info.id), rows.get(info.id, [])
        if doc is None or not chunks:
            continue
        vectors = np.frombuffer(b"".join(c[5] for c in chunks), dtype=np.float32).reshape(len(chunks), dim)
        source = Source(doc, content_hash(doc.text), info.source)
        out.append(Real(source, tuple(Chunk(doc.id, c[1], c[2], c[3], c[4]) for c in chunks), vectors))
    db.close()
    return out, model


def neighbour_noise(vectors: np.ndarray) -> float:
    """Per-dimension noise whose norm is about the distance between real nearest neighbours."""
    base = vectors[:2000]
    gaps = np.sort(base @ base[:200].T, axis=0)[-2]
    return float(np.sqrt(max(1e-6, 2 - 2 * np.median(gaps))) / np.sqrt(vectors.shape[1]))


def marked_copy(real: Real, copy: int, noise: float, model: str) -> Prepared:
    """Copy `copy` of a real document as a prepared item with its vectors (copy 0: the real one)."""
    from rag.prepare import Prepared

    src, chunks, vectors = real.source, real.chunks, real.vectors
    if copy:
        from rag.ingest import content_hash

        doc = src.document
        marker = f"[copy {copy}]\n"
        shift = len(marker)
        text = marker + doc.text
        turns = tuple(replace(t, start=t.start + shift, end=t.end + shift) for t in doc.turns)
        new_id = f"copy-{copy}/{doc.id}"
        doc = replace(doc, id=new_id, text=text, turns=turns, title=f"{doc.title} [copy {copy}]".strip())
        src = replace(src, document=doc, content_hash=content_hash(text))
        chunks = tuple(
            replace(c, document_id=new_id, start=c.start + shift, end=c.end + shift) for c in chunks
        )
        if noise:
            seed = hashlib.blake2b(real.source.document.id.encode(), digest_size=8).digest()
            rng = np.random.default_rng([copy, int.from_bytes(seed, "little")])
            vectors = vectors + rng.normal(0, noise, vectors.shape).astype(np.float32)
            vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    return Prepared(src, chunks, None, vectors, model)


def copies(reals: list[Real], total: int, noise: float, model: str) -> Iterator[Prepared]:
    """Prepared items, real documents first then copy 1, 2, ..., until `total` chunks (the
    last one cut short to land on `total` exactly)."""
    done, copy = 0, 0
    while True:
        for real in reals:
            item = marked_copy(real, copy, noise, model)
            if done + len(item.chunks) > total:
                keep = total - done
                cut = None if item.vectors is None else item.vectors[:keep]
                item = replace(item, chunks=item.chunks[:keep], vectors=cut)
            if len(item.chunks):
                yield item
            done += len(item.chunks)
            if done >= total:
                return
        copy += 1


# -- build ----------------------------------------------------------------------------


def build(args: argparse.Namespace) -> None:
    from rag import Library
    from rag.vectors import IndexPolicy

    data = args.data_dir
    lib = Library.open(
        data, index_policy=IndexPolicy(kind="flat"), checkpoint_seconds=args.checkpoint_seconds
    )
    have = lib.status().chunks
    if have >= args.chunks:
        print(f"{data}: {have} chunks already, reused", flush=True)
        lib.close()
        return
    start = time.perf_counter()
    reals, model = read_source(args.source)
    real_chunks = sum(len(r.chunks) for r in reals)
    noise = args.noise * neighbour_noise(np.concatenate([r.vectors for r in reals[:50]]))
    print(
        f"source {args.source}: {len(reals)} documents, {real_chunks} chunks read in "
        f"{time.perf_counter() - start:.1f} s; copies' noise {noise:.4f} per dimension ({args.noise} x gap)",
        flush=True,
    )
    start, done, added, group = time.perf_counter(), 0, 0, []
    with lib.batch():
        for item in copies(reals, args.chunks, noise, model):
            done += len(item.chunks)
            if lib.unchanged(item):
                continue
            group.append(item)
            if sum(len(p.chunks) for p in group) >= 20_000:
                lib.commit(group)
                added += sum(len(p.chunks) for p in group)
                group = []
                rate = added / (time.perf_counter() - start)
                print(
                    f"\rcommitted {done}/{args.chunks} chunks, {rate:.0f}/s, RSS {memory_mb()[0]:.0f} MB",
                    end="",
                    file=sys.stderr,
                    flush=True,
                )
        if group:
            lib.commit(group)
            added += sum(len(p.chunks) for p in group)
        committed = time.perf_counter()
    published = time.perf_counter()
    lib.close()  # BM25 over every chunk, caught up before the process ends
    closed = time.perf_counter()
    print(file=sys.stderr)
    print(
        f"build: {added} chunks committed in {committed - start:.0f} s "
        f"({added / (committed - start):.0f}/s), "
        f"last publication {published - committed:.0f} s, BM25 catch-up {closed - published:.0f} s; "
        f"in all {closed - start:.0f} s; peak RSS {memory_mb()[1]:.0f} MB; "
        f"texts encoded {lib.encoded}",
        flush=True,
    )


# -- backends -------------------------------------------------------------------------


def _generation(data: Path) -> tuple[int, int]:
    db = sqlite3.connect(f"file:{data / 'library.sqlite3'}?mode=ro", uri=True)
    generation = int(db.execute("SELECT value FROM meta WHERE key = 'generation'").fetchone()[0])
    dim = int(db.execute("SELECT value FROM meta WHERE key = 'dimension'").fetchone()[0])
    db.close()
    return generation, dim


def _published(data: Path) -> Path:
    return data / "vectors" / f"{_generation(data)[0]:010d}.faiss"


def backend_file(data: Path, kind: str) -> Path:
    """This generation's vector file as `kind`, made once (as `IndexPolicy.fit` restructures)."""
    from rag.generations import exact_vectors
    from rag.store import StoreView
    from rag.vectors import IndexPolicy, VectorIndex

    generation, dim = _generation(data)
    out = data / "backends" / f"{generation:010d}-{kind}.faiss"
    if out.exists():
        return out
    out.parent.mkdir(exist_ok=True)
    flat = data / "backends" / f"{generation:010d}-flat.faiss"
    if not flat.exists():
        os.link(_published(data), flat)  # the build's exact file, kept before any swap
    if kind == "flat":
        return flat
    index = VectorIndex.load(flat, dim)
    db = sqlite3.connect(f"file:{data / 'library.sqlite3'}?mode=ro", uri=True)
    view = StoreView(db, threading.RLock())
    start = time.perf_counter()
    fitted = IndexPolicy(kind=kind).fit(index, lambda: exact_vectors(view, dim))  # type: ignore[arg-type]
    took = time.perf_counter() - start
    fitted.save(out)
    db.close()
    print(f"{kind}: built from the exact index in {took:.0f} s ({fitted.lists} lists), peak RSS "
          f"{memory_mb()[1]:.0f} MB", flush=True)  # fmt: skip
    return out


def install(data: Path, file: Path) -> None:
    """Make `file` the published generation's vector file (a hard link, swapped in atomically)."""
    target = _published(data)
    tmp = target.with_name(".swap.faiss")
    tmp.unlink(missing_ok=True)
    os.link(file, tmp)
    os.replace(tmp, target)


# -- one backend, measured in its own process -----------------------------------------------


def asked(n: int) -> list[str]:
    """The dev questions (seed interview, QMSum committee val), then QMSum test queries."""
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from corpus import questions, shared_dir

    from rag.evaluation import load_gold

    shared = shared_dir()
    out = questions(shared)
    for name in ("all_test", "committee_test"):
        out += [q.question for q in load_gold(shared / "benchmarks" / "qmsum" / f"{name}.jsonl").questions]
    return list(dict.fromkeys(out))[:n]


def _percentiles(ms: list[float]) -> dict[str, float]:
    ms = sorted(ms)
    return {"p50": statistics.median(ms), "p99": ms[min(len(ms) - 1, int(len(ms) * 0.99))], "n": len(ms)}


def measure(args: argparse.Namespace) -> None:
    """One backend (already installed as the published file), cold: prints one JSON line."""
    from embeddings import load_embedder
    from rag import Library
    from rag.vectors import IndexPolicy, VectorIndex, search_exact

    data, kind = args.data_dir, args.measure
    questions = asked(args.questions)
    generation, dim = _generation(data)
    lexical = data / "lexical" / f"{generation:010d}"
    files = [data / "library.sqlite3", _published(data), lexical]
    evict(files)
    out: dict[str, object] = {"kind": kind, "rss_start_mb": memory_mb()[0]}
    start = time.perf_counter()
    embedder = load_embedder(backend="onnx", cache_dir=data / "models")
    embedder.embed_query("warm up")
    out["model_s"] = time.perf_counter() - start
    out["rss_model_mb"] = memory_mb()[0]
    start = time.perf_counter()
    lib = Library.open(data, embedder=embedder, index_policy=IndexPolicy(kind=kind))
    out["open_s"] = time.perf_counter() - start
    status = lib.status()  # loads the published vectors and BM25
    first = lib.ask(questions[0])
    out["first_answer_s"] = time.perf_counter() - start
    out["chunks"], out["documents"], out["vector_index"] = (
        status.chunks,
        status.documents,
        status.vector_index,
    )
    out["rss_open_mb"], out["hwm_open_mb"] = memory_mb()
    out["first_passages"] = len(first.passages)
    # the first pass meets every document and SQLite page cold (per-document read facts are
    # filled as questions arrive): timed apart from the passes after it
    for name, mode in [("first", args.modes[0]), *((m, m) for m in args.modes)]:
        ms = []
        for q in questions:
            t = time.perf_counter()
            lib.ask(q, mode=mode)
            ms.append((time.perf_counter() - t) * 1000)
        out[name] = _percentiles(ms)
    out["rss_asked_mb"], out["hwm_asked_mb"] = memory_mb()
    wal = data / "library.sqlite3-wal"
    out["disk_mb"] = {
        "sqlite": size_mb(data / "library.sqlite3"),
        "wal": size_mb(wal) if wal.exists() else 0.0,  # checkpointed, but the file keeps its size
        "vectors": size_mb(_published(data)),
        "bm25": size_mb(lexical),
    }
    print(f"{kind}: disk {json.dumps(out['disk_mb'])}", file=sys.stderr, flush=True)
    lib.close()
    # recall: the dense top 10 as the retriever gets it from this backend (re-scored if approximate)
    index = VectorIndex.load(_published(data), dim)
    index.nprobe = IndexPolicy().nprobe_for(index.kind)
    db = sqlite3.connect(f"file:{data / 'library.sqlite3'}?mode=ro", uri=True)
    from rag.store import StoreView

    view = StoreView(db, threading.RLock())
    tops = []
    for q in questions:
        vec = embedder.embed_query(q)
        ids, _ = search_exact(
            index, vec, 10, allowed=None, vectors_of=lambda i: view.chunk_vectors(i.tolist(), dim)
        )
        tops.append([int(i) for i in ids])
    out["top10"] = tops
    print(json.dumps(out), flush=True)


def parts(args: argparse.Namespace) -> None:
    """Memory of each search structure alone: BM25 and each vector file, loaded in turn."""
    from rag.lexical import LexicalIndex
    from rag.vectors import VectorIndex

    data = args.data_dir
    generation, dim = _generation(data)
    before = memory_mb()[0]
    lexical = LexicalIndex.load(data / "lexical" / f"{generation:010d}")
    out = {"bm25_mb": memory_mb()[0] - before}
    loaded: list[object] = [lexical]  # all kept: memory freed by one would be reused by the next
    for kind in args.kinds:
        file = data / "backends" / f"{generation:010d}-{kind}.faiss"
        before = memory_mb()[0]
        loaded.append(VectorIndex.load(file, dim))
        out[f"{kind}_mb"] = memory_mb()[0] - before
    print(json.dumps(out), flush=True)


def tables(data: Path) -> dict[str, float]:
    """SQLite's bytes per table and index with their pages' unused space (`dbstat`), in MB."""
    db = sqlite3.connect(f"file:{data / 'library.sqlite3'}?mode=ro", uri=True)
    rows = db.execute("SELECT name, SUM(pgsize), SUM(unused) FROM dbstat GROUP BY name ORDER BY 2 DESC")
    out = {name: (size / 1e6, unused / 1e6) for name, size, unused in rows if size >= 1e6}
    counts = {t: db.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0] for t in ("chunks", "embedding_cache")}
    db.close()
    for name, (size, unused) in out.items():
        per = f", {size * 1e6 / counts[name]:.0f} B a row" if name in counts else ""
        print(f"  {name}: {size:.0f} MB ({unused:.0f} MB of it unused in its pages{per})")
    return {name: size for name, (size, _) in out.items()}


# -- the run ----------------------------------------------------------------------------


def _child(args: argparse.Namespace, *extra: str) -> dict[str, Any]:
    cmd = [sys.executable, __file__, "--source", str(args.source), "--data-dir", str(args.data_dir)]
    cmd += ["--questions", str(args.questions), "--kinds", *args.kinds, "--modes", *args.modes, *extra]
    done = subprocess.run(cmd, check=True, stdout=subprocess.PIPE, text=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def report(args: argparse.Namespace) -> None:
    data = args.data_dir
    for kind in args.kinds:
        backend_file(data, kind)
    if not (data / "models").exists():  # the ONNX export the source made, so none is made here
        shutil.copytree(args.source / "models", data / "models")
    results = []
    for kind in args.kinds:
        install(data, backend_file(data, kind))
        results.append(_child(args, "--measure", kind))
    install(data, backend_file(data, "flat"))  # the library as built
    sizes = _child(args, "--parts")
    print("SQLite, by table and index (dbstat):")
    tables(data)
    truth = next((r["top10"] for r in results if r["kind"] == "flat"), None)
    r0 = results[0]
    print(f"\n{r0['chunks']} chunks, {r0['documents']} documents; {len(r0['top10'])} questions per mode")
    print(f"memory of each structure alone (RSS growth on load): {json.dumps(sizes)}")
    for r in results:
        recall = ""
        if truth is not None and r["kind"] != "flat":
            got = [len(set(a) & set(b)) / max(1, len(b)) for a, b in zip(r["top10"], truth, strict=True)]
            recall = f", recall@10 vs exact {np.mean(got):.3f}"
        d = r["disk_mb"]
        print(
            f"{r['kind']:6} ({r['vector_index']}): model {r['model_s']:.1f} s, open {r['open_s']:.2f} s, "
            f"open to first answer {r['first_answer_s']:.1f} s; RSS after model {r['rss_model_mb']:.0f} MB, "
            f"after first answer {r['rss_open_mb']:.0f} MB, after the asks {r['rss_asked_mb']:.0f} MB "
            f"(peak {r['hwm_asked_mb']:.0f} MB); disk SQLite {d['sqlite']:.0f} MB "
            f"(WAL {d.get('wal', 0):.0f} MB), vectors "
            f"{d['vectors']:.0f} MB, BM25 {d['bm25']:.0f} MB; ask, first pass ({args.modes[0]}) p50 "
            f"{r['first']['p50']:.0f} ms p99 {r['first']['p99']:.0f} ms, then "
            + ", ".join(f"{m} p50 {r[m]['p50']:.0f} ms p99 {r[m]['p99']:.0f} ms" for m in args.modes)
            + recall,
            flush=True,
        )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--source", type=Path, required=True, help="a library of real indexed chunks (read only)"
    )
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument("--chunks", type=int, default=1_000_000)
    parser.add_argument("--kinds", nargs="+", default=["flat", "ivf", "ivfpq"])
    parser.add_argument("--questions", type=int, default=200, help="questions asked per mode")
    parser.add_argument("--noise", type=float, default=1.0, help="copies' noise, in real neighbour gaps")
    parser.add_argument("--modes", nargs="+", default=["hybrid", "dense"], help="asked in this order")
    parser.add_argument("--checkpoint-seconds", type=float, default=900.0)
    parser.add_argument("--build-only", action="store_true")
    parser.add_argument("--measure", help=argparse.SUPPRESS)
    parser.add_argument("--parts", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    args.data_dir = args.data_dir.expanduser().resolve()
    if args.measure:
        return measure(args)
    if args.parts:
        return parts(args)
    print(f"uptime: {os.getloadavg()}", flush=True)
    build(args)
    if not args.build_only:
        report(args)


if __name__ == "__main__":
    main()
