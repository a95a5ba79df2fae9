"""`rag.client.Client` against a real server: the same answers, types and errors as `Library`."""

from __future__ import annotations

from pathlib import Path

import pytest

from api import create_app
from rag import InvalidInput, Library, NotFound, RagError
from rag.client import Client, Unauthorized
from rag.settings import Settings
from tests.api.server import KEY, free_port, running
from tests.fakes import FakeEmbedder

KILN = """---
title: At the pottery kiln
date: 2024-06-02
---
[00:00:05] Mira Holt: When do you fire the kiln?
[00:00:09] Tomas Reed: Every Thursday night. It takes eleven hours to get hot, so I load it after supper.
[00:01:30] Mira Holt: What glaze do you use most?
[00:01:34] Tomas Reed: A blue ash glaze. I mix it from the ash of our own apple wood.
"""
FERRY = "Q: Is the ferry late?\nA: The ferry is never late on Sundays.\n\nQ: And on Mondays?\nA: Often.\n"


@pytest.fixture
def served(tmp_path: Path):
    lib = Library.open(tmp_path / "data", embedder=FakeEmbedder(), public_url="https://quotes.example.org")
    lib.add_text(KILN, id="kiln.md")
    lib.add_text(FERRY, id="boats/ferry.txt", title="The ferry")
    settings = Settings(data_dir=tmp_path / "data", api_key=KEY, background_upload_bytes=10)
    with running(create_app(settings, library=lib)) as url:
        yield lib, url
    lib.close()


QUESTIONS = [
    ("What glaze do you use?", {}),
    ("Is the ferry late?", {"k": 1}),
    ("Quarterly zinc tariffs in Luxembourg?", {"k": 2}),
    ("kiln", {"speakers": ["Tomas Reed"]}),
    ("ferry", {"documents": ["boats/ferry.txt"], "mode": "bm25"}),
    ("kiln", {"date_from": "2024-06-01", "date_to": "2024-06-30", "group_by": "document"}),
    ("ferry", {"kinds": ["other"], "tags": ["boats"]}),
]


@pytest.mark.parametrize(("question", "options"), QUESTIONS)
def test_client_and_library_give_equal_answers(served, question: str, options: dict) -> None:
    lib, url = served
    with Client(url) as client:
        remote = client.ask(question, **options)
    local = lib.ask(question, **options)
    assert remote == local
    assert remote.answerable is local.answerable
    assert all(p.url.startswith("https://quotes.example.org/view/") for p in remote)


def test_speakers_and_grouped_answers_are_the_librarys(served) -> None:
    lib, url = served
    with Client(url) as client:
        assert client.speakers() == lib.speakers()
        grouped = client.ask("kiln", group_by="document")
    assert grouped.groups and grouped.groups == lib.ask("kiln", group_by="document").groups
    assert {p.person for p in grouped if p.speaker} <= {"Mira Holt", "Tomas Reed"}


def test_the_verdict_comes_through(served) -> None:
    _, url = served
    with Client(url) as client:
        assert client.ask("What glaze do you use?").answerable is True
        assert client.ask("Quarterly zinc tariffs in Luxembourg?").answerable is False


def test_documents_and_document_are_the_librarys(served) -> None:
    lib, url = served
    with Client(url) as client:
        assert client.documents() == lib.documents()
        assert client.document("boats/ferry.txt") == lib.document("boats/ferry.txt")
        assert client.document("kiln.md") == lib.document("kiln.md")


def test_writes_need_the_key_and_then_work(served, tmp_path: Path) -> None:
    lib, url = served
    with Client(url) as anonymous, pytest.raises(Unauthorized, match="API key"):
        anonymous.add_text("Q: Who?\nA: Me.\n", id="who.txt")
    file = tmp_path / "bakery.txt"
    file.write_text("Q: What sells best?\nA: Rye bread, and cinnamon buns on Saturdays.\n", encoding="utf-8")
    with Client(url, api_key=KEY) as client:
        added = client.add_text("Q: Who?\nA: Me.\n", id="who.txt", title="Who")
        assert (added.id, added.status, added.chunks) == ("who.txt", "added", 1)
        assert client.add_text("Q: Who?\nA: Me.\n", id="who.txt", title="Who").status == "unchanged"
        uploaded = client.add_file(file, id="bakery.txt")  # larger than background_upload_bytes: still waits
        assert uploaded.status == "added" and uploaded.chunks >= 1
        assert lib.document("bakery.txt").title == "bakery.txt"
        assert "Rye bread, and cinnamon buns" in client.ask("What sells best?", k=1)[0].quote
        client.remove("who.txt")
        with pytest.raises(NotFound, match=r"no document with id 'who\.txt'"):
            client.remove("who.txt")
    assert {d.id for d in lib.documents()} == {"kiln.md", "boats/ferry.txt", "bakery.txt"}


def test_server_errors_are_the_core_types(served) -> None:
    _, url = served
    with Client(url, api_key=KEY) as client:
        with pytest.raises(NotFound, match=r"no document with id 'nope\.txt'"):
            client.document("nope.txt")
        with pytest.raises(InvalidInput, match="question"):
            client.ask("")
        with pytest.raises(InvalidInput):
            client.ask("kiln", mode="psychic")
        with pytest.raises(InvalidInput, match="unknown format"):
            client.add_text("Q: a\nA: b\n", id="x.txt", format="hieroglyphs")
    with Client(url, api_key="wrong") as client, pytest.raises(Unauthorized, match="wrong"):
        client.remove("kiln.md")


def test_an_unreachable_server_is_a_rag_error() -> None:
    with (
        Client(f"http://127.0.0.1:{free_port()}", timeout=2) as client,
        pytest.raises(RagError, match="reach"),
    ):
        client.documents()


def test_evidence_from_a_server_without_the_terms_count_still_reads() -> None:
    from rag.client import _answer

    old = {"similarity": 0.5, "coverage": 0.25, "unknown": 0.0}
    body = {"question": "q", "passages": [], "answerable": False, "confidence": 0.1, "evidence": old}
    answer = _answer(body)
    assert answer.evidence is not None and answer.evidence.terms == 0 and answer.evidence.coverage == 0.25
    assert (answer.evidence.margin, answer.evidence.standout) == (0.0, 0.0)  # nor the standing
