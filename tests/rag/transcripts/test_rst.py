"""reStructuredText Q&A: questions as paragraphs, answers as indented block quotes, titles as
narration, the first title the document's."""

from __future__ import annotations

from rag.transcripts import detect, parse, rst

RST = """\
Interview with Ada Lane
=======================

Ada is a cartographer.

Early days
----------

Where did you grow up?

    By the sea, in a fishing town.

    We moved inland later.

What did you study?

    Geography, then surveying.

Ada later led a mapping team.

Advice
------

What would you tell a beginner?

    Walk the ground you map.
"""


def test_questions_answers_and_titles():
    doc = parse(RST, id="ada.rst")
    assert detect(RST) == "rst" and doc.format == "rst"
    assert doc.title == "Interview with Ada Lane"
    marks = {True: "question", False: "answer", None: "narration"}
    got = [("aside" if u.aside else marks[u.asks], doc.text[u.start : u.end]) for u in rst.read(RST)]
    assert got == [
        ("aside", "Interview with Ada Lane"),
        ("aside", "Ada is a cartographer."),
        ("aside", "Early days"),
        ("question", "Where did you grow up?"),
        ("answer", "By the sea, in a fishing town."),
        ("narration", "We moved inland later."),  # the answer's next paragraph
        ("question", "What did you study?"),
        ("answer", "Geography, then surveying."),
        ("aside", "Ada later led a mapping team."),
        ("aside", "Advice"),
        ("question", "What would you tell a beginner?"),
        ("answer", "Walk the ground you map."),
    ]
    # the answer's two paragraphs are one turn, linked to its question
    answer = next(t for t in doc.turns if doc.text[t.start : t.end].startswith("By the sea"))
    assert doc.text[answer.start : answer.end].endswith("We moved inland later.")
    assert doc.text[doc.turns[answer.question_index].start :].startswith("Where did you grow up?")


def test_underlined_titles_without_block_quotes_are_not_rst():
    assert detect("Title\n=====\n\nSome prose.\n\nMore prose?\n\nAnd more.\n") == "prose"
