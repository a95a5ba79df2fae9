"""Exports of an answer, read back the way their users' tools read them."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from rag import InvalidInput, Library, exports
from tests.fakes import FakeEmbedder

KILN = """---
title: At the pottery kiln
date: 2024-06-02
media_url: https://media.example.org/kiln.mp3
---
[00:00:05] Mira Holt: When do you fire the kiln?
[00:00:09] Tomas Reed: Every Thursday night. It takes eleven hours to get hot, so I load it after supper.
[00:01:30] Mira Holt: What glaze do you use most?
[00:01:34] Tomas Reed: A blue ash glaze. I mix it from the ash of our own apple wood, "the old way".
"""
QUOTE = 'A blue ash glaze. I mix it from the ash of our own apple wood, "the old way".'


@pytest.fixture(scope="module")
def lib(tmp_path_factory: pytest.TempPathFactory):
    library = Library.open(tmp_path_factory.mktemp("exports"), embedder=FakeEmbedder())
    library.add_text(KILN, id="kiln.md")
    ferry = "Q: Is the ferry late?\nA: Never, on Sundays.\n\nQ: Mondays?\nA: Often.\n"
    library.add_text(ferry, id="ferry.txt")
    yield library
    library.close()


@pytest.fixture(scope="module")
def answer(lib: Library):
    found = lib.ask("What glaze do you use?", k=3)
    assert found.answerable and found[0].quote == QUOTE
    return found


@pytest.fixture(scope="module")
def nothing(lib: Library):
    found = lib.ask("Quarterly zinc tariffs in Luxembourg?", k=2)
    assert not found.answerable and found.passages
    return found


def _ris(text: str) -> list[dict[str, list[str]]]:
    records, current = [], {}
    for line in text.splitlines():
        if not line.strip():
            continue
        tag, sep, value = line.partition("  - ")
        assert sep and len(tag) == 2, line
        if tag == "ER":
            records.append(current)
            current = {}
        else:
            current.setdefault(tag, []).append(value)
    assert not current, "a record without ER"
    return records


def test_csv_has_the_columns_and_exact_quotes(answer) -> None:
    rows = list(csv.DictReader(io.StringIO(exports.render(answer, "csv"))))
    assert list(rows[0]) == list(exports.COLUMNS)
    assert len(rows) == len(answer)
    first, p = rows[0], answer[0]
    assert first["quote"] == QUOTE  # the embedded quotes and comma survive
    assert first["speaker"] == "Tomas Reed"
    assert first["question"] == "What glaze do you use most?" and first["question_speaker"] == "Mira Holt"
    assert (first["document_id"], first["document_title"]) == ("kiln.md", "At the pottery kiln")
    assert first["document_date"] == "2024-06-02"
    assert (int(first["start"]), int(first["end"])) == (KILN.index(QUOTE), KILN.index(QUOTE) + len(QUOTE))
    assert first["timestamp"] == "00:01:34"
    assert first["url"] == p.url == f"/view/kiln.md?start={p.start}&end={p.end}&asked=2"
    assert first["media_url"] == "https://media.example.org/kiln.mp3#t=94"
    assert first["answerable"] == "true"


def test_markdown_is_a_quote_sheet(answer) -> None:
    text = exports.render(answer, "markdown")
    blocks = text.split("\n\n")
    assert blocks[0] == "# What glaze do you use?"
    assert blocks[1] == f"> {QUOTE}"
    p = answer[0]
    assert blocks[2] == (
        "Tomas Reed, answering Mira Holt: “What glaze do you use most?” — "
        f"At the pottery kiln, 2024-06-02, 00:01:34, {p.url}"
    )
    assert exports.NOT_ANSWERED not in text
    assert text.count("\n> ") + text.startswith("> ") == len(answer)


def test_ris_is_one_record_per_quote(answer) -> None:
    records = _ris(exports.render(answer, "ris"))
    assert len(records) == len(answer)
    first, p = records[0], answer[0]
    assert first["TY"] == ["GEN"]
    assert first["TI"] == ["At the pottery kiln"]
    assert first["AU"] == ["Tomas Reed"]
    assert first["PY"] == ["2024"] and first["DA"] == ["2024/06/02/"]
    assert first["N1"] == [QUOTE]
    assert first["AB"] == ["Answering Mira Holt: “What glaze do you use most?”"]
    assert first["UR"] == [p.url]
    assert first["ID"] == [f"kiln.md#{p.start}-{p.end}"]
    assert "KW" not in first


def test_every_export_says_when_nothing_answers(nothing) -> None:
    rows = list(csv.DictReader(io.StringIO(exports.render(nothing, "csv"))))
    assert rows and {r["answerable"] for r in rows} == {"false"}
    assert f"_{exports.NOT_ANSWERED}_" in exports.render(nothing, "markdown").split("\n\n")[1]
    assert all(r["KW"] == ["nearest passage, not an answer"] for r in _ris(exports.render(nothing, "ris")))
    assert json.loads(exports.render(nothing, "json"))["answerable"] is False


def test_json_is_the_ask_shape(answer) -> None:
    body = json.loads(exports.render(answer, "json"))
    assert body["passages"][0]["quote"] == QUOTE and body["passages"][0]["url"] == answer[0].url
    assert body["similarity"] == body["evidence"]["similarity"]


def test_a_passage_without_speakers_or_date_cites_what_it_has(lib: Library) -> None:
    p = lib.ask("Is the ferry late?", k=1)[0]
    assert exports.citation(p) == f"Answering: “Is the ferry late?” — ferry.txt, {p.url}"


def test_an_unknown_format_is_invalid_input(answer, tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match="one of json, csv, markdown, ris"):
        exports.render(answer, "docx")
