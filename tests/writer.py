"""A writer in its own process, for the churn and crash tests: `python -m tests.writer ...`.

churn DATA SECONDS   add, replace and remove documents in a loop; print each publication
folder DATA FOLDER   index a folder with frequent checkpoints (killed at random by a test)
hold DATA SECONDS    hold the writer lock (as a long `rag index` would), print "held", then let go
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from rag import Library
from tests.fakes import FakeEmbedder


def churn_text(doc: str, version: int) -> str:
    """Every sentence names its document and version, so a reader can tell which text a
    quote came from and check its offsets against exactly that text."""
    tag = f"{doc}v{version}"
    answers = " ".join(f"The {tag} harbour {word} {tag} is open." for word in ("north", "south", "east"))
    return (
        f"Q: What about the {tag} harbour?\nA: {answers}\n\n"
        f"Q: And the {tag} ferries?\nA: The {tag} ferries sail daily {tag} at noon.\n"
    )


def churn(data: Path, seconds: float) -> None:
    # BM25 catching up in the background on every write: the path with the most moving parts
    lib = Library.open(data, embedder=FakeEmbedder(), lexical_sync_max_chunks=0)
    deadline = time.monotonic() + seconds
    i = 0
    while time.monotonic() < deadline:
        doc = f"doc{i}"
        lib.add_text(churn_text(doc, 0), id=doc)
        _say("added", doc, 0)
        if i >= 1:
            lib.add_text(churn_text(f"doc{i - 1}", 1), id=f"doc{i - 1}")
            _say("replaced", f"doc{i - 1}", 1)
        if i >= 3:
            lib.remove(f"doc{i - 3}")
            _say("removed", f"doc{i - 3}", None)
        i += 1
        time.sleep(0.05)
    lib.close()


def _say(event: str, doc: str, version: int | None) -> None:
    print(json.dumps({"event": event, "doc": doc, "version": version, "at": time.time()}), flush=True)


class SlowFake(FakeEmbedder):
    """Slow enough that a kill lands in every phase of a run, not only between files."""

    def embed_documents(self, texts, *, progress=None):  # type: ignore[no-untyped-def]
        time.sleep(0.002 * len(texts))
        return super().embed_documents(texts, progress=progress)


def folder(data: Path, source: Path) -> None:
    lib = Library.open(
        data, embedder=SlowFake(), checkpoint_seconds=0.05, lock_timeout=30, lexical_sync_max_chunks=0
    )
    print("started", flush=True)
    report = lib.index_folder(source)
    print(json.dumps({"added": report.added, "unchanged": report.unchanged}), flush=True)
    lib.close()


def hold(data: Path, seconds: float) -> None:
    lib = Library.open(data, embedder=FakeEmbedder())
    with lib.batch():
        print("held", flush=True)
        time.sleep(seconds)
    lib.close()


if __name__ == "__main__":
    command, data = sys.argv[1], Path(sys.argv[2])
    if command == "churn":
        churn(data, float(sys.argv[3]))
    elif command == "folder":
        folder(data, Path(sys.argv[3]))
    elif command == "hold":
        hold(data, float(sys.argv[3]))
    else:
        raise SystemExit(f"unknown command {command}")
