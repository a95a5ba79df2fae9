"""Issue 18, item 1: nothing is read before it is allowed, and no body is read past its limit.
A real server in its own process; bodies streamed chunked (no Content-Length) far over the
limit; the server's memory read from /proc while it answers."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from .server import AUTH, KEY
from .streaming import Streamed, rss_mb, server_process, stream

UPLOAD_LIMIT = 1_000_000
HUGE = 200 * 1024 * 1024  # what the client would send; the server must stop long before
FILLER = b"a" * 65536
SLACK = 16 * 1024 * 1024  # loopback socket buffers: what may be in flight when the server answers
MAX_GROWTH_MB = 40


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, int]]:
    env = {
        "RAG_API_KEY": KEY,
        "RAG_MAX_UPLOAD_BYTES": str(UPLOAD_LIMIT),
        "RAG_MAX_QUESTION_CHARS": "2000",
    }
    with server_process(tmp_path_factory.mktemp("limits"), env) as url_pid:
        yield url_pid


@pytest.fixture(scope="module")
def protected(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, int]]:
    env = {"RAG_API_KEY": KEY, "RAG_PROTECT_READS": "true"}
    with server_process(tmp_path_factory.mktemp("protected"), env) as url_pid:
        yield url_pid


def _problem(r: Streamed, status: int) -> dict:
    assert r.status == status, (r.status, r.body[:300])
    assert r.headers["content-type"].startswith("application/json")
    body = r.json()
    assert isinstance(body["error"], str) and body["detail"]
    return body


def _stopped_early(r: Streamed, limit: int, pid: int, before: float) -> None:
    assert r.sent <= limit + SLACK, f"the server read {r.sent} bytes before answering"
    assert r.seconds < 10
    growth = rss_mb(pid) - before
    print(
        f"answered {r.status} after {r.sent / 2**20:.1f} MiB in {r.seconds:.2f} s; "
        f"server RSS +{growth:.1f} MB"
    )
    assert growth < MAX_GROWTH_MB, f"the server grew by {growth:.0f} MB"


def test_a_chunked_question_far_over_the_limit_is_a_413_at_once(server: tuple[str, int]) -> None:
    url, pid = server
    before = rss_mb(pid)
    r = stream(
        url,
        "/ask",
        first=b'{"question": "',
        filler=FILLER,
        total=HUGE,
        headers={"content-type": "application/json"},
    )
    _problem(r, 413)
    _stopped_early(r, 1024 * 1024, pid, before)
    assert httpx.post(f"{url}/ask", json={"question": "ferry"}).status_code == 200  # still serving


def test_a_declared_oversize_question_is_refused_before_reading(server: tuple[str, int]) -> None:
    url, pid = server
    before = rss_mb(pid)
    r = stream(
        url,
        "/ask",
        first=b'{"question": "',
        filler=FILLER,
        total=HUGE,
        chunked=False,
        headers={"content-type": "application/json"},
    )
    _problem(r, 413)
    _stopped_early(r, 0, pid, before)


def test_the_question_limit_is_near_the_character_limit(server: tuple[str, int]) -> None:
    """The longest question and the most filters of the longest ids fit even with every
    character escaped (12 bytes for an emoji); far more is a 413."""
    url, _ = server
    item = b'"' + b"\\u00e9" * 255 + b'"'
    items = b", ".join([item] * 100)
    escaped = (
        b'{"question": "'
        + b"\\ud83d\\ude00" * 2000
        + b'", "k": 3, "documents": ['
        + items
        + b'], "speakers": ['
        + items
        + b"]}"
    )
    assert len(escaped) > 300_000
    r = httpx.post(f"{url}/ask", content=escaped, headers={"content-type": "application/json"})
    assert r.status_code == 200, r.text
    r = httpx.post(f"{url}/ask", json={"question": "ferry " * 100_000})
    assert r.status_code == 413 and r.json()["error"] == "TooLarge", r.text


@pytest.mark.parametrize("kind", ["json", "multipart"])
def test_a_chunked_upload_far_over_the_limit_is_a_413_at_once(server: tuple[str, int], kind: str) -> None:
    url, pid = server
    before = rss_mb(pid)
    if kind == "json":
        first, ctype = b'{"id": "big", "text": "', "application/json"
    else:
        first = b'--XyZ\r\ncontent-disposition: form-data; name="file"; filename="big.txt"\r\n\r\nQ: a?\nA: '
        ctype = "multipart/form-data; boundary=XyZ"
    r = stream(
        url, "/documents", first=first, filler=FILLER, total=HUGE, headers={"content-type": ctype, **AUTH}
    )
    assert "1000000 bytes" in _problem(r, 413)["detail"]
    _stopped_early(r, UPLOAD_LIMIT, pid, before)
    assert [d["id"] for d in httpx.get(f"{url}/documents").json()] == ["ferry"]


def test_a_write_without_a_key_is_a_401_before_its_body_is_read(server: tuple[str, int]) -> None:
    url, pid = server
    before = rss_mb(pid)
    r = stream(
        url,
        "/documents",
        first=b'{"text": "',
        filler=FILLER,
        total=HUGE,
        headers={"content-type": "application/json"},
    )
    _problem(r, 401)
    _stopped_early(r, 0, pid, before)


def test_a_protected_read_without_a_key_is_a_401_before_its_body_is_read(protected: tuple[str, int]) -> None:
    url, pid = protected
    before = rss_mb(pid)
    r = stream(
        url,
        "/ask",
        first=b'{"question": "',
        filler=FILLER,
        total=HUGE,
        headers={"content-type": "application/json"},
    )
    _problem(r, 401)
    _stopped_early(r, 0, pid, before)
    ok = httpx.post(f"{url}/ask", json={"question": "ferry"}, headers=AUTH)
    assert ok.status_code == 200, ok.text


def test_a_small_upload_in_chunks_still_works(server: tuple[str, int]) -> None:
    url, _ = server

    def parts() -> Iterator[bytes]:
        yield b'{"id": "chunked", "text": "Q: Is the ferry late?\\n'
        yield b'A: The ferry is never late."}'

    r = httpx.post(f"{url}/documents", content=parts(), headers={"content-type": "application/json", **AUTH})
    assert r.status_code == 201, r.text
    assert httpx.delete(f"{url}/documents/chunked", headers=AUTH).status_code == 204


def test_a_multipart_spool_to_disk_stops_at_the_limit(tmp_path: Path) -> None:
    """Multipart parts spool to a temp file past 1 MB: with a 5 MB limit, reading (and so the
    spool) still stops at the limit."""
    env = {"RAG_API_KEY": KEY, "TMPDIR": str(tmp_path), "RAG_MAX_UPLOAD_BYTES": str(5 * UPLOAD_LIMIT)}
    with server_process(tmp_path / "data", env) as (url, pid):
        before = rss_mb(pid)
        first = b'--XyZ\r\ncontent-disposition: form-data; name="file"; filename="big.txt"\r\n\r\nQ: a?\nA: '
        headers = {"content-type": "multipart/form-data; boundary=XyZ", **AUTH}
        r = stream(url, "/documents", first=first, filler=FILLER, total=HUGE, headers=headers)
        assert "5000000 bytes" in _problem(r, 413)["detail"]
        _stopped_early(r, 5 * UPLOAD_LIMIT, pid, before)
