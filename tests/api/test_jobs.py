"""Long work over HTTP: 202 with a job id, progress and result at GET /jobs/{id}."""

from __future__ import annotations

import time
from pathlib import Path

import httpx

from api import create_app
from rag import Library
from rag.settings import Settings
from tests.fakes import FakeEmbedder

from .server import running

QA = "Q: What colour is the ferry?\nA: The ferry is painted bright yellow.\n"


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
