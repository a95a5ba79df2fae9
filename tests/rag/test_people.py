"""Speaker labels linked to people from what each document says."""

from __future__ import annotations

import pytest

from rag.ingest import from_text
from rag.people import label_key, link_speakers, normalise

BRIEFING = """---
title: Press Briefing by Press Secretary Ana Lopez and Deputy Adviser for Harbours Tom Reyes
date: 2021-04-05
---

MS. LOPEZ:  Good afternoon. Thanks, everyone. Tom will start.

MR. REYES:  Thank you. The new ferry line opens in May.

Q    Will the fares rise?

MR. REYES:  No, the fares stay the same this year.

Q    And the timetable?

MS. LOPEZ:  The timetable comes out next week. Thanks Reyes for the update.
"""

INTERVIEW = """---
title: Interview of President Hale by Pat Quinn
---

Q    Mr. President, how is the harbour doing?

THE PRESIDENT:  Very well. The harbour is busier than ever.

Q    What about the ferries?

THE PRESIDENT:  The ferries run on time now.
"""


@pytest.mark.parametrize(
    ("label", "name", "role"),
    [
        ("MR. MUSK", "Musk", False),
        ("MS. JEAN-PIERRE", "Jean-Pierre", False),
        ("CHAIR POWELL", "Powell", False),
        ("Dr. Jane Roe", "Jane Roe", False),
        ("Jane Roe AM", "Jane Roe", False),
        ("O'BRIEN", "O'Brien", False),
        ("THE PRESIDENT", "The President", True),
        ("THE CHAIR", "The Chair", True),
        ("Q", "Q", True),
        ("Speaker 2", "Speaker 2", True),
    ],
)
def test_normalise(label: str, name: str, role: bool) -> None:
    assert normalise(label) == (name, role)


def test_label_key_ignores_case_and_punctuation() -> None:
    assert label_key("MR. MUSK") == label_key("Mr Musk") == "mr musk"


def test_full_names_from_the_title() -> None:
    doc = from_text(BRIEFING, id="briefing.md").document
    links = {link.label: link for link in link_speakers(doc)}
    assert links["MS. LOPEZ"].name == "Ana Lopez" and links["MS. LOPEZ"].source == "document"
    assert links["MR. REYES"].name == "Tom Reyes"  # not "Harbours Tom Reyes": one given name
    assert links["reporter"].role  # the anonymous Q of a briefing stays a role


def test_office_holder_and_interviewer_from_the_title() -> None:
    doc = from_text(INTERVIEW, id="interview.md").document
    links = {link.label: link for link in link_speakers(doc)}
    assert links["THE PRESIDENT"].name == "Hale" and links["THE PRESIDENT"].role
    [asker] = [label for label, link in links.items() if link.name == "Pat Quinn"]
    assert links[asker].role


def test_introduction_in_the_text_and_words_that_are_no_names() -> None:
    text = (
        "HOST: Welcome back. My guest today is Rosa Marin, who runs the harbour.\n\n"
        "MARIN: Thanks for having me.\n\n"
        "HOST: Thanks Marin. So, what changed?\n\n"
        "MARIN: Thanks to the new ferries, thanks to everyone, a lot changed.\n"
    )
    opening = text.replace("My guest today is Rosa Marin", "My guest is here. Yesterday Marin said hello")
    links = {link.label: link for link in link_speakers(from_text(opening, id="show.txt").document)}
    assert links["MARIN"].name == "Marin"  # a sentence's first word is no given name
    links = {link.label: link for link in link_speakers(from_text(text, id="show.txt").document)}
    assert links["MARIN"].name == "Rosa Marin"  # "Thanks Marin": thanks is a word, not a name
    assert links["HOST"].role and links["HOST"].name == "Host"


def test_front_matter_speakers_mapping_wins() -> None:
    text = (
        "---\nspeakers:\n  ROSA: Rosa M. Marin\n  Mr. Tom: Tomas Reyes\n---\n"
        "ROSA: Where to, Tom Smith?\n\nMR. TOM: The island.\n\nROSA: Why?\n\nMR. TOM: The view.\n"
    )
    links = {link.label: link.name for link in link_speakers(from_text(text, id="m.md").document)}
    assert links == {"ROSA": "Rosa M. Marin", "MR. TOM": "Tomas Reyes"}
