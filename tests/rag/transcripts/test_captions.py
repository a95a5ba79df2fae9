"""Caption cues named by a `Name:` prefix rather than a voice tag, and broadcast `>>` marks;
expected turns read off the fixtures."""

from __future__ import annotations

from rag.transcripts import parse


def _turns(doc):
    return [(t.speaker, t.timestamp, doc.text[t.start : t.end]) for t in doc.turns]


VTT_PREFIXES = """WEBVTT

00:00:01.000 --> 00:00:04.000
Dana: Why do rivers
meander?

00:00:04.500 --> 00:00:07.000
Omar Haddad: Because the outside

00:00:07.000 --> 00:00:09.000
of a bend erodes.

00:01:02.000 --> 00:01:04.000
Dana: How fast?
"""


def test_webvtt_name_prefixes_without_voice_tags():
    doc = parse(VTT_PREFIXES, id="v")
    assert doc.format == "webvtt"
    assert _turns(doc) == [
        ("Dana", "00:00:01", "Why do rivers meander?"),
        ("Omar Haddad", "00:00:04", "Because the outside of a bend erodes."),
        ("Dana", "00:01:02", "How fast?"),
    ]


def test_webvtt_voice_tags_still_win():
    text = "WEBVTT\n\n00:00:01.000 --> 00:00:02.000\n<v Dana>Note: rivers bend.\n"
    assert _turns(parse(text, id="v")) == [("Dana", "00:00:01", "Note: rivers bend.")]


def test_webvtt_prefix_that_is_no_name_is_speech():
    text = "WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nSo here is the thing: rivers bend.\n"
    assert _turns(parse(text, id="v")) == [(None, "00:00:01", "So here is the thing: rivers bend.")]


BROADCAST_SRT = """1
00:00:01,000 --> 00:00:03,000
>> ANCHOR: GOOD EVENING. THE RIVER
ROSE TODAY.

2
00:00:03,500 --> 00:00:05,000
WHY DID IT RISE? >> RAIN, MOSTLY.

3
00:00:05,500 --> 00:00:07,000
THREE DAYS OF IT.

4
00:00:08,000 --> 00:00:09,000
>> ANCHOR: THANK YOU.
"""


def test_srt_broadcast_speaker_changes():
    doc = parse(BROADCAST_SRT, id="s")
    assert doc.format == "srt"
    assert _turns(doc) == [
        ("ANCHOR", "00:00:01", "GOOD EVENING. THE RIVER ROSE TODAY. WHY DID IT RISE?"),
        (None, "00:00:03", "RAIN, MOSTLY. THREE DAYS OF IT."),  # `>>` alone: someone else, unnamed
        ("ANCHOR", "00:00:08", "THANK YOU."),
    ]


def test_webvtt_escaped_speaker_changes():
    text = (
        "WEBVTT\n\n00:00:01.000 --> 00:00:02.000\n&gt;&gt; Is it over?\n\n"
        "00:00:02.000 --> 00:00:03.000\n&gt;&gt; It is.\n"
    )
    assert _turns(parse(text, id="v")) == [(None, "00:00:01", "Is it over?"), (None, "00:00:02", "It is.")]
