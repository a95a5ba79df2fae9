"""Parsing into turns: expected values come from reading the fixtures and the seed by eye."""

from __future__ import annotations

import bisect

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rag.errors import InvalidInput
from rag.transcripts import FORMATS, parse
from rag.transcripts.turns import is_follow_up


def _roles(doc):
    return [(t.act, t.speaker) for t in doc.turns]


def _text(doc, i):
    return doc.text[doc.turns[i].start : doc.turns[i].end]


def test_qa_transcript(fixture_text):
    doc = parse(fixture_text("qa.txt"), id="qa")
    assert doc.format == "labelled"
    assert [t.act for t in doc.turns] == [
        "narration", "question", "answer", "question", "answer", "question", "answer",
    ]  # fmt: skip
    assert _text(doc, 1) == "How long have you kept the light?"
    # the answer's second paragraph stays in its turn
    assert _text(doc, 4).endswith("you get used to it.")
    assert doc.turns[4].question_index == 3
    # "Really?" is a follow-up in the thread of the question before it
    assert doc.turns[5].question_index == 3
    assert [t.index for t in doc.thread(doc.turns[6])] == [3, 5]


def test_named_speakers_find_the_interviewer(fixture_text):
    doc = parse(fixture_text("speakers.txt"), id="s")
    assert doc.format == "labelled"
    assert _roles(doc)[:4] == [
        ("question", "Maria Lopez"),
        ("answer", "Tom Reed"),
        ("question", "Maria Lopez"),
        ("answer", "Tom Reed"),
    ]
    assert _text(doc, 3) == "About forty, spread over four orchards."
    assert doc.turns[3].question_index == 2
    assert doc.turns[2].question_index is None  # a full question of its own, not a follow-up


def test_press_briefing_with_bare_q_and_non_breaking_spaces(fixture_text):
    doc = parse(fixture_text("briefing.md"), id="b")
    assert doc.format == "labelled"
    roles = _roles(doc)
    assert roles[:2] == [("narration", None), ("narration", None)]  # room line and time
    assert roles[2] == ("narration", "MS. PRESS")  # an opening statement answers nothing
    assert roles[3] == ("question", "reporter")
    assert _text(doc, 3) == "When will the bridge reopen?"
    assert roles[4] == ("answer", "MS. PRESS")
    assert _text(doc, 4).startswith("The bridge reopens on Monday morning.")
    assert "less than expected." in _text(doc, 4)  # wrapped line joins its turn
    assert roles[6] == ("answer", "MR. ENGINEER")
    assert doc.turns[6].question_index == 5


def test_dashed_interview(fixture_text):
    doc = parse(fixture_text("dashed.txt"), id="d")
    assert doc.format == "dashed"
    roles = [t.act for t in doc.turns]
    assert roles[:3] == ["narration", "question", "answer"]
    # the answer spans its two paragraphs
    assert _text(doc, 2).endswith("until the budget allows.")
    # the follow-up belongs to the harbour thread
    assert _text(doc, 3) == "The north pier?"
    assert doc.turns[3].question_index == 1
    # a question asked without its dash, after a short reply, is still a question
    hidden = next(t for t in doc.turns if doc.text[t.start : t.end].startswith("How will you pay"))
    assert hidden.act == "question"
    assert doc.turns[hidden.index + 1].act == "answer"
    # after the closing exchange, nothing is an answer
    closing = next(t for t in doc.turns if "for this interview" in doc.text[t.start : t.end])
    after = doc.turns[closing.index + 2 :]
    assert after and all(t.act == "narration" for t in after)


def test_prose_is_narration(fixture_text):
    doc = parse(fixture_text("prose.txt"), id="p")
    assert doc.format == "prose"
    assert [t.act for t in doc.turns] == ["narration"] * 3


def test_front_matter_is_metadata_not_text():
    text = "---\ntitle: A talk\ndate: 2024-01-02\n---\nAnn: Why?\nBob: Because.\nAnn: Why not?\nBob: No.\n"
    doc = parse(text, id="fm")
    assert doc.title == "A talk"
    assert doc.metadata["date"] == "2024-01-02"
    assert all(t.start >= text.index("Ann:") for t in doc.turns)


def test_unknown_format_is_an_error():
    with pytest.raises(InvalidInput, match="unknown format"):
        parse("hello", id="x", format="nope")


def test_forced_format_overrides_detection(fixture_text):
    doc = parse(fixture_text("qa.txt"), id="qa", format="prose")
    assert doc.format == "prose"
    assert {t.act for t in doc.turns} == {"narration"}


