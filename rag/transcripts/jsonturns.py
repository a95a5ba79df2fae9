"""JSON transcripts: `[{"speaker", "text"|"content", "start"?}]`, `{"turns": [...]}`,
and QMSum meetings (`{"meeting_transcripts": [{"speaker", "content"}]}`)."""

from __future__ import annotations

import json
from typing import Any

from ..errors import InvalidInput
from .rendered import Rendered, Segment, clock, render

__all__ = ["looks_like_json", "read_json"]

_LISTS = ("turns", "meeting_transcripts", "transcript", "segments", "utterances")


def looks_like_json(text: str) -> bool:
    head = text.lstrip("\ufeff \t\r\n")[:1]
    if head not in ("{", "["):
        return False
    try:
        return _turns(json.loads(text)) is not None
    except (ValueError, InvalidInput):
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
            "JSON transcripts are a list of turns or an object with 'turns' or 'meeting_transcripts'"
        )
    segments = []
    for i, turn in enumerate(turns):
        if not isinstance(turn, dict):
            raise InvalidInput(f"turn {i} is not an object with 'speaker' and 'text'")
        words = turn.get("text", turn.get("content"))
        if not isinstance(words, str):
            raise InvalidInput(f"turn {i} has no 'text' or 'content' string")
        speaker = turn.get("speaker")
        start = turn.get("start", turn.get("timestamp"))
        segments.append(
            Segment(
                words,
                " ".join(str(speaker).split()) if speaker else None,
                clock(start) if isinstance(start, (str, int, float)) else None,
            )
        )
    meta = {}
    if isinstance(data, dict) and isinstance(data.get("title"), str):
        meta["title"] = data["title"]
    return render(segments, format="JSON", merge=False, metadata=meta)
