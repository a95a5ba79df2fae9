"""Malformed and unauthorised requests: each gets the right 4xx with a JSON body naming the
problem, and the index is left exactly as it was."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from api import create_app
from rag import Library
from rag.settings import Settings
from tests.fakes import FakeEmbedder

from .server import AUTH, KEY, QA, running


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory):
    data = tmp_path_factory.mktemp("bad-input")
    settings = Settings(
        data_dir=data,
        max_upload_bytes=2_000,
        max_question_chars=200,
        max_k=20,
        api_key=KEY,
        max_filter_items=3,
    )
    lib = Library.open(data, embedder=FakeEmbedder())
    lib.add_text(QA, id="ferry")
    with running(create_app(settings, library=lib)) as url:
        yield url
    lib.close()


def _json(body: bytes, **headers: str) -> dict:
    return {"content": body, "headers": {"content-type": "application/json", **headers}}


CASES = [
    # questions
    ("empty question", "post", "/ask", {"json": {"question": ""}}, 422),
    ("blank question", "post", "/ask", {"json": {"question": "   "}}, 400),
    ("question over the limit", "post", "/ask", {"json": {"question": "f" * 201}}, 422),
    ("100 KB question", "post", "/ask", {"json": {"question": "ferry " * 17_000}}, 413),
    ("k = 0", "post", "/ask", {"json": {"question": "ferry", "k": 0}}, 422),
    ("k = -1", "post", "/ask", {"json": {"question": "ferry", "k": -1}}, 422),
    ("k = 10^9", "post", "/ask", {"json": {"question": "ferry", "k": 10**9}}, 422),
    ("k a string", "post", "/ask", {"json": {"question": "ferry", "k": "five"}}, 422),
    ("question a number", "post", "/ask", {"json": {"question": 42}}, 422),
    ("question missing", "post", "/ask", {"json": {"k": 3}}, 422),
    ("unknown field", "post", "/ask", {"json": {"question": "ferry", "top": 3}}, 422),
    ("unknown mode", "post", "/ask", {"json": {"question": "ferry", "mode": "magic"}}, 422),
    ("speakers not a list", "post", "/ask", {"json": {"question": "ferry", "speakers": "Tom"}}, 422),
    ("too many documents", "post", "/ask", {"json": {"question": "ferry", "documents": list("abcd")}}, 422),
    ("body not JSON", "post", "/ask", _json(b"{not json"), 422),
    ("body a JSON list", "post", "/ask", {"json": ["ferry"]}, 422),
    ("invalid UTF-8 JSON", "post", "/ask", _json(b'{"question": "caf\xe9"}'), 400),
    ("ask without content type", "post", "/ask", {"content": b'{"question": "ferry"}'}, 422),
    # documents: reads
    ("unknown id", "get", "/documents/missing", {}, 404),
    ("unknown job", "get", "/jobs/0123456789abcdef", {}, 404),
    # documents: writes without or with a wrong key
    ("upload without key", "post", "/documents", {"json": {"text": QA, "id": "x"}}, 401),
    (
        "upload with wrong key",
        "post",
        "/documents",
        {"json": {"text": QA, "id": "x"}, "headers": {"authorization": "Bearer nope"}},
        401,
    ),
    ("upload with basic auth", "post", "/documents", {"json": {"text": QA}, "auth": ("u", KEY)}, 401),
    ("delete without key", "delete", "/documents/ferry", {}, 401),
    ("reindex without key", "post", "/reindex", {}, 401),
    # documents: bad uploads with the right key
    (
        "upload plain text",
        "post",
        "/documents",
        {"content": b"hello", "headers": {"content-type": "text/plain", **AUTH}},
        415,
    ),
    ("upload without content type", "post", "/documents", {"content": b"Q: a?\nA: b.", "headers": AUTH}, 415),
    ("empty text", "post", "/documents", {"json": {"text": ""}, "headers": AUTH}, 422),
    ("text a number", "post", "/documents", {"json": {"text": 5}, "headers": AUTH}, 422),
    ("../ id", "post", "/documents", {"json": {"text": QA, "id": "../etc/passwd"}, "headers": AUTH}, 400),
    ("absolute id", "post", "/documents", {"json": {"text": QA, "id": "/etc/passwd"}, "headers": AUTH}, 400),
    (
        "control characters in id",
        "post",
        "/documents",
        {"json": {"text": QA, "id": "a\nb"}, "headers": AUTH},
        400,
    ),
    ("unknown format", "post", "/documents", {"json": {"text": QA, "format": "docx"}, "headers": AUTH}, 400),
    ("oversize JSON upload", "post", "/documents", {"json": {"text": "x" * 3000}, "headers": AUTH}, 413),
    (
        "oversize file upload",
        "post",
        "/documents",
        {"files": {"file": ("big.txt", b"Q: a?\nA: " + b"b" * 3000)}, "headers": AUTH},
        413,
    ),
    (
        "invalid UTF-8 file",
        "post",
        "/documents",
        {"files": {"file": ("a.txt", b"caf\xe9")}, "headers": AUTH},
        400,
    ),
    (
        "binary file",
        "post",
        "/documents",
        {"files": {"file": ("a.bin", b"\x00\x01\x02", "application/octet-stream")}, "headers": AUTH},
        400,
    ),
    (
        "multipart without file",
        "post",
        "/documents",
        {"data": {"id": "x"}, "files": {"other": ("a.txt", b"hi")}, "headers": AUTH},
        422,
    ),
    ("delete unknown id", "delete", "/documents/missing", {"headers": AUTH}, 404),
]


@pytest.mark.parametrize(
    ("method", "path", "kwargs", "status"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_bad_request_gets_4xx_and_changes_nothing(base: str, method, path, kwargs, status) -> None:
    with httpx.Client(base_url=base, timeout=30) as http:
        before = http.get("/readyz").json()
        r = getattr(http, method)(path, **kwargs)
        assert r.status_code == status, r.text
        assert r.headers["content-type"].startswith("application/json")
        body = r.json()
        assert isinstance(body["error"], str) and isinstance(body["detail"], str) and body["detail"]
        if status == 401:
            assert r.headers["www-authenticate"] == "Bearer"
        assert http.get("/readyz").json() == before
        assert [d["id"] for d in http.get("/documents").json()] == ["ferry"]


def test_there_are_at_least_25_cases() -> None:
    assert len(CASES) >= 25


def test_the_right_key_writes(base: str) -> None:
    with httpx.Client(base_url=base, timeout=30) as http:
        r = http.post("/documents", json={"text": QA, "id": "keyed"}, headers=AUTH)
        assert r.status_code == 201, r.text
        assert http.delete("/documents/keyed", headers=AUTH).status_code == 204


def test_reads_can_require_the_key(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, api_key=KEY, protect_reads=True)
    lib = Library.open(tmp_path, embedder=FakeEmbedder())
    with running(create_app(settings, library=lib)) as url, httpx.Client(base_url=url) as http:
        assert http.post("/ask", json={"question": "ferry"}).status_code == 401
        assert http.get("/documents").status_code == 401
        assert http.get("/documents", headers=AUTH).status_code == 200
        assert http.get("/healthz").status_code == 200  # probes stay open
    lib.close()


def test_cors_is_off_unless_configured(tmp_path: Path) -> None:
    preflight = {"origin": "https://example.org", "access-control-request-method": "POST"}
    for origins, allowed in (([], False), (["https://example.org"], True)):
        lib = Library.open(tmp_path, embedder=FakeEmbedder())
        app = create_app(Settings(data_dir=tmp_path, cors_origins=origins), library=lib)
        with running(app) as url, httpx.Client(base_url=url) as http:
            r = http.options("/ask", headers=preflight)
            assert ("access-control-allow-origin" in r.headers) is allowed
        lib.close()
