"""Labels of legislatures and hearings: the US congressional and Federal Reserve
`Mr. SMITH.` / `CHAIR REED.` / `The CHAIRMAN.` style, and Hansard's parentheticals."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable

from .label import Label
from .spans import Span

__all__ = ["caps_names", "match_caps", "match_period", "person"]

_WS = r"[ \t\u00a0]"
# A title (mixed or upper case) then an upper-case surname is a label; a capitalised
# word alone ("I agree.", "OK.", "U.S. policy") or a heading ("INTRODUCTION.") is not.
_TITLE = (
    rf"(?:Mr|Mrs|Ms|Miss|Mx|Dr)\.|Senator|Representative|Delegate|Vice{_WS}Chairman|Vice{_WS}Chair"
    r"|Chairman|Chairwoman|Chair|Governor|Secretary|General|Admiral|Ambassador|Commissioner"
    r"|Director|Judge|Justice|President"
    rf"|(?:MR|MRS|MS|MISS|MX|DR)\.|SENATOR|VICE{_WS}CHAIRMAN|VICE{_WS}CHAIR|CHAIRMAN|CHAIRWOMAN|CHAIR"
    r"|GOVERNOR|SECRETARY|PRESIDENT"
)
# `The CHAIRMAN.` names an office; `The FBI.` opens a sentence.
_OFFICE = (
    rf"ACTING{_WS}CHAIRMAN|ACTING{_WS}CHAIR|ACTING{_WS}PRESIDENT|VICE{_WS}PRESIDENT|PRESIDING{_WS}OFFICER"
    r"|CHAIRMAN|CHAIRWOMAN|CHAIR|SPEAKER|PRESIDENT|CLERK|SECRETARY|WITNESS|COURT|MODERATOR"
)
_UPPER = r"(?:Mc|Mac|De|Di|La|Le)?[A-Z][A-Z'\u2019\-]{1,30}"
_STATE = rf"{_WS}of{_WS}[A-Z][a-z]{{1,20}}(?:{_WS}[A-Z][a-z]{{1,20}})?"
PERIOD = re.compile(
    rf"{_WS}{{0,40}}(?P<name>"
    rf"(?:{_TITLE}){_WS}{{1,4}}{_UPPER}(?:{_WS}{_UPPER}){{0,3}}(?:{_STATE})?"
    rf"|(?:The|THE){_WS}{{1,4}}(?:{_OFFICE})(?:{_WS}pro{_WS}tempore)?"
    rf")\.{_WS}+(?=\S)"
)

_CAPS = r"[A-Z][A-Z'\u2019\-]{1,30}"
# `ANN BELL. Thank you.`: a reporter at a press conference has no title
CAPS_NAME = re.compile(rf"{_WS}{{0,40}}(?P<name>{_CAPS}(?:{_WS}{_CAPS}){{1,3}})\.{_WS}+(?=\S)")

# Hansard's party tags: `Mr. Tom Reed (Kirkby) (Con):` is Mr. Tom Reed.
_PARTIES = frozenset(
    {"con", "lab", "ld", "snp", "dup", "pc", "sdlp", "uup", "ind", "green", "alliance", "lab/co-op"}
    | {"co-op", "sf", "tuv", "respect", "cb", "reform", "ukip", "alba", "ind lab", "ind con", "non-afl"}
)
_PAREN = re.compile(r"\(([^()\n]{1,80})\)")


def match_period(text: str, start: int, end: int) -> Label | None:
    """`Mr. SMITH. Mr. Speaker, ...`: a titled upper-case name ended by a period."""
    m = PERIOD.match(text, start, end)
    return Label(m.group("name"), m.end()) if m else None


def caps_names(text: str, spans: Iterable[Span]) -> frozenset[str]:
    """Untitled upper-case names that are labels here: any, where titled labels (`CHAIR
    REED.`) show the document uses the style; else those that recur, if two or more do
    (a dialogue, not a heading repeated)."""
    titled = 0
    seen: Counter[str] = Counter()
    for a, b in spans:
        if PERIOD.match(text, a, b):
            titled += 1
        elif m := CAPS_NAME.match(text, a, b):
            seen[m.group("name")] += 1
    if titled >= 2:
        return frozenset(seen)
    recurring = frozenset(n for n, k in seen.items() if k >= 2)
    return recurring if len(recurring) >= 2 else frozenset()


def match_caps(text: str, start: int, end: int, names: frozenset[str]) -> Label | None:
    """`ANN BELL. text`, for a name `caps_names` found to be a label."""
    m = CAPS_NAME.match(text, start, end) if names else None
    return Label(m.group("name"), m.end()) if m and m.group("name") in names else None


def person(name: str, parens: str) -> str:
    """The speaker of a label with parentheticals.

    Rule: a parenthetical that only says where a member sits (constituency, then a party
    tag, Hansard's `(Kirkby) (Con)`) is dropped, so a member is one speaker however their
    seat is written; any other parenthetical (`(Minister of Transport)`, `The Prime
    Minister (Ms. Ann Bell)`) is part of the name as written, as it always was.
    """
    found = _PAREN.findall(parens)
    if found and found[-1].strip().lower() in _PARTIES:
        return name
    return f"{name} {parens.strip()}"
