"""Transcript parsing: exact text in, `Document` with turns (offsets into that text) out."""

from __future__ import annotations

from collections.abc import Callable

from ..errors import InvalidInput
from ..model import Document
from . import dashed, frontmatter, labelled, prose
from .detect import detect
from .turns import Utterance, build_turns

__all__ = ["FORMATS", "detect", "parse"]

Reader = Callable[[str, int], list[Utterance]]
FORMATS: dict[str, Reader] = {
    "dashed": dashed.read,
    "labelled": labelled.read,
    "prose": prose.read,
}


def parse(text: str, *, id: str, title: str | None = None, format: str | None = None) -> Document:
    """Parse a transcript. `format=None` detects it; a named format must exist."""
    if format is not None and format not in FORMATS:
        raise InvalidInput(f"unknown format {format!r}; known formats: {', '.join(FORMATS)}")
    meta, body = frontmatter.split(text)
    fmt = format or detect(text, body)
    turns = build_turns(text, FORMATS[fmt](text, body))
    return Document(
        id=id,
        text=text,
        turns=turns,
        title=title or meta.get("title") or id,
        format=fmt,
        metadata=meta,
    )
