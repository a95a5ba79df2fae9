"""The page's Copy citation and Export, and the recording played from the quote: headless
Debian Chromium against a real server, with a WAV file this test writes."""

from __future__ import annotations

import csv
import http.server
import io
import re
import threading
import wave
from pathlib import Path

import pytest

from api import create_app
from rag import Library, exports
from rag.settings import Settings
from tests.fakes import FakeEmbedder

from .server import running
from .test_page import CHROMIUM, FLAGS

KILN = """---
title: At the pottery kiln
date: 2024-06-02
---
[00:00:05] Mira Holt: When do you fire the kiln?
[00:00:09] Tomas Reed: Every Thursday night. It takes eleven hours to get hot, so I load it after supper.
[00:00:20] Mira Holt: What glaze do you use most?
[00:00:24] Tomas Reed: A blue ash glaze. I mix it from the ash of our own apple wood.
"""
QUESTION = "What glaze do you use?"
QUOTE = "A blue ash glaze. I mix it from the ash of our own apple wood."


def _silence(path: Path, seconds: int = 40, rate: int = 8000) -> None:
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(1)
        w.setframerate(rate)
        w.writeframes(b"\x80" * rate * seconds)


class _Ranges(http.server.BaseHTTPRequestHandler):
    """One file with byte ranges, as media hosts serve recordings (a browser seeks with them)."""

    data = b""

    def do_GET(self) -> None:
        first, last = 0, len(self.data) - 1
        asked = re.fullmatch(r"bytes=(\d+)-(\d*)", self.headers.get("Range", ""))
        if asked:
            first, last = int(asked[1]), int(asked[2] or last)
        self.send_response(206 if asked else 200)
        self.send_header("Content-Type", "audio/wav")
        self.send_header("Accept-Ranges", "bytes")
        self.send_header("Content-Length", str(last - first + 1))
        if asked:
            self.send_header("Content-Range", f"bytes {first}-{last}/{len(self.data)}")
        self.end_headers()
        self.wfile.write(self.data[first : last + 1])

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def media(tmp_path_factory: pytest.TempPathFactory):
    """The recording on another port, as a media host would serve it."""
    path = tmp_path_factory.mktemp("media") / "kiln.wav"
    _silence(path)
    handler = type("Kiln", (_Ranges,), {"data": path.read_bytes()})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/kiln.wav"
    server.shutdown()


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory, media: str):
    data = tmp_path_factory.mktemp("site")
    lib = Library.open(data, embedder=FakeEmbedder())
    lib.add_text(KILN.replace("date: 2024-06-02", f"date: 2024-06-02\nmedia_url: {media}"), id="kiln.md")
    with running(create_app(Settings(data_dir=data), library=lib)) as url:
        yield url
    lib.close()


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        pytest.skip(f"no Chromium at {CHROMIUM}: install Debian's chromium (apt-get install chromium)")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, site: str):
    context = browser.new_context(permissions=["clipboard-read", "clipboard-write"], accept_downloads=True)
    page = context.new_page()
    page.goto(f"{site}/?q={QUESTION}")
    page.locator(".result").first.wait_for()
    yield page
    context.close()


def test_copy_citation_puts_the_quote_and_its_citation_on_the_clipboard(page) -> None:
    first = page.locator(".result").first
    assert first.locator("blockquote").inner_text() == QUOTE
    first.get_by_role("button", name="Copy citation").click()
    page.get_by_role("button", name="Copied").wait_for()
    copied = page.evaluate("navigator.clipboard.readText()")
    quote, citation = copied.split("\n")
    assert quote == f"“{QUOTE}”"
    assert citation.startswith(
        "Tomas Reed, answering Mira Holt: “What glaze do you use most?” — "
        "At the pottery kiln, 2024-06-02, 00:00:24, /view/kiln.md?"
    )


@pytest.mark.parametrize("label", ["CSV", "Markdown", "RIS"])
def test_export_saves_what_the_server_renders(page, label: str, tmp_path: Path) -> None:
    with page.expect_download() as download:
        page.locator("#export").get_by_role("button", name=label).click()
    saved = tmp_path / download.value.suggested_filename
    download.value.save_as(saved)
    text = saved.read_text(encoding="utf-8")
    if label == "CSV":
        assert saved.name == "answer.csv"
        rows = list(csv.DictReader(io.StringIO(text)))
        assert tuple(rows[0]) == exports.COLUMNS and rows[0]["quote"] == QUOTE
        assert rows[0]["media_url"].endswith("/kiln.wav#t=24")
    elif label == "Markdown":
        assert saved.name == "answer.md" and f"> {QUOTE}\n" in text
    else:
        assert saved.name == "answer.ris" and f"N1  - {QUOTE}" in text.splitlines()


def test_the_transcript_plays_from_the_quote_and_each_timestamp_seeks(page, media: str) -> None:
    first = page.locator(".result").first
    assert first.get_by_role("link", name="Listen from here").get_attribute("href") == f"{media}#t=24"
    first.locator("a.citation").first.click()
    page.locator("#quoted").wait_for()
    player = page.locator("audio#media")
    assert player.get_attribute("src") == media
    page.wait_for_function("() => document.querySelector('#media').readyState >= 1")
    page.wait_for_function("() => Math.abs(document.querySelector('#media').currentTime - 24) < 1")
    page.get_by_role("link", name="Play from 00:00:05").click()
    page.wait_for_function("() => Math.abs(document.querySelector('#media').currentTime - 5) < 1.5")
    assert page.locator("a.ts").count() == 4
