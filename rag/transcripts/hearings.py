"""Labels of legislatures and hearings: the US congressional and Federal Reserve
`Mr. SMITH.` / `CHAIR POWELL.` / `The CHAIRMAN.` style, and Hansard's parentheticals."""

from __future__ import annotations

import re

from .label import Label

__all__ = ["match_period", "person"]

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

# Hansard's party tags: `Mr. David Cameron (Witney) (Con):` is Mr. David Cameron.
_PARTIES = frozenset(
    {"con", "lab", "ld", "snp", "dup", "pc", "sdlp", "uup", "ind", "green", "alliance", "lab/co-op"}
    | {"co-op", "sf", "tuv", "respect", "cb", "reform", "ukip", "alba", "ind lab", "ind con", "non-afl"}
)
_PAREN = re.compile(r"\(([^()\n]{1,80})\)")


def match_period(text: str, start: int, end: int) -> Label | None:
    """`Mr. SMITH. Mr. Speaker, ...`: a titled upper-case name ended by a period."""
    m = PERIOD.match(text, start, end)
    return Label(m.group("name"), m.end()) if m else None


def person(name: str, parens: str) -> str:
    """The speaker of a label with parentheticals.

    Rule: a parenthetical that only says where a member sits (constituency, then a party
    tag, Hansard's `(Witney) (Con)`) is dropped, so a member is one speaker however their
    seat is written; any other parenthetical (`(Minister of Transport)`, `The Prime
    Minister (Mr. Gordon Brown)`) is part of the name as written, as it always was.
    """
    found = _PAREN.findall(parens)
    if found and found[-1].strip().lower() in _PARTIES:
        return name
    return f"{name} {parens.strip()}"
