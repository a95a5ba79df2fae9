"""Edge cases at the HTTP boundary (issue 18, item 7): each answer is JSON with the right status."""

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
    data = tmp_path_factory.mktemp("edges")
    lib = Library.open(data, embedder=FakeEmbedder())
    lib.add_text(QA, id="victim")
    with running(create_app(Settings(data_dir=data, api_key=KEY), library=lib)) as url:
        yield url
    lib.close()


def _problem(r: httpx.Response, status: int) -> dict:
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/json")
    body = r.json()
    assert isinstance(body["error"], str) and isinstance(body["detail"], str) and body["detail"]
    return body


def _ids(http: httpx.Client) -> list[str]:
    return [d["id"] for d in http.get("/documents").json()]


@pytest.mark.parametrize("suffix", ["%0A", "%0D", "%00", "%09", "%1B", "%7F"])
def test_an_id_with_a_control_character_is_refused_not_matched(base: str, suffix: str) -> None:
    with httpx.Client(base_url=base, timeout=30) as http:
        _problem(http.delete(f"/documents/victim{suffix}", headers=AUTH), 400)
        _problem(http.get(f"/documents/victim{suffix}"), 400)
        assert _ids(http) == ["victim"]
        r = http.post("/documents", json={"text": QA, "id": "new\n"}, headers=AUTH)
        _problem(r, 400)
        assert _ids(http) == ["victim"]


@pytest.mark.parametrize("name", ["documents", "speakers"])
def test_an_empty_filter_is_a_422_not_everything(base: str, name: str) -> None:
    with httpx.Client(base_url=base, timeout=30) as http:
        body = _problem(http.post("/ask", json={"question": "ferry", name: []}), 422)
        assert name in body["detail"] and "empty" in body["detail"]


@pytest.mark.parametrize(
    "body",
    [
        b'{"question": "ferry", "documents": ["\\ud800"]}',
        b'{"question": "ferry", "speakers": ["a\\udfff"]}',
        b'{"question": "ferry \\ud800"}',
    ],
    ids=["documents", "speakers", "question"],
)
def test_a_lone_surrogate_is_a_4xx_with_json(base: str, body: bytes) -> None:
    with httpx.Client(base_url=base, timeout=30) as http:
        r = http.post("/ask", content=body, headers={"content-type": "application/json"})
        assert r.status_code in (400, 422), r.text
        detail = _problem(r, r.status_code)["detail"]
        assert "surrogate" in detail or "unicode" in detail


def test_an_unhandled_error_is_a_json_500_without_a_traceback(tmp_path: Path) -> None:
    lib = Library.open(tmp_path, embedder=FakeEmbedder())

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("secret internals at /srv/rag/lib.py")

    lib.ask = broken  # type: ignore[method-assign]
    with (
        running(create_app(Settings(data_dir=tmp_path), library=lib)) as url,
        httpx.Client(base_url=url) as http,
    ):
        r = http.post("/ask", json={"question": "ferry"})
        body = _problem(r, 500)
        assert set(body) == {"error", "detail"}
        assert "Traceback" not in r.text and "secret internals" not in r.text
        assert http.get("/healthz").status_code == 200  # the server goes on
    lib.close()


def test_a_body_with_200000_unknown_keys_gets_a_small_422(base: str, tmp_path: Path) -> None:
    """Such a body is over the /ask limit (413); with the limit raised, its 422 stays small."""
    body = {"question": "ferry", **{f"k{i}": 1 for i in range(200_000)}}
    with httpx.Client(base_url=base, timeout=60) as http:
        _problem(http.post("/ask", json=body), 413)
    lib = Library.open(tmp_path, embedder=FakeEmbedder())
    app = create_app(Settings(data_dir=tmp_path, max_ask_bytes=10_000_000), library=lib)
    with running(app) as url, httpx.Client(base_url=url, timeout=60) as http:
        r = http.post("/ask", json=body)
        problem = _problem(r, 422)
        assert len(r.content) < 20_000
        assert len(problem["errors"]) == 20 and problem["errors_omitted"] == 200_000 - 20
        assert "of 200000 problems" in problem["detail"]
    lib.close()


