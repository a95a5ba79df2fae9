"""The catalogue through the library: date, kind and tag filters, people across documents,
aliases and metadata edits that outlive a re-add, group_by, and the v4 → v6 migration."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from rag import Library
from rag.errors import InvalidInput, NotFound
from rag.store import _SCHEMA, SCHEMA_VERSION, Store
from tests.fakes import FakeEmbedder

SPRING = """---
title: Press Briefing by Press Secretary Ana Lopez
date: 2021-04-05
tags: [ferries]
---

MS. LOPEZ:  Good afternoon. The ferry timetable changes on Monday.

Q    Will the ferry fares rise this spring?

MS. LOPEZ:  No. The ferry fares stay the same this spring.
"""

AUTUMN = """---
title: Press Briefing by Press Secretary Ana Lopez
date: 2021-10-11
tags: [ferries, budget]
---

MS. LOPEZ:  Good morning. Questions?

Q    Will the ferry fares rise this autumn?

MS. LOPEZ:  Yes, the ferry fares rise by a little in the autumn.
"""

REMARKS_A = """---
title: Remarks by President Hale
date: 2020-01-02
---

THE PRESIDENT:  The ferry service is a priority for this government.

Q    Is it?

THE PRESIDENT:  It is.
"""

REMARKS_B = """---
title: Remarks by President Moss
date: 2024-01-02
---

THE PRESIDENT:  The ferry service will be privatised.

Q    When?

