"""Ranking behaviour through the Library, with the deterministic fake embedder."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from rag import InvalidInput, Library
from rag.retriever import RetrievalConfig
from tests.fakes import FakeEmbedder

TALK = """Maria Lopez: How many hives do you keep?

Tom Reed: About forty hives, spread over four orchards. The bees stay in the orchards all year.

Maria Lopez: What do bees need most?

Tom Reed: Flowers that bloom at different times. Clean water nearby. No pesticides during the day.
"""


@pytest.fixture
def lib(tmp_path: Path):
    with Library.open(tmp_path, embedder=FakeEmbedder()) as lib:
        lib.add_text(TALK, id="bees")
        yield lib


def test_answer_carries_verdict_and_highlight(lib: Library):
    answer = lib.ask("what do bees need? clean water", k=2)
    assert answer.answerable and 0.5 < answer.confidence <= 1.0
    top = answer[0]
    assert top.speaker == "Tom Reed" and top.question.text == "What do bees need most?"
    assert top.start <= top.highlight.start < top.highlight.end <= top.end
    assert TALK[top.highlight.start : top.highlight.end] == "Clean water nearby."


def test_unrelated_question_is_not_answerable(lib: Library):
    answer = lib.ask("quantum chromodynamics lattice gauge", k=3)
    assert not answer.answerable
    assert answer.confidence < 0.5


def test_evidence_counts_words_the_index_has_never_seen(lib: Library):
    known = lib.ask("hives in the orchards", k=2)
    strange = lib.ask("hives in the zeppelin hangars", k=2)
    assert known.evidence.unknown == 0.0 and known.evidence.coverage == 1.0
    assert strange.evidence.unknown == round(2 / 3, 4)  # hive, zeppelin, hangar
    assert strange.evidence.coverage < 0.5
    assert strange.confidence < known.confidence
    assert known.similarity == known.evidence.similarity


def test_bm25_mode_has_no_calibrated_verdict(lib: Library):
    answer = lib.ask("pesticides", k=1, mode="bm25")
    assert "pesticides" in answer[0].quote and answer.confidence is None
    with pytest.raises(InvalidInput, match="mode"):
        lib.ask("pesticides", mode="magic")  # type: ignore[arg-type]


def test_speaker_filter(lib: Library):
    spoken = lib.ask("bees hives orchards", k=5, speakers=["Maria Lopez"])
    assert spoken.passages and {p.speaker for p in spoken} == {"Maria Lopez"}


def test_passages_do_not_overlap_and_grow_to_whole_sentences(tmp_path: Path):
    config = RetrievalConfig(min_passage_chars=120)
    with Library.open(tmp_path, embedder=FakeEmbedder(), retrieval=config) as lib:
        lib.add_text(TALK, id="bees")
        answer = lib.ask("pesticides during the day", k=5)
        spans = sorted((p.start, p.end) for p in answer)
        assert all(a[1] <= b[0] for a, b in itertools.pairwise(spans))
        top = answer[0]
        assert top.quote.startswith("Flowers") and top.quote.endswith("during the day.")


def test_commentary_after_the_interview_weighs_less(tmp_path: Path):
    text = (
        "- What did the council decide about the harbour wall?\n"
        "The council decided to rebuild the harbour wall next spring.\n"
        "- Thank you for this interview.\n"
        "Thank you.\n"
        "*\n"
        "A reader says the council decided to rebuild the harbour wall next spring.\n"
    )
    for weight, expected in ((0.5, "answer"), (2.0, "narration")):
        config = RetrievalConfig(epilogue_weight=weight, min_passage_chars=0, ranker=None)  # hand-set weights
        with Library.open(tmp_path / str(weight), embedder=FakeEmbedder(), retrieval=config) as lib:
            lib.add_text(text, id="wall")
            assert lib.ask("council decided rebuild harbour wall", k=2)[0].act == expected


def test_a_question_that_holds_the_facts_is_quoted(tmp_path: Path):
    # the facts open a long question, beyond the part of it embedded with the reply
    hearing = (
        "Member: The report says four thousand ferries were late last winter, and the committee "
        "has heard the same from harbour towns along the coast all year, from skippers and from "
        "passengers waiting on the quays in the rain. Will the minister apologise to them?\n\n"
        "Minister: We are working hard on punctuality across the whole network.\n\n"
        "Member: Turning to another matter entirely, what is the budget for new buses?\n\n"
        "Minister: The budget for buses is set in March.\n"
    )
    with Library.open(tmp_path, embedder=FakeEmbedder(), retrieval=RetrievalConfig(ranker=None)) as lib:
        lib.add_text(hearing, id="hearing")
        top = lib.ask("how many ferries were late last winter", k=2)[0]
        assert top.act == "question" and "four thousand ferries" in top.quote
        assert top.question is None  # a question answers nothing itself
        # weighed down far enough, the reply comes first and the question is not quoted again
        lib.retrieval = RetrievalConfig(question_weight=0.1, ranker=None)
        answer = lib.ask("how many ferries were late last winter", k=2)
        assert answer[0].act == "answer" and "four thousand" not in " ".join(p.quote for p in answer)


def test_a_question_below_its_answer_is_not_quoted_again(lib: Library):
    answer = lib.ask("what do bees need: flowers and clean water", k=4)
    assert answer[0].quote.startswith("Flowers") and answer[0].question.text == "What do bees need most?"
    assert "What do bees need most?" not in [p.quote for p in answer]
    # a question that only asks gives its place to its answer even when it ranks above it
    shown = lib.ask("what do bees need most?", k=4)
    assert shown[0].quote.startswith("Flowers") and shown[0].question.text == "What do bees need most?"
    assert all(p.act != "question" for p in shown)
    assert [p.score for p in shown] == sorted((p.score for p in shown), reverse=True)


MEETING = """Speaker A: Okay.

