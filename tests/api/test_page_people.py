"""The page's filters, person timeline and Questions view, in headless Chromium against a real
server (real model) on small dated transcripts written for the tests. Screenshots go to
`test-artifacts/web/`."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest

from api import create_app
from rag import Library
from rag.settings import Settings
from tests.rag.test_catalog import AUTUMN, REMARKS_A, SPRING, UNDATED

from . import test_page
from .server import running

pytestmark = pytest.mark.model
browser = test_page.browser  # the same Chromium fixture (skips without Chromium)
page = test_page.page
_shot = test_page._shot


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory, real_embedder):
    data = tmp_path_factory.mktemp("page-people")
    lib = Library.open(data, embedder=real_embedder)
    with lib.batch():
        for name, text in (("spring.md", SPRING), ("autumn.md", AUTUMN), ("hale.md", REMARKS_A)):
            lib.add_text(text, id=name)
        lib.add_text(UNDATED, id="undated.txt")
    with running(create_app(Settings(data_dir=data), library=lib)) as url:
        yield url
    lib.close()


def _submit(page, question: str) -> None:
    page.get_by_label("Ask a question about the interviews").fill(question)
    page.get_by_role("button", name="Ask", exact=True).click()
    page.locator("#verdict:not([hidden])").wait_for()


def test_person_timeline_in_date_order(site, page) -> None:
    page.goto(site + "/")
    page.locator('#speaker-names option[value="Ana Lopez"]').wait_for(state="attached")
    filters = page.locator("#ask-filters")
    filters.get_by_label("Speaker").fill("Ana Lopez")
    filters.get_by_label("Timeline: by document, in date order").check()
    _submit(page, "What did she say about the ferry?")
    groups = page.locator("#results.timeline > li.group")
    groups.first.wait_for()
    assert [g.get_attribute("data-document") for g in groups.all()] == [
        "spring.md",
        "autumn.md",
        "undated.txt",
    ]
    assert [t.inner_text() for t in page.locator("#results > li > h2 time").all()] == [
        "2021-04-05",
        "2021-10-11",
        "undated",
    ]
    speakers = set(page.locator("#results .result .speaker").all_inner_texts())
    assert speakers == {"Ana Lopez"}
    assert page.locator("#export button").count() == 3  # the timeline exports too
    assert "speaker=Ana+Lopez" in page.url and "timeline=1" in page.url
    _shot(page, "8-person-timeline")
    groups.first.locator("h2 a").click()
    page.wait_for_url(re.compile(r"/view/spring\.md"))
    page.locator("#transcript .turn").first.wait_for()


def test_date_range_and_document_filters(site, page) -> None:
    page.goto(site + "/")
    filters = page.locator("#ask-filters")
    filters.get_by_label("From").fill("2021-06-01")
    filters.get_by_label("To").fill("2021-12-31")
    _submit(page, "Will the ferry fares rise?")
    dates = page.locator("#results .result .meta time").all_inner_texts()
    assert dates and set(dates) == {"2021-10-11"}
    _shot(page, "9-date-range")
    with page.expect_download() as download:  # the export is of the answer shown: filtered
        page.locator("#export").get_by_role("button", name="CSV").click()
    rows = list(csv.DictReader(io.StringIO(Path(download.value.path()).read_text(encoding="utf-8"))))
    assert len(rows) == len(dates) and {r["document_date"] for r in rows} == {"2021-10-11"}
    page.goto(site + "/?q=ferry&document=spring.md")
    page.locator("#results .result").first.wait_for()
    assert page.locator('#ask-filters select[name="document"]').input_value() == "spring.md"
    assert set(page.locator("#results .result .meta time").all_inner_texts()) == {"2021-04-05"}


def test_questions_view(site, page) -> None:
    page.goto(site + "/")
    page.get_by_role("link", name="Questions").click()
    page.wait_for_url(re.compile(r"/asked"))
    page.locator("#asked-results .asked-item").first.wait_for()  # every question, by date
    listed = page.locator("#asked-results .asked-item .meta time").all_inner_texts()
    assert listed == sorted(listed) and "2020-01-02" in listed
    page.get_by_label("Find questions that were asked").fill("Will the fares rise?")
    page.locator("#asked-filters").get_by_label("From").fill("2021-06-01")
    page.get_by_role("button", name="Find").click()
    page.wait_for_url(re.compile(r"from=2021-06-01"))
    page.locator("#asked-status", has_text="closest first").wait_for()
    first = page.locator("#asked-results .asked-item").first
    assert "fares rise this autumn" in first.locator("blockquote").inner_text()
    assert "2021-10-11" in first.locator(".meta").inner_text()
    assert first.locator(".answer-start").inner_text().startswith("Ana Lopez: “Yes, the ferry fares rise")
    _shot(page, "10-questions")
    first.get_by_role("link", name="Read in context").click()
    page.wait_for_url(re.compile(r"/view/autumn\.md"))
    assert "fares rise this autumn" in page.locator(".turn.asked").inner_text()


def test_questions_view_filters_by_asker(site, page) -> None:
    page.goto(site + "/asked?speaker=Nobody+Here")
    page.locator("#asked-status", has_text="No questions match.").wait_for()
    assert page.locator("#asked-results .asked-item").count() == 0
