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
_BULLET_LINE = re.compile(r"\n[ \t\u00a0]{0,8}[-\u2013\u2014*\u2022][ \t\u00a0]+\S")
_INTERROGATIVE = re.compile(
    r"(?:what|who|whom|whose|where|when|why|how|which|do|does|did|is|are|was|were|can|could|"
    r"would|will|should|shall|have|has|had|may|might)\b",
    re.IGNORECASE,
)
_ASKING_SHARE = 0.5
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


def _asks(text: str, a: int, b: int) -> bool:
    """A dashed paragraph that asks: a question mark, or an interrogative opening not ended
    as a statement (a question transcribed without its `?`). Several bullet lines are a list."""
    if _BULLET_LINE.search(text, a, b):
        return False
    if "?" in text[a:b]:
        return True
    m = _DASH.match(text, a, b)
    # `- Do not park here.` opens like a question but states
    return bool(m and _INTERROGATIVE.match(text, m.end(), b)) and text[b - 1] not in ".!:;"


def score_dashed(text: str, paras: list[Span]) -> int:
    """Dashed paragraphs followed by an answer, as before; none where fewer than half the
    dashed paragraphs ask (a bulleted fact sheet, a list of points): there a dash is a bullet."""
    dashed = [i for i, (a, b) in enumerate(paras) if _dash(text, a, b)]
    asking = {i for i in dashed if _asks(text, *paras[i])}
    if not asking or len(asking) < _ASKING_SHARE * len(dashed):
        return 0
    return _score(text, paras, _dash)


def score_bold(text: str, paras: list[Span]) -> int:
    return _score(text, paras, _bold)
