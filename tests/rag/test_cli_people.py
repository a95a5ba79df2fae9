"""`rag speakers`, `rag questions`, `rag documents --set` and the new `rag ask` filters, through
the real entry point in a subprocess, with the real model."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.rag.test_catalog import AUTUMN, SPRING
from tests.rag.test_cli import rag

pytestmark = pytest.mark.model


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("cli-people")
    folder = root / "docs"
    folder.mkdir()
    (folder / "spring.md").write_text(SPRING, encoding="utf-8")
    (folder / "autumn.md").write_text(AUTUMN, encoding="utf-8")
    r = rag("index", str(folder), data_dir=root / "data")
    assert r.returncode == 0, r.stderr
    return root / "data"


def test_speakers_and_an_alias(data: Path) -> None:
    r = rag("speakers", "--json", data_dir=data)
    people = {p["name"]: p for p in json.loads(r.stdout)["speakers"]}
    assert people["Ana Lopez"]["documents"] == 2 and "MS. LOPEZ" in people["Ana Lopez"]["aliases"]
    r = rag("speakers", "alias", "MS. LOPEZ", "Ana María Lopez", "--document", "autumn.md", data_dir=data)
    assert r.returncode == 0 and "1 label linked" in r.stderr
    r = rag("speakers", data_dir=data)
    assert "Ana María Lopez\t1 documents" in r.stdout and "Ana Lopez\t1 documents" in r.stdout
    r = rag("speakers", "alias", "MS. LOPEZ", "X", "--document", "nothing.md", data_dir=data)
    assert r.returncode == 1 and r.stderr.count("\n") == 1 and "no document" in r.stderr


def test_documents_set_and_ask_by_date(data: Path) -> None:
    r = rag("documents", "--set", "kind=meeting", "--set", "tags=harbour", "spring.md", data_dir=data)
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["kind"] == "meeting"
    r = rag("documents", data_dir=data)
    assert "spring.md\tlabelled\t3 turns\t" in r.stdout and "\t2021-04-05\tmeeting\t" in r.stdout
    r = rag("documents", "--set", "date=April", "spring.md", data_dir=data)
    assert r.returncode == 1 and "YYYY-MM-DD" in r.stderr and "Traceback" not in r.stderr
    r = rag("documents", "--set", "date", "spring.md", data_dir=data)
    assert r.returncode == 1 and "KEY=VALUE" in r.stderr
    r = rag(
        "ask", "--json", "--date-from", "2021-06-01", "--group-by", "document", "ferry fares", data_dir=data
    )
    body = json.loads(r.stdout)
    assert {p["document_id"] for p in body["passages"]} == {"autumn.md"}
    assert [g["document_date"] for g in body["groups"]] == ["2021-10-11"]
    r = rag("ask", "--tag", "harbour", "ferry", data_dir=data)
    assert r.returncode == 0 and "spring.md" in r.stdout and "autumn.md" not in r.stdout


def test_questions(data: Path) -> None:
    r = rag("questions", "--json", "Will the fares rise?", "-k", "2", data_dir=data)
    found = json.loads(r.stdout)["questions"]
    assert {q["document_id"] for q in found} == {"spring.md", "autumn.md"}
    assert all(q["answer"]["person"] for q in found)
    r = rag("questions", "--date-to", "2021-06-30", data_dir=data)
    assert r.returncode == 0 and "fares rise this spring" in r.stdout and "autumn" not in r.stdout
    r = rag("questions", "--date-to", "June", data_dir=data)
    assert r.returncode == 1 and "date_to" in r.stderr
