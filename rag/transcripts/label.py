"""What a label reader found at a line start, whatever the label looked like."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Label"]


@dataclass(frozen=True, slots=True)
class Label:
    """A speaker label: who, where their words begin, and when, so readers of different
    label styles (`Name:`, `Mr. SMITH.`, `Name  0:03`) feed one turn builder."""

    name: str
    """The speaker as written (parentheticals that qualify a person already dropped)."""
    end: int
    """Where the spoken words begin: past the label, or the line end for a header line."""
    timestamp: str | None = None
    """`HH:MM:SS`, where the label carries a time."""
    bare_q: bool = False
    """The press-briefing `Q` with no colon."""
