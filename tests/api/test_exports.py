"""`POST /ask` speaks the exports by `Accept`, through a real server."""

from __future__ import annotations

import csv
import io

import httpx
import pytest

from api import create_app
from rag import Library, exports
from rag.settings import Settings
from tests.fakes import FakeEmbedder

from .server import running

KILN = """---
title: At the pottery kiln
date: 2024-06-02
---
Mira Holt: What glaze do you use most?

Tomas Reed: A blue ash glaze, mixed from the ash of our own apple wood.

Mira Holt: When do you fire the kiln?

Tomas Reed: Every Thursday night.
"""
ASK = {"question": "What glaze do you use?", "k": 2}


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory):
    data = tmp_path_factory.mktemp("exports")
    lib = Library.open(data, embedder=FakeEmbedder())
    lib.add_text(KILN, id="kiln.md")
    with running(create_app(Settings(data_dir=data), library=lib)) as url:
        yield url
    lib.close()


@pytest.mark.parametrize(
    ("accept", "media_type"),
    [
        ("text/csv", "text/csv; charset=utf-8"),
        ("text/markdown", "text/markdown; charset=utf-8"),
        ("application/x-research-info-systems", "application/x-research-info-systems"),
        ("application/json", "application/json"),
        ("text/csv;q=0.5, application/json", "application/json"),
        ("text/html, text/markdown;q=0.9", "text/markdown; charset=utf-8"),
        ("image/png", "application/json"),
        ("", "application/json"),
    ],
)
def test_accept_picks_the_export(base: str, accept: str, media_type: str) -> None:
    r = httpx.post(f"{base}/ask", json=ASK, headers={"accept": accept})
    assert r.status_code == 200
    assert r.headers["content-type"] == media_type


def test_csv_over_http_parses_and_matches_json(base: str) -> None:
    body = httpx.post(f"{base}/ask", json=ASK).json()
    r = httpx.post(f"{base}/ask", json=ASK, headers={"accept": "text/csv"})
    assert r.headers["content-disposition"] == 'attachment; filename="answer.csv"'
    assert r.headers["x-answerable"] == "true"
    rows = list(csv.DictReader(io.StringIO(r.text)))
    assert list(rows[0]) == list(exports.COLUMNS)
    assert [row["quote"] for row in rows] == [p["quote"] for p in body["passages"]]
    assert [row["url"] for row in rows] == [p["url"] for p in body["passages"]]
    top = body["passages"][0]
    assert top["citation"] == (
        "Tomas Reed, answering Mira Holt: “What glaze do you use most?” — "
        f"At the pottery kiln, 2024-06-02, {top['url']}"
    )


def test_a_bad_question_is_still_a_json_error(base: str) -> None:
    r = httpx.post(f"{base}/ask", json={"question": ""}, headers={"accept": "text/csv"})
    assert r.status_code == 422 and r.json()["error"] == "InvalidRequest"


def test_nothing_answers_says_so_in_the_export(base: str) -> None:
    question = {"question": "Quarterly zinc tariffs in Luxembourg?", "k": 2}
    r = httpx.post(f"{base}/ask", json=question, headers={"accept": "text/markdown"})
    assert r.headers["x-answerable"] == "false"
    assert exports.NOT_ANSWERED in r.text
