"""The MCP server through the SDK's own client: in memory, over a real HTTP server (with and
without the API key), and over stdio from a real `rag mcp` subprocess."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import anyio
import pytest

from api import create_app
from rag import Library
from rag.settings import Settings
from tests.fakes import FakeEmbedder

from .server import AUTH, KEY, running

mcp = pytest.importorskip("mcp", reason="the mcp extra is not installed")
httpx2 = pytest.importorskip("httpx2")
from mcp import Client, StdioServerParameters  # noqa: E402
from mcp.client.streamable_http import streamable_http_client  # noqa: E402

from api.mcpserver import build  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
KILN = """---
title: At the pottery kiln
date: 2024-06-02
place: Harbour Road
---
[00:00:05] Mira Holt: When do you fire the kiln?
[00:00:09] Tomas Reed: Every Thursday night. It takes eleven hours to get hot, so I load it after supper.
[00:01:30] Mira Holt: What glaze do you use most?
[00:01:34] Tomas Reed: A blue ash glaze. I mix it from the ash of our own apple wood.
"""
PAINT = """Ada Quill: When is the ferry painted?
Tom: The ferry is painted yellow every spring.
Ada Quill: Which colour?
Tom: Yellow, always yellow.
"""
TOOLS = {"search", "fetch", "ask", "list_documents", "list_speakers", "get_turn"}


@pytest.fixture
def lib(tmp_path: Path):
    library = Library.open(tmp_path / "data", embedder=FakeEmbedder())
    library.add_text(KILN, id="kiln.md")
    library.add_text("Q: Is the ferry late?\nA: The ferry is never late on Sundays.\n", id="ferry.txt")
    yield library
    library.close()


def _call(server, *steps):
    """Run `steps` (async functions of a connected client) against `server`; their results."""
    out = []

    async def main() -> None:
        async with Client(server) as client:
            for step in steps:
                out.append(await step(client))

    anyio.run(main)
    return out


def _tool(name: str, **args):
    return lambda client: client.call_tool(name, args)


def test_tools_are_read_only_and_typed(lib: Library, tmp_path: Path) -> None:
    server = build(lambda: lib, Settings(data_dir=tmp_path))
    (listed, templates) = _call(server, lambda c: c.list_tools(), lambda c: c.list_resource_templates())
    assert {t.name for t in listed.tools} == TOOLS
    for tool in listed.tools:
        assert tool.annotations is not None and tool.annotations.read_only_hint is True, tool.name
        assert tool.annotations.destructive_hint is False
        assert tool.output_schema and tool.output_schema.get("type") == "object", tool.name
    ask = next(t for t in listed.tools if t.name == "ask")
    assert {"question", "k", "documents", "speakers", "date_from", "date_to", "kinds", "tags"} <= set(
        ask.input_schema["properties"]
    )
    assert [t.uri_template for t in templates.resource_templates] == ["interview://documents/{id}"]


def test_search_then_fetch_gives_the_quote_its_question_and_permalink(lib: Library, tmp_path: Path) -> None:
    server = build(lambda: lib, Settings(data_dir=tmp_path))
    (found,) = _call(server, _tool("search", query="What glaze do you use?"))
    assert not found.is_error
    results = found.structured_content["results"]
    assert found.structured_content["answerable"] is True
    best = results[0]
    assert set(best) == {"id", "title", "text", "url"}
    assert best["text"] == "A blue ash glaze. I mix it from the ash of our own apple wood."
    assert best["title"] == "At the pottery kiln"
    start = KILN.index(best["text"])
    assert best["id"] == f"kiln.md#{start}-{start + len(best['text'])}"
    assert best["url"].startswith(f"/view/kiln.md?start={start}&end={start + len(best['text'])}")

    (fetched,) = _call(server, _tool("fetch", id=best["id"]))
    body = fetched.structured_content
    assert body["text"] == best["text"] and body["url"] == best["url"]
    assert body["speaker"] == "Tomas Reed" and body["timestamp"] == "00:01:34"
    assert body["question"]["text"] == "What glaze do you use most?"
    assert body["question"]["speaker"] == "Mira Holt"
    assert [c["text"] for c in body["thread"]] == ["What glaze do you use most?"]
    assert body["document_title"] == "At the pottery kiln" and body["document_date"] == "2024-06-02"
    assert body["metadata"]["place"] == "Harbour Road"


def test_ask_carries_the_verdict(lib: Library, tmp_path: Path) -> None:
    server = build(lambda: lib, Settings(data_dir=tmp_path))
    answered, nothing = _call(
        server,
        _tool("ask", question="What glaze do you use?", k=2),
        _tool("ask", question="Quarterly zinc tariffs in Luxembourg?", k=2),
    )
    body = answered.structured_content
    assert body["answerable"] is True
    top = body["passages"][0]
    assert top["quote"].startswith("A blue ash glaze.")
    assert top["question"]["text"] == "What glaze do you use most?"
    assert top["url"].startswith("/view/kiln.md?") and "asked=" in top["url"]
    assert set(body) >= {"question", "passages", "answerable", "confidence", "evidence"}
    assert nothing.structured_content["answerable"] is False
    assert lib.ask("Quarterly zinc tariffs in Luxembourg?", k=2).answerable is False


def test_filters_turns_speakers_documents_and_resources(lib: Library, tmp_path: Path) -> None:
    server = build(lambda: lib, Settings(data_dir=tmp_path))
    by_speaker, speakers, documents, window, resource = _call(
        server,
        _tool("ask", question="ferry", k=3, speakers=["Tomas Reed"]),
        _tool("list_speakers"),
        _tool("list_documents"),
        _tool("get_turn", document_id="kiln.md", turn_index=1, before=1, after=1),
        lambda c: c.read_resource("interview://documents/kiln.md"),
    )
    assert {p["speaker"] for p in by_speaker.structured_content["passages"]} == {"Tomas Reed"}
    assert [
        {k: s[k] for k in ("name", "turns", "documents", "aliases")}
        for s in speakers.structured_content["speakers"]
    ] == [
        {"name": "Mira Holt", "turns": 2, "documents": 1, "aliases": []},
        {"name": "Tomas Reed", "turns": 2, "documents": 1, "aliases": []},
    ]
    assert [d["id"] for d in documents.structured_content["documents"]] == ["ferry.txt", "kiln.md"]
    turns = window.structured_content["turns"]
    assert [t["index"] for t in turns] == [0, 1, 2]
    assert turns[1]["text"].startswith("Every Thursday night.") and turns[1]["question_index"] == 0
    assert turns[0]["speaker"] == "Mira Holt" and turns[0]["timestamp"] == "00:00:05"
    assert '"title": "At the pottery kiln"' in resource.contents[0].text


def test_core_errors_are_tool_errors_that_say_why(lib: Library, tmp_path: Path) -> None:
    server = build(lambda: lib, Settings(data_dir=tmp_path, max_k=5))
    results = _call(
        server,
        _tool("fetch", id="no-such.txt#0-5"),
        _tool("fetch", id="kiln.md"),
        _tool("get_turn", document_id="kiln.md", turn_index=99),
        _tool("ask", question="   "),
        _tool("ask", question="kiln", k=6),
        _tool("ask", question="kiln", date_from="June 2024"),
    )
    texts = [r.content[0].text for r in results]
    assert all(r.is_error for r in results), texts
    assert "NotFound: no document with id 'no-such.txt'" in texts[0]
    assert "no passage id" in texts[1]
    assert "has turns 0 to 3" in texts[2]
    assert "the question is empty" in texts[3]
    assert "k must be between 1 and 5" in texts[4]
    assert "InvalidInput: date_from must be a date as YYYY-MM-DD" in texts[5]


def test_ask_filters_by_date_and_finds_a_person_under_their_alias(lib: Library, tmp_path: Path) -> None:
    """The dates reach `Library.ask` (the undated ferry drops out); an alias set on the library
    shows in `list_speakers` and works as `ask`'s speaker filter."""
    lib.alias("Tom", "Tomas Reed")
    lib.add_text(PAINT, id="paint.txt")
    server = build(lambda: lib, Settings(data_dir=tmp_path))
    dated, before, everything, by_alias, speakers = _call(
        server,
        _tool("ask", question="ferry", k=5, date_from="2024-06-01", date_to="2024-06-30"),
        _tool("ask", question="ferry", k=5, date_to="2024-06-01"),
        _tool("ask", question="ferry", k=5),
        _tool("ask", question="ferry", k=5, speakers=["Tom"]),
        _tool("list_speakers"),
    )
    assert not dated.is_error, dated.content
    assert {p["document_id"] for p in dated.structured_content["passages"]} == {"kiln.md"}
    assert {p["document_date"] for p in dated.structured_content["passages"]} == {"2024-06-02"}
    assert before.structured_content["passages"] == []
    assert "ferry.txt" in {p["document_id"] for p in everything.structured_content["passages"]}
    assert {(p["speaker"], p["person"]) for p in by_alias.structured_content["passages"]} >= {
        ("Tom", "Tomas Reed")
    }
    assert {p["person"] for p in by_alias.structured_content["passages"]} == {"Tomas Reed"}
    tomas = next(s for s in speakers.structured_content["speakers"] if s["name"] == "Tomas Reed")
    assert tomas["aliases"] == ["Tom"] and tomas["documents"] == 2 and tomas["turns"] == 4


