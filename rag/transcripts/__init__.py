"""Transcript parsing: text or bytes in, `Document` with turns (offsets into its text) out.

Text formats keep the text exactly as read. Markup formats (captions, HTML, JSON, debate
XML) have no quotable text of their own, so their document text is a plain rendering
(`Speaker: words`, one turn a paragraph) and offsets point into that. Binary formats (PDF,
DOCX) store their extracted text, which a text format then reads. `registry` lists them all.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import PurePosixPath

from ..errors import InvalidInput
from ..model import Document
from . import registry
from .paged import page_at
from .registry import Extractor, Format, Input, Reading
from .roles import speaker_roles
from .turns import build_turns

__all__ = ["FORMATS", "binary_format", "detect", "parse", "parse_binary"]

FORMATS: tuple[str, ...] = registry.names()


def detect(text: str) -> str:
    """The name of the format that recognises most of `text`."""
    return registry.detect(Input.of(text)).name


def _read(source: Input, named: Format | None, kinds: tuple[str, ...]) -> tuple[Format, Reading]:
    fmt = named or registry.detect(source, kinds=kinds)
    reading = fmt.read(source)
    if named is not None:
        why = fmt.fits(reading)
        if why:
            raise InvalidInput(f"format {fmt.name!r} does not fit: {why}")
    return fmt, reading


def parse(text: str, *, id: str, title: str | None = None, format: str | None = None) -> Document:
    """Parse a transcript. `format=None` detects it; a named format must exist and fit."""
    fmt, reading = _read(Input.of(text), registry.format(format) if format else None, ("text", "markup"))
    turns = build_turns(reading.text, reading.utterances)
    return Document(
        id=id,
        text=reading.text,
        turns=turns,
        title=title or reading.metadata.get("title") or id,
        format=fmt.name,
        metadata=reading.metadata,
        roles=speaker_roles(turns),
    )


def binary_format(data: bytes, name: str = "", format: str | None = None) -> Extractor | None:
    """The binary format of `data`: the one named, else the one whose magic it has, else the
    one its file name claims (whose extractor then says what is wrong); None for text."""
    if format is not None:
        named = registry.extractor(format)
        if named is not None:
            return named
    for ext in registry.extractors():
        if ext.sniff(data):
            return ext
    suffix = PurePosixPath(name.replace("\\", "/")).suffix.lower()
    return next((e for e in registry.extractors() if suffix in e.suffixes), None)


def parse_binary(
    data: bytes,
    extractor: Extractor,
    *,
    id: str,
    name: str = "input",
    title: str | None = None,
    layout: str | None = None,
) -> Document:
    """Extract the text of a binary document and read it with a text format (`layout`, or the
    one detected). Every utterance and turn carries the page it starts on, for paged files."""
    named = registry.format(layout) if layout else None
    if named is not None and named.kind != "text":
        raise InvalidInput(f"format {layout!r} is markup; a {extractor.name} file is read as text")
    extracted = extractor.extract(data, name)
    fmt, reading = _read(Input(extracted.text), named, ("text",))
    pages = extracted.pages
    utterances = [replace(u, page=page_at(pages, u.start)) if pages else u for u in reading.utterances]
    turns = build_turns(reading.text, utterances)
    if pages:
        turns = tuple(t if t.page is not None else replace(t, page=page_at(pages, t.start)) for t in turns)
    meta = {**extracted.metadata, **reading.metadata, "text_format": fmt.name}
    return Document(
        id=id,
        text=reading.text,
        turns=turns,
        title=title or meta.get("title") or id,
        format=extractor.name,
        metadata=meta,
        roles=speaker_roles(turns),
    )
