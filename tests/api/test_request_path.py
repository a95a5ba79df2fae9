"""What a request costs on its way: `/ask` takes one pool thread (its dependencies run on the
event loop) and writes the JSON FastAPI would write for its `response_model`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import anyio.to_thread
import httpx
import pytest
from fastapi.testclient import TestClient
from pydantic import TypeAdapter

from api import create_app
from api.schemas import AskResponse
from rag import Library
from rag.settings import Settings
from tests.fakes import FakeEmbedder

from .server import running

QA = (
    "Q: What colour is the ferry?\nA: The ferry is painted bright yellow.\n\n"
    "Q: Where does it sail?\nA: To the island, twice a day.\n"
)


@pytest.fixture
def pool_calls(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The name of each function run on a pool thread (Starlette's and FastAPI's go through
    `anyio.to_thread.run_sync`)."""
    calls: list[str] = []
    real = anyio.to_thread.run_sync

    async def counted(func: Any, *args: Any, **kwargs: Any) -> Any:
        calls.append(getattr(getattr(func, "func", func), "__name__", repr(func)))
        return await real(func, *args, **kwargs)

    monkeypatch.setattr(anyio.to_thread, "run_sync", counted)
    return calls


def test_ask_takes_one_pool_thread(tmp_path: Path, pool_calls: list[str]) -> None:
    lib = Library.open(tmp_path / "default", embedder=FakeEmbedder())
    lib.add_text(QA, id="ferry", title="Ferry talk")
    settings = Settings(data_dir=tmp_path / "default", root=tmp_path)
    with TestClient(create_app(settings, library=lib)) as client:
        created = client.post("/collections/boats/documents", json={"id": "ferry", "text": QA})
        assert created.status_code == 201
        for path in ("/ask", "/collections/boats/ask", "/collections/boats/ask"):
            pool_calls.clear()
            r = client.post(path, json={"question": "what colour is the ferry", "k": 2})
            assert r.status_code == 200 and r.json()["passages"], path
            assert pool_calls == ["_answer"], path
    lib.close()


@pytest.fixture
def served(tmp_path: Path):
    lib = Library.open(tmp_path, embedder=FakeEmbedder())
    lib.add_text(QA, id="ferry", title="Ferry talk")
    with running(create_app(Settings(data_dir=tmp_path), library=lib)) as url:
        yield url, lib
    lib.close()


@pytest.mark.parametrize("grouped", [False, True])
def test_ask_writes_the_response_models_json(served, grouped: bool) -> None:
    url, lib = served
    request: dict[str, Any] = {"question": "what colour is the ferry", "k": 2}
    if grouped:
        request["group_by"] = "document"
    with httpx.Client(base_url=url) as http:
        r = http.post("/ask", json=request)
    assert r.status_code == 200 and r.headers["content-type"] == "application/json"
    answer = lib.ask("what colour is the ferry", k=2, group_by="document" if grouped else None)
    expected = TypeAdapter(AskResponse).dump_json(AskResponse.of(answer, grouped=grouped), by_alias=True)
    assert r.content == expected
    assert r.json()["passages"] and (r.json()["groups"] is not None) is grouped
