"""People, dates and questions over HTTP: `/speakers`, `/questions`, `PATCH /documents/{id}`,
and the new fields and filters of `/ask`, through a real server."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import httpx
import pytest

from api import create_app
from rag import Library
from rag.settings import Settings
from tests.fakes import FakeEmbedder
from tests.rag.test_catalog import AUTUMN, REMARKS_A, SPRING, UNDATED

from .server import AUTH, KEY, running


@pytest.fixture
def base(tmp_path: Path):
    lib = Library.open(tmp_path, embedder=FakeEmbedder())
    with lib.batch():
        for name, text in (("spring.md", SPRING), ("autumn.md", AUTUMN), ("hale.md", REMARKS_A)):
            lib.add_text(text, id=name)
        lib.add_text(UNDATED, id="undated.txt")
    with running(create_app(Settings(data_dir=tmp_path, api_key=KEY, max_k=20), library=lib)) as url:
        yield url
    lib.close()


def test_speakers_and_aliases(base: str) -> None:
    body = httpx.get(f"{base}/speakers").json()
    people = {p["name"]: p for p in body["speakers"]}
    assert set(people["Ana Lopez"]) == {"name", "aliases", "documents", "turns", "roles"}
    assert "MS. LOPEZ" in people["Ana Lopez"]["aliases"] and people["Ana Lopez"]["documents"] == 3
    assert httpx.put(f"{base}/speakers/Jo Hale", json={"aliases": ["THE PRESIDENT"]}).status_code == 401
    r = httpx.put(
        f"{base}/speakers/Jo Hale", json={"aliases": ["THE PRESIDENT"], "document": "hale.md"}, headers=AUTH
    )
    assert r.status_code == 200 and r.json()["name"] == "Jo Hale" and r.json()["documents"] == 1
    said = httpx.post(f"{base}/ask", json={"question": "ferry service", "speakers": ["Jo Hale"]}).json()
    assert {p["document_id"] for p in said["passages"]} == {"hale.md"}
    assert {p["person"] for p in said["passages"]} == {"Jo Hale"}
    r = httpx.put(f"{base}/speakers/X", json={"aliases": ["Y"], "document": "nothing.md"}, headers=AUTH)
    assert r.status_code == 404 and r.json()["error"] == "NotFound"
    r = httpx.put(f"{base}/speakers/X", json={"aliases": []}, headers=AUTH)
    assert r.status_code == 422


def test_ask_dates_kinds_tags_and_groups(base: str) -> None:
    r = httpx.post(
        f"{base}/ask",
        json={"question": "ferry fares", "k": 10, "date_from": "2021-01-01", "date_to": "2021-06-30"},
    )
    body = r.json()
    assert r.status_code == 200 and body["groups"] is None
    assert {(p["document_id"], p["document_date"]) for p in body["passages"]} == {("spring.md", "2021-04-05")}
    body = httpx.post(
        f"{base}/ask", json={"question": "ferry", "k": 10, "speakers": ["Lopez"], "group_by": "document"}
    ).json()
    assert [(g["document_id"], g["document_date"]) for g in body["groups"]] == [
        ("spring.md", "2021-04-05"),
        ("autumn.md", "2021-10-11"),
        ("undated.txt", None),
    ]
    assert sum(len(g["passages"]) for g in body["groups"]) == len(body["passages"])
    tagged = httpx.post(f"{base}/ask", json={"question": "ferry", "tags": ["budget"], "kinds": ["briefing"]})
    assert {p["document_id"] for p in tagged.json()["passages"]} == {"autumn.md"}
    for bad in (
        {"date_from": "5 June"},
        {"date_from": "2022-01-01", "date_to": "2021-01-01"},
        {"kinds": ["party"]},
    ):
        r = httpx.post(f"{base}/ask", json={"question": "ferry", **bad})
        assert r.status_code == 400 and r.json()["error"] == "InvalidInput", bad
    for bad in ({"tags": []}, {"group_by": "speaker"}):
        assert httpx.post(f"{base}/ask", json={"question": "ferry", **bad}).status_code == 422


def test_patch_document_metadata(base: str) -> None:
    r = httpx.patch(f"{base}/documents/undated.txt", json={"metadata": {"date": "2022-02-02"}})
    assert r.status_code == 401
    r = httpx.patch(
        f"{base}/documents/undated.txt",
        json={"metadata": {"date": "2022-02-02", "tags": ["Colour"], "kind": "interview"}},
        headers=AUTH,
    )
    assert r.status_code == 200
    assert {k: r.json()["metadata"][k] for k in ("date", "tags", "kind")} == {
        "date": "2022-02-02",
        "tags": "colour",
        "kind": "interview",
    }
    assert httpx.get(f"{base}/documents/spring.md").json()["metadata"]["date"] == "2021-04-05"
    listed = {d["id"]: d for d in httpx.get(f"{base}/documents").json()}
    assert listed["undated.txt"]["date"] == "2022-02-02" and listed["undated.txt"]["tags"] == ["colour"]
    r = httpx.patch(f"{base}/documents/undated.txt", json={"metadata": {"date": "soon"}}, headers=AUTH)
    assert r.status_code == 400 and "YYYY-MM-DD" in r.json()["detail"]
    r = httpx.patch(f"{base}/documents/nothing.md", json={"metadata": {"kind": "other"}}, headers=AUTH)
    assert r.status_code == 404
    r = httpx.patch(f"{base}/documents/undated.txt", json={"meta": {}}, headers=AUTH)
    assert r.status_code == 422


def test_questions(base: str) -> None:
    r = httpx.get(f"{base}/questions", params={"q": "fares rise", "k": 3})
    assert r.status_code == 200
    found = r.json()["questions"]
    assert found and set(found[0]) >= {"text", "document_id", "start", "end", "speaker", "date", "answer"}
    for q in found:
        text = httpx.get(f"{base}/documents/{q['document_id']}").json()["text"]
        assert text[q["start"] : q["end"]] == q["text"]
        if q["answer"]:
            assert text[q["answer"]["start"] : q["answer"]["end"]] == q["answer"]["quote"]
    autumn = httpx.get(
        f"{base}/questions", params={"q": "fares", "date_from": "2021-06-01", "document": ["autumn.md"]}
    ).json()["questions"]
    assert [(q["document_id"], q["date"]) for q in autumn] == [("autumn.md", "2021-10-11")]
    assert autumn[0]["answer"]["speaker"] == "MS. LOPEZ"
    browsed = httpx.get(f"{base}/questions", params={"k": 2}).json()["questions"]
    assert [q["date"] for q in browsed] == ["2020-01-02", "2021-04-05"]
    assert httpx.get(f"{base}/questions", params={"date_to": "June"}).status_code == 400
    assert httpx.get(f"{base}/questions", params={"k": 0}).status_code == 422
    assert httpx.get(f"{base}/questions", params={"k": 500}).status_code == 422


def test_the_people_routes_go_through_the_gate_and_the_write_queue(tmp_path: Path) -> None:
    """Reads need the read key when reads are protected; the edits need a write key (a read
    key is a 403); and both edits are writes on the write queue, so a full queue is a 503."""
    reader = {"authorization": "Bearer r3ad-s3cret"}
    settings = Settings(
        data_dir=tmp_path, api_key=KEY, api_keys="ann:read:r3ad-s3cret", protect_reads=True, write_queue=1
    )
    lib = Library.open(tmp_path, embedder=FakeEmbedder())
    lib.add_text(AUTUMN, id="autumn.md")
    app = create_app(settings, library=lib)
    patch = {"metadata": {"kind": "hearing"}}
    alias = {"aliases": ["MS. LOPEZ"]}
    with running(app) as url, httpx.Client(base_url=url, timeout=30) as http:
        for path in ("/speakers", "/questions"):
            assert http.get(path).status_code == 401, path
            assert http.get(path, headers=reader).status_code == 200, path
        assert http.get("/asked").status_code == http.get("/").status_code == 200  # the page shell, open
        for r in (
            http.patch("/documents/autumn.md", json=patch),
            http.put("/speakers/Ana Lopez", json=alias),
        ):
            assert r.status_code == 401 and r.json()["error"] == "Unauthorized"
        for r in (
            http.patch("/documents/autumn.md", json=patch, headers=reader),
            http.put("/speakers/Ana Lopez", json=alias, headers=reader),
        ):
            assert r.status_code == 403 and r.json()["error"] == "Forbidden"
        release = threading.Event()
        busy = app.state.writes.submit(lambda: release.wait(30))  # the writer thread is taken
        while app.state.writes.pending:
            time.sleep(0.01)
        queued = app.state.writes.submit(lambda: None)  # and the one place in the queue
        try:
            for r in (
                http.patch("/documents/autumn.md", json=patch, headers=AUTH),
                http.put("/speakers/Ana Lopez", json=alias, headers=AUTH),
            ):
                assert r.status_code == 503 and r.json()["error"] == "Busy", r.text
        finally:
            release.set()
        busy.result(timeout=30), queued.result(timeout=30)
        assert (
            http.patch("/documents/autumn.md", json=patch, headers=AUTH).json()["metadata"]["kind"]
            == "hearing"
        )
        assert http.put("/speakers/Ana Lopez", json=alias, headers=AUTH).status_code == 200
    assert lib.document("autumn.md").metadata["kind"] == "hearing"
    lib.close()
