"""A Ray indexing driver in its own process, for the cluster tests: `python -m tests.raydriver
DATA FOLDER ADDRESS MODELS`. Publishes after every window of two files (checkpoint 0 s), so
a driver killed mid-job has published part of the folder; prints one line per window."""

from __future__ import annotations

import sys
from pathlib import Path

from embeddings import load_embedder
from rag import Library
from rag.distributed import EmbedderSpec, RayOptions, index_on_ray


def main(data: Path, folder: Path, address: str, models: Path) -> None:
    options = {"backend": "onnx", "cache_dir": models}
    lib = Library.open(data, embedder=load_embedder(None, **options), checkpoint_seconds=0.0)
    print("started", flush=True)

    def step(done: int, total: int, doc_id: str, status: str) -> None:
        print(f"{done}/{total} {doc_id} {status}", flush=True)

    ray = RayOptions(address=address, actors=2, window_files=2, batch_size=16)
    report = index_on_ray(lib, folder, EmbedderSpec(None, options), ray, progress=step)
    lib.close()
    print(f"done {report.added} {report.replaced} {report.unchanged} {len(report.failed or {})}", flush=True)


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3], Path(sys.argv[4]))
