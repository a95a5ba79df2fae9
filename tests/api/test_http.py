"""The HTTP contract, through a real uvicorn server on loopback."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from api import create_app
from rag import Library
from rag.settings import Settings
from tests.fakes import FakeEmbedder

from .server import running

QA = (
    "Q: What colour is the ferry?\nA: The ferry is painted bright yellow.\n\n"
    "Q: Where does it sail?\nA: To the island.\n"
)
ANSWER = "The ferry is painted bright yellow."


@pytest.fixture
def base(tmp_path: Path):
    settings = Settings(data_dir=tmp_path, max_upload_bytes=2_000, max_question_chars=200, max_k=20)
    lib = Library.open(tmp_path, embedder=FakeEmbedder())
    with running(create_app(settings, library=lib)) as url:
        yield url
    lib.close()


def _contract(body: dict) -> None:
    assert set(body) >= {"question", "passages", "answerable", "confidence", "evidence"}
    assert isinstance(body["answerable"], bool)
    if body["evidence"] is not None:
        assert set(body["evidence"]) == {"similarity", "coverage", "unknown", "terms", "margin", "standout"}
        assert isinstance(body["evidence"]["terms"], int) and body["evidence"]["terms"] >= 0
        assert body["evidence"]["similarity"] == body["similarity"]
    for p in body["passages"]:
        assert set(p) >= {
            "quote",
            "score",
            "document_id",
            "document_title",
            "start",
            "end",
            "speaker",
            "question",
        }
        assert isinstance(p["score"], float) and isinstance(p["start"], int)
        if p["question"] is not None:
            assert set(p["question"]) >= {"text", "start", "end", "speaker"}


def test_add_ask_get_delete(base: str) -> None:
    with httpx.Client(base_url=base) as http:
        assert http.get("/healthz").json()["status"] == "ok"
        r = http.post("/documents", json={"id": "ferry", "title": "Ferry talk", "text": QA})
        assert r.status_code == 201 and r.json() == {"id": "ferry", "status": "added", "chunks": 4}
        assert http.post("/documents", json={"id": "ferry", "text": QA}).json()["status"] == "unchanged"

        r = http.post("/ask", json={"question": "what colour is the ferry", "k": 2})
        assert r.status_code == 200
        body = r.json()
        _contract(body)
        assert body["evidence"] is not None  # hybrid: the verdict's signals come with it
        top = body["passages"][0]
        assert top["document_title"] == "Ferry talk"
        assert QA[top["start"] : top["end"]] == top["quote"]
        assert top["question"]["text"] == "What colour is the ferry?"
        assert top["start"] <= top["highlight"]["start"] < top["highlight"]["end"] <= top["end"]

        r = http.post("/ask", json={"question": "island", "k": 3, "mode": "bm25", "speakers": ["nobody"]})
        assert r.status_code == 200 and r.json()["passages"] == []

        listing = http.get("/documents").json()
        assert [(d["id"], d["turn_count"], d["chunk_count"]) for d in listing] == [("ferry", 4, 4)]
        doc = http.get("/documents/ferry").json()
        assert doc["text"] == QA and doc["format"] == "labelled"
        assert doc["speakers"] == []  # Q: and A: are roles, not names
        assert doc["turns"][1] == {
            "act": "answer",
            "role": "answer",
            "speaker": None,
            "start": QA.index(ANSWER),
            "end": QA.index(ANSWER) + len(ANSWER),
            "question_index": 0,
            "timestamp": None,
            "page": None,
            "answers": [],
        }
        assert doc["turns"][0]["act"] == "question" and doc["turns"][0]["answers"] == [1]

        assert http.delete("/documents/ferry").status_code == 204
        assert http.get("/documents").json() == []


def test_upload_file_with_nested_id(base: str) -> None:
    with httpx.Client(base_url=base) as http:
        r = http.post(
            "/documents",
            files={"file": ("talk.txt", QA.encode(), "text/plain")},
            data={"id": "2024/ferry talk.txt"},
        )
        assert r.status_code == 201, r.text
        assert http.get("/documents/2024/ferry talk.txt").json()["id"] == "2024/ferry talk.txt"
        r = http.post("/documents", files={"file": ("other.txt", QA.encode(), "text/plain")})
        assert r.json()["id"] == "other.txt"


@pytest.mark.model
def test_real_model_server_answers_from_the_seed(tmp_path: Path, shared: Path) -> None:
    """The default app: opens the data directory and loads the bundled model itself."""
    seed = shared / "corpus" / "seed" / "aliyev-interview-2024-12.txt"
    with (
        running(create_app(Settings(data_dir=tmp_path))) as url,
        httpx.Client(base_url=url, timeout=60) as http,
    ):
        r = http.post("/documents", files={"file": (seed.name, seed.read_bytes(), "text/plain")})
        assert r.status_code == 201, r.text
        body = http.post("/ask", json={"question": "How much gas does Azerbaijan export?"}).json()
        _contract(body)
        text = seed.read_bytes().decode("utf-8")
        assert all(text[p["start"] : p["end"]] == p["quote"] for p in body["passages"])
        assert any("25 billion cubic meters" in p["quote"] for p in body["passages"][:3])


MEETING = (
    "Speaker A: Okay.\n\nSpeaker B: Which supplier should we use for the rubber buttons?\n\n"
    "Speaker C: The one in Lyon is cheapest.\n\nSpeaker A: Mm-hmm.\n\n"
    "Speaker D: But Lyon ships slowly, so Turin for the first batch.\n\nSpeaker C: Next item.\n"
)


def test_document_reports_acts_roles_and_every_answer(base: str) -> None:
    with httpx.Client(base_url=base) as http:
        assert http.post("/documents", json={"text": MEETING, "id": "meeting"}).status_code == 201
        doc = http.get("/documents/meeting").json()
        acts = [(t["speaker"], t["act"], t["question_index"], t["answers"]) for t in doc["turns"]]
        assert acts == [
            ("Speaker A", "backchannel", None, []),
            ("Speaker B", "question", None, [2, 4]),  # two people answer one question
            ("Speaker C", "answer", 1, []),
            ("Speaker A", "backchannel", None, []),
            ("Speaker D", "answer", 1, []),
            ("Speaker C", "procedural", None, []),
        ]
        assert all(t["role"] == t["act"] for t in doc["turns"])  # the old name, kept
        assert set(doc["roles"].values()) == {"participant"}
        body = http.post("/ask", json={"question": "okay next item mm-hmm", "k": 5}).json()
        _contract(body)
        # backchannels and procedure come last, never cited as the question
        filler = [p["act"] in ("backchannel", "procedural") for p in body["passages"]]
        assert filler == sorted(filler)
        assert all(p["question"] is None or p["question"]["turn_index"] == 1 for p in body["passages"])
        top = http.post("/ask", json={"question": "rubber buttons supplier", "k": 1, "mode": "bm25"}).json()
        assert top["passages"][0]["speakers"] == ["Speaker C", "Speaker D"]
