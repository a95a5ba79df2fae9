"""What the fuzz run found beyond 5xx: a 405's Allow named only the first route's methods, and
the schema documented FastAPI's 422 shape and left out statuses the routes answer."""

from __future__ import annotations

import httpx
import pytest

from api import create_app
from rag import Library
from rag.settings import Settings
from tests.fakes import FakeEmbedder

from .server import KEY, running


@pytest.fixture(scope="module")
def app_url(tmp_path_factory: pytest.TempPathFactory):
    data = tmp_path_factory.mktemp("contract")
    lib = Library.open(data, embedder=FakeEmbedder())
    app = create_app(Settings(data_dir=data, api_key=KEY), library=lib)
    with running(app) as url:
        yield app, url
    lib.close()


@pytest.mark.parametrize(
    ("method", "path", "allow"),
    [
        ("OPTIONS", "/documents", {"GET", "HEAD", "POST"}),
        ("PUT", "/documents", {"GET", "HEAD", "POST"}),
        ("PUT", "/documents/ferry", {"GET", "HEAD", "DELETE", "PATCH"}),
        ("POST", "/speakers/Ana", {"PUT"}),
        ("GET", "/ask", {"POST"}),
        ("DELETE", "/reindex", {"POST"}),
    ],
)
def test_a_405_allows_every_method_of_the_path(app_url, method: str, path: str, allow: set[str]) -> None:
    _, url = app_url
    r = httpx.request(method, url + path)
    assert r.status_code == 405, r.text
    assert r.json()["error"] == "MethodNotAllowed"
    assert {m.strip() for m in r.headers["allow"].split(",")} == allow


def test_every_error_status_is_documented_in_the_error_shape(app_url) -> None:
    app, _ = app_url
    schema = app.openapi()
    assert "HTTPValidationError" not in schema["components"]["schemas"]
    ops = {(m.upper(), p): op for p, item in schema["paths"].items() for m, op in item.items()}
    expected = {
        ("POST", "/ask"): {"400", "401", "413", "422", "429", "503"},
        ("GET", "/documents/{document_id}"): {"400", "401", "404", "422", "503"},
        ("DELETE", "/documents/{document_id}"): {"400", "401", "403", "404", "422", "503"},
        ("POST", "/documents"): {"400", "401", "403", "413", "415", "422", "429", "503"},
        ("GET", "/jobs/{job_id}"): {"400", "401", "404", "422"},
        ("POST", "/reindex"): {"401", "403", "503"},
        ("PATCH", "/documents/{document_id}"): {"400", "401", "403", "404", "422", "503"},
        ("GET", "/speakers"): {"401", "503"},
        ("PUT", "/speakers/{name}"): {"400", "401", "403", "404", "422", "503"},
        ("GET", "/questions"): {"400", "401", "422", "503"},
    }
    for op, statuses in expected.items():
        documented = set(ops[op]["responses"])
        assert statuses <= documented, (op, statuses - documented)
        for status in statuses:
            ref = ops[op]["responses"][status]["content"]["application/json"]["schema"]["$ref"]
            assert ref.rsplit("/", 1)[-1] == "ErrorBody", (op, status, ref)
    body = schema["components"]["schemas"]["ErrorBody"]
    assert {"error", "detail", "errors"} <= set(body["properties"])


def test_the_schema_states_this_servers_limits(tmp_path) -> None:  # type: ignore[no-untyped-def]
    lib = Library.open(tmp_path, embedder=FakeEmbedder())
    settings = Settings(data_dir=tmp_path, max_question_chars=300, max_k=7, max_filter_items=4)
    with running(create_app(settings, library=lib)) as url:
        ask = httpx.get(url + "/openapi.json").json()["components"]["schemas"]["AskRequest"]["properties"]
    lib.close()
    assert ask["question"]["maxLength"] == 300 and ask["k"]["maximum"] == 7
    assert ask["documents"]["maxItems"] == ask["speakers"]["maxItems"] == 4
    assert ask["documents"]["minItems"] == 1
