"""Ray indexing: passages a second per embedding worker for 1 and 2 workers, and the end-to-end
time against the single-process path on the same files.

    python benchmarks/ray_index.py FOLDER [--model-cache DIR]

Runs itself inside a loopback-only network namespace (`unshare`): a head node with one CPU,
then a second node with one CPU joins, on this one machine. Each run indexes FOLDER into a
fresh library (an empty embedding cache, so every passage is encoded). On one machine the
second node shares the same cores, so the per-worker figure is what an extra machine adds
only when the cores are free; the figure to read is throughput per worker.
"""

from __future__ import annotations

import argparse
import os
import secrets
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ADDRESS = "127.0.0.1:6380"


def _ray(*args: str) -> None:
    subprocess.run([str(Path(sys.executable).with_name("ray")), *args], check=True, capture_output=True)


def _one(folder: Path, data: Path, models: Path, actors: int | None) -> tuple[float, int, float]:
    """(wall seconds, chunks encoded, seconds spent in prepare+embed+commit windows)."""
    from embeddings import load_embedder
    from rag import Library
    from rag.distributed import EmbedderSpec, RayOptions, index_on_ray

    options = {"backend": "onnx", "cache_dir": models}
    lib = Library.open(data, embedder=load_embedder(None, **options))
    windows: list[tuple[int, float]] = []
    start = time.perf_counter()
    if actors is None:
        lib.index_folder(folder)
    else:
        ray = RayOptions(address=ADDRESS, actors=actors, window_files=64)
        index_on_ray(
            lib, folder, EmbedderSpec(None, options), ray, chunks_done=lambda n, s: windows.append((n, s))
        )
    wall = time.perf_counter() - start
    encoded = lib.encoded
    lib.close()
    return wall, encoded, sum(s for _, s in windows)


def inside(folder: Path, models: Path) -> None:
    subprocess.run(["ip", "link", "set", "lo", "up"], check=True)
    work = Path(tempfile.mkdtemp(prefix="rb", dir="/tmp"))
    os.environ.update(RAY_AUTH_MODE="token", RAY_AUTH_TOKEN=secrets.token_hex(32), HOME=str(work))
    os.environ["RAY_USAGE_STATS_ENABLED"] = "0"
    wall, chunks, _ = _one(folder, work / "single", models, None)
    print(f"single process: {chunks} passages in {wall:.1f} s, {chunks / wall:.1f} passages/s", flush=True)
    _ray(
        "start",
        "--head",
        "--port=6380",
        "--num-cpus=1",
        f"--temp-dir={work / 'rt'}",
        "--include-dashboard=false",
    )
    rows = []
    for workers in (1, 2):
        if workers == 2:
            _ray("start", f"--address={ADDRESS}", "--num-cpus=1")
        t, n, windows = _one(folder, work / f"ray{workers}", models, workers)
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

    load_embedder(None, backend="onnx", cache_dir=args.model_cache)  # the ONNX export, once, out here
    namespace = ["unshare", "--net", "--pid", "--fork", "--mount-proc", "--map-root-user", "--kill-child"]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    command = [sys.executable, __file__, str(args.folder), "--model-cache", str(args.model_cache), "--inside"]
    sys.exit(subprocess.run([*namespace, *command], env=env).returncode)


if __name__ == "__main__":
    main()
