"""Each format on a small transcript written for the tests; expected values read off the fixtures."""

from __future__ import annotations

import pytest

from rag.errors import InvalidInput
from rag.transcripts import detect, parse


def _turns(doc):
    return [(t.act, t.speaker, t.timestamp, doc.text[t.start : t.end]) for t in doc.turns]


RIVER = [
    ("question", "Dana", "Welcome back. Today we talk about rivers. Why do rivers meander?"),
    ("answer", "Omar Haddad", "Because the outside of a bend erodes & the inside fills with sediment."),
    ("question", "Dana", "How fast does that happen?"),
    ("answer", "Omar Haddad", "Over centuries, usually."),
]


def _read(fixture_text, name):
    return parse(fixture_text(name), id=name)


def test_webvtt_merges_cues_into_turns_with_start_times(fixture_text):
    raw = fixture_text("podcast.vtt")
    assert "\r\n" in raw  # the fixture keeps CRLF line endings
    doc = _read(fixture_text, "podcast.vtt")
    assert doc.format == "webvtt"
    assert [(r, s, q) for r, s, _, q in _turns(doc)] == RIVER  # voice tags, entities and <i> resolved
    assert [t.timestamp for t in doc.turns] == ["00:00:01", "00:00:07", "00:01:02", "01:00:05"]
    assert doc.turns[1].question_index == 0 and doc.turns[3].question_index == 2


def test_srt_takes_speakers_from_name_prefixes(fixture_text):
    doc = _read(fixture_text, "podcast.srt")
    assert doc.format == "srt"
    expected = [(r, s, q.replace(" & ", " and ")) for r, s, q in RIVER]
    assert [(r, s, q) for r, s, _, q in _turns(doc)] == expected
    assert doc.turns[3].timestamp == "00:01:05"


def test_podcasting_html(fixture_text):
    doc = _read(fixture_text, "podcast.html")
    assert doc.format == "html"
    assert doc.title == "Rivers, episode 12"
    assert [(r, s, q) for r, s, _, q in _turns(doc)] == RIVER  # script text is not speech
    assert [t.timestamp for t in doc.turns] == ["00:00:01", "00:00:07", "00:01:02", "00:01:05"]


def test_json_turns_stay_one_turn_each(fixture_text):
    doc = _read(fixture_text, "turns.json")
    assert doc.format == "json" and doc.title == "Rivers, episode 12"
    assert [(r, s) for r, s, _, _ in _turns(doc)] == [
        ("question", "Dana"),
        ("answer", "Omar Haddad"),
        ("answer", "Omar Haddad"),
        ("question", "Dana"),
        ("answer", "Omar Haddad"),
    ]
    assert doc.text[doc.turns[2].start : doc.turns[2].end] == "And the inside fills with sediment."
    assert [t.timestamp for t in doc.turns[:3]] == ["00:00:01", "00:00:07", "00:00:10"]
    assert doc.turns[2].question_index == 0


def test_qmsum_meeting(fixture_text):
    doc = _read(fixture_text, "meeting.json")
    assert doc.format == "json"
    assert len(doc.turns) == 5
    minister = "Hon. Rosa Lind (Minister of Transport)"
    assert doc.turns[2].act == "answer" and doc.turns[2].speaker == minister
    assert doc.turns[1].act == "question" and doc.turns[2].question_index == 1
    assert doc.turns[4].question_index == 3


def test_markdown_bold_labels_initials_and_headings(fixture_text):
    doc = _read(fixture_text, "bold-labels.md")
    assert doc.format == "labelled"
    assert doc.title == "Spotlight on a river charity" and doc.metadata["author"] == "Pat Doe"
    spoken = [(r, s) for r, s, _, _ in _turns(doc) if s]
    # `PD` and `LW` are initials of the only speakers whose names start with those letters
    assert spoken[:-2] == [("question", "Pat"), ("answer", "Lee")] * 2
    # the closing thanks ask nothing, and the reply only acknowledges them
    assert spoken[-2:] == [("narration", "Pat"), ("backchannel", "Lee")]
    texts = [q for _, _, _, q in _turns(doc)]
    assert "Hello! Could you introduce yourself?" in texts  # bold markers are not quoted
    assert any(q.startswith("What does a typical cleanup day") and q.endswith("come along?") for q in texts)
    answer = next(t for t in doc.turns if doc.text[t.start : t.end].startswith("We meet at eight"))
    assert doc.text[answer.start : answer.end].endswith("plastic bottles.")  # second paragraph joins
    headings = [t for t in doc.turns if doc.text[t.start : t.end].startswith("## ")]
    assert len(headings) == 2 and all(t.act == "narration" for t in headings)
    marker = next(t for t in doc.turns if "12:30" in doc.text[t.start : t.end])
    assert marker.act == "narration" and marker.speaker is None


def test_bold_question_paragraphs(fixture_text):
    doc = _read(fixture_text, "bold-questions.md")
    assert doc.format == "bold-questions"
    roles = [(r, q) for r, _, _, q in _turns(doc)]
    assert roles[0] == ("narration", "We visited the studio on a rainy Thursday.")
    assert ("question", "How did you start blowing glass?") in roles
    last = doc.turns[-1]
    assert last.act == "answer" and doc.text[last.start : last.end].endswith("the most expensive.")
    assert doc.turns[last.question_index].act == "question"


@pytest.mark.parametrize(
    ("name", "fmt"),
    [
        ("podcast.vtt", "webvtt"),
        ("podcast.srt", "srt"),
        ("podcast.html", "html"),
        ("turns.json", "json"),
        ("meeting.json", "json"),
        ("bold-labels.md", "labelled"),
        ("bold-questions.md", "bold-questions"),
        ("qa.txt", "labelled"),
        ("dashed.txt", "dashed"),
        ("prose.txt", "prose"),
    ],
)
def test_detection(fixture_text, name, fmt):
    assert detect(fixture_text(name)) == fmt


@pytest.mark.parametrize(
    ("name", "fmt", "message"),
    [
        ("prose.txt", "webvtt", "WEBVTT"),
        ("prose.txt", "srt", "cue timings"),
        ("prose.txt", "json", "not valid JSON"),
        ("prose.txt", "labelled", "no speaker labels"),
        ("prose.txt", "dashed", "leading dash"),
        ("qa.txt", "bold-questions", "in bold"),
        ("podcast.srt", "webvtt", "WEBVTT"),
    ],
)
def test_a_named_format_that_does_not_fit_is_an_error(fixture_text, name, fmt, message):
    with pytest.raises(InvalidInput, match=message):
        parse(fixture_text(name), id=name, format=fmt)


def test_json_that_is_no_transcript():
    with pytest.raises(InvalidInput, match="list of turns"):
        parse('{"a": 1}', id="x", format="json")
    with pytest.raises(InvalidInput, match="turn 0"):
        parse('[{"speaker": "A"}]', id="x", format="json")


def test_speakers_are_listed_in_order(fixture_text):
    doc = parse(fixture_text("briefing.md"), id="b")
    assert doc.speakers == ["MS. PRESS", "reporter", "MR. ENGINEER"]