@pytest.mark.parametrize(
    ("question", "follow_up"),
    [
        ("Thirty?", True),
        ("Why?", True),
        ("Would you welcome them?", True),
        ("Which articles, if I may clarify?", True),
        ("What sells best?", False),
        ("Do you mean to Armenia?", True),
        ("It is an entire industry.", True),
        ("How would you assess what is happening in the region now?", False),
        ("Does the country plan to continue buying weapons and in what volumes?", False),
    ],
)
def test_follow_up_rule(question, follow_up):
    assert is_follow_up(question) is follow_up


@pytest.fixture(scope="module")
def seed(shared):
    path = shared / "corpus" / "seed" / "aliyev-interview-2024-12.txt"
    text = path.read_bytes().decode("utf-8")
    doc = parse(text, id="seed")
    starts = [0] + [i + 1 for i, c in enumerate(text) if c == "\n"]
    line_of = lambda offset: bisect.bisect_right(starts, offset)  # noqa: E731
    lines = text.split("\n")
    return doc, line_of, lines


class TestSeed:
    """The reference interview, checked against what a reader sees in the file."""

    def test_every_interviewer_line_is_a_question(self, seed):
        doc, line_of, lines = seed
        dashed = {n for n, line in enumerate(lines, 1) if line.startswith("- ")}
        questions = {line_of(t.start) for t in doc.turns if t.act == "question"}
        assert dashed <= questions
        # exactly one more: the question that lacks its dash
        (extra,) = questions - dashed
        assert lines[extra - 1].rstrip().endswith("?")
        assert not lines[extra - 1].startswith("- ")
        assert doc.turns[[line_of(t.start) for t in doc.turns].index(extra) + 1].act == "answer"

    def test_nothing_after_the_closing_exchange_is_an_answer(self, seed):
        doc, line_of, _ = seed
        last_q = max(t.index for t in doc.turns if t.act == "question")
        assert "interview" in doc.text[doc.turns[last_q].start : doc.turns[last_q].end]
        reply = doc.turns[last_q + 1]
        # the guest's "Thank you." to the closing thanks acknowledges, it answers nothing
        assert reply.act == "backchannel" and line_of(reply.end) == line_of(reply.start)
        assert all(t.act == "narration" for t in doc.turns[last_q + 2 :])
        assert len(doc.turns) > last_q + 2  # there is commentary after the interview

    def test_preamble_is_narration_and_answers_link_back(self, seed):
        doc, _, _ = seed
        first_q = next(t for t in doc.turns if t.act == "question")
        assert all(t.act == "narration" for t in doc.turns[: first_q.index])
        for t in doc.turns:
            if t.act == "answer":
                assert doc.turns[t.question_index].act == "question"
                assert t.question_index < t.index

    def test_short_interjections_join_the_thread(self, seed):
        doc, _, _ = seed
        thirty = next(t for t in doc.turns if doc.text[t.start : t.end] == "Thirty?")
        main = doc.turns[thirty.question_index]
        assert "climate summit" in doc.text[main.start : main.end]
        answer = doc.turns[thirty.index + 1]
        assert doc.thread(answer)[0].index == main.index


_LINE = st.tuples(
    st.sampled_from(["Q: ", "A: ", "Anna: ", "BOB: ", "**Cy:** ", "- ", "", "[00:01:02] Dee: ", "> "]),
    st.text(alphabet=st.characters(exclude_categories=("Cs",)), max_size=80),
    st.sampled_from(["\n", "\n\n", "\r\n", "?\n", "\n\n\n"]),
)


@settings(max_examples=60, deadline=None)
@given(st.lists(_LINE, max_size=25), st.sampled_from(sorted(FORMATS)))
def test_every_format_either_parses_with_valid_spans_or_refuses(lines, format) -> None:
    """On transcript-shaped noise, each reader yields ordered, in-bounds, non-overlapping turns
    whose question links point back to questions, or says clearly that the text does not fit."""
    text = "".join(prefix + body + end for prefix, body, end in lines)
    try:
        doc = parse(text, id="x", format=format)
    except InvalidInput as exc:
        assert str(exc)
        return
    previous_end = 0
    for i, t in enumerate(doc.turns):
        assert t.index == i
        assert previous_end <= t.start < t.end <= len(doc.text)
        previous_end = t.end
        if t.question_index is not None:
            assert doc.turns[t.question_index].act == "question" and t.question_index < i
