"""PDF and DOCX uploads go in as documents with pages; bad binaries get a 400 naming the
problem, and nothing is stored."""

from __future__ import annotations

import httpx
import pytest

from api import create_app
from rag import Library
from rag.settings import Settings
from tests.fakes import FakeEmbedder
from tests.rag.transcripts.builders import encrypt_pdf, make_docx, make_pdf

from .server import running

PAGES = [["Dana: Why do rivers meander?", "Omar: Erosion."], ["Dana: How fast?", "Omar: Over centuries."]]


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory):
    data = tmp_path_factory.mktemp("binary-upload")
    lib = Library.open(data, embedder=FakeEmbedder())
    with running(create_app(Settings(data_dir=data, max_upload_bytes=200_000), library=lib)) as url:
        yield url
    lib.close()


def test_a_pdf_upload_keeps_its_pages(base: str) -> None:
    with httpx.Client(base_url=base, timeout=30) as http:
        r = http.post("/documents", files={"file": ("rivers.pdf", make_pdf(PAGES), "application/pdf")})
        assert r.status_code == 201, r.text
        doc = http.get("/documents/rivers.pdf").json()
        assert doc["format"] == "pdf"
        assert [(t["speaker"], t["page"]) for t in doc["turns"]] == [
            ("Dana", 1),
            ("Omar", 1),
            ("Dana", 2),
            ("Omar", 2),
        ]
        assert http.delete("/documents/rivers.pdf").status_code == 204


def test_a_docx_upload(base: str) -> None:
    data = make_docx(["Dana: Why do rivers meander?", "Omar: Erosion.", "Dana: How fast?", "Omar: Slowly."])
    with httpx.Client(base_url=base, timeout=30) as http:
        r = http.post("/documents", files={"file": ("rivers.docx", data)}, data={"id": "talks/rivers"})
        assert r.status_code == 201, r.text
        doc = http.get("/documents/talks/rivers").json()
        assert doc["format"] == "docx" and doc["speakers"] == ["Dana", "Omar"]
        assert http.delete("/documents/talks/rivers").status_code == 204


@pytest.mark.parametrize(
    ("name", "data", "reason"),
    [
        ("locked.pdf", encrypt_pdf(make_pdf(PAGES), user_password="pw"), "encrypted"),
        ("scan.pdf", make_pdf([[]]), "no text layer"),
        ("broken.pdf", b"%PDF-1.4\nbroken", "not a readable PDF"),
        ("notes.docx", b"plain text", "not a DOCX file"),
        ("data.json", b"[1, 2, 3]", "not a transcript"),
    ],
)
def test_bad_binaries_get_400_and_store_nothing(base: str, name: str, data: bytes, reason: str) -> None:
    with httpx.Client(base_url=base, timeout=30) as http:
        r = http.post("/documents", files={"file": (name, data)})
        assert r.status_code == 400, r.text
        assert reason in r.json()["detail"]
        assert http.get("/documents").json() == []
