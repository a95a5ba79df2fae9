"""What one turn does, from its words alone."""

from __future__ import annotations

import pytest

from rag.transcripts.acts import asks, classify, hands_floor, sentences


@pytest.mark.parametrize(
    "text",
    [
        "Yeah.",
        "Mm-hmm.",
        "Okay, sounds good.",
        "Yeah. Yeah.",
        "Thank you.",
        "[laughs]",
        "(Inaudible.)",
        "I see.",
    ],
)
def test_backchannels(text):
    assert classify(text) == "backchannel"


@pytest.mark.parametrize(
    "text",
    [
        "Next question.",
        "Go ahead, Jacqui.",
        "Let’s go to Michael McKee.",
        "Okay, we’ll go to Jennifer for the last question.",
        "Thank you, Madam Chair.",
        "The Chair recognises the Member for Kirkby.",
        "Colby.",
        "Thank you. Howard.",
        "Order, order.",
    ],
)
def test_procedure(text):
    assert classify(text) == "procedural"


@pytest.mark.parametrize(
    "text",
    [
        "What sells best?",
        "Can you tell us about the harbour wall",
        "I'd like to ask about the budget.",
        "First of all, I’m\ncurious at what point the supports come off.",
        "I was wondering if the ferry runs in winter.",
        "If he will list his official engagements for Wednesday 28 October.",
        "We spent the money on roads. Was that the right call?",
    ],
)
def test_asking(text):
    assert classify(text) == "question"


@pytest.mark.parametrize(
    "text",
    [
        "What does it give us? " + "Well, it gives us a stable economy and more jobs for everyone. " * 5,
        "We spent the money on roads and bridges over a decade, and the results are there for all to see in "
        "every town across the region, in the schools, the clinics, the markets and the harbours that opened "
        "once the new roads reached them and the trade came back to the coast, right?",
        "I wondered about that myself, and we fixed it.",
        "The casing will be yellow plastic.",
        "Can I thank you for coming in today?",  # courtesies shaped as questions
        "May I correct my hon. Friend? I do not believe that the report said so.",
    ],
)
def test_telling(text):
    assert not asks(text) and classify(text) == "statement"


def test_a_name_hands_the_floor_but_a_sentence_does_not():
    assert hands_floor("Nick, then Jeanna.")
    assert not hands_floor("Nick agreed.") and not hands_floor("Yeah.")


def test_sentences_keep_offsets():
    text = "First one. Is this two?  And three! Mr. Reed asked the hon. Member. Why?"
    assert [text[a:b] for a, b in sentences(text)] == [
        "First one.",
        "Is this two?",
        "And three!",
        "Mr. Reed asked the hon. Member.",  # no sentence ends after a title
        "Why?",
    ]
