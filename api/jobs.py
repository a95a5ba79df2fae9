"""Long work (reindexing, large uploads) as jobs: promised with a `202`, kept in `rag.jobstore`
(so a restart resumes them), run in order on the writer thread (`api.writes`), polled with
`GET /jobs/{id}`."""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

from rag.errors import RagError
from rag.jobstore import Job, JobProgress, JobStore
from rag.library import Library

from .errors import HTTPProblem, error_body
from .writes import WriteQueue

__all__ = ["Handler", "Job", "Jobs", "Progress"]

log = logging.getLogger(__name__)

Progress = JobProgress
"""(stage, units done, units in all or None, a message)"""
Handler = Callable[[Library, Job, bytes | None, Progress], dict[str, Any]]
"""Runs one job of a kind: (the library, the job, its spooled bytes, progress) -> its result."""


class Jobs:
    """The kinds of job this server runs, their store, and the writer queue they run on."""

    def __init__(
        self, writes: WriteQueue, max_kept: int = 200, on_finish: Callable[[Job], None] | None = None
    ) -> None:
        self._writes = writes
        self._max_kept = max_kept
        self._on_finish = on_finish
        self._handlers: dict[str, Handler] = {}
        self._store: JobStore | None = None
        self._library: Library | None = None
        self._unavailable = "jobs are not available until the server has started"

    @property
    def max_kept(self) -> int:
        return self._max_kept

    def register(self, kind: str, handler: Handler) -> None:
        self._handlers[kind] = handler

    def open(self, data_dir: Path, library: Library | None) -> None:
        """Open the job store; with a library, resume the jobs a previous run left queued (and
        re-run or fail the one it left running)."""
        try:
            self._store = JobStore(data_dir, self._max_kept)
        except (OSError, sqlite3.Error, RagError) as exc:  # the server still answers questions
            log.error("jobs are unavailable: %s", exc)
            self._unavailable = f"jobs are unavailable: cannot open {data_dir / 'jobs.sqlite3'} ({exc})"
            return
        self._library = library
        if library is None:
            return  # jobs stay queued until the library can be opened
        resumed = self._store.recover()
        for job in resumed:
            self._writes.submit(partial(self._run, job.id), bounded=False)  # promised already
        if resumed:
            log.info("resuming %d queued job(s)", len(resumed))

    def close(self) -> None:
        store, self._store = self._store, None
        if store is not None:
            store.close()

    @property
    def store(self) -> JobStore:
        if self._store is None:
            raise HTTPProblem(503, "JobsUnavailable", self._unavailable)
        return self._store

    def submit(self, kind: str, payload: dict[str, Any] | None = None, data: bytes | None = None) -> Job:
        """Record the job (and its bytes) on disk, then queue it; Busy if the queue is full."""
        store = self.store
        job = store.create(kind, {"rerunnable": True, **(payload or {})}, data)
        try:
            self._writes.submit(partial(self._run, job.id))
        except RagError:
            store.discard(job.id)
            raise
        return job

    def get(self, job_id: str) -> Job | None:
        return self.store.get(job_id)

    def _run(self, job_id: str) -> None:
        store, lib = self.store, self._library
        job = store.start(job_id)
        if job is None or lib is None:
            return
        try:
            handler = self._handlers[job.kind]
            result = handler(lib, job, store.data(job_id), store.progress(job_id))
        except RagError as exc:
            store.finish(job_id, error=error_body(exc))
        except Exception as exc:  # a job must end with a status, whatever went wrong
            log.exception("job %s (%s) failed", job_id, job.kind)
            store.finish(job_id, error={"error": "InternalError", "detail": f"{type(exc).__name__}: {exc}"})
        else:
            store.finish(job_id, result=result)
        if self._on_finish:
            self._on_finish(store.get(job_id) or job)
