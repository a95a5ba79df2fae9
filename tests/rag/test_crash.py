"""kill -9 at random moments of a folder index: the directory always opens to a published
generation with nothing half-applied, and running the work again completes it."""

from __future__ import annotations

import random
import signal
import subprocess
import sys
import time
from pathlib import Path

from rag import Library
from rag.chunking import chunk_document
from tests.fakes import FakeEmbedder

ROOT = Path(__file__).resolve().parents[2]
KILLS = 10


def _folder(path: Path, files: int = 150) -> Path:
    path.mkdir()
    for i in range(files):
        turns = "".join(
            f"Q: What happened at pier {i} in year {y}?\n"
            f"A: In {y} the pier {i} was rebuilt with oak and stone.\n\n"
            for y in range(1990, 2002)
        )
        (path / f"talk-{i:03d}.txt").write_text(turns, encoding="utf-8")
    return path


def _check_consistent(data: Path) -> int:
    """Opens; every document whole; vectors, BM25 and rows agree; quotes exact. Returns the count."""
    with Library.open(data, embedder=FakeEmbedder()) as lib:
        infos = lib.documents()
        status = lib.status()
        assert status.chunks == sum(i.chunk_count for i in infos)
        for info in infos:
            doc = lib.document(info.id)
            assert info.chunk_count == len(chunk_document(doc, lib.chunking)), info.id
        if infos:
            answer = lib.ask("When was the pier rebuilt?", k=3)
            assert answer.passages
            for p in answer:
                assert lib.document(p.document_id).text[p.start : p.end] == p.quote
        return len(infos)


def test_sigkill_at_random_moments_loses_nothing_published(tmp_path: Path) -> None:
    folder = _folder(tmp_path / "talks")
    data = tmp_path / "data"
    command = [sys.executable, "-m", "tests.writer", "folder", str(data), str(folder)]
    rng = random.Random(7)
    counts = []
    for _ in range(KILLS):
        proc = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, text=True)
        assert proc.stdout is not None and proc.stdout.readline().strip() == "started"
        time.sleep(rng.uniform(0.0, 1.5))
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
        counts.append(_check_consistent(data))
    print(f"documents published after each kill: {counts}")
    assert counts == sorted(counts)  # each rerun keeps what the killed ones published
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert _check_consistent(data) == 150
    leftovers = [p.name for p in (data / "vectors").iterdir() if p.name.startswith(".")]
    assert not leftovers
