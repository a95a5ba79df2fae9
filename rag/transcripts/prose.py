"""Text with no turns: every paragraph is narration, still searchable."""

from __future__ import annotations

from .spans import paragraphs
from .turns import Utterance

__all__ = ["read"]


def read(text: str, start: int = 0, end: int | None = None) -> list[Utterance]:
    return [Utterance(a, b) for a, b in paragraphs(text, start, end)]
