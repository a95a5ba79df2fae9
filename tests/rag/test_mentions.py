"""Questions that name a speaker favour that speaker's turns."""

from __future__ import annotations

from pathlib import Path

from rag import Library, RetrievalConfig
from rag.mentions import named_speakers
from tests.fakes import FakeEmbedder

SPEAKERS = [
    "Hon. Bill Morneau",
    "Hon. Patty Hajdu",
    "The Chair",
    "Huw Irranca-Davies AM",
    "Sian Gwenllian AM",
]


def test_names_are_matched_by_their_distinctive_words() -> None:
    assert named_speakers("What did Morneau say about the debt?", SPEAKERS) == {"Hon. Bill Morneau"}
    assert named_speakers("What did Huw Irranca-Davies think?", SPEAKERS) == {"Huw Irranca-Davies AM"}
    assert named_speakers("What did the Chair rule?", SPEAKERS) == {"The Chair"}


def test_titles_lower_case_words_and_the_first_word_name_nobody() -> None:
    assert named_speakers("What did the meeting say about universities?", SPEAKERS) == set()
    assert named_speakers("What did morneau say about the debt?", SPEAKERS) == set()  # not written as a name
    assert named_speakers("What did the Hon. member say?", SPEAKERS) == set()  # a title is not a name
    assert named_speakers("Chair, what happened?", SPEAKERS) == set()  # the first word is capitalised anyway


def test_a_word_most_speakers_share_tells_nobody_apart() -> None:
    assert (
        named_speakers("What did the AM members say?", ["Ann Jones AM", "Bob Smith AM", "Carol White AM"])
        == set()
    )
    assert named_speakers("What did Jones say?", ["Ann Jones AM"]) == {"Ann Jones AM"}  # one speaker: fine


HEARING = """Bill Morneau: We will keep it falling as a share of the economy; the debt is manageable.

Pierre Poilievre: The public debt is growing, and the debt will be paid by our children.

Bill Morneau: The budget invests in people and in the economy.
"""


def test_the_named_speaker_comes_first_under_the_hand_set_weights(tmp_path: Path) -> None:
    question = "What did Morneau say about the public debt?"
    plain = Library.open(
        tmp_path / "a", embedder=FakeEmbedder(), retrieval=RetrievalConfig(speaker_boost=0.0, ranker=None)
    )
    plain.add_text(HEARING, id="hearing", format="labelled")
    assert plain.ask(question, k=3)[0].speaker == "Pierre Poilievre"  # more of the words
    plain.close()
    boosted = RetrievalConfig(speaker_boost=1.0, ranker=None)
    lib = Library.open(tmp_path / "b", embedder=FakeEmbedder(), retrieval=boosted)
    lib.add_text(HEARING, id="hearing", format="labelled")
    assert lib.ask(question, k=3)[0].speaker == "Bill Morneau"
    lib.close()
