"""Label styles of transcription services, legislatures and hearings, on small transcripts
written for these tests; expected speakers, words and times are read off the fixtures."""

from __future__ import annotations

import time

import pytest

from rag.transcripts import detect, labelled, parse


def _spoken(doc):
    """(speaker, timestamp, words) of each turn that has a speaker."""
    return [(t.speaker, t.timestamp, doc.text[t.start : t.end]) for t in doc.turns if t.speaker]


RIVER = [
    ("Dana Fox", "Why do rivers meander?"),
    ("Omar Haddad", "Because the outside of a bend erodes."),
    ("Dana Fox", "How fast does that happen?"),
    ("Omar Haddad", "Over centuries, usually."),
]
TIMES = ["00:00:03", "00:00:09", "00:01:02", "01:03:12"]


@pytest.mark.parametrize(
    ("name", "text"),
    [
        (
            "time in parentheses, words after it",
            "Dana Fox (00:00:03): Why do rivers meander?\n\n"
            "Omar Haddad (00:00:09): Because the outside of a bend erodes.\n\n"
            "Dana Fox (00:01:02): How fast does that happen?\n\n"
            "Omar Haddad (01:03:12): Over centuries, usually.\n",
        ),
        (
            "time in parentheses, words on the next lines",
            "Dana Fox (00:00:03):\nWhy do rivers meander?\n\n"
            "Omar Haddad (00:00:09):\n\nBecause the outside of a bend erodes.\n\n"
            "Dana Fox (0:01:02):\r\nHow fast does that happen?\r\n\r\n"
            "Omar Haddad (1:03:12):\nOver centuries, usually.\n",
        ),
        (
            "header lines (Otter, Descript)",
            "Dana Fox  0:03\nWhy do rivers meander?\n\n"
            "Omar Haddad  0:09\nBecause the outside of a bend erodes.\n\n"
            "Dana Fox 01:02\nHow fast does that happen?\n\n"
            "Omar Haddad 01:03:12\nOver centuries, usually.\n",
        ),
        (
            "bracketed speaker and time",
            "[Dana Fox] [00:03] Why do rivers meander?\n"
            "[Omar Haddad] [00:09] Because the outside of a bend erodes.\n"
            "[Dana Fox] [01:02] How fast does that happen?\n"
            "[Omar Haddad] [01:03:12] Over centuries, usually.\n",
        ),
        (
            "bracketed time before the label",
            "[00:00:03] Dana Fox: Why do rivers meander?\n"
            "[00:00:09] Omar Haddad: Because the outside of a bend erodes.\n"
            "[00:01:02] Dana Fox: How fast does that happen?\n"
            "[01:03:12] Omar Haddad: Over centuries, usually.\n",
        ),
    ],
)
def test_transcription_service_exports(name, text):
    assert detect(text) == "labelled", name
    doc = parse(text, id="x")
    assert _spoken(doc) == [(s, t, w) for (s, w), t in zip(RIVER, TIMES, strict=True)]


def test_numbered_speakers_and_a_second_paragraph():
    text = (
        "Speaker 1  0:00\nSo what brought you here?\n\n"
        "Speaker 2  0:04\nThe river, mostly.\nAnd the work.\n\n"
        "Speaker 1  0:11\nWhat work?\n"
    )
    doc = parse(text, id="x")
    assert _spoken(doc) == [
        ("Speaker 1", "00:00:00", "So what brought you here?"),
        ("Speaker 2", "00:00:04", "The river, mostly.\nAnd the work."),
        ("Speaker 1", "00:00:11", "What work?"),
    ]


HEARING = """HEARING BEFORE THE COMMITTEE ON RIVERS

The CHAIRMAN. The committee will come to order. Senator Jones, you have the floor.

Senator JONES. Thank you. Mr. Haddad, why do rivers meander?

Mr. HADDAD. Because the outside of a bend erodes. I agree with the survey.
U.S. policy has followed it since 1990.

Ms. DeLAURO of Connecticut. How fast does that happen?

Mr. HADDAD. Over centuries, usually.

The CHAIRMAN. OK. We stand adjourned.
"""


def test_congressional_labels():
    assert detect(HEARING) == "labelled"
    doc = parse(HEARING, id="h")
    assert _spoken(doc) == [
        ("The CHAIRMAN", None, "The committee will come to order. Senator Jones, you have the floor."),
        ("Senator JONES", None, "Thank you. Mr. Haddad, why do rivers meander?"),
        (
            "Mr. HADDAD",
            None,
            "Because the outside of a bend erodes. I agree with the survey.\n"
            "U.S. policy has followed it since 1990.",
        ),
        ("Ms. DeLAURO of Connecticut", None, "How fast does that happen?"),
        ("Mr. HADDAD", None, "Over centuries, usually."),
        ("The CHAIRMAN", None, "OK. We stand adjourned."),
    ]
    heading = doc.turns[0]
    assert heading.speaker is None and doc.text[heading.start : heading.end].startswith("HEARING")


