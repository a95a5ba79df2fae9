"""Jobs a server promised with a `202`, kept where a restart finds them.

`jobs.sqlite3` in the data directory holds each job's state (queued, running, done, failed
with its error) and progress; the bytes of an upload are spooled to `spool/<job id>` before
the job is recorded, so a queued job needs nothing that lived only in memory. A process that
is not a server (`rag index --ray`) records its own run as a job (`run_here`), so a server
over the same folder answers `GET /jobs/{id}` for it; it holds `runners/<job id>.lock` while it
lives, and a job whose runner is gone is reported failed. A separate file
rather than a table in `library.sqlite3`: progress is written while the library's writer holds
that file's write transaction (SQLite has one writer per file, so it would wait on itself), a
damaged or newer library must not lose the job list that says what happened to it, and the
library's schema stays what the CLI and other readers know.
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, Literal

import filelock

from .atomic import write_atomic
from .store import damaged

__all__ = ["Job", "JobProgress", "JobStore", "Status"]

Status = Literal["queued", "running", "done", "failed"]
JobProgress = Callable[[str, int, int | None, str], None]
"""(stage, units done, units in all or None, a message)"""
_PROGRESS_EVERY = 0.2  # seconds between progress rows written within one stage

_SCHEMA = """
CREATE TABLE IF NOT EXISTS jobs (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    status TEXT NOT NULL,
    stage TEXT NOT NULL DEFAULT '',
    done INTEGER NOT NULL DEFAULT 0,
    total INTEGER,
    message TEXT NOT NULL DEFAULT '',
    result TEXT,
    error TEXT,
    created_at REAL NOT NULL,
    started_at REAL,
    finished_at REAL,
    attempts INTEGER NOT NULL DEFAULT 0,
    payload TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX IF NOT EXISTS jobs_status ON jobs(status, created_at);
"""
_JSON = ("result", "error", "payload")


@dataclass(slots=True)
class Job:
    id: str
    kind: str
    status: Status = "queued"
    stage: str = "queued"
    """Where a job is: queued, parsed, embedding, published, or done / failed."""
    done: int = 0
    total: int | None = None
    message: str = ""
    result: dict[str, Any] | None = None
    error: dict[str, str] | None = None
    created_at: float = field(default_factory=time.time)
    started_at: float | None = None
    finished_at: float | None = None
    attempts: int = 0
    """How many times a run started (a run cut short by a crash is tried once more)."""
    payload: dict[str, Any] = field(default_factory=dict)
    """What the job needs besides its spooled bytes (an upload's id, title, format, name)."""


_COLUMNS = [f.name for f in fields(Job)]
_RUNNER = "runner"
"""The payload key of a job run by a process of its own (not queued on a server)."""


class JobStore:
    """`jobs.sqlite3` and `spool/` in `data_dir`; safe to use from any thread."""

    def __init__(self, data_dir: Path, max_kept: int = 200) -> None:
        self.path = data_dir / "jobs.sqlite3"
        self.spool = data_dir / "spool"
        self.runners = data_dir / "runners"
        self.max_kept = max_kept
        self._lock = threading.Lock()
        self._owner = filelock.FileLock(data_dir / "jobs.lock", thread_local=False)
        self._running_here: dict[str, filelock.FileLock] = {}
        self.spool.mkdir(parents=True, exist_ok=True)
        try:
            self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None, timeout=30)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=FULL")  # a 202 is sent after the job is on disk
            self._db.executescript(_SCHEMA)
        except sqlite3.DatabaseError as exc:
            raise damaged(self.path, exc) or exc from None

    def close(self) -> None:
        """Close; a job `run_here` and not finished is left to be found failed, as when its
        process dies."""
        with self._lock:
            self._db.close()
        if self._owner.is_locked:
            self._owner.release()
        for lock in self._running_here.values():
            lock.release()
        self._running_here.clear()

    # -- jobs -------------------------------------------------------------------------

    def create(self, kind: str, payload: dict[str, Any] | None = None, data: bytes | None = None) -> Job:
        """A queued job, on disk (its bytes first, then its row) before this returns."""
        job = Job(id=uuid.uuid4().hex, kind=kind, payload=payload or {})
        if data is not None:
            self._spool(job.id, data)
        self._insert(job)
        return job

    def run_here(self, kind: str, payload: dict[str, Any] | None = None) -> Job:
        """A job this process runs itself, running from now on; `update` and `finish` it. Its
        runner's lock is held until `finish` (or until this process ends)."""
        job = Job(id=uuid.uuid4().hex, kind=kind, status="running", stage="started", attempts=1)
        job.started_at, job.payload = job.created_at, {**(payload or {}), _RUNNER: os.getpid()}
        self.runners.mkdir(exist_ok=True)
        lock = filelock.FileLock(self.runners / f"{job.id}.lock", thread_local=False)
        lock.acquire(timeout=0)
        self._running_here[job.id] = lock
        self._insert(job)
        return job

    def get(self, job_id: str) -> Job | None:
        with self._lock:
            row = self._db.execute(
                f"SELECT {', '.join(_COLUMNS)} FROM jobs WHERE id = ?", (job_id,)
            ).fetchone()
        job = self._job(row) if row else None
        if job is not None and self._runner_gone(job):
            self._fail_runnerless(job)
            return self.get(job_id)
        return job

    def _runner_gone(self, job: Job) -> bool:
        """A job `run_here` by a process that no longer holds its lock."""
        if job.status != "running" or _RUNNER not in job.payload or job.id in self._running_here:
            return False
        lock = filelock.FileLock(self.runners / f"{job.id}.lock", thread_local=False)
        try:
            lock.acquire(timeout=0)
        except filelock.Timeout:
            return False
        lock.release()
        return True

    def _fail_runnerless(self, job: Job) -> None:
        detail = (
            f"the process running this {job.kind} job (pid {job.payload[_RUNNER]}) stopped before "
            "it finished; what it published stays, and running it again skips that"
        )
        self.finish(job.id, error={"error": "Interrupted", "detail": detail})

    def update(self, job_id: str, **changes: Any) -> None:
        if not changes:
            return
        for key in _JSON:
            if key in changes:
                changes[key] = None if changes[key] is None else json.dumps(changes[key])
        sets = ", ".join(f"{key} = ?" for key in changes)
        with self._lock:
            self._db.execute(f"UPDATE jobs SET {sets} WHERE id = ?", [*changes.values(), job_id])

    def progress(self, job_id: str) -> JobProgress:
        """Progress of a running job, written a row per stage change and a few a second
        within one: enough to watch, not a synchronous write per unit."""
        last_stage, last_at = "", 0.0

        def report(stage: str, done: int, total: int | None, message: str) -> None:
            nonlocal last_stage, last_at
            now = time.monotonic()
            if stage == last_stage and now - last_at < _PROGRESS_EVERY and done != total:
                return
            last_stage, last_at = stage, now
            self.update(job_id, stage=stage, done=done, total=total, message=message)

        return report

    def start(self, job_id: str) -> Job | None:
        """Mark a queued job running (one more attempt); None if it is not queued (any more)."""
        with self._lock:
            cursor = self._db.execute(
                "UPDATE jobs SET status = 'running', started_at = ?, attempts = attempts + 1, "
                "message = '' WHERE id = ? AND status = 'queued'",
                (time.time(), job_id),
            )
        return self.get(job_id) if cursor.rowcount else None

    def finish(
        self, job_id: str, *, result: dict[str, Any] | None = None, error: dict[str, str] | None = None
    ) -> None:
        """Done (with `result`) or failed (with `error`); the spooled bytes go, old jobs are forgotten."""
        status, stage = ("failed", "failed") if error is not None else ("done", "done")
        self.update(job_id, status=status, stage=stage, result=result, error=error, finished_at=time.time())
        self.spooled(job_id).unlink(missing_ok=True)
        lock = self._running_here.pop(job_id, None)
        if lock is not None:
            lock.release()
        (self.runners / f"{job_id}.lock").unlink(missing_ok=True)
        self._forget_old()

    def discard(self, job_id: str) -> None:
        """A job refused before it was promised (the queue was full): no trace left."""
        with self._lock:
            self._db.execute("DELETE FROM jobs WHERE id = ?", (job_id,))
        self.spooled(job_id).unlink(missing_ok=True)

    def recover(self, max_attempts: int = 2) -> list[Job]:
        """At start: the jobs to run, oldest first. One that was running when the server stopped
        (killed, or a crash) is queued again if it may be re-run (`rerunnable`: an upload is
        idempotent by its content) and has not been cut short `max_attempts` times already;
        otherwise it fails, saying so. Spool files no job points to are removed.

        Only one server recovers (it holds `jobs.lock` while it lives): a second one started on the
        same folder must not take the first one's running jobs for dead ones. It returns []."""
        try:
            self._owner.acquire(timeout=0)
        except filelock.Timeout:
            return []
        with self._lock:
            rows = self._db.execute(
                f"SELECT {', '.join(_COLUMNS)} FROM jobs WHERE status = 'running'"
            ).fetchall()
        for job in map(self._job, rows):
            if _RUNNER in job.payload:  # not a server's: failed once its process is gone
                if self._runner_gone(job):
                    self._fail_runnerless(job)
            elif job.payload.get("rerunnable") and job.attempts < max_attempts:
                self.update(job.id, status="queued", stage="queued", message="resumed after a restart")
            else:
                self.finish(
                    job.id,
                    error={
                        "error": "Interrupted",
                        "detail": f"the server stopped while this {job.kind} job ran "
                        f"({job.attempts} time(s)); nothing of it was published unless its "
                        "result shows: submit it again",
                    },
                )
        with self._lock:
            rows = self._db.execute(
                f"SELECT {', '.join(_COLUMNS)} FROM jobs WHERE status = 'queued' ORDER BY created_at"
            ).fetchall()
            live = self._db.execute("SELECT id FROM jobs WHERE status IN ('queued', 'running')")
            known = {r[0] for r in live}
        for path in self.spool.iterdir():
            if path.name not in known:
                path.unlink(missing_ok=True)  # a job finished, or a spool whose row never came
        return [self._job(r) for r in rows]

    # -- spooled bytes ----------------------------------------------------------------

    def spooled(self, job_id: str) -> Path:
        return self.spool / job_id

    def data(self, job_id: str) -> bytes | None:
        path = self.spooled(job_id)
        return path.read_bytes() if path.exists() else None

    def _spool(self, job_id: str, data: bytes) -> None:
        """Written whole or not at all (`rag.atomic`): a leftover temporary file is a stray
        that `recover` removes."""
        write_atomic(self.spooled(job_id), lambda tmp: tmp.write_bytes(data))

    # -- rows -------------------------------------------------------------------------

    def _forget_old(self) -> None:
        with self._lock:
            self._db.execute(
                "DELETE FROM jobs WHERE id IN (SELECT id FROM jobs WHERE finished_at IS NOT NULL "
                "ORDER BY finished_at DESC, rowid DESC LIMIT -1 OFFSET ?)",
                (self.max_kept,),
            )

    def _insert(self, job: Job) -> None:
        values = self._row(job)
        with self._lock:
            self._db.execute(
                f"INSERT INTO jobs ({', '.join(_COLUMNS)}) VALUES ({', '.join('?' * len(_COLUMNS))})",
                [values[c] for c in _COLUMNS],
            )

    @staticmethod
    def _row(job: Job) -> dict[str, Any]:
        values = {c: getattr(job, c) for c in _COLUMNS}
        for key in _JSON:
            values[key] = None if values[key] is None else json.dumps(values[key])
        return values

    @staticmethod
    def _job(row: tuple[Any, ...]) -> Job:
        values = dict(zip(_COLUMNS, row, strict=True))
        for key in _JSON:
            values[key] = None if values[key] is None else json.loads(values[key])
        return Job(**values)
