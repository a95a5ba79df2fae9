"""The write scope: one writer at a time, and a bounded wait for it in this process too."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from rag import Busy, Library
from tests.fakes import FakeEmbedder

FERRY = "Q: What colour is the ferry?\nA: The ferry is painted bright yellow for the fog.\n"


def test_a_writer_waits_lock_timeout_for_another_threads_batch_then_is_busy(tmp_path: Path) -> None:
    with Library.open(tmp_path, embedder=FakeEmbedder(), lock_timeout=0.3) as lib:
        inside, leave = threading.Event(), threading.Event()

        def hold() -> None:
            with lib.batch():
                inside.set()
                leave.wait(5)  # a writer that waited without bound would get in after this

        holder = threading.Thread(target=hold)
        holder.start()
        try:
            assert inside.wait(10)
            start = time.monotonic()
            with pytest.raises(Busy, match="another writer in this process"):
                lib.add_text(FERRY, id="ferry")
            took = time.monotonic() - start
        finally:
            leave.set()
            holder.join()
        assert 0.25 <= took < 3, took
        assert lib.add_text(FERRY, id="ferry").status == "added"  # free again once the batch ends
