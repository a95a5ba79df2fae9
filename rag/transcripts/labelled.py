"""Transcripts whose turns open with a speaker label: `NAME: text`, `Q: / A:`, `Q  text`."""

from __future__ import annotations

import re

from .spans import lines, strip_span
from .turns import Utterance

__all__ = ["LABEL", "normalise_speaker", "read", "score"]

_WS = r"[ \t\u00a0]"
# A name of up to seven words, optionally with a parenthetical (a constituency, a title),
# then a colon; or the bare press-briefing `Q` followed by wide or non-breaking space.
LABEL = re.compile(
    rf"{_WS}*(?:"
    rf"(?P<name>[A-Z][\w.'\u2019\-]*(?:{_WS}+[\w.'\u2019\-]+){{0,6}}?)"
    rf"(?P<paren>{_WS}*\([^\n]{{0,160}}?\))?{_WS}*:{_WS}+(?=\S)"
    rf"|(?P<bareq>Q)(?:{_WS}{{2,}}|\u00a0{_WS}*)(?=\S)"
    rf")"
)
_QUESTION_LABELS = {"q", "question"}
_ANSWER_LABELS = {"a", "answer"}


def normalise_speaker(label: str) -> str:
    return " ".join(label.split())


def _match(text: str, a: int, b: int) -> re.Match[str] | None:
    m = LABEL.match(text, a, b)
    if m and m.group("name") and len(m.group("name")) > 60:
        return None
    return m


def score(text: str, start: int = 0, end: int | None = None) -> tuple[int, int]:
    """(label lines, how many of them repeat a speaker already seen)."""
    seen: set[str] = set()
    hits = repeats = 0
    for a, b in lines(text, start, end):
        m = _match(text, a, b)
        if not m:
            continue
        hits += 1
        name = (m.group("name") or "Q").lower()
        repeats += name in seen
        seen.add(name)
    return hits, repeats


def read(text: str, start: int = 0, end: int | None = None) -> list[Utterance]:
    """One utterance per label; unlabelled paragraphs continue the speaker before them."""
    out: list[Utterance] = []
    cur: list[int] | None = None  # [start, end] of the open paragraph
    label: tuple[str | None, bool | None, bool] = (None, None, False)

    def close() -> None:
        if cur is not None:
            a, b = strip_span(text, cur[0], cur[1])
            if a < b:
                speaker, asks, labelled = label
                out.append(Utterance(a, b, speaker, asks, labelled))

    for a, b in lines(text, start, end):
        m = _match(text, a, b)
        if m:
            close()
            raw = m.group("name") or m.group("bareq")
            name = normalise_speaker(raw + (m.group("paren") or ""))
            low = raw.lower()
            asks = True if low in _QUESTION_LABELS else False if low in _ANSWER_LABELS else None
            speaker = None if low in _QUESTION_LABELS | _ANSWER_LABELS else name
            if m.group("bareq"):
                speaker = "reporter"
            cur, label = [m.end(), b], (speaker, asks, True)
        elif strip_span(text, a, b)[0] == b:  # blank line: the paragraph ends
            close()
            cur, label = None, (label[0], label[1], False)
        elif cur is None:
            cur, label = [a, b], (label[0], label[1], False)
        else:
            cur[1] = b
    close()
    return out