def _over_http(url: str, headers: dict[str, str] | None = None):
    out = {}

    async def main() -> None:
        transport = streamable_http_client(
            f"{url}/mcp", http_client=httpx2.AsyncClient(headers=headers or {})
        )
        async with Client(transport) as client:
            out["tools"] = await client.list_tools()
            out["ask"] = await client.call_tool("ask", {"question": "What glaze do you use?", "k": 1})

    anyio.run(main)
    return out


def test_http_mcp_follows_the_read_key_rule(lib: Library, tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, api_key=KEY, protect_reads=True)
    with running(create_app(settings, library=lib)) as url:
        refused = httpx2.post(f"{url}/mcp", json={"jsonrpc": "2.0", "id": 1, "method": "tools/list"})
        wrong = httpx2.post(f"{url}/mcp", json={}, headers={"authorization": "Bearer nope"})
        got = _over_http(url, AUTH)
    assert refused.status_code == 401 and refused.json()["error"] == "Unauthorized"
    assert refused.headers["www-authenticate"] == "Bearer"
    assert wrong.status_code == 401 and wrong.json()["detail"] == "the API key is wrong"
    assert {t.name for t in got["tools"].tools} == TOOLS
    passage = got["ask"].structured_content["passages"][0]
    assert passage["quote"] == "A blue ash glaze. I mix it from the ash of our own apple wood."


