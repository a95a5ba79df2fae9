"""Interviews whose questions carry a mark (a leading dash, or a paragraph set in bold)
and whose answers follow unmarked."""

from __future__ import annotations

import re
from collections.abc import Callable

from .asides import is_aside
from .spans import Span, paragraphs
from .turns import Utterance

__all__ = ["read_bold", "read_dashed", "score_bold", "score_dashed"]

_DASH = re.compile(r"[-\u2013\u2014][ \t\u00a0]+(?=\S)")
# a whole paragraph in bold, with no bold run inside it
_BOLD = re.compile(r"\*\*(?=\S)((?:(?!\*\*).)+?)\*\*", re.DOTALL)

Marker = Callable[[str, int, int], Span | None]
"""The span of the question inside a marked paragraph, or None for an unmarked one."""


def _dash(text: str, a: int, b: int) -> Span | None:
    m = _DASH.match(text, a, b)
    return (m.end(), b) if m else None


def _bold(text: str, a: int, b: int) -> Span | None:
    m = _BOLD.fullmatch(text, a, b)
    return (a + 2, b - 2) if m else None


def _score(text: str, paras: list[Span], marker: Marker) -> int:
    """How many marked paragraphs are followed by an unmarked one (a question and its answer)."""
    marked = [marker(text, a, b) is not None for a, b in paras]
    return sum(1 for i in range(len(marked) - 1) if marked[i] and not marked[i + 1])


def _read(text: str, start: int, end: int | None, marker: Marker) -> list[Utterance]:
    out: list[Utterance] = []
    after_question = False
    for a, b in paragraphs(text, start, end):
        question = marker(text, a, b)
        if question:
            out.append(Utterance(*question, None, asks=True, labelled=True))
            after_question = True
        elif is_aside(text, a, b):
            out.append(Utterance(a, b, aside=True))
        elif after_question:
            out.append(Utterance(a, b, None, asks=False, labelled=True))
            after_question = False
        else:
            out.append(Utterance(a, b))
    return out


def read_dashed(text: str, start: int = 0, end: int | None = None) -> list[Utterance]:
    return _read(text, start, end, _dash)


def read_bold(text: str, start: int = 0, end: int | None = None) -> list[Utterance]:
    return _read(text, start, end, _bold)


def score_dashed(text: str, paras: list[Span]) -> int:
    return _score(text, paras, _dash)


def score_bold(text: str, paras: list[Span]) -> int:
    return _score(text, paras, _bold)
