"""Markup formats (captions, HTML, JSON) are rendered to a plain transcript first.

Their raw text is no quotable prose (cue timings, tags, entities, JSON syntax), so the
document's text is the rendering, `Speaker: words` one turn a paragraph, and every
offset points into it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from ..errors import InvalidInput
from .turns import Utterance

__all__ = ["Rendered", "Segment", "clock", "render"]


@dataclass(frozen=True, slots=True)
class Segment:
    """A piece of speech as the markup gives it: a cue, a paragraph, a JSON turn."""

    text: str
    speaker: str | None = None
    timestamp: str | None = None
    aside: bool = False
    """A heading or stage direction: narration of its own, with no speaker, never merged."""
    new_speaker: bool = False
    """The markup says someone else speaks now (a caption's `>>`), named or not."""


@dataclass(frozen=True, slots=True)
class Rendered:
    text: str
    utterances: list[Utterance]
    metadata: dict[str, str]


_SPACE = re.compile(r"\s+")
_PARAGRAPH = re.compile(r"\n[ \t]*\n")


def clock(value: str | float | int | None) -> str | None:
    """`0:53`, `00:00:19.080`, `00:00:19,080` or seconds as `HH:MM:SS`."""
    if value is None or value == "":
        return None
    if isinstance(value, (int, float)):
        total = int(value)
    else:
        parts = re.split(r"[:]", value.strip().replace(",", "."))
        try:
            nums = [float(p) for p in parts]
        except ValueError:
            return None
        seconds = 0.0
        for n in nums:
            seconds = seconds * 60 + n
        total = int(seconds)
    return f"{total // 3600:02d}:{total % 3600 // 60:02d}:{total % 60:02d}"


def render(
    segments: Iterable[Segment],
    *,
    format: str,
    merge: bool = True,
    metadata: dict[str, str] | None = None,
    keep_paragraphs: bool = False,
) -> Rendered:
    """One turn a paragraph. With `merge` (captions), consecutive segments of one speaker
    form one turn and a segment with no speaker continues the turn before it; without it
    (explicit turns, as in JSON), every segment is a turn of its own. With `keep_paragraphs`
    (speeches), blank lines inside a segment stay paragraph breaks of its turn."""
    joiner = "\n\n" if keep_paragraphs else " "
    turns: list[tuple[str | None, list[str], str | None, bool, bool]] = []
    # speaker, texts, timestamp, aside, a new speaker the markup marks without a name
    for seg in segments:
        parts = _PARAGRAPH.split(seg.text) if keep_paragraphs else [seg.text]
        words = joiner.join(w for w in (_SPACE.sub(" ", p).strip() for p in parts) if w)
        if not words:
            continue
        last = turns[-1] if turns else None
        if seg.aside:
            turns.append((None, [words], seg.timestamp, True, False))
        elif (
            merge
            and last
            and not last[3]
            and not seg.new_speaker
            and (seg.speaker is None or seg.speaker == last[0])
        ):
            last[1].append(words)
        else:
            turns.append((seg.speaker, [words], seg.timestamp, False, seg.new_speaker))
    if not any(not t[3] for t in turns):
        raise InvalidInput(f"no speech found: this does not look like a {format} transcript")
    pieces: list[str] = []
    utterances: list[Utterance] = []
    pos = 0
    for speaker, texts, timestamp, aside, new_speaker in turns:
        prefix = f"{speaker}: " if speaker else ""
        body = joiner.join(texts)
        start = pos + len(prefix)
        pieces.append(prefix + body)
        labelled = not aside and (bool(speaker) or new_speaker or not merge)
        utterances.append(
            Utterance(start, start + len(body), speaker, None, labelled, timestamp, aside=aside)
        )
        pos += len(prefix) + len(body) + 2
    return Rendered("\n\n".join(pieces) + "\n", utterances, metadata or {})
