"""Offset-keeping text splitting shared by the format readers."""

from __future__ import annotations

import re

__all__ = ["Span", "lines", "paragraphs", "strip_span"]

Span = tuple[int, int]

_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n|$)")


def lines(text: str, start: int = 0, end: int | None = None) -> list[Span]:
    """Spans of each line between `start` and `end`, without the line break."""
    end = len(text) if end is None else end
    out: list[Span] = []
    pos = start
    while pos < end:
        m = _LINE.match(text, pos, end)
        if m is None:  # cannot happen: the pattern matches the empty string
            break
        body_end = m.start() + len(m.group(0).rstrip("\r\n"))
        out.append((pos, body_end))
        if m.end() == pos:
            break
        pos = m.end()
    return out


def strip_span(text: str, start: int, end: int) -> Span:
    """Shrink a span past surrounding white space (non-breaking spaces included)."""
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def paragraphs(text: str, start: int = 0, end: int | None = None) -> list[Span]:
    """Stripped paragraph spans.

    Paragraphs are separated by blank lines; a text that has (almost) no blank lines
    between its lines writes one paragraph per line, so each line is one.
    """
    spans = [strip_span(text, a, b) for a, b in lines(text, start, end)]
    blank = sum(1 for a, b in spans if a == b)
    filled = [s for s in spans if s[0] < s[1]]
    if blank < len(filled) // 4:
        return filled
    out: list[Span] = []
    cur: Span | None = None
    for a, b in spans:
        if a == b:
            if cur:
                out.append(cur)
            cur = None
        elif cur is None:
            cur = (a, b)
        else:
            cur = (cur[0], b)
    if cur:
        out.append(cur)
    return out
