"""Word transcripts: paragraphs joined with blank lines, table rows as `Speaker: words`; a
file that is no Word document is refused with the reason."""

from __future__ import annotations

import io
import zipfile

import pytest

from rag.errors import InvalidInput
from rag.ingest import content_hash, from_bytes

from .builders import make_docx

LINES = [
    "Dana: Why do rivers meander?",
    "Omar: Because the outside of a bend erodes.",
    "",
    "Dana: How fast does that happen?",
    "Omar: Over centuries, usually.",
]


def test_paragraphs_title_and_speakers():
    data = make_docx(LINES, title="Rivers, episode 12")
    source = from_bytes(data, "rivers.docx")
    doc = source.document
    assert doc.text == "Rivers, episode 12\n\n" + "\n\n".join(line for line in LINES if line) + "\n"
    assert doc.format == "docx" and doc.metadata["text_format"] == "labelled"
    assert doc.title == "Rivers, episode 12" and source.content_hash == content_hash(data)
    assert [(t.speaker, doc.text[t.start : t.end]) for t in doc.turns] == [
        (None, "Rivers, episode 12"),
        ("Dana", "Why do rivers meander?"),
        ("Omar", "Because the outside of a bend erodes."),
        ("Dana", "How fast does that happen?"),
        ("Omar", "Over centuries, usually."),
    ]
    assert all(t.page is None for t in doc.turns)


def test_table_rows_read_as_speaker_and_words():
    table = [
        ["Dana", "Why do rivers meander?"],
        ["Omar", "Erosion."],
        ["Dana", "How fast?"],
        ["Omar", "Slowly."],
    ]
    doc = from_bytes(make_docx([], table=table), "table.docx").document
    assert doc.text == "Dana: Why do rivers meander?\n\nOmar: Erosion.\n\nDana: How fast?\n\nOmar: Slowly.\n"
    assert doc.speakers == ["Dana", "Omar"]


def test_not_a_zip_is_refused():
    with pytest.raises(InvalidInput, match=r"notes\.docx is not a DOCX file"):
        from_bytes(b"Dana: this is plain text pretending", "notes.docx")


def test_a_corrupt_docx_is_refused():
    data = make_docx(LINES)
    with pytest.raises(InvalidInput, match=r"broken\.docx is a corrupt DOCX file"):
        from_bytes(data[: len(data) // 2], "broken.docx")


def test_a_zip_that_is_no_word_document_is_refused():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("hello.txt", "hi")
    with pytest.raises(InvalidInput, match="not a Word document"):
        from_bytes(out.getvalue(), "archive.docx")


def test_an_empty_document_is_refused():
    with pytest.raises(InvalidInput, match="no text"):
        from_bytes(make_docx([]), "empty.docx")
