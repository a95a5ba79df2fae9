"""A background task that coalesces requests: one worker thread, at most one run pending.

Used to bring a large BM25 index up to the latest published generation without holding up
the writer that published it.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

__all__ = ["CatchUp"]

log = logging.getLogger(__name__)


class CatchUp:
    def __init__(self, work: Callable[[], bool], name: str = "rag-catch-up") -> None:
        """`work` does one round and says whether another is needed (something changed meanwhile)."""
        self._work = work
        self._name = name
        self._wanted = threading.Event()
        self._lock = threading.Lock()  # one round at a time, in the worker or in `run_now`
        self._thread: threading.Thread | None = None
        self._closing = False

    def request(self) -> None:
        if self._closing:
            return
        if self._thread is None:
            self._thread = threading.Thread(target=self._loop, name=self._name, daemon=True)
            self._thread.start()
        self._wanted.set()

    def run_now(self, rounds: int = 3) -> None:
        """Catch up in the caller's thread (before a process exits, or for a test); a bounded
        number of rounds, so a lock held elsewhere cannot keep the caller forever."""
        for _ in range(rounds):
            if not self._round():
                return

    def close(self) -> None:
        """Stop the worker; what it had not done yet is done here, so nothing is left behind."""
        self._closing = True
        self._wanted.set()
        if self._thread is not None:
            self._thread.join()
        self.run_now()

    def _loop(self) -> None:
        while True:
            self._wanted.wait()
            self._wanted.clear()
            if self._closing:
                return
            if self._round():
                self._wanted.set()

    def _round(self) -> bool:
        with self._lock:
            try:
                return self._work()
            except Exception:  # logged and retried on the next request; readers are unaffected
                log.exception("catching up failed")
                return False
