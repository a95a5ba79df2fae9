"""Probes, metrics and structured logs."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import httpx
import pytest

from api import create_app
from api.logs import JsonFormatter
from rag import Library
from rag.settings import Settings
from tests.fakes import FakeEmbedder

from .server import running

QA = "Q: What colour is the ferry?\nA: The ferry is painted bright yellow.\n"


def _metric(text: str, name: str, **labels: str) -> float:
    for line in text.splitlines():
        if line.startswith(name) and all(f'{k}="{v}"' in line for k, v in labels.items()):
            return float(line.rsplit(" ", 1)[1])
    raise AssertionError(f"no {name} {labels} in metrics")


def test_readyz_and_metrics_follow_the_index(tmp_path: Path) -> None:
    lib = Library.open(tmp_path, embedder=FakeEmbedder())
    with (
        running(create_app(Settings(data_dir=tmp_path), library=lib)) as url,
        httpx.Client(base_url=url) as http,
    ):
        assert http.get("/healthz").json() == {"status": "ok"}
        assert http.get("/readyz").json() == {
            "status": "ready",
            "generation": 0,
            "documents": 0,
            "chunks": 0,
            "vector_index": "flat",
        }
        http.post("/documents", json={"text": QA, "id": "ferry"})
        ready = http.get("/readyz").json()
        assert ready["generation"] == 1 and ready["documents"] == 1 and ready["chunks"] >= 1
        for _ in range(3):
            http.post("/ask", json={"question": "ferry"})
        http.get("/documents/nope")
        text = http.get("/metrics").text
        assert _metric(text, "rag_http_requests_total", route="/ask", status="200") == 3
        assert (
            _metric(text, "rag_http_requests_total", route="/documents/{document_id:path}", status="404") == 1
        )
        assert _metric(text, "rag_http_request_duration_seconds_count", route="/ask") == 3
        assert _metric(text, "rag_index_chunks") == ready["chunks"]
        assert _metric(text, "rag_index_generation") == 1
    lib.close()


def test_log_lines_are_json_with_extra_fields(caplog: pytest.LogCaptureFixture) -> None:
    record = logging.LogRecord("api.access", logging.INFO, __file__, 1, "%s %s", ("GET", "/ask"), None)
    record.status = 200
    line = json.loads(JsonFormatter().format(record))
    assert line["message"] == "GET /ask" and line["status"] == 200 and line["level"] == "info"
