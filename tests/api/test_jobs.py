"""Long work over HTTP: 202 with a job id, progress and result at GET /jobs/{id}."""

from __future__ import annotations

import signal
import sqlite3
import time
from pathlib import Path

import httpx
import pytest

from api import create_app
from rag import Library
from rag.settings import Settings
from tests.fakes import FakeEmbedder, SlowEmbedder

from .server import QA, free_port, running, spawn


def _wait(http: httpx.Client, location: str, timeout: float = 30.0) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = http.get(location).json()
        if job["status"] in ("done", "failed"):
            return job
        time.sleep(0.05)
    raise AssertionError(f"job {location} did not finish")


def test_large_upload_and_reindex_run_as_jobs(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, background_upload_bytes=100)
    lib = Library.open(tmp_path, embedder=FakeEmbedder())
    with running(create_app(settings, library=lib)) as url, httpx.Client(base_url=url) as http:
        small = http.post("/documents", json={"text": "Q: Hi?\nA: Hello.", "id": "small"})
        assert small.status_code == 201  # under the threshold: indexed in the request

        big = QA + "".join(f"\nQ: Question {i}?\nA: Answer number {i} is long enough.\n" for i in range(20))
        r = http.post("/documents", json={"text": big, "id": "big"})
        assert r.status_code == 202, r.text
        assert r.headers["location"] == f"/jobs/{r.json()['id']}"
        job = _wait(http, r.headers["location"])
        assert job["status"] == "done" and job["result"]["id"] == "big" and job["result"]["chunks"] > 20
        assert job["done"] == job["total"] == job["result"]["chunks"] and job["stage"] == "done"
        assert (
            http.post("/ask", json={"question": "yellow ferry"}).json()["passages"][0]["document_id"] == "big"
        )

        forced = http.post("/documents?background=true", json={"text": "Q: Tea?\nA: Green tea.", "id": "tea"})
        assert forced.status_code == 202 and _wait(http, forced.headers["location"])["status"] == "done"

        before = lib.generation
        r = http.post("/reindex")
        assert r.status_code == 202
        job = _wait(http, r.headers["location"])
        assert job["status"] == "done" and job["result"]["chunks"] == lib.status().chunks
        assert job["total"] == lib.status().chunks and lib.generation == before + 1
    lib.close()


def test_a_failing_job_reports_its_error(tmp_path: Path) -> None:
    lib = Library.open(tmp_path, embedder=FakeEmbedder())
    with (
        running(create_app(Settings(data_dir=tmp_path), library=lib)) as url,
        httpx.Client(base_url=url) as http,
    ):
        r = http.post("/documents?background=true", json={"text": QA, "id": "f", "format": "dashed"})
        # a format that does not fit is found while parsing, before any job starts
        assert r.status_code == 400 and "does not fit" in r.json()["detail"]
        other = Library.open(tmp_path, embedder=FakeEmbedder(), lock_timeout=0.1)
        with other.batch():  # another writer holds the lock: the job fails with Busy, cleanly
            r = http.post("/documents?background=true", json={"text": QA, "id": "f"})
            job = _wait(http, r.headers["location"])
        other.close()
        assert job["status"] == "failed" and job["error"]["error"] == "Busy"
        assert http.get("/documents").json() == []
    lib.close()


def _interview(n: int, answers: int = 30) -> str:
    """A transcript of `answers` exchanges, each its own chunk, all its words this document's."""
    return "".join(
        f"Q: What about harbour {n} item {i}?\nA: Harbour {n} item {i} is kept in shed {n}{i}.\n\n"
        for i in range(answers)
    )


