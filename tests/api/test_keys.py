"""Issue 18, item 8: named keys with a scope, compared in constant time, named in the access
log and never shown; a read key cannot write."""

from __future__ import annotations

import hmac
import json
import logging
import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from api import create_app
from api.keys import KeyRing, parse_keys
from rag import Library
from rag.errors import InvalidInput
from rag.settings import Settings
from tests.fakes import FakeEmbedder

from .server import KEY, QA, running

READER, WRITER = "r3ad-only-s3cret", "wr1te-s3cret"
ROOT = Path(__file__).resolve().parents[2]


def _bearer(secret: str) -> dict[str, str]:
    return {"authorization": f"Bearer {secret}"}


@pytest.fixture
def site(tmp_path: Path):
    settings = Settings(
        data_dir=tmp_path, api_key=KEY, api_keys=f"ann:read:{READER},bob:write:{WRITER}", protect_reads=True
    )
    lib = Library.open(tmp_path, embedder=FakeEmbedder())
    lib.add_text(QA, id="ferry")
    with running(create_app(settings, library=lib)) as url:
        yield url
    lib.close()


def _problem(r: httpx.Response, status: int) -> dict:
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/json")
    return r.json()


def test_a_read_key_reads_but_cannot_write(site: str) -> None:
    with httpx.Client(base_url=site, timeout=30) as http:
        read = _bearer(READER)
        assert http.get("/documents", headers=read).status_code == 200
        assert http.post("/ask", json={"question": "ferry"}, headers=read).status_code == 200
        assert http.get("/readyz", headers=read).status_code == 200
        for r in (
            http.post("/documents", json={"text": QA, "id": "x"}, headers=read),
            http.delete("/documents/ferry", headers=read),
            http.post("/reindex", headers=read),
        ):
            body = _problem(r, 403)
            assert body["error"] == "Forbidden" and "ann" in body["detail"] and READER not in r.text
        assert [d["id"] for d in http.get("/documents", headers=read).json()] == ["ferry"]


@pytest.mark.parametrize("secret", [WRITER, KEY], ids=["named write key", "RAG_API_KEY"])
def test_a_write_key_writes_and_reads(site: str, secret: str) -> None:
    with httpx.Client(base_url=site, timeout=30) as http:
        auth = _bearer(secret)
        assert http.post("/documents", json={"text": QA, "id": "w"}, headers=auth).status_code == 201
        assert http.get("/documents/w", headers=auth).status_code == 200
        assert http.delete("/documents/w", headers=auth).status_code == 204


def test_no_key_or_a_wrong_one_is_a_401(site: str) -> None:
    with httpx.Client(base_url=site, timeout=30) as http:
        for headers in ({}, _bearer("nope"), _bearer(READER + "x"), _bearer(READER[:-1])):
            _problem(http.get("/documents", headers=headers), 401)
            _problem(http.post("/documents", json={"text": QA}, headers=headers), 401)
        assert http.get("/healthz").status_code == 200


def test_the_access_log_names_the_key_never_the_secret(site: str, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="api.access"), httpx.Client(base_url=site, timeout=30) as http:
        http.get("/documents", headers=_bearer(READER))
        http.post("/documents", json={"text": QA, "id": "w"}, headers=_bearer(WRITER))
        http.get("/documents", headers=_bearer("wrong-secret"))
        deadline = time.monotonic() + 5  # the server logs a request after answering it
        while sum(r.name == "api.access" for r in caplog.records) < 3 and time.monotonic() < deadline:
            time.sleep(0.02)
    access = [r for r in caplog.records if r.name == "api.access"]
    assert [(r.status, r.key) for r in access] == [(200, "ann"), (201, "bob"), (401, None)]
    for record in caplog.records:
        text = json.dumps(record.__dict__, default=str)
        assert READER not in text and WRITER not in text and "wrong-secret" not in text


def test_every_key_is_compared_in_constant_time(monkeypatch: pytest.MonkeyPatch) -> None:
    ring = KeyRing(tuple(parse_keys("a:read:one1,b:write:two2,c:read:three3", "test")))
    calls: list[tuple[bytes, bytes]] = []
    real = hmac.compare_digest

    def counting(a: bytes, b: bytes) -> bool:
        calls.append((a, b))
        return real(a, b)

    monkeypatch.setattr(hmac, "compare_digest", counting)
    for given, name in (("one1", "a"), ("two2", "b"), ("three3", "c"), ("four", None)):
        calls.clear()
        found = ring.find(given)
        assert (found.name if found else None) == name
        assert len(calls) == 3  # all keys, whichever matched
        assert all(len(a) == len(b) == 32 for a, b in calls)  # digests: the length says nothing


