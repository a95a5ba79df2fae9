"""A recording given with an upload reaches every passage of the document, at its moment."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from api import create_app
from rag import Library
from rag.settings import Settings
from tests.fakes import FakeEmbedder

from .server import running

TALK = (
    "[00:00:05] Mira Holt: When do you fire the kiln?\n"
    "[00:00:09] Tomas Reed: Every Thursday night, after supper.\n"
    "[00:01:30] Mira Holt: What glaze do you use most?\n"
    "[00:01:34] Tomas Reed: A blue ash glaze from apple wood.\n"
)


@pytest.fixture
def base(tmp_path: Path):
    lib = Library.open(tmp_path, embedder=FakeEmbedder())
    with running(create_app(Settings(data_dir=tmp_path), library=lib)) as url:
        yield url
    lib.close()


def _top(base: str) -> dict:
    body = httpx.post(f"{base}/ask", json={"question": "What glaze do you use?", "k": 1}).json()
    return body["passages"][0]


def test_json_upload_sets_the_recording_and_a_new_one_replaces_it(base: str) -> None:
    r = httpx.post(f"{base}/documents", json={"text": TALK, "id": "kiln.txt", "media_url": "/rec/kiln.mp3"})
    assert r.status_code == 201
    assert _top(base)["media_url"] == "/rec/kiln.mp3#t=94"
    assert httpx.get(f"{base}/documents/kiln.txt").json()["metadata"]["media_url"] == "/rec/kiln.mp3"
    again = {"text": TALK, "id": "kiln.txt", "media_url": "https://media.example.org/kiln.ogg"}
    assert httpx.post(f"{base}/documents", json=again).json()["status"] == "replaced"
    assert _top(base)["media_url"] == "https://media.example.org/kiln.ogg#t=94"


def test_multipart_upload_sets_the_recording(base: str) -> None:
    r = httpx.post(
        f"{base}/documents",
        files={"file": ("kiln.txt", TALK.encode())},
        data={"media_url": "https://media.example.org/kiln.wav"},
    )
    assert r.status_code == 201, r.text
    assert _top(base)["media_url"] == "https://media.example.org/kiln.wav#t=94"


def test_a_recording_that_is_no_url_is_refused(base: str) -> None:
    r = httpx.post(
        f"{base}/documents", json={"text": TALK, "id": "k.txt", "media_url": "javascript:alert(1)"}
    )
    assert r.status_code == 400
    assert r.json()["error"] == "InvalidInput" and "media_url" in r.json()["detail"]
    assert httpx.get(f"{base}/documents").json() == []