def test_federal_reserve_labels():
    text = (
        "CHAIRMAN BERNANKE. Good morning, everybody. Are there questions?\n\n"
        "VICE CHAIRMAN GEITHNER. Why meet today?\n\n"
        "MR. HADLEY. I had the same question.\n\n"
        "CHAIRMAN BERNANKE. Because markets moved.\n\n"
        "CHAIR POWELL. Thank you.\n"
    )
    assert detect(text) == "labelled"
    assert [(s, w) for s, _, w in _spoken(parse(text, id="f"))] == [
        ("CHAIRMAN BERNANKE", "Good morning, everybody. Are there questions?"),
        ("VICE CHAIRMAN GEITHNER", "Why meet today?"),
        ("MR. HADLEY", "I had the same question."),
        ("CHAIRMAN BERNANKE", "Because markets moved."),
        ("CHAIR POWELL", "Thank you."),
    ]


@pytest.mark.parametrize(
    "line",
    [
        "I agree. We should go.",
        "OK. Let us begin.",
        "U.S. policy is clear.",
        "INTRODUCTION. This report covers rivers.",
        "The FBI. That is who called.",
        "Mr. Smith. He left early.",
        "MR. SMITH GOES TO WASHINGTON.",
        "THE END.",
        "Updated 10:30 today",
        "[Laughter] and then we left.",
        "If you could help us understand: why?",
    ],
)
def test_sentences_are_not_labels(line):
    assert labelled.match(line, 0, len(line)) is None


def test_capitalised_prose_stays_prose():
    text = (
        "INTRODUCTION.\n\nI agree. The plan works.\n\nOK. Then we go.\n\nU.S. policy is clear.\n\n"
        "I agree. Again.\n\nOK. Done.\n"
    )
    assert detect(text) == "prose"


HANSARD = """Mr. Tom Reed (Kirkby) (Con): Will the Prime Minister say when the bridge reopens?

The Prime Minister (Ms. Ann Bell): In the spring.

Hon. Members: Hear, hear.

Mr. Reed: Which spring?

The Prime Minister: The next one.

Mrs. Ann Lee (Eastfield) (Lab/Co-op): And the ferry?
"""


def test_hansard_labels():
    assert detect(HANSARD) == "labelled"
    doc = parse(HANSARD, id="hc")
    # party and seat qualify a member and are dropped; other parentheticals are the name
    # as written, and short forms stand for the one fuller name they abbreviate
    assert [(s, w) for s, _, w in _spoken(doc)] == [
        ("Mr. Tom Reed", "Will the Prime Minister say when the bridge reopens?"),
        ("The Prime Minister (Ms. Ann Bell)", "In the spring."),
        ("Hon. Members", "Hear, hear."),
        ("Mr. Tom Reed", "Which spring?"),
        ("The Prime Minister (Ms. Ann Bell)", "The next one."),
        ("Mrs. Ann Lee", "And the ferry?"),
    ]


def test_other_parentheticals_stay_in_the_name():
    text = "Ann Bell (Chair): Why?\n\nTom Reed (Minister of Transport): Because.\n\nAnn Bell (Chair): When?\n"
    assert [s for s, _, _ in _spoken(parse(text, id="p"))] == [
        "Ann Bell (Chair)",
        "Tom Reed (Minister of Transport)",
        "Ann Bell (Chair)",
    ]


@pytest.mark.parametrize(
    "line",
    [
        "A" + " a" * 20000,
        "Mr. " + "AAAA " * 20000,
        "The " + "CHAIRMAN " * 20000,
        "[" + "A" * 50000,
        "[00:00] " * 10000,
        "Name " * 20000 + "0:0",
        "Dana (" * 20000,
        "**" + "Ab " * 20000,
        "A (" + "00:00:00 " * 10000 + "):",
    ],
)
def test_long_pathological_lines_are_fast(line):
    # this thread's CPU time, so a busy machine does not fail it; backtracking would take minutes
    began = time.thread_time()
    labelled.score(line + "\n" + line)
    labelled.read(line)
    assert time.thread_time() - began < 1.0


PRESS_CONFERENCE = """CHAIR POWELL. Good afternoon. I am happy to take your questions.

ANN BELL. Thank you. Why did rates rise?

CHAIR POWELL. Because inflation is high.

TOM REED-SMITH. Will they rise again?

CHAIR POWELL. We will see.
"""


def test_untitled_upper_case_names_beside_titled_labels():
    # a reporter at a press conference has no title; the chair's titled labels show the style
    assert [(s, w) for s, _, w in _spoken(parse(PRESS_CONFERENCE, id="pc"))] == [
        ("CHAIR POWELL", "Good afternoon. I am happy to take your questions."),
        ("ANN BELL", "Thank you. Why did rates rise?"),
        ("CHAIR POWELL", "Because inflation is high."),
        ("TOM REED-SMITH", "Will they rise again?"),
        ("CHAIR POWELL", "We will see."),
    ]


def test_upper_case_phrases_without_titled_labels_are_no_speakers():
    text = "UNITED STATES. A report on rivers.\n\nFIRST PART. Rivers bend.\n\nUNITED STATES. Again.\n"
    assert detect(text) == "prose"
    assert labelled.score(text) == (0, 0)
