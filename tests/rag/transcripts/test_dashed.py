"""Dashes mark an interview's questions only where the dashed paragraphs ask and answers
follow; a bulleted fact sheet is no interview."""

from __future__ import annotations

import pytest

from rag.ingest import decode
from rag.transcripts import detect
from rag.transcripts.marked import read_dashed, score_dashed
from rag.transcripts.spans import paragraphs

FACT_SHEET_DASHES = """Fact sheet: the new river bridge

- The bridge is 240 metres long.
- It carries two lanes and a cycle path.

Construction starts in March.

- Funding comes from the regional budget.

Work ends in 2027.

- Do not park on the access road.

Residents may comment until June.
"""

FACT_SHEET_BULLETS = """Key facts

* Length: 240 metres
* Lanes: two

Construction starts in March.

\u2022 Funding: regional budget
\u2022 Opening: 2027

Work ends in 2027.
"""

INTERVIEW = """We met the engineer at the site.

- Why build a bridge here?

Because the river is narrowest here.

- How long will it take

Two years, if the weather holds.

- That is quick.

It is.
"""


@pytest.mark.parametrize("text", [FACT_SHEET_DASHES, FACT_SHEET_BULLETS])
def test_fact_sheets_are_not_dash_interviews(text):
    assert score_dashed(text, paragraphs(text)) == 0
    assert detect(text) == "prose"


def test_dashes_that_ask_are_questions():
    assert detect(INTERVIEW) == "dashed"
    asked = [INTERVIEW[u.start : u.end] for u in read_dashed(INTERVIEW) if u.asks]
    assert asked == ["Why build a bridge here?", "How long will it take", "That is quick."]


def test_reference_interview_stays_dashed(shared):
    path = shared / "corpus" / "seed" / "aliyev-interview-2024-12.txt"
    text = decode(path.read_bytes(), path.name)
    assert detect(text) == "dashed"
    dashed = [(a, b) for a, b in paragraphs(text) if text.startswith("- ", a)]
    assert score_dashed(text, paragraphs(text)) >= len(dashed) // 2
