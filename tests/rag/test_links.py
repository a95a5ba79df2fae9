"""Permalinks, passage ids and the moment in the recording, from the text to the passage."""

from __future__ import annotations

from pathlib import Path

import pytest

from rag import InvalidInput, Library, links
from rag.ingest import from_bytes, from_text, with_media
from tests.fakes import FakeEmbedder


def test_permalinks_are_paths_or_absolute_under_the_public_url() -> None:
    assert links.permalink("kiln.md", 3, 9) == "/view/kiln.md?start=3&end=9"
    assert links.permalink("a b/ø.txt", 3, 9, asked=2) == "/view/a%20b/%C3%B8.txt?start=3&end=9&asked=2"
    assert (
        links.permalink("x", 1, 2, base="https://q.example.org/")
        == "https://q.example.org/view/x?start=1&end=2"
    )


@pytest.mark.parametrize(
    ("clock", "seconds"),
    [
        ("00:01:34", 94),
        ("1:02:03", 3723),
        ("12:31", 751),
        ("94", 94),
        ("00:00:19,080", 19),
        ("soon", None),
        ("", None),
    ],
)
def test_seconds(clock: str, seconds: int | None) -> None:
    assert links.seconds(clock) == seconds


def test_the_moment_is_a_media_fragment_of_a_playable_url() -> None:
    assert links.moment("https://m.example.org/a.mp3", "00:01:34") == "https://m.example.org/a.mp3#t=94"
    assert links.moment("/rec/a.wav#t=5", "00:00:09") == "/rec/a.wav#t=9"
    assert links.moment("/rec/a.wav", None) == "/rec/a.wav"
    for bad in ("javascript:alert(1)", "//evil.example.org/a.mp3", "data:audio/wav;base64,AAAA", "", None):
        assert links.moment(bad, "00:00:01") is None


def test_passage_ids_round_trip_and_refuse_what_is_no_id() -> None:
    pid = links.passage_id("boats/ferry 2.txt", 10, 42)
    assert links.parse_passage_id(pid) == ("boats/ferry 2.txt", 10, 42)
    for bad in ("ferry.txt", "ferry.txt#9", "ferry.txt#9-3", "#1-2", "ferry.txt#a-b"):
        with pytest.raises(InvalidInput):
            links.parse_passage_id(bad)


FRONT = """---
title: Kiln
date: 2024-06-02
media_url: /rec/kiln.wav
---
[00:00:05] Ann: Why fire it at night?
[00:00:09] Bo: The heat. Days are too warm in the shed.
[00:00:20] Ann: And the glaze?
[00:00:24] Bo: Blue ash, from apple wood.
"""
JSON = (
    '{"audio_url": "https://m.example.org/k.mp3", "turns": [{"speaker": "Ann", "text": "Why?", "start": 3}]}'
)
HTML = (
    "<html><head><title>Kiln</title></head><body><video controls><source src='/rec/kiln.webm'></video>"
    "<p><cite>Ann:</cite><time>0:05</time>Why?</p><p><cite>Bo:</cite><time>0:09</time>Heat.</p></body></html>"
)


@pytest.mark.parametrize(
    ("text", "name", "media"),
    [
        (FRONT, "kiln.md", "/rec/kiln.wav"),
        (JSON, "kiln.json", "https://m.example.org/k.mp3"),
        (HTML, "kiln.html", "/rec/kiln.webm"),
    ],
)
def test_each_format_finds_its_recording(text: str, name: str, media: str) -> None:
    assert from_bytes(text.encode(), name).document.metadata["media_url"] == media


def test_a_recording_set_at_upload_changes_the_hash_and_must_be_playable() -> None:
    plain = from_text(FRONT, id="kiln.md")
    given = with_media(plain, "https://m.example.org/other.mp3")
    assert given.document.metadata["media_url"] == "https://m.example.org/other.mp3"
    assert given.content_hash != plain.content_hash
    assert with_media(plain, None) is plain
    with pytest.raises(InvalidInput, match="media_url"):
        with_media(plain, "javascript:alert(1)")


def test_passages_carry_url_date_and_moment_and_fetch_cites_as_ask(tmp_path: Path) -> None:
    with Library.open(tmp_path, embedder=FakeEmbedder(), public_url="https://q.example.org") as lib:
        lib.add_text(FRONT, id="kiln.md")
        [p] = lib.ask("Are the days too warm in the shed?", k=1).passages
        assert p.quote == "The heat. Days are too warm in the shed."
        assert p.url == f"https://q.example.org/view/kiln.md?start={p.start}&end={p.end}&asked=0"
        assert p.document_date == "2024-06-02"
        assert p.media_url == "/rec/kiln.wav#t=9"
        again = lib.passage("kiln.md", p.start, p.end)
        assert again.quote == p.quote and again.question == p.question and again.url == p.url
        assert again.media_url == p.media_url and again.speaker == "Bo"
        with pytest.raises(InvalidInput, match="outside"):
            lib.passage("kiln.md", 0, 10_000)
        assert [(s.name, s.turns, s.documents) for s in lib.speakers()] == [("Ann", 2, 1), ("Bo", 2, 1)]
