"""Issue 16, item 5: collections, separate libraries under one root behind one server, with
keys limited to collections. A key sees only its own collections: another's documents, its
name and its page's data all answer exactly like a collection that does not exist."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

from api import create_app
from rag import Library
from rag.settings import Settings
from tests.fakes import FakeEmbedder

from . import test_page
from .server import running

A_KEY, B_KEY, ADMIN = "alpha-s3cret", "bravo-s3cret", "admin-s3cret"
HARBOUR = "Q: Where does the ferry dock?\nA: The ferry docks at the north harbour.\n"
ORCHARD = "Q: What grows in the orchard?\nA: The orchard grows late pears.\n"
DEFAULT_TEXT = "Q: Who keeps the lighthouse?\nA: My aunt keeps the lighthouse.\n"


def _auth(secret: str) -> dict[str, str]:
    return {"authorization": f"Bearer {secret}"}


def keys_json() -> str:
    return json.dumps(
        [
            {"name": "alpha", "scope": "write", "key": A_KEY, "collections": ["a"]},
            {"name": "bravo", "scope": "read", "key": B_KEY, "collections": ["b"]},
            {"name": "admin", "scope": "write", "key": ADMIN},
        ]
    )


def make_root(root: Path, embedder) -> None:
    """Two collections (`a`, `b`) and the default one, each with one transcript."""
    for name, text, doc in (
        ("a", HARBOUR, "harbour"),
        ("b", ORCHARD, "orchard"),
        ("default", DEFAULT_TEXT, "light"),
    ):
        lib = Library.open(root / name, embedder=embedder)
        lib.add_text(text, id=doc)
        lib.close()


@pytest.fixture
def site(tmp_path: Path):
    make_root(tmp_path, FakeEmbedder())
    settings = Settings(
        data_dir=tmp_path / "default", root=tmp_path, api_keys=keys_json(), protect_reads=True
    )
    lib = Library.open(tmp_path / "default", embedder=FakeEmbedder())
    with running(create_app(settings, library=lib)) as url:
        yield url
    lib.close()


def _ids(url: str, collection: str, secret: str) -> httpx.Response:
    return httpx.get(f"{url}/collections/{collection}/documents", headers=_auth(secret))


def test_each_key_sees_only_its_own_collection(site) -> None:
    a = _ids(site, "a", A_KEY)
    assert a.status_code == 200 and [d["id"] for d in a.json()] == ["harbour"]
    b = _ids(site, "b", B_KEY)
    assert b.status_code == 200 and [d["id"] for d in b.json()] == ["orchard"]
    assert (
        httpx.get(f"{site}/collections/a/documents/harbour", headers=_auth(A_KEY)).json()["text"] == HARBOUR
    )


def test_another_collection_answers_like_one_that_does_not_exist(site) -> None:
    nowhere = _ids(site, "nowhere", A_KEY)
    assert nowhere.status_code == 404
    for path in ("documents", "documents/orchard", "speakers", "questions?q=pears"):
        other = httpx.get(f"{site}/collections/b/{path}", headers=_auth(A_KEY))
        missing = httpx.get(f"{site}/collections/nowhere/{path}", headers=_auth(A_KEY))
        assert other.status_code == missing.status_code == 404, path
        assert other.json()["error"] == missing.json()["error"]
        assert "orchard" not in other.text and "pears" not in other.text
    asked = httpx.post(f"{site}/collections/b/ask", json={"question": "What grows?"}, headers=_auth(A_KEY))
    assert asked.status_code == 404 and "pears" not in asked.text
    # nor the default collection, which a scoped key was not given
    assert httpx.get(f"{site}/documents", headers=_auth(B_KEY)).status_code == 404


def test_listing_names_only_the_visible_collections(site) -> None:
    def names(secret: str) -> list[str]:
        response = httpx.get(f"{site}/collections", headers=_auth(secret))
        assert response.status_code == 200
        return response.json()["collections"]

    assert names(A_KEY) == ["a"]
    assert names(B_KEY) == ["b"]
    assert names(ADMIN) == ["a", "b", "default"]
    assert httpx.get(f"{site}/collections").status_code == 401


def test_ask_answers_from_the_collection_only(site) -> None:
    body = {"question": "Where does the ferry dock?", "k": 5}
    answer = httpx.post(f"{site}/collections/a/ask", json=body, headers=_auth(A_KEY)).json()
    assert {p["document_id"] for p in answer["passages"]} == {"harbour"}
    default = httpx.post(f"{site}/ask", json=body, headers=_auth(ADMIN)).json()
    assert {p["document_id"] for p in default["passages"]} == {"light"}


def test_writes_stay_in_their_collection_and_a_first_write_creates_one(site, tmp_path: Path) -> None:
    added = httpx.post(
        f"{site}/collections/a/documents", json={"text": ORCHARD, "id": "pears"}, headers=_auth(A_KEY)
    )
    assert added.status_code == 201, added.text
    assert sorted(d["id"] for d in _ids(site, "a", A_KEY).json()) == ["harbour", "pears"]
    assert [d["id"] for d in _ids(site, "b", B_KEY).json()] == ["orchard"]
    # a read key cannot write to its own collection; a key cannot create one it was not given
    read_only = httpx.post(f"{site}/collections/b/documents", json={"text": HARBOUR}, headers=_auth(B_KEY))
    assert read_only.status_code == 403
    other = httpx.post(f"{site}/collections/c/documents", json={"text": HARBOUR}, headers=_auth(A_KEY))
    assert other.status_code == 404 and not (tmp_path / "c").exists()
    made = httpx.post(
        f"{site}/collections/c/documents", json={"text": HARBOUR, "id": "h"}, headers=_auth(ADMIN)
    )
    assert made.status_code == 201 and (tmp_path / "c" / "library.sqlite3").is_file()
    assert [d["id"] for d in _ids(site, "c", ADMIN).json()] == ["h"]
    # background jobs belong to the default collection: asked for under one, a clear 400
    job = httpx.post(
        f"{site}/collections/a/documents?background=true", json={"text": HARBOUR}, headers=_auth(A_KEY)
    )
    assert job.status_code == 400 and job.json()["error"] == "BackgroundNotHere"


def test_bad_collection_names_are_not_found(site) -> None:
    for name in ("UPPER", "a..b", "a.b", "-x", "x" * 65):
        response = httpx.post(
            f"{site}/collections/{name}/documents", json={"text": HARBOUR}, headers=_auth(ADMIN)
        )
        assert response.status_code == 404, name


def test_without_a_root_only_the_default_collection_exists(tmp_path: Path) -> None:
    lib = Library.open(tmp_path, embedder=FakeEmbedder())
    lib.add_text(DEFAULT_TEXT, id="light")
    with running(create_app(Settings(data_dir=tmp_path), library=lib)) as url:
        assert httpx.get(f"{url}/collections").json() == {"collections": ["default"]}
        assert httpx.get(f"{url}/collections/a/documents").status_code == 404
        assert [d["id"] for d in httpx.get(f"{url}/collections/default/documents").json()] == ["light"]
        assert httpx.get(f"{url}/documents").status_code == 200
    lib.close()


# -- the page: under /collections/{name}/ it calls that collection's API -----------------------

browser = test_page.browser  # headless Chromium (skips without it or without playwright)
page = test_page.page


def test_the_page_under_a_collection_shows_only_what_its_key_may_see(site, page, tmp_path: Path) -> None:
    page.goto(site + "/collections/a/manage")
    page.get_by_label("This server needs an API key to change documents").fill(A_KEY)
    page.get_by_role("button", name="Use key").click()
    page.locator('#doc-table tbody tr[data-id="harbour"]').wait_for()
    assert page.locator("#doc-table tbody tr").count() == 1
    assert page.get_by_role("link", name="Documents").get_attribute("href") == "/collections/a/manage"
    test_page._shot(page, "collections-1-a")

    page.get_by_role("link", name="harbour").click()  # the document opens in its collection
    page.locator("#transcript").get_by_text("north harbour").wait_for()
    assert page.url.startswith(site + "/collections/a/view/harbour")

    upload = tmp_path / "pears.txt"  # an upload lands in the collection, indexed at once
    upload.write_text(ORCHARD, encoding="utf-8")
    page.goto(site + "/collections/a/manage")
    page.set_input_files("#file", str(upload))
    page.locator('#doc-table tbody tr[data-id="pears.txt"]').wait_for()
    assert "pears.txt" in [d["id"] for d in _ids(site, "a", A_KEY).json()]
    assert [d["id"] for d in _ids(site, "b", B_KEY).json()] == ["orchard"]

    # the same key, the same tab, collection b: the page gets the not-found state, no data
    page.goto(site + "/collections/b/manage")
    status = page.locator("#manage-status")
    status.get_by_text("there is no collection 'b'").wait_for()
    assert page.locator("#doc-table tbody tr").count() == 0
    test_page._shot(page, "collections-2-b-hidden")
    page.goto(site + "/collections/b/view/orchard")
    page.locator("#doc-status").get_by_text("no collection").wait_for()
    assert "late pears" not in page.locator("#transcript").inner_text()
