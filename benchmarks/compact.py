"""What `rag compact` gives back: a copy of a library with a share of its documents removed,
its files' bytes before and after, the cached vectors dropped, and the time it took.

    python benchmarks/compact.py [--library benchmarks/.data/corpus-10000] [--remove 0.5] [--repeat 3]

The library is only read (copied to a temporary folder, without its locks); of its documents
in id order every round(1 / `--remove`)-th (every other by default) is removed from the copy
in one batch, as `rag remove` would, and the copy is compacted. Nothing is embedded, so no model is
loaded. Each repeat starts from a fresh copy.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from corpus import ROOT

from rag import Library


def _bytes(data: Path) -> int:
    return sum(f.stat().st_size for f in data.glob("library.sqlite3*") if f.is_file())


def once(source: Path, remove: float) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "library"
        shutil.copytree(source, data, ignore=shutil.ignore_patterns("*.lock", "models", "spool"))
        with Library.open(data) as lib:
            ids = sorted(d.id for d in lib.documents())
            chunks = lib.status().chunks
            step = max(1, round(1 / remove)) if remove > 0 else 0
            gone = ids[::step] if step else []
            with lib.batch():
                for d in gone:
                    lib.remove(d)
            left = lib.status().chunks
            started = time.perf_counter()
            done = lib.compact()
            seconds = time.perf_counter() - started
        return {
            "documents": len(ids),
            "removed": len(gone),
            "chunks": chunks,
            "chunks left": left,
            "bytes before": done.bytes_before,
            "bytes after": done.bytes_after,
            "on disk after close": _bytes(data),
            "cache dropped": done.cache_dropped,
            "seconds": seconds,
        }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--library", type=Path, default=ROOT / "benchmarks" / ".data" / "corpus-10000")
    parser.add_argument("--remove", type=float, default=0.5, help="the share of documents removed first")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    if not (args.library / "library.sqlite3").is_file():
        raise SystemExit(f"no library at {args.library}: build one with benchmarks/corpus.py or `rag index`")
    runs = [once(args.library, args.remove) for _ in range(args.repeat)]
    first = runs[0]
    mb = 2**20
    print(
        f"{first['documents']} documents, {first['chunks']:,} chunks; {first['removed']} removed "
        f"({first['chunks'] - first['chunks left']:,} chunks)"
    )
    print(
        f"SQLite file and log: {first['bytes before'] / mb:.1f} MB before, "
        f"{first['bytes after'] / mb:.1f} MB after "
        f"({first['on disk after close'] / mb:.1f} MB on disk once closed); "
        f"{first['cache dropped']:,} cached vectors dropped"
    )
    times = [r["seconds"] for r in runs]
    print(
        f"compact: {statistics.median(times):.2f} s median "
        f"({min(times):.2f}-{max(times):.2f}) over {len(runs)}"
    )


if __name__ == "__main__":
    main()
