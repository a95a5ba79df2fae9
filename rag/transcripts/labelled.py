"""Transcripts whose turns open with a speaker label: `NAME: text`, `Q: / A:`, `Q  text`,
and the Markdown forms `**Name:** text`, `**Name**: text`, `**KN**: text`."""

from __future__ import annotations

import re
from dataclasses import replace

from .asides import is_aside
from .spans import Span, lines, strip_span
from .turns import Utterance

__all__ = ["LABEL", "normalise_speaker", "read", "score"]

_WS = r"[ \t\u00a0]"
# A name of up to seven words, optionally with a parenthetical (a constituency, a title),
# then a colon (in Markdown, bold around the name or the name and colon); or the bare
# press-briefing `Q` followed by wide or non-breaking space.
LABEL = re.compile(
    rf"{_WS}*(?:"
    rf"(?P<bareq>Q)(?:{_WS}{{2,}}|\u00a0{_WS}*)(?=\S)"
    rf"|(?P<bold>\*\*)?(?P<name>[A-Z][\w.'\u2019\-]*(?:[ \t][\w.'\u2019\-]+){{0,6}}?)"
    rf"(?P<paren>{_WS}*\([^\n]{{0,160}}?\))?{_WS}*(?P<colon>\*\*:|:\*\*|:){_WS}*(?=\S)"
    rf")"
)
# lower-case words a name may contain (`Ursula von der Leyen`); any other lower-case word
# means the "label" is the start of a sentence (`If you could help us understand: ...`)
_PARTICLES = frozenset(
    [
        "de",
        "del",
        "della",
        "di",
        "da",
        "das",
        "do",
        "dos",
        "du",
        "van",
        "von",
        "der",
        "den",
        "ter",
        "la",
        "le",
        "al",
        "el",
        "bin",
        "ibn",
        "of",
        "the",
        "and",
        "y",
    ]
)
_INITIALS = re.compile(r"[A-Z]{1,3}")
_QUESTION_LABELS = {"q", "question"}
_ANSWER_LABELS = {"a", "answer"}


def normalise_speaker(label: str) -> str:
    return " ".join(label.split())


def _match(text: str, a: int, b: int) -> re.Match[str] | None:
    m = LABEL.match(text, a, b)
    if m is None or m.group("bareq"):
        return m
    name, colon = m.group("name"), m.group("colon")
    if len(name) > 60:
        return None
    if any(not (w[0].isupper() or w[0].isdigit() or w in _PARTICLES) for w in name.split()[1:]):
        return None
    if not m.group("bold") and colon != ":":
        return None
    if colon == ":" and not m.group("bold") and m.end() == m.start("colon") + 1:
        return None  # `Name:text` with no space is a URL or a time, not a label
    return m


def _unbold(text: str, a: int, b: int) -> Span:
    """Drop the bold markers around a labelled paragraph's words (`**question?**`)."""
    if text.startswith("**", a) and text.endswith("**", a, b) and b - a > 4:
        return strip_span(text, a + 2, b - 2)
    if text.endswith("**", a, b) and text.count("**", a, b) % 2 == 1:
        return strip_span(text, a, b - 2)
    return a, b


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


def _label_lines(text: str, start: int, end: int | None) -> set[int]:
    """Line starts that open a turn.

    Where nearly every label follows a blank line, a label-like line inside a paragraph
    is a wrapped line (`Taiwan: President Biden ...`), not a new speaker.
    """
    found: list[tuple[int, bool]] = []
    blank_before = True
    for a, b in lines(text, start, end):
        sa, sb = strip_span(text, a, b)
        if sa == sb:
            blank_before = True
            continue
        if _match(text, a, b):
            found.append((a, blank_before))
        blank_before = False
    after_blank = sum(1 for _, blank in found if blank)
    if found and after_blank >= 0.9 * len(found):
        return {a for a, blank in found if blank}
    return {a for a, _ in found}


def _aliases(names: list[str]) -> dict[str, str]:
    """Initials (`KN`) stand for the one other speaker whose name they abbreviate (`Kensei`)."""
    full = [n for n in dict.fromkeys(names) if not _INITIALS.fullmatch(n)]
    out = {}
    for n in dict.fromkeys(names):
        if _INITIALS.fullmatch(n) and n != "Q":
            matches = [f for f in full if f[0] == n[0] and f.upper() != n]
            if len(matches) == 1:
                out[n] = matches[0]
    return out


def read(text: str, start: int = 0, end: int | None = None) -> list[Utterance]:
    """One utterance per label; unlabelled paragraphs continue the speaker before them."""
    out = _read(text, start, end, _label_lines(text, start, end))
    if any(u.asks for u in out):  # `A:` answers the `Q:` questions: a role, not a name
        out = [replace(u, speaker=None) if u.asks is False else u for u in out]
    else:  # no `Q:` anywhere: `A:` is someone's initial (`**A: That sounds interesting!`)
        out = [replace(u, asks=None) if u.asks is False else u for u in out]
    aliases = _aliases([u.speaker for u in out if u.speaker and u.labelled])
    if not aliases:
        return out
    return [
        replace(u, speaker=aliases[u.speaker]) if u.speaker in aliases else u  # type: ignore[index]
        for u in out
    ]


def _read(text: str, start: int, end: int | None, openers: set[int]) -> list[Utterance]:
    out: list[Utterance] = []
    cur: list[int] | None = None  # [start, end] of the open paragraph
    label: tuple[str | None, bool | None, bool] = (None, None, False)

    def close() -> None:
        if cur is not None:
            a, b = _unbold(text, *strip_span(text, cur[0], cur[1]))
            if a < b:
                speaker, asks, labelled = label
                if is_aside(text, a, b):  # `**Break**: [30:01]` is a marker, not speech
                    out.append(Utterance(a, b, aside=True))
                else:
                    out.append(Utterance(a, b, speaker, asks, labelled))

    for a, b in lines(text, start, end):
        m = _match(text, a, b) if a in openers else None
        if m:
            close()
            raw = m.group("name") or m.group("bareq")
            name = normalise_speaker(raw + (m.group("paren") or ""))
            low = raw.lower()
            asks = True if low in _QUESTION_LABELS else False if low in _ANSWER_LABELS else None
            speaker = None if low in _QUESTION_LABELS else name
            if m.group("bareq"):
                speaker = "reporter"
            cur, label = [m.end(), b], (speaker, asks, True)
            continue
        sa, sb = strip_span(text, a, b)
        if sa == sb:  # blank line: the paragraph ends
            close()
            cur, label = None, (label[0], label[1], False)
        elif is_aside(text, sa, sb):
            close()
            out.append(Utterance(sa, sb, aside=True))
            cur, label = None, (None, None, False)
        elif cur is None:
            cur, label = [a, b], (label[0], label[1], False)
        else:
            cur[1] = b
    close()
    return out
