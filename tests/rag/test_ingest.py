from __future__ import annotations

import pytest

from rag.errors import InvalidInput
from rag.ingest import decode, from_text, validate_id


def test_decode_keeps_text_exact_but_drops_bom():
    assert decode("\ufeffA: x\r\nB: y".encode()) == "A: x\r\nB: y"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "empty"),
        (b"  \n\t", "empty"),
        (b"\x00\x01\x02binary", "binary"),
        (b"line one\nbad \xff here", r"byte 13 \(line 2\)"),
    ],
)
def test_decode_errors(data, message):
    with pytest.raises(InvalidInput, match=message):
        decode(data, "f.txt")


@pytest.mark.parametrize("bad", ["", "../x", "a/../b", "/abs", "a//b", "x\ny", "." * 3, "a" * 300])
def test_bad_ids(bad):
    with pytest.raises(InvalidInput):
        validate_id(bad)


@pytest.mark.parametrize("good", ["a.txt", "sub dir/b.md", "press-briefings/2023-06/x (1).md"])
def test_good_ids(good):
    assert validate_id(good) == good


def test_lone_surrogate_is_rejected():
    with pytest.raises(InvalidInput, match="surrogate"):
        from_text("bad \ud800 text", id="x")
