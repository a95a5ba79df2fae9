"""Transcripts whose turns open with a speaker label: `NAME: text`, `Q: / A:`, `Q  text`,
the Markdown forms `**Name:** text`, `**Name**: text`, `**KN**: text`, Hansard's
`Mr. Tom Reed (Kirkby) (Con):`, and, through `hearings` and `headers`, the
`Mr. SMITH.` style and transcription-service exports (`Name (00:01:23):`, `Name  0:03`)."""

from __future__ import annotations

import re
from dataclasses import replace

from .asides import is_aside
from .headers import match_bracketed, match_header, time_of
from .hearings import caps_names, match_caps, match_period, person
from .label import Label
from .spans import Span, lines, strip_span
from .turns import Utterance

__all__ = ["LABEL", "is_name", "match", "normalise_speaker", "read", "score"]

_WS = r"[ \t\u00a0]"
# A name of up to seven words, optionally with a parenthetical (a constituency, a title),
# then a colon (in Markdown, bold around the name or the name and colon); or the bare
# press-briefing `Q` followed by wide or non-breaking space.
LABEL = re.compile(
    rf"{_WS}*(?:"
    rf"(?P<bareq>Q)(?:{_WS}{{2,}}|\u00a0{_WS}*)(?=\S)"
    rf"|(?P<bold>\*\*)?(?P<name>[A-Z][\w.'\u2019\-]*(?:[ \t][\w.'\u2019\-]+){{0,6}}?)"
    rf"(?P<paren>{_WS}*\([^\n]{{0,160}}?\))?{_WS}*(?P<colon>\*\*:|:\*\*|:){_WS}*"
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
_HONORIFICS = frozenset(
    ["Mr.", "Mrs.", "Ms.", "Miss", "Dr.", "Sir", "Dame", "Lord", "Lady", "Mr", "Mrs", "Ms", "Dr"]
)
_QUESTION_LABELS = {"q", "question"}
_ANSWER_LABELS = {"a", "answer"}


def normalise_speaker(label: str) -> str:
    return " ".join(label.split())


def is_name(name: str) -> bool:
    """Capitalised words (particles allowed): `Ursula von der Leyen`, not `If you could`."""
    words = name.split()
    return (
        bool(words)
        and len(name) <= 60
        and name[0].isupper()
        and all(w[0].isupper() or w[0].isdigit() or w in _PARTICLES for w in words[1:])
    )


def _colon(text: str, a: int, b: int) -> Label | None:
    m = LABEL.match(text, a, b)
    if m is None:
        return None
    if m.group("bareq"):
        return Label("Q", m.end(), bare_q=True)
    name, colon, paren = m.group("name"), m.group("colon"), m.group("paren") or ""
    if not is_name(name):
        return None
    if not m.group("bold") and colon != ":":
        return None
    stamp = time_of(paren) if paren else None
    if m.end() == b:  # `Name (00:01:23):` alone on its line: the words follow
        return Label(name, b, stamp) if stamp else None
    if colon == ":" and not m.group("bold") and m.end() == m.start("colon") + 1:
        return None  # `Name:text` with no space is a URL or a time, not a label
    if stamp:
        return Label(name, m.end(), stamp)
    return Label(person(name, paren) if paren else name, m.end())


def match(text: str, a: int, b: int, caps: frozenset[str] = frozenset()) -> Label | None:
    """The label opening the line `text[a:b]`, in any style this reader knows; `caps` are
    the untitled upper-case names (`ANN BELL.`) the whole text shows to be labels."""
    return (
        _colon(text, a, b)
        or match_bracketed(text, a, b, _colon_or_period)
        or match_period(text, a, b)
        or match_caps(text, a, b, caps)
        or match_header(text, a, b, is_name)
    )


def _colon_or_period(text: str, a: int, b: int) -> Label | None:
    return _colon(text, a, b) or match_period(text, a, b)


def _unbold(text: str, a: int, b: int) -> Span:
    """Drop the bold markers around a labelled paragraph's words (`**question?**`)."""
    if text.startswith("**", a) and text.endswith("**", a, b) and b - a > 4:
        return strip_span(text, a + 2, b - 2)
    if text.endswith("**", a, b) and text.count("**", a, b) % 2 == 1:
        return strip_span(text, a, b - 2)
    return a, b


def score(text: str, start: int = 0, end: int | None = None) -> tuple[int, int]:
    """(label lines, how many of them repeat a speaker already seen, short forms such as
    `Mr. Reed` for `Mr. Tom Reed (Kirkby) (Con)` counting as the same speaker)."""
    spans = lines(text, start, end)
    caps = caps_names(text, spans)
    names = [normalise_speaker(m.name) for a, b in spans if (m := match(text, a, b, caps))]
    aliases = _aliases(names)
    return len(names), len(names) - len({aliases.get(n, n).lower() for n in names})


def _label_lines(text: str, start: int, end: int | None) -> dict[int, Label]:
    """The labels that open a turn, by line start.

    Where nearly every label follows a blank line, a label-like line inside a paragraph
    is a wrapped line (`Taiwan: President Biden ...`), not a new speaker.
    """
    found: list[tuple[int, Label, bool]] = []
    blank_before = True
    spans = lines(text, start, end)
    caps = caps_names(text, spans)
    for a, b in spans:
        sa, sb = strip_span(text, a, b)
        if sa == sb:
            blank_before = True
            continue
        if m := match(text, a, b, caps):
            found.append((a, m, blank_before))
        blank_before = False
    after_blank = sum(1 for *_, blank in found if blank)
    keep_all = not found or after_blank < 0.9 * len(found)
    return {a: m for a, m, blank in found if blank or keep_all}


def _aliases(names: list[str]) -> dict[str, str]:
    """Short forms that stand for the one fuller name they abbreviate: initials (`JO` for
    `Jun Ota`), an office without its holder (`The Prime Minister` for `The Prime Minister
    (Ms. Ann Bell)`), a title and surname (`Mr. Reed` for `Mr. Tom Reed`)."""
    unique = list(dict.fromkeys(names))
    full = [n for n in unique if not _INITIALS.fullmatch(n)]
    out = {}
    for n in unique:
        if n == "Q":
            continue
        if _INITIALS.fullmatch(n):
            matches = [f for f in full if f[0] == n[0] and f.upper() != n]
        else:
            words = n.split()
            matches = [f for f in full if f.startswith(n + " (")]
            if not matches and len(words) == 2 and words[0] in _HONORIFICS:
                matches = [
                    f
                    for f in full
                    if len(f.split()) > 2 and f.split()[0] == words[0] and f.split()[-1] == words[1]
                ]
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
    return [replace(u, speaker=aliases[u.speaker]) if u.speaker in aliases else u for u in out]


def _opening(label: Label) -> tuple[str | None, bool | None]:
    """(speaker, asks) for a label: `Q` asks for a reporter, `A` answers."""
    low = label.name.lower()
    asks = True if low in _QUESTION_LABELS else False if low in _ANSWER_LABELS else None
    if label.bare_q:
        return "reporter", asks
    return (None if low in _QUESTION_LABELS else normalise_speaker(label.name)), asks


def _read(text: str, start: int, end: int | None, openers: dict[int, Label]) -> list[Utterance]:
    out: list[Utterance] = []
    cur: list[int] | None = None  # [start, end] of the open paragraph
    # (speaker, asks, labelled, timestamp) of the open paragraph
    label: tuple[str | None, bool | None, bool, str | None] = (None, None, False, None)

    def close() -> None:
        if cur is not None:
            a, b = _unbold(text, *strip_span(text, cur[0], cur[1]))
            if a < b:
                speaker, asks, labelled, stamp = label
                if is_aside(text, a, b):  # `**Break**: [30:01]` is a marker, not speech
                    out.append(Utterance(a, b, aside=True))
                else:
                    out.append(Utterance(a, b, speaker, asks, labelled, stamp))

    def waiting() -> bool:
        """A label whose words have not begun yet (`Name  0:03` then a blank line)."""
        return cur is not None and label[2] and strip_span(text, cur[0], cur[1])[0] == cur[1]

    for a, b in lines(text, start, end):
        m = openers.get(a)
        if m:
            close()
            cur, label = [m.end, b], (*_opening(m), True, m.timestamp)
            continue
        sa, sb = strip_span(text, a, b)
        if sa == sb:  # blank line: the paragraph ends
            if waiting():
                continue
            close()
            cur, label = None, (label[0], label[1], False, None)
        elif is_aside(text, sa, sb):
            close()
            out.append(Utterance(sa, sb, aside=True))
            cur, label = None, (None, None, False, None)
        elif cur is None:
            cur, label = [a, b], (label[0], label[1], False, None)
        else:
            cur[1] = b
    close()
    return out
