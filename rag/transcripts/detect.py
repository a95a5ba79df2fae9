"""Pick the reader that fits a text, by counting what each one would recognise."""

from __future__ import annotations

from . import labelled, marked
from .spans import paragraphs

__all__ = ["detect_text"]


def detect_text(text: str, start: int = 0) -> str:
    """The text format (not markup) that recognises most of `text[start:]`."""
    hits, repeats = labelled.score(text, start)
    paras = paragraphs(text, start)
    dashes = marked.score_dashed(text, paras)
    bold = marked.score_bold(text, paras)
    if hits >= 3 and repeats >= 1 and hits >= max(dashes, bold):
        return "labelled"
    if max(dashes, bold) >= 2:
        return "dashed" if dashes >= bold else "bold-questions"
    return "prose"
