"""Text extracted from a binary file, and which page each offset of it is on."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass, field

__all__ = ["Extracted", "page_at"]


@dataclass(frozen=True, slots=True)
class Extracted:
    """The stored text of a binary document: offsets of quotes point into `text`.

    `pages[i]` is where page i + 1 starts in `text` (empty for unpaged files such as DOCX).
    """

    text: str
    pages: tuple[int, ...] = ()
    metadata: dict[str, str] = field(default_factory=dict)


def page_at(pages: Sequence[int], offset: int) -> int | None:
    """The 1-based page holding `offset`; a page with no text of its own is skipped."""
    if not pages:
        return None
    return max(1, bisect_right(pages, offset))