def test_http_mcp_is_open_when_reads_are(lib: Library, tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, api_key=KEY, public_url="https://quotes.example.org/")
    init = {"jsonrpc": "2.0", "id": 1, "method": "tools/list"}
    accept = {"accept": "application/json, text/event-stream"}
    with running(create_app(settings, library=lib)) as url:
        got = _over_http(url)
        metrics = httpx2.get(f"{url}/metrics").text
        proxied = httpx2.post(f"{url}/mcp", json=init, headers={**accept, "host": "quotes.example.org"})
        rebound = httpx2.post(f"{url}/mcp", json=init, headers={**accept, "host": "evil.example.org"})
    assert proxied.status_code == 200, proxied.text
    assert rebound.status_code in (400, 421), rebound.text
    passage = got["ask"].structured_content["passages"][0]
    assert passage["question"]["text"] == "What glaze do you use most?"
    assert 'route="/mcp",status="200"' in metrics  # the app's own middleware saw the requests


@pytest.mark.model
def test_stdio_rag_mcp_answers_about_the_examples(tmp_path: Path, real_embedder) -> None:
    data = tmp_path / "data"
    with Library.open(data, embedder=real_embedder) as library:
        library.index_folder(ROOT / "examples")
    env = {**os.environ, "PYTHONPATH": str(ROOT), "RAG_BACKEND": "torch"}
    params = StdioServerParameters(
        command=sys.executable,
        args=["-c", "from rag.cli import main; main()", "mcp", "--data-dir", str(data)],
        env=env,
    )
    (found,) = _call(params, _tool("search", query="Who pays for the dredging?"))
    assert not found.is_error, found.content
    best = found.structured_content["results"][0]
    assert best["text"].startswith("The port authority pays two thirds")
    assert best["url"].startswith("/view/harbour-master.txt?")
    (fetched,) = _call(params, _tool("fetch", id=best["id"]))
    assert fetched.structured_content["question"]["text"] == "Who pays for the dredging?"


@pytest.mark.model
def test_rag_serve_mounts_mcp_behind_the_key(tmp_path: Path, real_embedder) -> None:
    import subprocess

    data = tmp_path / "data"
    with Library.open(data, embedder=real_embedder) as library:
        library.index_folder(ROOT / "examples")
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "RAG_BACKEND": "torch",
        "RAG_DATA_DIR": str(data),
        "RAG_API_KEY": KEY,
        "RAG_PROTECT_READS": "true",
        "RAG_PUBLIC_URL": "https://quotes.example.org",
    }
    command = [sys.executable, "-c", "from rag.cli import main; main()", "serve", "--port", "0"]
    proc = subprocess.Popen(command, stderr=subprocess.PIPE, text=True, env=env)
    try:
        assert proc.stderr is not None
        for line in proc.stderr:
            if "running on" in line.lower():
                break
        else:
            pytest.fail("the server did not start")
        url = "http://127.0.0.1:" + line.split("http://127.0.0.1:")[1].split()[0].rstrip('"')
        refused = httpx2.post(f"{url}/mcp", json={"jsonrpc": "2.0", "id": 1, "method": "tools/list"})
        out = {}

        async def main() -> None:
            http = httpx2.AsyncClient(headers=AUTH)
            async with Client(streamable_http_client(f"{url}/mcp", http_client=http)) as client:
                out["search"] = await client.call_tool("search", {"query": "Who pays for the dredging?"})
                best = out["search"].structured_content["results"][0]
                out["fetch"] = await client.call_tool("fetch", {"id": best["id"]})
                out["nothing"] = await client.call_tool(
                    "ask", {"question": "What is the price of a season ticket for the football club?"}
                )

        anyio.run(main)
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    assert refused.status_code == 401
    best = out["search"].structured_content["results"][0]
    assert best["text"].startswith("The port authority pays two thirds")
    assert best["url"].startswith("https://quotes.example.org/view/harbour-master.txt?start=")
    assert out["fetch"].structured_content["question"]["text"] == "Who pays for the dredging?"
    assert out["nothing"].structured_content["answerable"] is False
