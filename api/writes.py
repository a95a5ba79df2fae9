"""Every write the server does runs here: on one writer thread of its own, from a bounded queue.

Writes are serialised by the library's lock anyway, so more writer threads would only wait.
Keeping them off the request thread pool means a writer waiting for the lock (another process
is indexing) never takes a thread a question needs; bounding the queue and the wait in it
means a client gets `503 Busy` with `Retry-After` instead of a hang. What comes before a write
(parsing an upload, spooling a job's bytes) runs on two threads of its own (`prepare`), beside
the writer, so 45 uploads at once parse two at a time instead of on the request pool.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, TypeVar

from rag.errors import Busy

__all__ = ["WriteQueue"]

log = logging.getLogger(__name__)

T = TypeVar("T")


class WriteQueue:
    """One writer thread (started by the first write) and at most `max_pending` writes waiting."""

    def __init__(self, max_pending: int, preparers: int = 2) -> None:
        self.max_pending = max_pending
        self._preparers = preparers
        self._prepare: ThreadPoolExecutor | None = None  # its threads start with the first use
        self._pending: deque[tuple[Future[Any], Callable[[], Any]]] = deque()
        self._ready = threading.Condition()
        self._thread: threading.Thread | None = None
        self._closed = False

    def submit(self, work: Callable[[], T], *, bounded: bool = True) -> Future[T]:
        """Queue `work`; Busy at once when the queue is full (`bounded=False`: jobs resumed at start,
        which were promised already) or shutting down."""
        future: Future[T] = Future()
        with self._ready:
            if self._closed:
                raise Busy("the server is shutting down; try again when it is back")
            if bounded and len(self._pending) >= self.max_pending:
                raise Busy(f"{len(self._pending)} writes are waiting already; try again shortly")
            self._pending.append((future, work))
            if self._thread is None:
                self._thread = threading.Thread(target=self._loop, name="rag-writer", daemon=True)
                self._thread.start()
            self._ready.notify()
        return future

    async def run(self, work: Callable[[], T], wait: float) -> T:
        """Run `work` on the writer thread and await it. If it has not started after `wait`
        seconds it is dropped (Busy); once started it runs to its end (its own waits are bounded)."""
        future = self.submit(work)
        waiting = asyncio.wrap_future(future)
        try:
            return await asyncio.wait_for(asyncio.shield(waiting), wait)
        except TimeoutError:
            if future.cancel():
                raise Busy(f"the write waited {wait:g} s behind other writes; try again shortly") from None
            return await waiting

    async def prepare(self, work: Callable[[], T]) -> T:
        """Run the work before a write (parsing, spooling) off the request pool and the writer."""
        with self._ready:
            if self._prepare is None:
                self._prepare = ThreadPoolExecutor(self._preparers, thread_name_prefix="rag-prepare")
            pool = self._prepare
        return await asyncio.wrap_future(pool.submit(work))

    @property
    def pending(self) -> int:
        return len(self._pending)

    def _loop(self) -> None:
        while True:
            with self._ready:
                while not self._pending and not self._closed:
                    self._ready.wait()
                if not self._pending:
                    return  # closed and drained of what was started
                future, work = self._pending.popleft()
            if not future.set_running_or_notify_cancel():
                continue  # its caller stopped waiting
            try:
                future.set_result(work())
            except BaseException as exc:  # the caller gets the error, the writer goes on
                future.set_exception(exc)

    def shutdown(self) -> None:
        """Let the running write finish, cancel the waiting ones (jobs among them stay queued in
        their store, to be resumed at the next start) and stop the thread."""
        with self._ready:
            self._closed = True
            dropped = list(self._pending)
            self._pending.clear()
            self._ready.notify_all()
            thread = self._thread
            pool, self._prepare = self._prepare, None
        if pool is not None:
            pool.shutdown(wait=True)
        for future, _ in dropped:
            if future.set_running_or_notify_cancel():
                future.set_exception(Busy("the server is shutting down; try again when it is back"))
        if thread is not None:
            thread.join()
        if dropped:
            log.info("shutdown: %d waiting writes not started", len(dropped))
        with self._ready:  # a later start (a second lifespan) starts a new thread
            self._closed, self._thread = False, None
