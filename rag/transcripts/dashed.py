"""Interviews where the interviewer's lines start with a dash and answers follow unmarked."""

from __future__ import annotations

import re

from .spans import paragraphs
from .turns import Utterance

__all__ = ["DASH", "read", "score"]

DASH = re.compile(r"[-\u2013\u2014][ \t\u00a0]+(?=\S)")


def score(text: str, paras: list[tuple[int, int]]) -> int:
    """How many dash paragraphs are followed by an undashed one (a question and its answer)."""
    dashed = [bool(DASH.match(text, a, b)) for a, b in paras]
    return sum(1 for i in range(len(dashed) - 1) if dashed[i] and not dashed[i + 1])


def read(text: str, start: int = 0, end: int | None = None) -> list[Utterance]:
    out: list[Utterance] = []
    after_question = False
    for a, b in paragraphs(text, start, end):
        m = DASH.match(text, a, b)
        if m:
            out.append(Utterance(m.end(), b, None, asks=True, labelled=True))
            after_question = True
        elif after_question:
            out.append(Utterance(a, b, None, asks=False, labelled=True))
            after_question = False
        else:
            out.append(Utterance(a, b))
    return out