Speaker B: Did anyone check the price of the rubber buttons?

Speaker C: Mm-hmm.

Speaker A: Twelve cents each from the supplier, so within budget.

Speaker D: Yeah.

Speaker B: Good. Then the casing will be yellow plastic.
"""


def test_a_question_asked_in_a_meeting_leads_to_its_answer(tmp_path: Path):
    with Library.open(tmp_path, embedder=FakeEmbedder()) as lib:
        lib.add_text(MEETING, id="meeting")
        doc = lib.document("meeting")
        assert [t.act for t in doc.turns] == [
            "backchannel", "question", "backchannel", "answer", "backchannel", "narration",
        ]  # fmt: skip
        assert doc.turns[3].question_index == 1
        top = lib.ask("did anyone check the price of the rubber buttons", k=3, mode="bm25")[0]
        # the question's own words match best, but what was said back is the passage
        assert top.speaker == "Speaker A" and top.quote.startswith("Twelve cents each")
        assert top.question is not None and top.question.speaker == "Speaker B"
        # backchannels come back only when nothing else matches
        filler = [
            p.act in ("backchannel", "procedural") for p in lib.ask("okay yeah plastic", k=5, mode="bm25")
        ]
        assert filler[0] is False and filler == sorted(filler)
        assert doc.roles == dict.fromkeys(["Speaker A", "Speaker B", "Speaker C", "Speaker D"], "participant")


PANEL = """Speaker A: Which supplier should we use for the rubber buttons?

Speaker B: The one in Lyon is cheapest.

Speaker C: Mm-hmm.

Speaker D: But Lyon ships slowly, so Turin for the first batch.

Speaker A: What about the casing colour?

Speaker B: Yellow, like the logo.
"""


def test_several_short_answers_to_one_question_make_one_passage(tmp_path: Path):
    with Library.open(tmp_path, embedder=FakeEmbedder()) as lib:
        lib.add_text(PANEL, id="panel")
        top = lib.ask("which supplier for the rubber buttons", k=2, mode="bm25")[0]
        assert top.quote == PANEL[PANEL.index("The one in Lyon") : PANEL.index(" for the first batch.") + 21]
        assert top.speakers == ("Speaker B", "Speaker D")  # the backchannel between them is no speaker
        assert top.question is not None and top.question.text.startswith("Which supplier")
        assert "casing" not in top.quote  # the next question's exchange is not joined


def test_evidence_counts_the_questions_terms(lib: Library):
    assert lib.ask("hives in the zeppelin hangars", k=2).evidence.terms == 3  # hive, zeppelin, hangar
    assert lib.ask("the and of", k=2).evidence.terms == 0  # stop words only
