"""PDF transcripts: the stored text is the extraction, headers and page numbers dropped, and
every turn knows its page; damaged, locked and image-only PDFs are refused with the reason."""

from __future__ import annotations

import pytest

from rag.errors import InvalidInput
from rag.ingest import content_hash, from_bytes
from rag.transcripts.pdffile import clean_pages

from .builders import encrypt_pdf, make_pdf

HEADER = "Acme Research  Interview 4"
PAGES = [
    [
        HEADER,
        "Page 1 of 3",
        "Dana: Why do rivers meander?",
        "Omar: Because the outside of a bend",
        "erodes (slowly).",
    ],
    [HEADER, "Page 2 of 3", "Dana: How fast does that happen?", "Omar: Over centuries, usually."],
    [HEADER, "Page 3 of 3", "Dana: Thank you for the interview.", "Omar: My pleasure."],
]
TEXT = (
    "Dana: Why do rivers meander?\nOmar: Because the outside of a bend\nerodes (slowly).\n"
    "Dana: How fast does that happen?\nOmar: Over centuries, usually.\n"
    "Dana: Thank you for the interview.\nOmar: My pleasure.\n"
)


def test_text_turns_and_pages():
    data = make_pdf(PAGES, title="Rivers, episode 12")
    source = from_bytes(data, "rivers.pdf")
    doc = source.document
    assert doc.text == TEXT  # the running header and "Page n of 3" are gone
    assert doc.format == "pdf" and doc.metadata["text_format"] == "labelled"
    assert doc.metadata["pages"] == "3" and doc.title == "Rivers, episode 12"
    assert doc.id == "rivers.pdf" and source.content_hash == content_hash(data)
    got = [(t.speaker, t.page, doc.text[t.start : t.end]) for t in doc.turns]
    assert got == [
        ("Dana", 1, "Why do rivers meander?"),
        ("Omar", 1, "Because the outside of a bend\nerodes (slowly)."),
        ("Dana", 2, "How fast does that happen?"),
        ("Omar", 2, "Over centuries, usually."),
        ("Dana", 3, "Thank you for the interview."),
        ("Omar", 3, "My pleasure."),
    ]


def test_a_named_text_format_reads_the_extraction():
    doc = from_bytes(make_pdf(PAGES), "rivers.pdf", format="prose").document
    assert doc.format == "pdf" and doc.metadata["text_format"] == "prose"
    with pytest.raises(InvalidInput, match="does not fit"):
        from_bytes(make_pdf(PAGES), "rivers.pdf", format="dashed")
    with pytest.raises(InvalidInput, match="markup"):
        from_bytes(make_pdf(PAGES), "rivers.pdf", format="webvtt")


def test_sniffed_by_magic_whatever_the_name():
    assert from_bytes(make_pdf(PAGES), "upload.bin").document.format == "pdf"


def test_a_sentence_over_a_page_break_stays_one_paragraph():
    pages = [["Dana: Where does the water go?"], ["Omar: It runs to the", "sea."], ["Dana: Always?"]]
    doc = from_bytes(make_pdf(pages), "p.pdf").document
    assert [(t.page, doc.text[t.start : t.end]) for t in doc.turns] == [
        (1, "Where does the water go?"),
        (2, "It runs to the\nsea."),
        (3, "Always?"),
    ]


def test_a_page_with_no_text_is_skipped_in_the_page_map():
    pages = [["Dana: First?", "Omar: Yes."], [], ["Dana: Third?", "Omar: Indeed."]]
    doc = from_bytes(make_pdf(pages), "p.pdf").document
    assert [t.page for t in doc.turns] == [1, 1, 3, 3]


def test_cleaning_lone_labels_line_numbers_and_footers():
    raw = [
        "1/3\nInterview\nDan:\t\n\tOkay.\tSo\tlet us start.\nParticipant:\t\n\tSure.\n1\n2\n3\n4",
        "2/3\nDan:\t\n\tNext?\nParticipant:\t\n\tYes.\n5\n6\n7",
        "3/3\nDan:\t\n\tDone.\n8\n9\n10",
    ]
    assert clean_pages(raw) == [
        "Interview\nDan: Okay. So let us start.\nParticipant: Sure.",
        "Dan: Next?\nParticipant: Yes.",
        "Dan: Done.",
    ]


def test_a_footer_line_is_only_dropped_where_it_repeats():
    words = ["Alpha speaks.", "Bravo replies.", "Charlie asks.", "Delta answers."]
    raw = ["Title\nAugust 10, 2007\nIntro.\nMore.\nEven more.\nAugust 10, 2007\n1 of 4"] + [
        f"{w}\nAnd {w.lower()}\nAugust 10, 2007\n{i} of 4" for i, w in enumerate(words[1:], 2)
    ]
    assert clean_pages(raw) == ["Title\nAugust 10, 2007\nIntro.\nMore.\nEven more."] + [
        f"{w}\nAnd {w.lower()}" for w in words[1:]
    ]


def test_encrypted_pdf_is_refused():
    locked = encrypt_pdf(make_pdf(PAGES), user_password="secret")
    with pytest.raises(InvalidInput, match="encrypted PDF that needs a password"):
        from_bytes(locked, "locked.pdf")


def test_owner_password_only_pdf_is_readable():
    doc = from_bytes(encrypt_pdf(make_pdf(PAGES), user_password=""), "open.pdf").document
    assert doc.text == TEXT


def test_image_only_pdf_is_refused():
    with pytest.raises(InvalidInput, match="no text layer"):
        from_bytes(make_pdf([[], []]), "scan.pdf")


@pytest.mark.parametrize(
    "data",
    [b"%PDF-1.4\nnot really a pdf", make_pdf(PAGES)[:300], b"\x00\x01binary junk"],
    ids=["garbage", "truncated", "not-a-pdf"],
)
def test_corrupt_pdf_is_refused(data):
    with pytest.raises(InvalidInput, match=r"broken\.pdf is not a readable PDF"):
        from_bytes(data, "broken.pdf")
