"""The format registry: one registration per format, detection by score, named formats must
fit, and JSON that is no transcript is refused rather than indexed as prose."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from rag.errors import InvalidInput
from rag.ingest import from_bytes
from rag.transcripts import FORMATS, binary_format, detect, parse, registry
from rag.transcripts.registry import SNIFFED, Input, Reading, TextFormat
from rag.transcripts.turns import Utterance

LABELLED = "Dana: Why?\nOmar: Because.\nDana: Really?\nOmar: Yes.\n"


def test_every_format_is_registered_once_under_its_name():
    names = [f.name for f in registry.formats()] + [e.name for e in registry.extractors()]
    assert tuple(names) == FORMATS and len(set(names)) == len(names)
    assert {"labelled", "dashed", "bold-questions", "prose", "webvtt", "srt", "html", "json"} <= set(FORMATS)
    assert {"parlparse", "rst", "pdf", "docx"} <= set(FORMATS)
    assert registry.formats()[-1].name == "prose"  # the fallback, scored lowest of all


def test_markup_is_sniffed_before_text_is_scored():
    assert detect("WEBVTT\n\n00:00:01.000 --> 00:00:02.000\n<v Dana>Hi\n") == "webvtt"
    assert detect('[{"speaker": "Dana", "text": "Hi"}]') == "json"
    assert detect("<publicwhip><speech speakername='A'><p>Hi</p></speech></publicwhip>") == "parlparse"
    assert detect("<html><body><p>Hi</p><p>there</p></body></html>") == "html"
    assert detect(LABELLED) == "labelled"
    assert detect("Just a paragraph of prose.\n") == "prose"


def test_a_named_format_must_exist_and_fit():
    with pytest.raises(InvalidInput, match=r"unknown format 'odt'; known formats: .*pdf"):
        parse(LABELLED, id="x", format="odt")
    with pytest.raises(InvalidInput, match="format 'dashed' does not fit: no question marked with a leading"):
        parse(LABELLED, id="x", format="dashed")
    with pytest.raises(InvalidInput, match="format 'labelled' does not fit: no speaker labels"):
        parse("Only prose here.\n", id="x", format="labelled")
    with pytest.raises(InvalidInput, match="format 'rst' does not fit"):
        parse("Only prose here.\n", id="x", format="rst")
    with pytest.raises(InvalidInput, match="binary format"):
        parse(LABELLED, id="x", format="pdf")
    assert parse(LABELLED, id="x", format="prose").format == "prose"


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("[1, 2, 3]", "item 0 is int"),
        ('{"name": "not a transcript"}', "this JSON is not a transcript"),
        ("[]", "no turns"),
        ('{"turns": [{"speaker": "Dana"}]}', "no 'text', 'content' or 'body'"),
    ],
)
def test_json_that_is_no_transcript_is_refused_not_prose(text, reason):
    with pytest.raises(InvalidInput, match=reason):
        parse(text, id="data.json")
    with pytest.raises(InvalidInput, match=reason):
        from_bytes(text.encode(), "data.json")


def test_a_json_file_must_be_json():
    with pytest.raises(InvalidInput, match="not valid JSON"):
        from_bytes(b"Dana: this is no JSON\n", "data.json")


def test_binary_formats_are_found_by_magic_then_by_name():
    assert binary_format(b"%PDF-1.7\n...", "x.bin").name == "pdf"
    assert binary_format(b"plain text", "x.docx").name == "docx"  # its extractor says what is wrong
    assert binary_format(b"plain text", "x.txt") is None
    assert binary_format(b"plain text", "x.txt", "pdf").name == "pdf"


@dataclass(frozen=True, slots=True)
class _Shouting:
    """A toy format: every line in capitals is a speaker's turn."""

    name: str = "shouting"
    kind: str = "text"

    def score(self, source: Input) -> float:
        return SNIFFED if source.text.isupper() else 0

    def read(self, source: Input) -> Reading:
        return Reading(source.text, [Utterance(0, len(source.text.rstrip()), "LOUD", labelled=True)], {})

    def fits(self, reading: Reading) -> str | None:
        return None


def test_adding_a_format_is_one_registration(monkeypatch):
    monkeypatch.setattr(registry, "_FORMATS", dict(registry._FORMATS))
    registry.register(_Shouting())
    doc = parse("HELLO THERE\n", id="x")
    assert doc.format == "shouting" and doc.speakers == ["LOUD"]
    with pytest.raises(ValueError, match="registered twice"):
        registry.register(TextFormat("labelled", lambda t, s: [], lambda t, s: 0))
