"""A damaged `library.sqlite3`: the server starts, says why it is not ready, and every data
route answers a JSON 503 naming the file; the file is left as it is."""

from __future__ import annotations

import os
from pathlib import Path

import httpx

import embeddings
from api import create_app
from rag import Library
from rag.settings import Settings
from tests.fakes import FakeEmbedder

from .server import running


def test_a_damaged_database_is_not_ready_and_data_routes_are_json_503(tmp_path: Path, monkeypatch) -> None:
    with Library.open(tmp_path, embedder=FakeEmbedder()) as lib:
        lib.add_text("Q: What colour is the ferry?\nA: The ferry is painted bright yellow.", id="ferry")
    path = tmp_path / "library.sqlite3"
    with path.open("r+b") as fh:
        fh.write(os.urandom(100))
    damaged = path.read_bytes()
    monkeypatch.setattr(embeddings, "load_embedder", lambda *a, **k: FakeEmbedder())
    with running(create_app(Settings(data_dir=tmp_path))) as url, httpx.Client(base_url=url) as http:
        assert http.get("/healthz").status_code == 200
        r = http.get("/readyz")
        assert r.status_code == 503 and r.json()["error"] == "NotReady"
        assert str(path) in r.json()["detail"]
        for method, route, body in (
            ("GET", "/documents", None),
            ("GET", "/documents/ferry", None),
            ("POST", "/ask", {"question": "What colour is the ferry?"}),
            ("POST", "/documents", {"id": "x", "text": "Q: Why?\nA: Because."}),
            ("DELETE", "/documents/ferry", None),
        ):
            r = http.request(method, route, json=body)
            assert r.status_code == 503, (route, r.status_code, r.text)
            assert r.headers["content-type"].startswith("application/json")
            assert str(path) in r.json()["detail"]
    assert path.read_bytes() == damaged