def test_keys_come_from_a_list_json_and_a_file(tmp_path: Path) -> None:
    keys_file = tmp_path / "keys"
    keys_file.write_text("# team keys\ncarol:read:c-secret\n\ndave:write:d:secret:with:colons\n")
    settings = Settings(
        data_dir=tmp_path,
        api_key=KEY,
        api_keys=json.dumps([{"name": "eve", "scope": "read", "key": "e-secret", "collections": ["x"]}]),
        api_keys_file=keys_file,
    )
    ring = KeyRing.from_settings(settings)
    assert [(k.name, k.scope) for k in ring.keys] == [
        ("default", "write"),
        ("eve", "read"),
        ("carol", "read"),
        ("dave", "write"),
    ]
    assert ring.find("d:secret:with:colons").name == "dave"
    assert ring.keys[1].collections == ("x",)  # kept for a later per-collection scope
    assert "e-secret" not in repr(ring) and "c-secret" not in repr(ring)


@pytest.mark.parametrize(
    ("keys", "message"),
    [
        ("", "empty"),
        ("ann:admin:s3cret", "scope"),
        ("ann:read:", "empty"),
        ("ann:read", "empty"),
        (":read:s3cret", "name"),
        ("a b:read:s3cret", "name"),
        ("ann:read:s3cret,ann:write:other1", "twice"),
        ("ann:read:s3cret,bob:write:s3cret", "same secret"),
        ("ann:read:s3 cret", "spaces"),
        ('[{"name": "ann", "scope": "read"}]', "empty"),
        ('[{"name": "ann", "scope": "read", "key": "s3cret", "role": "x"}]', "object"),
        ("[not json", "JSON"),
        (",", "no keys"),
    ],
)
def test_a_malformed_key_list_is_refused_at_start_without_showing_a_secret(
    tmp_path: Path, keys: str, message: str
) -> None:
    settings = Settings(data_dir=tmp_path, api_keys=keys)
    with pytest.raises(InvalidInput, match=message) as caught:
        create_app(settings, library=Library.open(tmp_path, embedder=FakeEmbedder()))
    assert "s3cret" not in str(caught.value) and "other1" not in str(caught.value)


def test_a_missing_keys_file_is_refused_at_start(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match="cannot be read"):
        KeyRing.from_settings(Settings(data_dir=tmp_path, api_keys_file=tmp_path / "missing"))


def test_read_keys_only_close_writes_to_everyone(tmp_path: Path) -> None:
    """Any key configured means writes need a write key: with read keys alone, none can write."""
    lib = Library.open(tmp_path, embedder=FakeEmbedder())
    app = create_app(Settings(data_dir=tmp_path, api_keys=f"ann:read:{READER}"), library=lib)
    with running(app) as url, httpx.Client(base_url=url, timeout=30) as http:
        assert http.get("/documents").status_code == 200  # reads open: not protected
        _problem(http.post("/documents", json={"text": QA}), 401)
        _problem(http.post("/documents", json={"text": QA}, headers=_bearer(READER)), 403)
    lib.close()


@pytest.mark.parametrize(
    "env",
    [{"RAG_API_KEYS": "ann:admin:s3cret"}, {"RAG_API_KEYS_FILE": "/nonexistent/keys"}],
    ids=["bad scope", "missing file"],
)
def test_rag_serve_refuses_bad_keys_in_one_line(tmp_path: Path, env: dict[str, str]) -> None:
    r = subprocess.run(
        [sys.executable, "-c", "from rag.cli import main; main()", "serve", "--port", "0"],
        capture_output=True,
        text=True,
        env={**os.environ, "RAG_DATA_DIR": str(tmp_path), **env},
        cwd=ROOT,
        timeout=120,
    )
    assert r.returncode == 1 and "Traceback" not in r.stderr, r.stderr
    assert len(r.stderr.strip().splitlines()) == 1 and "s3cret" not in r.stderr
