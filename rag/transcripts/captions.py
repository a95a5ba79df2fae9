"""WebVTT and SRT caption files. A cue's speaker is its `<v Speaker>` voice tag or, without
one, a `Name:` at the start of its text; broadcast captions' `>>` starts a new speaker
(`>> text` an unnamed one, `>> NAME: text` a named one) anywhere in a cue."""

from __future__ import annotations

import html
import re

from ..errors import InvalidInput
from .labelled import is_name
from .rendered import Rendered, Segment, clock, render

__all__ = ["looks_like_srt", "looks_like_vtt", "read_srt", "read_vtt"]

_BLOCKS = re.compile(r"(?:\r?\n){2,}")
_TIMING = re.compile(r"^\s*((?:\d+:)?\d{1,2}:\d{2}[.,]\d{1,3})\s*-->\s*((?:\d+:)?\d{1,2}:\d{2}[.,]\d{1,3})")
_VOICE = re.compile(r"<v(?:\.[\w.-]+)?\s+([^>]+)>")
_TAG = re.compile(r"</?[^>]+>")
_NAME_PREFIX = re.compile(r"\s*([A-Z][\w.'\u2019\- ]{0,40}?)\s*:\s+(?=\S)")
_CHANGE = re.compile(r"\s*>>+")
_SRT_START = re.compile(r"\A\s*\d+\s*\r?\n\s*\d{1,2}:\d{2}:\d{2},\d{1,3}\s*-->")


def looks_like_vtt(text: str) -> bool:
    return text.lstrip("\ufeff \t\r\n").startswith("WEBVTT")


def looks_like_srt(text: str) -> bool:
    return bool(_SRT_START.match(text))


def _cues(text: str) -> list[tuple[str, list[str]]]:
    """(start time, payload lines) for each cue with a timing line."""
    out = []
    for block in _BLOCKS.split(text.strip()):
        lines = block.splitlines()
        for i, line in enumerate(lines[:2]):
            m = _TIMING.match(line)
            if m:
                out.append((m.group(1), lines[i + 1 :]))
                break
    return out


def _segments(body: str, start: str, speaker: str | None) -> list[Segment]:
    """A cue's words, split where `>>` marks a change of speaker; `Name:` names a piece."""
    out = []
    for i, piece in enumerate(_CHANGE.split(body)):
        m = None if speaker else _NAME_PREFIX.match(piece)
        name = " ".join(m.group(1).split()) if m and is_name(m.group(1)) else None
        words = piece[m.end() :] if name and m else piece
        out.append(Segment(words, speaker or name, clock(start), new_speaker=i > 0))
    return out


def read_vtt(text: str) -> Rendered:
    if not looks_like_vtt(text):
        raise InvalidInput("not a WebVTT file: it does not start with WEBVTT")
    segments = []
    for start, payload in _cues(text):
        body = " ".join(payload)
        voice = _VOICE.search(body)
        speaker = " ".join(voice.group(1).split()) if voice else None
        segments += _segments(html.unescape(_TAG.sub("", body)), start, speaker)
    return render(segments, format="WebVTT")


def read_srt(text: str) -> Rendered:
    cues = _cues(text)
    if not cues:
        raise InvalidInput("not an SRT file: no cue timings such as 00:00:01,000 --> 00:00:02,000")
    segments = []
    for start, payload in cues:
        segments += _segments(html.unescape(_TAG.sub("", " ".join(payload))), start, None)
    return render(segments, format="SRT")