THE PRESIDENT:  Soon.
"""

UNDATED = "MS. LOPEZ:  The ferry is yellow.\n\nQ    Why yellow?\n\nMS. LOPEZ:  It is easy to see.\n"


@pytest.fixture
def lib(tmp_path: Path):
    lib = Library.open(tmp_path, embedder=FakeEmbedder())
    with lib.batch():
        for name, text in (
            ("spring.md", SPRING),
            ("autumn.md", AUTUMN),
            ("hale.md", REMARKS_A),
            ("moss.md", REMARKS_B),
            ("undated.txt", UNDATED),
        ):
            lib.add_text(text, id=name)
    yield lib
    lib.close()


def _docs(answer) -> set[str]:
    return {p.document_id for p in answer}


def test_date_range_kind_and_tag_filters(lib: Library) -> None:
    every = lib.ask("ferry fares", k=10)
    assert _docs(every) >= {"spring.md", "autumn.md", "undated.txt"}
    spring = lib.ask("ferry fares", k=10, date_from="2021-01-01", date_to="2021-06-30")
    assert _docs(spring) == {"spring.md"}
    assert all(p.document_date == "2021-04-05" for p in spring)
    assert _docs(lib.ask("ferry", k=10, date_from="2021-10-11")) == {"autumn.md", "moss.md"}
    assert _docs(lib.ask("ferry", k=10, tags=["Budget"])) == {"autumn.md"}
    assert _docs(lib.ask("ferry", k=10, kinds=["briefing"])) == {"spring.md", "autumn.md"}
    for bad in ({"date_from": "2021-13-01"}, {"date_from": "2022-01-01", "date_to": "2021-01-01"}):
        with pytest.raises(InvalidInput):
            lib.ask("ferry", **bad)
    with pytest.raises(InvalidInput):
        lib.ask("ferry", kinds=["party"])


def test_a_person_across_documents_and_role_labels_per_document(lib: Library) -> None:
    people = {p.name: p for p in lib.speakers()}
    lopez = people["Ana Lopez"]
    assert "MS. LOPEZ" in lopez.aliases and lopez.documents == 3  # the undated one by surname
    assert lopez.roles == ("official",)
    assert {"Hale", "Moss"} <= set(people)  # THE PRESIDENT names someone else in each
    for name in ("Ana Lopez", "MS. LOPEZ", "Lopez"):
        said = lib.ask("ferry", k=10, speakers=[name])
        assert _docs(said) == {"spring.md", "autumn.md", "undated.txt"}, name
        assert {p.speaker for p in said} == {"MS. LOPEZ"} and {p.person for p in said} == {"Ana Lopez"}
    assert _docs(lib.ask("ferry service", k=10, speakers=["Hale"])) == {"hale.md"}
    assert _docs(lib.ask("ferry service", k=10, speakers=["THE PRESIDENT"])) == {"hale.md", "moss.md"}


def test_group_by_document_in_date_order(lib: Library) -> None:
    answer = lib.ask("ferry", k=10, speakers=["Ana Lopez"], group_by="document")
    assert [g.document_id for g in answer.groups] == ["spring.md", "autumn.md", "undated.txt"]
    assert [g.document_date for g in answer.groups] == ["2021-04-05", "2021-10-11", None]
    where = lambda p: (p.document_id, p.start)  # noqa: E731
    assert sorted(map(where, (p for g in answer.groups for p in g.passages))) == sorted(map(where, answer))
    assert lib.ask("ferry", k=3).groups == ()
    with pytest.raises(InvalidInput):
        lib.ask("ferry", group_by="speaker")


def test_aliases_and_metadata_edits_outlive_a_re_add(lib: Library) -> None:
    assert lib.alias("THE PRESIDENT", "Jo Hale", document="hale.md") == 1
    assert lib.alias("Lopez", "Ana B. Lopez") == 3
    lib.set_metadata("undated.txt", {"date": "2022-02-02", "tags": "Colour, ferries"})
    lib.add_text(UNDATED + "\nQ    Thanks.\n", id="undated.txt")  # replaced: edits and aliases stay
    lib.add_text(REMARKS_A.replace("priority", "top priority"), id="hale.md")
    people = {p.name: p for p in lib.speakers()}
    assert people["Ana B. Lopez"].documents == 3 and "Ana Lopez" not in people
    assert "Jo Hale" in people and "Moss" in people
    info = {i.id: i for i in lib.documents()}["undated.txt"]
    assert (info.date, info.tags) == ("2022-02-02", ("colour", "ferries"))
    assert lib.document("undated.txt").metadata["date"] == "2022-02-02"
    assert _docs(lib.ask("ferry", k=10, tags=["colour"])) == {"undated.txt"}
    with pytest.raises(NotFound):
        lib.set_metadata("nothing.md", {"date": "2022-02-02"})
    with pytest.raises(InvalidInput):
        lib.set_metadata("undated.txt", {"date": "yesterday"})
    with pytest.raises(NotFound):
        lib.alias("X", "Y", document="nothing.md")


def test_the_question_index(lib: Library) -> None:
    found = lib.questions("fares rise", k=5)
    assert [q.document_id for q in found[:2]] in (["spring.md", "autumn.md"], ["autumn.md", "spring.md"])
    for q in found:
        doc = lib.document(q.document_id)
        assert doc.text[q.start : q.end] == q.text
        assert q.answer is None or doc.text[q.answer.start : q.answer.end] == q.answer.quote
    spring = next(q for q in found if q.document_id == "spring.md")
    assert spring.date == "2021-04-05" and spring.answer is not None
    assert spring.answer.quote.startswith("No. The ferry fares") and spring.answer.person == "Ana Lopez"
    browsed = lib.questions(None, k=10)
    assert [q.date for q in browsed] == ["2020-01-02", "2021-04-05", "2021-10-11", "2024-01-02", None]
    assert [q.document_id for q in lib.questions("fares", date_from="2021-06-01", date_to="2021-12-31")] == [
        "autumn.md"
    ]
    assert lib.questions("fares", speakers=["Ana Lopez"]) == []  # she asked nothing


def _v4_library(path: Path) -> None:
    """A database as schema v4 wrote it: one document, its turns, no catalogue."""
    db = sqlite3.connect(path)
    db.executescript(_SCHEMA)
    db.execute("INSERT INTO meta VALUES ('schema_version', '4'), ('generation', '1')")
    text = SPRING
    db.execute(
        "INSERT INTO documents(id, title, text, content_hash, format, source, metadata, added_at, roles)"
        " VALUES (?, ?, ?, 'h', 'labelled', NULL, ?, '2024-01-01', ?)",
        (
            "spring.md",
            "Press Briefing by Press Secretary Ana Lopez",
            text,
            json.dumps({"date": "2021-04-05", "tags": "ferries"}),
            json.dumps({"MS. LOPEZ": "official"}),
        ),
    )
    start = text.index("Good afternoon")
    db.execute(
        "INSERT INTO turns(document_id, idx, role, speaker, start, end) VALUES ('spring.md', 0, 'narration',"
        " 'MS. LOPEZ', ?, ?)",
        (start, start + 14),
    )
    db.commit()
    db.close()


def test_a_v4_database_is_upgraded_in_place(tmp_path: Path) -> None:
    path = tmp_path / "library.sqlite3"
    _v4_library(path)
    for _ in range(2):  # the upgrade is idempotent: a second open changes nothing
        store = Store(path)
        assert store.meta("schema_version") == str(SCHEMA_VERSION)
        [info] = store.infos()
        assert (info.date, info.kind, info.tags) == ("2021-04-05", "briefing", ("ferries",))
        assert store.speaker_names("spring.md") == {"MS. LOPEZ": "Ana Lopez"}
        assert store.document("spring.md").metadata["kind"] == "briefing"
        store.close()


def test_empty_and_unknown_filters(lib: Library) -> None:
    assert len(lib.ask("ferry", k=10, documents=[])) == len(lib.ask("ferry", k=10))  # as always
    assert len(lib.ask("ferry", tags=[" "])) == 0
    assert len(lib.ask("ferry", speakers=["Nobody Known"])) == 0
    assert len(lib.ask("ferry", speakers=["Q", "Nobody Known"])) == 0  # a role label no one has
    with pytest.raises(InvalidInput):
        lib.set_metadata("spring.md", {"note": "\ud800"})
    with pytest.raises(InvalidInput):
        lib.alias("\ud800", "Someone")
