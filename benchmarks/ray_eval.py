"""`rag eval` over a library indexed on a 2-node Ray cluster against the same gold set indexed
by `rag eval` itself in one process: the figures side by side, and whether the two libraries
hold the same documents, chunk ids and texts and vectors (to 1e-5).

    python benchmarks/ray_eval.py [--sets interview qmsum friendsqa meetingqa] [--work DIR] [--shared DIR]

For each dev set (the README's Quality commands): `rag eval GOLD… --data-dir WORK/SET/plain`
indexes the gold documents as it always does; the same documents are written out as files
(the texts they were read from, named by their ids, `.json` for a JSON transcript) and indexed through
`rag.distributed.index_on_ray` on the cluster into WORK/SET/ray, keeping their ids; then
`rag eval GOLD… --data-dir WORK/SET/ray` finds every document unchanged (checked: no new
generation) and only asks. Runs itself inside a loopback-only network namespace
(`rag.localcluster`): a head node and a second node, one CPU each, two embedding actors.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
MODES = ("hybrid", "bm25", "dense")
SETS: dict[str, tuple[tuple[str, ...], str | None]] = {
    # gold files (the first has the documents) and the format the gold reader forces, if any
    "interview": (("eval/seed_dev.jsonl", "@benchmarks/seed_unanswerable.jsonl"), None),
    "qmsum": (("benchmarks/qmsum/committee_val.jsonl", "@benchmarks/qmsum_unanswerable.jsonl"), None),
    "friendsqa": (("benchmarks/friendsqa/dev.jsonl.gz",), "labelled"),  # short scenes: detection unsure
    "meetingqa": (("benchmarks/meetingqa/dev.jsonl.gz",), None),
}
SHOWN = {
    "hit_at_1": "hit@1",
    "hit_at_k": "hit@5",
    "mrr": "MRR",
    "citation_accuracy": "cite",
    "self_rate": "self",
    "false_reject_rate": "FRR",
    "false_accept_rate": "FAR",
}
COMPARED = (*SHOWN, "questions", "quote_mismatches", "mean_passage_chars")
"""Every figure but latency."""


def _gold(name: str, shared: Path) -> list[Path]:
    return [ROOT / f[1:] if f.startswith("@") else shared / f for f in SETS[name][0]]


def _rag_eval(gold: list[Path], data: Path) -> tuple[list[dict], float]:
    modes = [a for m in MODES for a in ("--mode", m)]
    command = [sys.executable, "-c", "from rag.cli import main; main()", "eval", *map(str, gold), *modes]
    t0 = time.perf_counter()
    done = subprocess.run(
        [*command, "--json", "--data-dir", str(data)], capture_output=True, text=True, check=False
    )
    if done.returncode:
        raise RuntimeError(f"rag eval failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout), time.perf_counter() - t0


def _write_documents(gold: list[Path], folder: Path) -> list[tuple[str, Path]]:
    """The documents `rag eval` would index for `gold`, as files: (document id, path). Each
    file holds the text the document was read from (its content hash checked)."""
    from rag.evaluation import load_gold, select
    from rag.ingest import content_hash

    files = []
    for gold_file in gold:
        evalset = select(load_gold(gold_file))
        for source in evalset.documents:
            doc = source.document
            text = evalset.inputs.get(doc.id, doc.text)
            if content_hash(text) != source.content_hash:
                raise RuntimeError(f"{doc.id}: no input text with its content hash to write out")
            path = folder / (doc.id + (".json" if doc.format == "json" else ".txt"))
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(text.encode("utf-8"))
            files.append((doc.id, path))
    return files


def _index_on_ray(files: list[tuple[str, Path]], data: Path, format: str | None, address: str) -> dict:
    from embeddings import load_embedder
    from rag import Library
    from rag.distributed import EmbedderSpec, RayOptions, index_on_ray
    from rag.settings import Settings

    settings = Settings(data_dir=data)
    # the model's cache where `rag eval` looks for it
    options: dict[str, Any] = {"backend": settings.backend, "cache_dir": data / "models"}
    t0 = time.perf_counter()
    with Library.open(
        data, embedder=load_embedder(settings.model, **options), **settings.library_options(rerank=False)
    ) as lib:
        report = index_on_ray(
            lib, files, EmbedderSpec(settings.model, options), RayOptions(address=address), format=format
        )
        encoded = lib.encoded
    return {"seconds": time.perf_counter() - t0, "failed": report.failed, "encoded": encoded}


def _generation(data: Path) -> int:
    from rag.store import Store

    store = Store(data / "library.sqlite3")
    try:
        return store.generation
    finally:
        store.close()


def _contents(data: Path) -> tuple[list[tuple], list[tuple], np.ndarray]:
    """Documents (with their turns and content hashes, not where they were read from), chunk
    rows with their embedding texts, and vectors, in id order."""
    from rag.generations import exact_vectors
    from rag.store import Store

    store = Store(data / "library.sqlite3")
    try:
        with store.reading() as view:
            ids = sorted(info.id for info in view.infos())
            documents = [(view.document(i), view.fingerprint(i)) for i in ids]
            texts = dict(pair for batch in view.iter_embed_texts() for pair in zip(*batch, strict=True))
            rows = view.chunk_rows(sorted(texts))
            _, vectors = exact_vectors(view, int(view.meta("dimension") or 0))
    finally:
        store.close()
    return documents, [(rows[i], texts[i]) for i in sorted(texts)], vectors


def _same_contents(a: Path, b: Path) -> str:
    (docs, chunks, vectors), (docs2, chunks2, vectors2) = _contents(a), _contents(b)
    if docs != docs2:
        return "documents differ"
    if chunks != chunks2:
        return "chunk rows differ"
    diff = float(np.abs(vectors - vectors2).max()) if len(vectors) else 0.0
    return f"same {len(docs)} documents, {len(chunks)} chunks, vectors max |diff| {diff:.1e}" + (
        "" if diff <= 1e-5 else " (over 1e-5)"
    )


def _figure(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


def _one(name: str, shared: Path, work: Path, address: str) -> bool:
    gold, format = _gold(name, shared), SETS[name][1]
    plain, ray = work / name / "plain", work / name / "ray"
    files = _write_documents(gold, work / name / "files")
    print(f"{name}: {len(files)} documents", flush=True)
    plain_figures, plain_s = _rag_eval(gold, plain)
    print(f"  rag eval, one process: {plain_s:.0f} s (indexing included)", flush=True)
    built = _index_on_ray(files, ray, format, address)
    if built["failed"]:
        raise RuntimeError(f"{name}: the Ray run failed on {built['failed']}")
    print(f"  index on Ray: {built['encoded']} chunks embedded in {built['seconds']:.0f} s", flush=True)
    generation = _generation(ray)
    ray_figures, ray_s = _rag_eval(gold, ray)
    reindexed = _generation(ray) != generation
    contents = _same_contents(plain, ray)
    print(f"  rag eval over the Ray library: {ray_s:.0f} s; re-indexed: {'yes' if reindexed else 'no'}")
    print(f"  libraries: {contents}")
    same = not reindexed and contents.startswith("same") and "over" not in contents
    print(f"  {'mode':7} {'':5} " + " ".join(f"{f:>6}" for f in SHOWN.values()))
    for a, b in zip(plain_figures, ray_figures, strict=True):
        equal = all(a[f] == b[f] for f in COMPARED)
        same = same and equal
        for label, row in (("plain", a), ("ray", b)):
            cells = " ".join(f"{_figure(row[f]):>6}" for f in SHOWN)
            print(
                f"  {row['mode']:7} {label:5} {cells}" + (f"  identical: {equal}" if label == "ray" else "")
            )
    print(f"  {name}: {'identical' if same else 'DIFFERENT'}", flush=True)
    return same


def inside(names: list[str], shared: Path, work: Path) -> int:
    from rag.localcluster import cluster

    with cluster(work / "home", nodes=2) as running:
        results = {name: _one(name, shared, work, running.address) for name in names}
    print("summary: " + ", ".join(f"{n} {'identical' if ok else 'DIFFERENT'}" for n, ok in results.items()))
    return 0 if all(results.values()) else 1


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sets", nargs="+", choices=list(SETS), default=list(SETS))
    parser.add_argument(
        "--work", type=Path, help="a fresh folder for the libraries [default: a temporary one]"
    )
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared", help="the shared data")
    parser.add_argument("--inside", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    from rag.localcluster import namespaced, unavailable

    if args.inside:
        sys.exit(inside(args.sets, args.shared, args.work))
    reason = unavailable()
    if reason:
        sys.exit(reason)
    missing = [str(p) for n in args.sets for p in _gold(n, args.shared) if not p.exists()]
    if missing:
        sys.exit(f"missing gold files: {', '.join(missing)}")
    if args.work is None:
        import tempfile

        args.work = Path(tempfile.mkdtemp(prefix="rag-ray-eval-"))
    args.work.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    command = [sys.executable, __file__, "--sets", *args.sets, "--inside"]
    command += ["--shared", str(args.shared.resolve()), "--work", str(args.work.resolve())]
    sys.exit(subprocess.run(namespaced(command), env=env).returncode)


if __name__ == "__main__":
    main()