@pytest.mark.parametrize(
    "path", ["/healthz", "/readyz", "/documents", "/documents/victim", "/", "/openapi.json"]
)
def test_head_answers_like_get_without_a_body(base: str, path: str) -> None:
    with httpx.Client(base_url=base, timeout=30) as http:
        get, head = http.get(path), http.head(path)
        assert head.status_code == get.status_code == 200
        assert head.content == b""
        assert head.headers["content-type"] == get.headers["content-type"]
        assert head.headers["content-length"] == str(len(get.content))
        assert http.head("/documents/missing").status_code == 404
        assert http.head("/ask").status_code == 405


@pytest.mark.parametrize("field", ["title", "id", "format"])
def test_a_form_field_sent_as_a_file_is_a_400(base: str, field: str) -> None:
    files = {"file": ("new.txt", QA.encode()), field: ("f.txt", b"sent as a file")}
    with httpx.Client(base_url=base, timeout=30) as http:
        body = _problem(http.post("/documents", files=files, headers=AUTH), 400)
        assert field in body["detail"]
        assert _ids(http) == ["victim"]


def test_a_title_over_the_limit_is_a_400(tmp_path: Path) -> None:
    lib = Library.open(tmp_path, embedder=FakeEmbedder())
    app = create_app(Settings(data_dir=tmp_path, max_title_chars=10), library=lib)
    with running(app) as url, httpx.Client(base_url=url, timeout=30) as http:
        for r in (
            http.post("/documents", json={"text": QA, "id": "a", "title": "x" * 11}),
            http.post("/documents", files={"file": ("a.txt", QA.encode())}, data={"title": "x" * 11}),
        ):
            assert "10 characters" in _problem(r, 400)["detail"]
        assert _ids(http) == []
        r = http.post("/documents", files={"file": ("a.txt", QA.encode())}, data={"title": "x" * 10})
        assert r.status_code == 201, r.text
        assert http.get("/documents/a.txt").json()["title"] == "x" * 10
    lib.close()


@pytest.mark.parametrize(
    ("value", "origins"),
    [
        ("*", ["*"]),
        ("https://a.org, https://b.org", ["https://a.org", "https://b.org"]),
        ('["https://a.org"]', ["https://a.org"]),
        ("", []),
    ],
)
def test_cors_origins_take_a_star_a_comma_list_or_json(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, value: str, origins: list[str]
) -> None:
    monkeypatch.setenv("RAG_CORS_ORIGINS", value)
    settings = Settings(data_dir=tmp_path)
    assert settings.cors_origins == origins
    if value != "*":
        return
    lib = Library.open(tmp_path, embedder=FakeEmbedder())
    preflight = {"origin": "https://anywhere.example", "access-control-request-method": "POST"}
    with running(create_app(settings, library=lib)) as url, httpx.Client(base_url=url) as http:
        assert http.options("/ask", headers=preflight).headers["access-control-allow-origin"] == "*"
    lib.close()


def test_protected_reads_cover_metrics_readiness_and_the_schema(tmp_path: Path) -> None:
    lib = Library.open(tmp_path, embedder=FakeEmbedder())
    settings = Settings(data_dir=tmp_path, api_key=KEY, protect_reads=True)
    with running(create_app(settings, library=lib)) as url, httpx.Client(base_url=url) as http:
        for path in ("/metrics", "/readyz", "/openapi.json"):
            _problem(http.get(path), 401)
            assert http.get(path, headers=AUTH).status_code == 200, path
        assert http.get("/healthz").status_code == 200  # liveness stays open
        assert http.get("/docs", headers=AUTH).status_code == 404  # off by default
    lib.close()


def test_docs_are_off_unless_asked(tmp_path: Path) -> None:
    lib = Library.open(tmp_path, embedder=FakeEmbedder())
    for docs, status in ((False, 404), (True, 200)):
        app = create_app(Settings(data_dir=tmp_path, docs=docs), library=lib)
        with running(app) as url, httpx.Client(base_url=url) as http:
            assert http.get("/docs").status_code == status
            assert http.get("/redoc").status_code == 404
            assert http.get("/openapi.json").json()["info"]["title"] == "interview-rag"
    lib.close()
