from __future__ import annotations

import pytest

from rag.errors import InvalidInput
from rag.ingest import (
    content_hash,
    decode,
    from_bytes,
    from_text,
    outside_links,
    read_file,
    validate_id,
    walk,
)
from tests.rag.transcripts.builders import make_docx, make_pdf


def test_decode_keeps_text_exact_but_drops_bom():
    assert decode("\ufeffA: x\r\nB: y".encode()) == "A: x\r\nB: y"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "empty"),
        (b"  \n\t", "empty"),
        (b"\x00\x01\x02binary", "binary"),
        (b"Q: Why?\nA: Because.\n" * 1000 + b"\x00 late", "binary"),  # past the first 8 KiB
        (b"line one\nbad \xff here", r"byte 13 \(line 2\)"),
    ],
)
def test_decode_errors(data, message):
    with pytest.raises(InvalidInput, match=message):
        decode(data, "f.txt")


@pytest.mark.parametrize(
    "bad",
    ["", "../x", "a/../b", "/abs", "a//b", "x\ny", "." * 3, "a" * 300, "victim\n", "a\tb", "a\x7f", "a\x85"],
)
def test_bad_ids(bad):
    with pytest.raises(InvalidInput):
        validate_id(bad)


@pytest.mark.parametrize("good", ["a.txt", "sub dir/b.md", "press-briefings/2023-06/x (1).md"])
def test_good_ids(good):
    assert validate_id(good) == good


def test_a_late_nul_is_refused_but_pdf_and_docx_still_pass():
    lines = ["Dana: Why?", "Omar: Because.", "Dana: Really?", "Omar: Yes."]
    with pytest.raises(InvalidInput, match="NUL"):
        from_bytes(b"Dana: Why?\nOmar: Because.\n" * 1000 + b"\x00", "late.txt")
    assert from_bytes(make_pdf([lines]), "a.pdf").document.format == "pdf"
    assert from_bytes(make_docx(lines), "b.docx").document.format == "docx"


def test_lone_surrogate_is_rejected():
    with pytest.raises(InvalidInput, match="surrogate"):
        from_text("bad \ud800 text", id="x")


def test_walk_and_read_file_take_binary_and_xml_files(tmp_path):
    lines = ["Dana: Why?", "Omar: Because.", "Dana: Really?", "Omar: Yes."]
    (tmp_path / "a.pdf").write_bytes(make_pdf([lines]))
    (tmp_path / "b.docx").write_bytes(make_docx(lines))
    debate = b"<publicwhip><speech speakername='Dana'><p>Why?</p></speech></publicwhip>"
    (tmp_path / "c.xml").write_bytes(debate)
    (tmp_path / "d.rst").write_text("Title\n=====\n\nWhy?\n\n    Because.\n", encoding="utf-8")
    (tmp_path / "e.png").write_bytes(b"\x89PNG")
    found = dict(walk(tmp_path))
    assert sorted(found) == ["a.pdf", "b.docx", "c.xml", "d.rst"]
    formats = {name: read_file(path).document.format for name, path in found.items()}
    assert formats == {"a.pdf": "pdf", "b.docx": "docx", "c.xml": "parlparse", "d.rst": "prose"}
    pdf = (tmp_path / "a.pdf").read_bytes()
    assert read_file(tmp_path / "a.pdf").content_hash == content_hash(pdf)  # over the bytes
    assert from_bytes(pdf, "sub/a.pdf").document.id == "a.pdf"


def test_xml_is_decoded_in_its_declared_encoding():
    data = "<?xml version='1.0' encoding='ISO-8859-1'?><publicwhip/>".encode("latin-1") + b"caf\xe9"
    assert decode(data, "x.xml").endswith("café")
    with pytest.raises(InvalidInput, match="unknown encoding"):
        decode(b"<?xml version='1.0' encoding='klingon'?><x/>", "x.xml")


def test_walk_skips_links_that_leave_the_folder(tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text("Q: Why?\nA: Because.\n", encoding="utf-8")
    folder = tmp_path / "f"
    (folder / "sub").mkdir(parents=True)
    (folder / "a.txt").write_text("Q: Why?\nA: Because.\n", encoding="utf-8")
    (folder / "passwd.txt").symlink_to(outside / "secret.txt")
    (folder / "inside.txt").symlink_to(folder / "a.txt")  # a link within the folder is fine
    (folder / "sub" / "away").symlink_to(outside, target_is_directory=True)
    assert [doc_id for doc_id, _ in walk(folder)] == ["a.txt", "inside.txt"]
    skipped = dict(outside_links(folder))
    assert sorted(skipped) == ["passwd.txt", "sub/away"]
    assert "outside" in skipped["passwd.txt"] and "--follow-links" in skipped["passwd.txt"]
    followed = [doc_id for doc_id, _ in walk(folder, follow_links=True)]
    assert followed == ["a.txt", "inside.txt", "passwd.txt", "sub/away/secret.txt"]
