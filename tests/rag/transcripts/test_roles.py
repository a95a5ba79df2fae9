"""Speakers' parts in a conversation, told apart from the acts of their turns."""

from __future__ import annotations

from rag.transcripts import parse

BRIEFING = """MODERATOR: Good morning. First question, Ann.

ANN REED: Thank you. When will the bridge reopen?

MINISTER: In the spring, once the inspection is done.

MODERATOR: Bo.

BO LINDQVIST: How much will the repairs cost?

MINISTER: About four million.

MODERATOR: Next question.

ANN REED: Will the tolls change?

MINISTER: No, the tolls stay as they are.
"""

MEETING = """Speaker A: Shall we start with the budget?

Speaker B: We have twelve thousand left for the quarter.

Speaker C: What about the buttons?

Speaker D: They cost twelve cents each.

Speaker A: Fine. Does anyone know the casing price?

Speaker C: Two euros.

Speaker B: Mm-hmm.
"""


def test_a_briefing_has_a_moderator_reporters_and_an_official():
    doc = parse(BRIEFING, id="briefing")
    assert doc.roles == {
        "MODERATOR": "moderator",
        "ANN REED": "reporter",
        "MINISTER": "official",
        "BO LINDQVIST": "reporter",
    }
    # the moderator routes and the reporters ask, whatever their order
    assert {t.act for t in doc.turns if t.speaker == "MODERATOR"} == {"procedural"}
    assert {t.act for t in doc.turns if t.speaker in ("ANN REED", "BO LINDQVIST")} == {"question"}
    for t in doc.turns:
        if t.speaker == "MINISTER":
            assert t.act == "answer" and doc.turns[t.question_index].speaker != "MINISTER"


def test_in_a_meeting_anyone_asks_and_anyone_answers():
    doc = parse(MEETING, id="meeting")
    assert set(doc.roles.values()) == {"participant"}
    acts = [(t.speaker, t.act, t.question_index) for t in doc.turns]
    assert acts == [
        ("Speaker A", "question", None),
        ("Speaker B", "answer", 0),
        ("Speaker C", "question", None),
        ("Speaker D", "answer", 2),
        ("Speaker A", "question", None),
        ("Speaker C", "answer", 4),
        ("Speaker B", "backchannel", None),
    ]


HANDED_ON = """MODERATOR: First question, Ann.

ANN REED: When will the bridge reopen?

MINISTER: In the spring, once the inspection is done.

MODERATOR: Ann.

ANN REED: And the tolls?

MINISTER: They stay as they are.

MODERATOR: Bo.

BO LINDQVIST: And the ferries, while the bridge is shut?

MINISTER: Two more crossings a day from May.
"""


def _question(doc, words: str):
    return next(t for t in doc.turns if doc.text[t.start : t.end].startswith(words))


def test_a_question_the_floor_was_handed_to_starts_its_own_thread():
    """The moderator naming the next reporter ends the thread before, however the reporter's
    question opens; the same reporter called again goes on with her own thread."""
    doc = parse(HANDED_ON, id="handed-on")
    ann_again, bo = _question(doc, "And the tolls?"), _question(doc, "And the ferries")
    assert ann_again.act == bo.act == "question"
    assert ann_again.question_index == 1  # Ann's follow-up, on her first question's thread
    assert bo.question_index is None  # a thread of its own, not Ann's
    last = doc.turns[-1]
    assert last.act == "answer" and [t.speaker for t in doc.thread(last)] == ["BO LINDQVIST"]


def test_a_title_or_an_answer_that_is_a_name_hands_no_floor():
    """Only a name of the one who then asks counts: not a title shared with them ("Senator"),
    and not a name given as the answer to a question."""
    hearing = parse(
        "CHAIR: The committee will come to order. Senator Jones.\n\n"
        "SENATOR JONES: Who pays for the bridge?\n\nWITNESS: The state pays for it in full.\n\n"
        "CHAIR: Senator Brown.\n\nSENATOR SMITH: And the ferries?\n\n"
        "WITNESS: The county pays for the ferries.\n",
        id="hearing",
    )
    assert _question(hearing, "And the ferries?").question_index == 1
    meeting = parse(
        "BOB: Who chairs the committee now?\n\nALICE: Kyle.\n\n"
        "KYLE CAMPBELL: And what does it do, then?\n\nALICE: It sets the fares for the ferries.\n\n"
        "BOB: Thanks.\n",
        id="meeting",
    )
    assert meeting.turns[1].act == "answer"
    assert _question(meeting, "And what does it do").question_index == 0
