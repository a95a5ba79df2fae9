"""Podcasting 2.0 JSON transcripts: short segments of one speaker are one turn, with its start."""

from __future__ import annotations

import json

from rag.transcripts import parse

PODCAST = {
    "version": "1.0.0",
    "segments": [
        {"speaker": "Dana", "startTime": 0.5, "endTime": 2.1, "body": "Welcome back."},
        {"speaker": "Dana", "startTime": 2.1, "endTime": 4.0, "body": "Why do rivers meander?"},
        {"speaker": "Omar Haddad", "startTime": 4.2, "endTime": 7.9, "body": "Because the outside"},
        {"speaker": "Omar Haddad", "startTime": 7.9, "endTime": 9.0, "body": "of a bend erodes."},
        {"startTime": 9.0, "endTime": 9.5, "body": "Mostly."},
        {"speaker": "Dana", "startTime": 3725.0, "endTime": 3727.0, "body": "How fast?"},
    ],
}


def test_segments_merge_into_turns_with_start_times():
    doc = parse(json.dumps(PODCAST), id="ep12.json")
    assert doc.format == "json"
    assert doc.text == (
        "Dana: Welcome back. Why do rivers meander?\n\n"
        "Omar Haddad: Because the outside of a bend erodes. Mostly.\n\n"
        "Dana: How fast?\n"
    )
    got = [(t.speaker, t.timestamp, doc.text[t.start : t.end]) for t in doc.turns]
    assert got == [
        ("Dana", "00:00:00", "Welcome back. Why do rivers meander?"),
        ("Omar Haddad", "00:00:04", "Because the outside of a bend erodes. Mostly."),
        ("Dana", "01:02:05", "How fast?"),
    ]


def test_other_json_turns_are_not_merged():
    turns = [{"speaker": "Dana", "text": "One."}, {"speaker": "Dana", "text": "Two."}]
    assert len(parse(json.dumps({"segments": turns}), id="x").turns) == 2
