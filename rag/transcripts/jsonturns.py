"""JSON transcripts: `[{"speaker", "text"|"content", "start"?}]`, `{"turns": [...]}`,
QMSum meetings (`{"meeting_transcripts": [{"speaker", "content"}]}`) and Podcasting 2.0
(`{"version", "segments": [{"speaker", "startTime", "endTime", "body"}]}`).

Any text that parses as a JSON object or array is taken for JSON, so JSON that is no
transcript is refused with the reason instead of being indexed as prose.
"""

from __future__ import annotations

import json
from typing import Any

from ..errors import InvalidInput
from .rendered import Rendered, Segment, clock, render

__all__ = ["looks_like_json", "read_json"]

_LISTS = ("turns", "meeting_transcripts", "transcript", "segments", "utterances")
_WORDS = ("text", "content", "body")
_STARTS = ("start", "timestamp", "startTime")
_DATES = ("date", "published", "published_time", "datePublished", "recorded", "recorded_at")
_MEDIA = ("media_url", "audio_url", "video_url", "audio", "video")  # the recording, at the top level


def looks_like_json(text: str) -> bool:
    head = text.lstrip("\ufeff \t\r\n")[:1]
    if head not in ("{", "["):
        return False
    try:
        return isinstance(json.loads(text), (dict, list))
    except ValueError:
        return False


def _turns(data: Any) -> list[Any] | None:
    if isinstance(data, dict):
        for key in _LISTS:
            if isinstance(data.get(key), list):
                return data[key]
        return None
    return data if isinstance(data, list) else None


def read_json(text: str) -> Rendered:
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise InvalidInput(f"not valid JSON: {exc}") from None
    turns = _turns(data)
    if turns is None:
        raise InvalidInput(
            "this JSON is not a transcript: expected a list of turns or an object with 'turns', "
            "'meeting_transcripts' or 'segments'"
        )
    if not turns:
        raise InvalidInput("this JSON transcript has no turns")
    segments = []
    for i, turn in enumerate(turns):
        if not isinstance(turn, dict):
            raise InvalidInput(
                f"this JSON is not a transcript: item {i} is {type(turn).__name__}, "
                "not an object with 'speaker' and 'text'"
            )
        words = next((turn[k] for k in _WORDS if k in turn), None)
        if not isinstance(words, str):
            raise InvalidInput(f"turn {i} has no 'text', 'content' or 'body' string")
        speaker = turn.get("speaker")
        start = next((turn[k] for k in _STARTS if k in turn), None)
        segments.append(
            Segment(
                words,
                " ".join(str(speaker).split()) if speaker else None,
                clock(start) if isinstance(start, (str, int, float)) else None,
            )
        )
    meta = {}
    if isinstance(data, dict):
        for key in ("title", *_DATES, "source_url", "url", "kind", "tags"):
            value = data.get(key)
            if isinstance(value, str) and value.strip():
                meta[key] = value.strip()
            elif key == "tags" and isinstance(value, list):
                meta[key] = ", ".join(str(v) for v in value if isinstance(v, (str, int)))
        media = next((data[k] for k in _MEDIA if isinstance(data.get(k), str)), None)
        if media and media.strip():
            meta["media_url"] = media.strip()
    # Podcasting 2.0 splits speech into short segments: one speaker's run of them is one turn
    podcast = isinstance(data, dict) and isinstance(data.get("segments"), list) and "version" in data
    return render(segments, format="JSON", merge=podcast, metadata=meta)
