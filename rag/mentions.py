"""Speakers a question names: "What did Lindqvist say about the debt?" is about Lindqvist's turns."""

from __future__ import annotations

import re
from collections.abc import Iterable

__all__ = ["named_speakers"]

_WORD = re.compile(r"[^\W\d_][\w'’-]*")
_TITLES = frozenset(
    [
        "hon",
        "honourable",
        "right",
        "rt",
        "mr",
        "mrs",
        "ms",
        "miss",
        "dr",
        "prof",
        "sir",
        "dame",
        "lord",
        "lady",
        "the",
        "of",
        "and",
        "for",
        "to",
        "de",
        "la",
        "le",
        "du",
        "van",
        "von",
    ]
)


def _name_words(speaker: str) -> set[str]:
    return {w.lower() for w in _WORD.findall(speaker) if len(w) > 2 and w.lower() not in _TITLES}


def _asked_names(question: str) -> set[str]:
    """Capitalised words after the first: how people write names (and titles: the Chair)."""
    words = _WORD.findall(question)
    return {w.lower() for w in words[1:] if w[0].isupper() and w.lower() not in _TITLES}


def named_speakers(question: str, speakers: Iterable[str]) -> set[str]:
    """The speakers whose name shares a word with the question's capitalised words; none when
    most speakers match (then the words do not tell them apart)."""
    asked = _asked_names(question)
    if not asked:
        return set()
    pool = set(speakers)
    named = {s for s in pool if _name_words(s) & asked}
    return named if len(named) * 2 <= len(pool) or len(pool) == 1 else set()