def test_an_upload_jobs_progress_moves_parsed_embedded_published(tmp_path: Path) -> None:
    lib = Library.open(tmp_path, embedder=SlowEmbedder(pause=0.1, batch=3))
    with (
        running(create_app(Settings(data_dir=tmp_path), library=lib)) as url,
        httpx.Client(base_url=url) as http,
    ):
        r = http.post("/documents?background=true", json={"text": _interview(1), "id": "one"})
        assert r.status_code == 202
        seen: list[tuple[str, int, int | None]] = []
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            job = http.get(r.headers["location"]).json()
            if not seen or seen[-1] != (job["stage"], job["done"], job["total"]):
                seen.append((job["stage"], job["done"], job["total"]))
            if job["status"] in ("done", "failed"):
                break
            time.sleep(0.01)
    lib.close()
    assert job["status"] == "done", job
    chunks = job["result"]["chunks"]
    assert chunks >= 30 and seen[-1] == ("done", chunks, chunks)
    embedding = [done for stage, done, total in seen if stage == "embedding" and total == chunks]
    assert len({d for d in embedding if 0 < d < chunks}) >= 3, seen  # it moved, in steps
    assert embedding == sorted(embedding)
    stages = [stage for stage, *_ in seen]
    assert stages.index("embedding") < stages.index("done")


def _submit(http: httpx.Client, count: int) -> list[str]:
    ids = []
    for n in range(count):
        r = http.post("/documents?background=true", json={"text": _interview(n), "id": f"doc{n}"})
        assert r.status_code == 202, r.text
        ids.append(r.json()["id"])
    return ids


def _until_running(http: httpx.Client, job_id: str) -> None:
    deadline = time.monotonic() + 30
    while http.get(f"/jobs/{job_id}").json()["status"] != "running":
        assert time.monotonic() < deadline, "the first job never started"
        time.sleep(0.01)


@pytest.mark.parametrize("stop", ["SIGTERM", "SIGKILL"])
def test_queued_jobs_survive_a_stop_and_a_kill(tmp_path: Path, stop: str) -> None:
    """A 202 is a promise: after SIGTERM (the running job drains, the queue stays on disk) or
    kill -9 (the job it cut short is run again) every job finishes at the next start."""
    port = free_port()
    server = spawn(tmp_path, port)
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as http:
            jobs = _submit(http, 4)
            _until_running(http, jobs[0])
            server.send_signal(getattr(signal, stop))
            code = server.wait(timeout=60)
        # uvicorn re-raises the SIGTERM it caught once it has shut down gracefully
        assert code == (-signal.SIGTERM if stop == "SIGTERM" else -signal.SIGKILL)
        if stop == "SIGTERM":  # drained: the running job finished before the server went
            with sqlite3.connect(tmp_path / "jobs.sqlite3") as db:
                states = dict(db.execute("SELECT id, status FROM jobs").fetchall())
            assert states[jobs[0]] == "done" and states[jobs[-1]] == "queued"
            assert {states[j] for j in jobs} <= {"done", "queued"}  # none left running or lost
        server = spawn(tmp_path, port)
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as http:
            finished = [_wait(http, f"/jobs/{job_id}", timeout=60) for job_id in jobs]
            assert [j["status"] for j in finished] == ["done"] * 4, finished
            assert sorted(d["id"] for d in http.get("/documents").json()) == [f"doc{n}" for n in range(4)]
            if stop == "SIGKILL":
                assert finished[0]["attempts"] == 2  # cut short once, run again: an add is idempotent
            assert not list((tmp_path / "spool").iterdir())  # finished jobs leave no bytes behind
    finally:
        server.kill()
        server.wait()


def test_a_job_store_that_cannot_open_leaves_questions_answered_and_jobs_a_503(tmp_path: Path) -> None:
    lib = Library.open(tmp_path, embedder=FakeEmbedder())
    lib.add_text(QA, id="ferry")
    (tmp_path / "jobs.sqlite3").mkdir()  # not a file SQLite can open
    with (
        running(create_app(Settings(data_dir=tmp_path), library=lib)) as url,
        httpx.Client(base_url=url) as http,
    ):
        assert http.post("/ask", json={"question": "ferry colour"}).status_code == 200
        assert http.post("/documents", json={"text": QA, "id": "in-request"}).status_code == 201
        for r in (
            http.get("/jobs/0123"),
            http.post("/documents?background=true", json={"text": QA, "id": "later"}),
            http.post("/reindex"),
        ):
            assert r.status_code == 503 and r.json()["error"] == "JobsUnavailable", r.text
            assert "jobs.sqlite3" in r.json()["detail"]
    lib.close()
