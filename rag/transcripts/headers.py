"""Labels of transcription-service exports, which carry a time with the speaker:
`Name (00:01:23):`, header lines `Name  0:03` (Otter, Descript) with the words on the
following lines, `[Speaker 1] [00:00] text` and `[00:00:12] Speaker 1: text`."""

from __future__ import annotations

import re
from collections.abc import Callable

from .label import Label
from .rendered import clock

__all__ = ["TIME", "match_bracketed", "match_header", "time_of"]

_WS = r"[ \t\u00a0]"
TIME = r"\d{1,2}(?::\d{2}){1,2}(?:[.,]\d{1,3})?"
_TIME = re.compile(rf"\(?({TIME})\)?")
_NAME = r"[A-Z][\w.'\u2019\-]{0,30}(?:[ \t][\w.'\u2019\-]{1,30}){0,5}"
# the whole line: a name, wide or single space, a time
_HEADER = re.compile(rf"{_WS}{{0,40}}(?P<name>{_NAME}?){_WS}{{1,8}}(?P<time>{TIME}){_WS}*")
_BRACKETED = re.compile(
    rf"{_WS}{{0,40}}\[(?P<name>[A-Z][^\[\]\n]{{0,60}})\]{_WS}{{0,4}}\[(?P<time>{TIME})\]{_WS}*(?=\S)"
)
_TIME_FIRST = re.compile(rf"{_WS}{{0,40}}\[(?P<time>{TIME})\]{_WS}{{1,8}}(?=\S)")

Matcher = Callable[[str, int, int], Label | None]


def time_of(paren: str) -> str | None:
    """`(00:01:23)` as `00:01:23`; None where the parenthetical is no time."""
    m = _TIME.fullmatch(paren.strip())
    return clock(m.group(1)) if m else None


def match_header(text: str, start: int, end: int, is_name: Callable[[str], bool]) -> Label | None:
    """`Speaker Name  0:03` alone on its line: the words follow on the next lines."""
    m = _HEADER.fullmatch(text, start, end)
    if m is None or not is_name(m.group("name")):
        return None
    return Label(m.group("name"), end, clock(m.group("time")))


def match_bracketed(text: str, start: int, end: int, label: Matcher) -> Label | None:
    """`[Speaker 1] [00:00] text`, or `[00:00:12]` before any other label."""
    m = _BRACKETED.match(text, start, end)
    if m:
        return Label(m.group("name").strip(), m.end(), clock(m.group("time")))
    m = _TIME_FIRST.match(text, start, end)
    if m is None:
        return None
    inner = label(text, m.end(), end)
    if inner is None or inner.bare_q:
        return None
    return Label(inner.name, inner.end, clock(m.group("time")))
