"""The web page, end to end: headless Debian Chromium driven by Playwright against a real
server (real model, real index) on loopback. Screenshots of each step go to
`test-artifacts/web/`."""

from __future__ import annotations

import json
import os
import re
import urllib.request
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest

from api import create_app
from rag import Library
from rag.settings import Settings

from .server import running

CHROMIUM = Path(os.environ.get("RAG_TEST_CHROMIUM", "/usr/bin/chromium"))
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts" / "web"
FIXTURES = ROOT / "tests" / "fixtures"
KEY = "page-test-key"

pytestmark = pytest.mark.model


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        pytest.skip(f"no Chromium at {CHROMIUM}: install Debian's chromium (apt-get install chromium)")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory, shared: Path, real_embedder):
    data = tmp_path_factory.mktemp("page")
    seed = shared / "corpus" / "seed" / "aliyev-interview-2024-12.txt"
    lib = Library.open(data, embedder=real_embedder)
    lib.add_file(seed, id=seed.name)
    with running(create_app(Settings(data_dir=data, api_key=KEY), library=lib)) as url:
        yield url, seed.read_bytes().decode("utf-8")
    lib.close()


@pytest.fixture
def page(browser):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(viewport={"width": 1100, "height": 900})
    page = context.new_page()
    yield page
    context.close()


def _shot(page, name: str) -> None:
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=False)


def _ask(page, question: str) -> None:
    page.get_by_label("Ask a question about the interviews").fill(question)
    page.keyboard.press("Enter")
    page.locator("#verdict:not([hidden])").wait_for()


def _api_best(url: str, question: str) -> dict:
    request = urllib.request.Request(
        url + "/ask",
        data=json.dumps({"question": question, "k": 5}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request) as response:
        return json.load(response)["passages"][0]


def test_ask_see_the_quote_then_read_it_in_context(site, page, shared: Path) -> None:
    url, text = site
    # a dev question whose best passage answers a question asked in the interview, so that the
    # page has a citation to show (which passage is best is the ranking's business: `rag eval`)
    dev = [json.loads(line) for line in (shared / "eval" / "seed_dev.jsonl").read_text().splitlines()]
    gold, best = next((g, b) for g in dev if (b := _api_best(url, g["question"]))["question"])
    page.goto(url + "/")
    _ask(page, gold["question"])
    first = page.locator(".result").first
    quote = first.locator("blockquote").inner_text()
    href = first.locator("a.citation").first.get_attribute("href")
    params = {k: int(v[0]) for k, v in parse_qs(urlparse(href).query).items() if k in ("start", "end")}
    assert text[params["start"] : params["end"]].strip() == quote.strip()
    assert (params["start"], params["end"]) == (best["start"], best["end"]), (quote, best)  # the API's best
    assert first.locator("blockquote mark").count() == 1  # the best sentence is highlighted
    assert "Answering:" in first.locator(".cited").inner_text()
    _shot(page, "1-ask")

    first.locator("a.citation").first.click()
    page.wait_for_url(re.compile(r"/view/"))
    mark = page.locator("#quoted")
    mark.wait_for()
    assert mark.inner_text() in quote or quote.strip().startswith(mark.inner_text().strip()[:40])
    assert mark.is_visible() and mark.evaluate(
        "m => { const r = m.getBoundingClientRect(); return r.top >= 0 && r.top < innerHeight; }"
    )
    assert page.locator(".turn.asked .badge").inner_text() == "Question answered"
    _shot(page, "2-in-context")

    page.get_by_role("link", name="Back to the answers").click()
    page.locator(".result").first.wait_for()
    assert page.locator(".result").first.locator("blockquote").inner_text() == quote


def test_no_answer_is_said_plainly(site, page) -> None:
    url, _ = site
    question = json.loads((ROOT / "benchmarks" / "seed_unanswerable.jsonl").read_text().splitlines()[0])
    page.goto(url + "/")
    _ask(page, question["question"])
    verdict = page.locator("#verdict")
    assert "No passage clearly answers" in verdict.inner_text()
    assert page.locator(".result.nearest").count() >= 1
    _shot(page, "3-no-answer")


def test_upload_ask_delete_with_the_api_key(site, page) -> None:
    url, _ = site
    page.goto(url + "/manage")
    page.locator("#doc-table tbody tr").first.wait_for()
    assert page.locator("#doc-table tbody tr").count() == 1

    page.set_input_files("#file", str(FIXTURES / "qa.txt"))
    page.get_by_label("This server needs an API key to change documents").wait_for()
    page.get_by_label("This server needs an API key to change documents").fill(KEY)
    page.get_by_role("button", name="Use key").click()
    row = page.locator('#doc-table tbody tr[data-id="qa.txt"]')
    row.wait_for(timeout=60_000)
    page.get_by_text(re.compile(r"qa\.txt: added \(\d+ chunks\)")).wait_for()
    cells = row.locator("td").all_inner_texts()
    assert cells[1] == "labelled" and int(cells[2]) > 0 and int(cells[3]) > 0
    _shot(page, "4-documents")

    page.get_by_role("link", name="Ask").click()
    _ask(page, "What is the hardest part of keeping the light?")
    best = page.locator(".result").first.inner_text()
    assert "winter storms" in best
    _shot(page, "5-ask-uploaded")

    page.goto(url + "/manage")
    row = page.locator('#doc-table tbody tr[data-id="qa.txt"]')
    row.wait_for()
    page.once("dialog", lambda dialog: dialog.accept())
    row.get_by_role("button").click()
    row.wait_for(state="detached")
    assert page.locator("#doc-table tbody tr").count() == 1
    _shot(page, "6-deleted")


def test_phone_width_is_readable(site, browser) -> None:
    url, _ = site
    context = browser.new_context(viewport={"width": 375, "height": 760}, is_mobile=True)
    page = context.new_page()
    page.goto(url + "/?q=" + "How much gas does Azerbaijan export?")
    page.locator(".result").first.wait_for()
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0
    _shot(page, "7-phone")
    context.close()


def test_examples_walkthrough_for_the_readme(browser, tmp_path: Path, real_embedder) -> None:
    """The README's screenshots, taken on the project's own examples (docs/screenshots/)."""
    lib = Library.open(tmp_path, embedder=real_embedder)
    lib.index_folder(ROOT / "examples")
    with running(create_app(Settings(data_dir=tmp_path), library=lib)) as url:
        for name, width, height in (("readme", 1100, 820), ("readme-phone", 390, 760)):
            context = browser.new_context(viewport={"width": width, "height": height})
            page = context.new_page()
            page.goto(url + "/")
            _ask(page, "Who pays for the dredging?")
            assert "two thirds" in page.locator(".result").first.inner_text()
            _shot(page, f"{name}-ask")
            if name == "readme":
                page.locator(".result a.citation").first.click()
                page.locator("#quoted").wait_for()
                _shot(page, f"{name}-context")
                page.goto(url + "/")
                _ask(page, "What is the price of a season ticket for the football club?")
                assert "No passage clearly answers" in page.locator("#verdict").inner_text()
                _shot(page, f"{name}-no-answer")
                page.goto(url + "/manage")
                page.locator("#doc-table tbody tr").nth(1).wait_for()
                _shot(page, f"{name}-documents")
            context.close()
    lib.close()
