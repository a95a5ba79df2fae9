"""People, dates and questions on the real transcripts in ../shared (skipped without them).

Expected values come from the raw files by simple independent rules (a `date:` line in the
front matter, a YYYY-MM-DD in the file name, the title's words) or were read off them by eye.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from rag import Library
from tests.fakes import FakeEmbedder

FOLDERS = ("transcripts", "transcripts-more")
BRIEFING = "wh-2023-06-05-press-briefing-jean-pierre-kirby.md"
INTERVIEW = "wh-2025-02-18-interview-trump-musk-hannity.md"


def _files(shared: Path) -> list[Path]:
    return sorted(p for folder in FOLDERS for p in (shared / "corpus" / folder).iterdir() if p.is_file())


def _expected_date(path: Path) -> str | None:
    """The front matter's `date:` line, else a date in the file name."""
    if path.suffix == ".md":
        head = path.read_text(encoding="utf-8")[:2000]
        m = re.search(r"^date:\s*'?(\d{4}-\d{2}-\d{2})", head, re.MULTILINE)
        if m:
            return m.group(1)
    m = re.search(r"(\d{4}-\d{2}-\d{2})", path.name)
    return m.group(1) if m else None


@pytest.fixture(scope="module")
def library(shared: Path, tmp_path_factory: pytest.TempPathFactory):
    lib = Library.open(tmp_path_factory.mktemp("catalog"), embedder=FakeEmbedder())
    with lib.batch():
        for path in _files(shared):
            lib.add_file(path, id=path.name)
    yield lib
    lib.close()


def test_every_dated_document_has_its_date(shared: Path, library: Library) -> None:
    dates = {i.id: i.date for i in library.documents()}
    expected = {p.name: d for p in _files(shared) if (d := _expected_date(p))}
    assert len(expected) >= 6
    assert {name: dates[name] for name in expected} == expected


def test_the_briefing_speakers_under_their_full_names(library: Library) -> None:
    people = {p.name: p for p in library.speakers()}
    secretary, coordinator = people["Karine Jean-Pierre"], people["John Kirby"]
    assert "MS. JEAN-PIERRE" in secretary.aliases and "MR. KIRBY" in coordinator.aliases
    assert secretary.turns > 20 and coordinator.turns > 20
    said = library.ask("Ukraine", k=5, speakers=["Karine Jean-Pierre", "John Kirby"])
    assert said.passages and {p.document_id for p in said} == {BRIEFING}
    assert {p.speaker for p in said} <= {"MS. JEAN-PIERRE", "MR. KIRBY"}


def test_a_date_range_returns_only_documents_inside_it(shared: Path, library: Library) -> None:
    inside = {
        p.name for p in _files(shared) if (d := _expected_date(p)) and "2023-01-01" <= d <= "2023-12-31"
    }
    assert len(inside) >= 2
    answer = library.ask(
        "What about inflation and the economy?", k=10, date_from="2023-01-01", date_to="2023-12-31"
    )
    assert answer.passages and {p.document_id for p in answer} <= inside
    assert all("2023-01-01" <= p.document_date <= "2023-12-31" for p in answer)
    grouped = library.ask(
        "inflation", k=10, date_from="2023-01-01", date_to="2023-12-31", group_by="document"
    )
    dates = [g.document_date for g in grouped.groups]
    assert dates == sorted(dates)


@pytest.mark.model
def test_the_question_index_finds_the_interviewers_doge_question(
    shared: Path, real_embedder, tmp_path: Path
) -> None:
    with Library.open(tmp_path, embedder=real_embedder) as lib:
        for name in (INTERVIEW, BRIEFING):
            lib.add_file(shared / "corpus" / "transcripts" / name, id=name)
        found = lib.questions("DOGE", k=5)
        top = found[0]
        assert top.document_id == INTERVIEW and top.date == "2025-02-18"
        assert "DOGE" in top.text and top.answer is not None
        # asked by the interviewer, whom the title names ("… by <name>")
        text = lib.document(INTERVIEW)
        assert top.person is not None and top.person in text.title
        assert top.speaker is not None and top.speaker not in ("THE PRESIDENT", "MR. MUSK")
        assert text.text[top.start : top.end] == top.text
