"""Document dates, kinds and tags: read from what each format says, and checked when edited."""

from __future__ import annotations

import json

import pytest

from rag.docmeta import describe, edit, parse_date
from rag.errors import InvalidInput
from rag.ingest import from_bytes, from_text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2023-06-05", "2023-06-05"),
        ("2023-06-05 19:42:01-04:00", "2023-06-05"),  # the date as written, not shifted to UTC
        ("2023-06-05T23:30:00Z", "2023-06-05"),
        ("Remarks, June 5, 2023", "2023-06-05"),
        ("Remarks -- Sept. 5, 2023", "2023-09-05"),
        ("5 June 2023 sitting", "2023-06-05"),
        ("2023-02-30", None),  # no such day
        ("episode 20230605", None),
        ("nothing here", None),
    ],
)
def test_parse_date(text: str, expected: str | None) -> None:
    assert parse_date(text) == expected


def test_front_matter_date_kind_tags_and_url() -> None:
    text = (
        "---\ntitle: Ferry Line Briefing\npublished_time: 2021-03-04 10:00:00+01:00\n"
        "tags: [Ferries, harbour]\nsource_url: https://example.org/ferry\n---\n"
        "Q: When does it sail?\nA: At noon.\n"
    )
    doc = from_text(text, id="ferry.md").document
    meta = describe(doc.metadata, title=doc.title, name=doc.id, roles=doc.roles)
    assert meta["date"] == "2021-03-04"
    assert meta["kind"] == "briefing"
    assert meta["tags"] == "ferries, harbour"
    assert meta["source_url"] == "https://example.org/ferry"


def test_date_from_the_file_name_then_the_title() -> None:
    named = describe({}, title="Untitled", name="talks/2019-11-02-harbour-talk.txt")
    assert named["date"] == "2019-11-02"
    titled = describe({}, title="Harbour Committee hearing, 2 November 2019", name="hearing.txt")
    assert titled["date"] == "2019-11-02" and titled["kind"] == "hearing"
    assert "date" not in describe({"date": "soon"}, title="A chat", name="chat.txt")


def test_html_meta_and_time_dates() -> None:
    page = (
        "<html><head><title>A podcast episode</title>"
        '<meta property="article:published_time" content="2022-08-09T08:00:00+00:00"></head>'
        "<body><p><cite>Ann:</cite> Where were you?</p><p><cite>Bo:</cite> At sea.</p></body></html>"
    )
    doc = from_bytes(page.encode(), "episode.html").document
    assert describe(doc.metadata, title=doc.title, name=doc.id)["date"] == "2022-08-09"
    timed = page.replace('<meta property="article:published_time" content="2022-08-09T08:00:00+00:00">', "")
    timed = timed.replace("<body>", '<body><time datetime="2020-01-31">Jan 31</time>')
    doc = from_bytes(timed.encode(), "episode.html").document
    assert describe(doc.metadata, title=doc.title, name=doc.id)["date"] == "2020-01-31"


def test_json_date_field() -> None:
    body = {"title": "Harbour podcast", "date": "2024-05-06", "turns": [{"speaker": "Ann", "text": "Hi?"}]}
    doc = from_bytes(json.dumps(body).encode(), "pod.json").document
    meta = describe(doc.metadata, title=doc.title, name=doc.id)
    assert meta["date"] == "2024-05-06" and meta["kind"] == "podcast"


def test_edit_checks_each_value() -> None:
    meta = edit({"date": "2020-01-01", "note": "x"}, {"date": "2021-02-03", "kind": "Meeting", "note": None})
    assert meta == {"date": "2021-02-03", "kind": "meeting"}
    assert edit({}, {"tags": ["B", "a", "b"]})["tags"] == "b, a"
    for bad in ({"date": "03/02/2021"}, {"kind": "party"}, {"source_url": "ftp://x"}, {"bad key": "x"}):
        with pytest.raises(InvalidInput):
            edit({}, bad)
