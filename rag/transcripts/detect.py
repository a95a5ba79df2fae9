"""Pick the reader that fits a text, by counting what each one would recognise."""

from __future__ import annotations

from . import dashed, labelled
from .spans import paragraphs

__all__ = ["detect"]


def detect(text: str, start: int = 0) -> str:
    hits, repeats = labelled.score(text, start)
    dashes = dashed.score(text, paragraphs(text, start))
    if hits >= 3 and repeats >= 1 and hits >= dashes:
        return "labelled"
    if dashes >= 2:
        return "dashed"
    return "prose"
