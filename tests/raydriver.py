"""A Ray indexing driver in its own process, for the cluster tests: `python -m tests.raydriver
DATA FOLDER ADDRESS MODELS [KIND]`. Publishes after every window of two files (checkpoint 0 s),
so a driver killed mid-job has published part of the folder; prints one line per window. With
a vector index KIND (ivf, ivfpq) forced, it publishes once, at the end, as `index_folder` of a
small folder does, so the index is trained on the same vectors."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import numpy as np

from embeddings import load_embedder
from rag import Library, distributed
from rag.distributed import EmbedderSpec, RayOptions, index_on_ray
from rag.vectors import IndexPolicy, fill_shard


def main(data: Path, folder: Path, address: str, models: Path, kind: str | None) -> None:
    options = {"backend": "onnx", "cache_dir": models}
    embedder = load_embedder(None, **options)
    if kind is None:
        lib = Library.open(data, embedder=embedder, checkpoint_seconds=0.0)
    else:
        policy = IndexPolicy(kind=kind)  # type: ignore[arg-type]
        lib = Library.open(data, embedder=embedder, checkpoint_seconds=3600.0, index_policy=policy)
        log = data.parent / f"{data.name}-shards.txt"

        def logged(empty: bytes, ids: np.ndarray, vectors: np.ndarray) -> bytes:
            """`fill_shard` in a Ray task, noting the process and the shard's size."""
            with log.open("a") as out:
                out.write(f"{os.getpid()} {len(ids)}\n")
            return fill_shard(empty, ids, vectors)

        distributed.fill_shard = logged  # what `rag.distributed` ships to its tasks
        (data.parent / f"{data.name}-driver.txt").write_text(str(os.getpid()))
    print("started", flush=True)

    def step(done: int, total: int, doc_id: str, status: str) -> None:
        print(f"{done}/{total} {doc_id} {status}", flush=True)

    ray = RayOptions(address=address, actors=2, window_files=2, batch_size=16)
    report = index_on_ray(lib, folder, EmbedderSpec(None, options), ray, progress=step)
    lib.close()
    print(f"done {report.added} {report.replaced} {report.unchanged} {len(report.failed or {})}", flush=True)


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3], Path(sys.argv[4]), (sys.argv[5:] or [None])[0])
