"""Ray indexing: passages a second per embedding worker for 1 and 2 workers, and the end-to-end
time against the single-process path on the same files.

    python benchmarks/ray_index.py FOLDER [--model-cache DIR]

Runs itself inside a loopback-only network namespace (`rag.localcluster`): a head node with one
CPU, then a second node with one CPU joins, on this one machine. Each run indexes FOLDER into a
fresh library (an empty embedding cache, so every passage is encoded). On one machine the
second node shares the same cores, so the per-worker figure is what an extra machine adds
only when the cores are free; the figure to read is throughput per worker.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rag.localcluster import Cluster

ROOT = Path(__file__).resolve().parents[1]


def _one(
    folder: Path, data: Path, models: Path, actors: int | None, address: str = ""
) -> tuple[float, int, float]:
    """(wall seconds, chunks encoded, seconds spent in prepare+embed+commit windows)."""
    from embeddings import load_embedder
    from rag import Library
    from rag.distributed import EmbedderSpec, RayOptions, index_on_ray

    options: dict[str, Any] = {"backend": "onnx", "cache_dir": models}
    lib = Library.open(data, embedder=load_embedder(None, **options))
    windows: list[tuple[int, float]] = []
    start = time.perf_counter()
    if actors is None:
        lib.index_folder(folder)
    else:
        ray = RayOptions(address=address, actors=actors, window_files=64)
        index_on_ray(
            lib, folder, EmbedderSpec(None, options), ray, chunks_done=lambda n, s: windows.append((n, s))
        )
    wall = time.perf_counter() - start
    encoded = lib.encoded
    lib.close()
    return wall, encoded, sum(s for _, s in windows)


def inside(folder: Path, models: Path) -> None:
    from rag.localcluster import cluster

    work = Path(tempfile.mkdtemp(prefix="rb", dir="/tmp"))
    with cluster(work / "home", nodes=1) as running:
        _runs(folder, models, work, running)


def _runs(folder: Path, models: Path, work: Path, running: Cluster) -> None:
    wall, chunks, _ = _one(folder, work / "single", models, None)
    print(f"single process: {chunks} passages in {wall:.1f} s, {chunks / wall:.1f} passages/s", flush=True)
    rows = []
    for workers in (1, 2):
        if workers == 2:
            running.add_node()
        t, n, windows = _one(folder, work / f"ray{workers}", models, workers, running.address)
        rows.append((workers, t, n, windows))
        print(
            f"ray, {workers} worker(s): {n} passages in {t:.1f} s end to end ({windows:.1f} s in windows), "
            f"{n / windows / workers:.1f} passages/s per worker, {n / t:.1f} passages/s in all, "
            f"end-to-end time {t / wall:.2f}x the single process",
            flush=True,
        )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("folder", type=Path)
    parser.add_argument("--model-cache", type=Path, default=ROOT / "benchmarks" / ".data" / "models")
    parser.add_argument("--inside", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.inside:
        inside(args.folder.resolve(), args.model_cache.resolve())
        return
    from embeddings import load_embedder
    from rag.localcluster import namespaced

    load_embedder(None, backend="onnx", cache_dir=args.model_cache)  # the ONNX export, once, out here
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    command = [sys.executable, __file__, str(args.folder), "--model-cache", str(args.model_cache), "--inside"]
    sys.exit(subprocess.run(namespaced(command), env=env).returncode)


if __name__ == "__main__":
    main()
