"""WebVTT (`<v Speaker>` voice tags) and SRT (`Name:` at turn starts) caption files."""

from __future__ import annotations

import html
import re

from ..errors import InvalidInput
from .rendered import Rendered, Segment, clock, render

__all__ = ["looks_like_srt", "looks_like_vtt", "read_srt", "read_vtt"]

_BLOCKS = re.compile(r"(?:\r?\n){2,}")
_TIMING = re.compile(r"^\s*((?:\d+:)?\d{1,2}:\d{2}[.,]\d{1,3})\s*-->\s*((?:\d+:)?\d{1,2}:\d{2}[.,]\d{1,3})")
_VOICE = re.compile(r"<v(?:\.[\w.-]+)?\s+([^>]+)>")
_TAG = re.compile(r"</?[^>]+>")
_SRT_LABEL = re.compile(r"^\s*([A-Z][\w.'\u2019\- ]{0,40}?)\s*:\s+(?=\S)")
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


def read_vtt(text: str) -> Rendered:
    if not looks_like_vtt(text):
        raise InvalidInput("not a WebVTT file: it does not start with WEBVTT")
    segments = []
    for start, payload in _cues(text):
        body = " ".join(payload)
        voice = _VOICE.search(body)
        speaker = " ".join(voice.group(1).split()) if voice else None
        words = html.unescape(_TAG.sub("", body))
        segments.append(Segment(words, speaker, clock(start)))
    return render(segments, format="WebVTT")


def read_srt(text: str) -> Rendered:
    cues = _cues(text)
    if not cues:
        raise InvalidInput("not an SRT file: no cue timings such as 00:00:01,000 --> 00:00:02,000")
    segments = []
    for start, payload in cues:
        body = html.unescape(_TAG.sub("", " ".join(payload)))
        m = _SRT_LABEL.match(body)
        speaker = " ".join(m.group(1).split()) if m else None
        segments.append(Segment(body[m.end() :] if m else body, speaker, clock(start)))
    return render(segments, format="SRT")
