"""Lines that belong to no speaker: headings, clock times, `END` lines."""

from __future__ import annotations

import re

__all__ = ["is_aside"]

_WS = r"[ \t\u00a0]"
_HEADING = re.compile(rf"#{{1,6}}{_WS}")
_CLOCK = re.compile(
    rf"(?:END{_WS}+)?\d{{1,2}}:\d{{2}}(?::\d{{2}})?{_WS}*[AaPp]\.?[Mm]\.?(?:{_WS}+[A-Z]{{2,4}})?{_WS}*"
    r"|\\?\[\d{1,2}(?::\d{2}){1,2}(?:\.\d+)?\\?\]"  # a bare [hh:mm:ss] marker (`**Break**: [30:01]`)
    rf"|\(?(?:END OF (?:MEETING|SESSION|TRANSCRIPT|CALL|CONFERENCE|HEARING|PROCEEDINGS|RECORDING)|"
    rf"(?:MEETING|SESSION|HEARING) ADJOURNED|\[?END\]?)\)?[.!]?{_WS}*"  # a transcript's closing line
)


def is_aside(text: str, start: int, end: int) -> bool:
    """A markdown heading, a time of day such as `11:48 A.M. EST`, `END 12:30 P.M. EST`, a
    bare `[30:01]` time marker, or a closing line (`END OF MEETING`)."""
    return bool(_HEADING.match(text, start, end) or _CLOCK.fullmatch(text, start, end))
