"""Long work (reindexing, large uploads) as jobs: started at once, run one at a time in a
worker thread, polled with `GET /jobs/{id}`."""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from rag.errors import RagError

from .errors import error_body

__all__ = ["Job", "Jobs", "Progress"]

log = logging.getLogger(__name__)

Progress = Callable[[int, int | None, str], None]
"""(units done, units in all or None, a message)"""
Status = Literal["queued", "running", "done", "failed"]


@dataclass(slots=True)
class Job:
    id: str
    kind: str
    status: Status = "queued"
    done: int = 0
    total: int | None = None
    message: str = ""
    result: dict[str, Any] | None = None
    error: dict[str, str] | None = None
    created_at: float = field(default_factory=time.time)
    started_at: float | None = None
    finished_at: float | None = None


class Jobs:
    """Writes are serialised anyway (one writer), so one worker thread runs them in order."""

    def __init__(self, max_kept: int = 200, on_finish: Callable[[Job], None] | None = None) -> None:
        self._jobs: OrderedDict[str, Job] = OrderedDict()
        self._lock = threading.Lock()
        self._max_kept = max_kept
        self._on_finish = on_finish
        self._pool: ThreadPoolExecutor | None = None  # started by the first job

    def submit(self, kind: str, work: Callable[[Progress], dict[str, Any]]) -> Job:
        job = Job(id=uuid.uuid4().hex, kind=kind)
        with self._lock:
            self._jobs[job.id] = job
            self._forget_old()
            if self._pool is None:
                self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="rag-job")
            pool = self._pool
        pool.submit(self._run, job, work)
        return self.get(job.id) or job

    def get(self, job_id: str) -> Job | None:
        """A copy, so a response never sees a job change under it."""
        with self._lock:
            job = self._jobs.get(job_id)
            return replace(job) if job else None

    def _update(self, job: Job, **changes: Any) -> None:
        with self._lock:
            for key, value in changes.items():
                setattr(job, key, value)

    def _run(self, job: Job, work: Callable[[Progress], dict[str, Any]]) -> None:
        self._update(job, status="running", started_at=time.time())

        def progress(done: int, total: int | None, message: str) -> None:
            self._update(job, done=done, total=total, message=message)

        try:
            result = work(progress)
        except RagError as exc:
            self._update(job, status="failed", error=error_body(exc), finished_at=time.time())
        except Exception as exc:  # a job must end with a status, whatever went wrong
            log.exception("job %s (%s) failed", job.id, job.kind)
            self._update(
                job,
                status="failed",
                error={"error": "InternalError", "detail": f"{type(exc).__name__}: {exc}"},
                finished_at=time.time(),
            )
        else:
            self._update(job, status="done", result=result, finished_at=time.time())
        if self._on_finish:
            self._on_finish(self.get(job.id) or job)

    def _forget_old(self) -> None:
        finished = [j.id for j in self._jobs.values() if j.finished_at is not None]
        for job_id in finished[: max(0, len(self._jobs) - self._max_kept)]:
            del self._jobs[job_id]

    def shutdown(self) -> None:
        """Wait for the running job; queued ones are cancelled. A later job starts a new worker."""
        with self._lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)
