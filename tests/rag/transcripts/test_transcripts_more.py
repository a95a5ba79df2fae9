"""The real files of `corpus/transcripts-more/`, read through the bytes path as `rag index` and
uploads read them. Expected values were read off the files themselves (acts are not pinned:
acts and roles are pinned at the end, from reading who does what in each file)."""

from __future__ import annotations

import io
import re
from collections import Counter
from pathlib import Path

import pytest

from rag.ingest import read_file
from rag.model import Document
from rag.transcripts import rst

POWELL = "fomc-presconf-2023-03-22-powell.pdf"
CONFCALL = "fomc-confcall-2007-08-10-transcript.pdf"
PDPILOT = "pdpilot-user-study-interview-P1.pdf"
DEBATE = "twfy-commons-debates-2009-10-28c.xml"
SPOTLIGHT = "wtd-spotlight-interview-liz-harris.rst"

# `NAME.  words` labels at line starts, as the transcripts print them
POWELL_LABELS = {
    "CHAIR POWELL": 34,
    "MICHELLE SMITH": 19,
    "NANCY MARSHALL-GENZER": 3,
    **dict.fromkeys(
        [
            "COLBY SMITH",
            "STEVE LIESMAN",
            "NICK TIMIRAOS",
            "VICTORIA GUIDA",
            "HOWARD SCHNEIDER",
            "JEANNA SMIALEK",
            "MICHAEL MCKEE",
            "RACHEL SIEGEL",
            "EDWARD LAWRENCE",
            "CATARINA SARAIVA",
            "NICOLE GOODKIND",
            "JENNIFER SCHONBERGER",
        ],
        2,
    ),
    **dict.fromkeys(
        ["NEIL IRWIN", "CHRIS RUGABER", "KYLE CAMPBELL", "SIMON RABINOVITCH", "GREG ROBB", "JEAN YUNG"], 1
    ),
}
CONFCALL_LABELS = {
    "CHAIRMAN BERNANKE": 15,
    "MR. DUDLEY": 9,
    "VICE CHAIRMAN GEITHNER": 5,
    "MR. FISHER": 5,
    "MR. LACKER": 3,
    "MR. MISHKIN": 2,
    "MR. POOLE": 2,
    "MR. PLOSSER": 2,
    "MR. LOCKHART": 2,
    "MR. MADIGAN": 1,
    "MR. HOENIG": 1,
}
_PERIOD_LABEL = re.compile(r"^([A-Z][A-Z. '-]+?)\.  ", re.MULTILINE)


@pytest.fixture(scope="module")
def more(shared: Path) -> Path:
    return shared / "corpus" / "transcripts-more"


@pytest.fixture(scope="module")
def docs(more: Path) -> dict[str, Document]:
    return {name: read_file(more / name).document for name in (POWELL, CONFCALL, PDPILOT, DEBATE, SPOTLIGHT)}


def _exact(doc: Document) -> None:
    assert doc.turns
    for t in doc.turns:
        quote = doc.text[t.start : t.end]
        assert quote and quote == quote.strip(), (doc.id, t.index)


def _turn_at(doc: Document, words: str):
    at = doc.text.index(words)
    return next(t for t in doc.turns if t.start <= at < t.end)


def _pages_match_the_pdf(doc: Document, path: Path) -> None:
    """Each turn's first words are on the page it names, in pypdf's own extraction."""
    from pypdf import PdfReader

    pages = [p.extract_text().replace("\t", " ") for p in PdfReader(io.BytesIO(path.read_bytes())).pages]
    for t in doc.turns:
        head = doc.text[t.start : t.end].split("\n", 1)[0][:40]
        assert t.page is not None and head in pages[t.page - 1], (doc.id, t.index, head)


def test_powell_press_conference(docs, more):
    doc = docs[POWELL]
    assert doc.format == "pdf" and doc.metadata["pages"] == "23"
    assert doc.title == "Transcript of Chair Powell's Press Conference -- March 22, 2023"
    assert doc.text.startswith(
        "Transcript of Chair Powell’s Press Conference\nMarch 22, 2023\n\nCHAIR POWELL.  Good afternoon."
    )
    assert "FINAL" not in doc.text and "of 23" not in doc.text  # the running header and page numbers
    assert Counter(_PERIOD_LABEL.findall(doc.text)) == POWELL_LABELS
    _exact(doc)
    _pages_match_the_pdf(doc, more / POWELL)
    assert _turn_at(doc, "Howard Schneider from Reuters").page == 9
    assert _turn_at(doc, "Jennifer Schonberger with").page == 22
    assert doc.turns[0].page == 1 and doc.turns[-1].page == 23
    assert doc.text.endswith("so that’s all I have to say.  Thank you very much.\n")


def test_fomc_conference_call(docs, more):
    doc = docs[CONFCALL]
    assert doc.format == "pdf" and doc.metadata["pages"] == "12"
    assert doc.title == "FOMC Conference Call Transcript, August 10, 2007"
    assert "of 12" not in doc.text and doc.text.count("August 10, 2007") == 2  # footers gone, titles kept
    assert Counter(_PERIOD_LABEL.findall(doc.text)) == CONFCALL_LABELS
    _exact(doc)
    _pages_match_the_pdf(doc, more / CONFCALL)
    assert _turn_at(doc, "Good morning, everybody.").page == 2
    assert _turn_at(doc, "END OF MEETING").page == 12


@pytest.mark.parametrize(("name", "labels"), [(POWELL, POWELL_LABELS), (CONFCALL, CONFCALL_LABELS)])
def test_fomc_speakers_once_period_labels_are_read(docs, name, labels):
    doc = docs[name]
    if doc.metadata["text_format"] != "labelled":
        pytest.skip("`NAME.  ` labels are read by labelled.py once the label-styles work lands")
    assert set(doc.speakers) == set(labels)
    assert Counter(t.speaker for t in doc.turns if t.speaker) == labels


def test_pdpilot_interview(docs, more):
    doc = docs[PDPILOT]
    assert doc.format == "pdf" and doc.metadata["text_format"] == "labelled"
    assert doc.metadata["pages"] == "5" and doc.title == "P1-transcript"
    assert not re.search(r"^\d+(/5)?$", doc.text, re.MULTILINE)  # line numbers and "1/5" are gone
    assert "\t" not in doc.text
    assert doc.speakers == ["Dan", "Participant"]
    assert Counter(t.speaker for t in doc.turns) == {"Dan": 47, "Participant": 47, None: 1}
    _exact(doc)
    _pages_match_the_pdf(doc, more / PDPILOT)
    first = doc.turns[1]
    assert (first.speaker, first.page) == ("Dan", 1)
    assert doc.text[first.start : first.end].startswith("Okay. So now you can stop sharing your screen")
    assert [(t.speaker, t.page, doc.text[t.start : t.end]) for t in doc.turns[-2:]] == [
        ("Dan", 5, "All right, have a great night and I will be in touch soon with."),
        ("Participant", 5, "Thank you."),
    ]


def test_commons_debate(docs):
    doc = docs[DEBATE]
    assert doc.format == "parlparse" and doc.title == "House of Commons debate, 2009-10-28"
    assert len(doc.turns) == 521 and len(doc.speakers) == 107
    assert Counter(t.speaker for t in doc.turns).most_common(3) == [
        (None, 45),
        ("Bob Ainsworth", 36),
        ("John Denham", 28),
    ]
    _exact(doc)
    opening = [
        (None, "11:30:00", "BUSINESS BEFORE QUESTIONS"),
        (None, "11:30:00", "RAF Nimrod MR2 Aircraft XV230"),
        (None, "11:30:00", "Resolved,\n\nThat an humble Address be presented"),
        (None, "11:30:00", "ORAL ANSWERS TO QUESTIONS"),
        (None, "11:30:00", "CABINET OFFICE"),
        (None, "11:30:00", "The Minister for the Cabinet Office was a"),
        (None, "11:30:00", "Operation Miser"),
        ("Andrew Turner", "11:30:00", "What assessment she has made of the find"),
        ("Tessa Jowell", "11:30:00", "I welcome Ian Johnston's report and the "),
    ]
    got = [(t.speaker, t.timestamp, doc.text[t.start : t.end]) for t in doc.turns[: len(opening)]]
    for (speaker, time, text), (want_speaker, want_time, start) in zip(got, opening, strict=True):
        assert (speaker, time) == (want_speaker, want_time) and text.startswith(start), text
    divisions = [(t.timestamp, doc.text[t.start : t.end]) for t in doc.turns if t.speaker is None]
    assert ("15:47:00", "Division 232: Ayes 234, Noes 289") in divisions
    assert ("18:44:00", "Division 233: Ayes 214, Noes 292") in divisions
    assert doc.turns[-1].timestamp == "20:27:00"
    assert "&mdash;" not in doc.text and "\u2014" in doc.text  # the DTD's entities resolved


def test_write_the_docs_spotlight(docs, more):
    doc = docs[SPOTLIGHT]
    assert doc.format == "rst" and doc.title == "Interview with Liz Harris"
    _exact(doc)
    text = (more / SPOTLIGHT).read_text(encoding="utf-8")
    assert doc.text == text
    questions = [text[u.start : u.end] for u in rst.read(text) if u.asks]
    assert questions == [
        "What formal education do you have?",
        "What then led you to technical writing?",
        "How did you differentiate yourself during your initial job search?",
        "How did this differ from your first job?",
        "What led you to leave then?",
    ]
    assert _turn_at(doc, "I went to a private high school in Palo Alto").start == text.index(
        "I went to a private"
    )


def test_powell_the_moderator_routes_and_the_reporters_ask(docs):
    doc = docs[POWELL]
    reporters = set(POWELL_LABELS) - {"CHAIR POWELL", "MICHELLE SMITH"}
    assert doc.roles["CHAIR POWELL"] == "official" and doc.roles["MICHELLE SMITH"] == "moderator"
    assert {doc.roles[r] for r in reporters} == {"reporter"}
    # read off the file: Michelle Smith only hands the floor ("Colby.", "Let's go to …")
    assert {t.act for t in doc.turns if t.speaker == "MICHELLE SMITH"} == {"procedural"}
    # every reporter's turn asks, some without a question mark ("I'm wondering how you …")
    assert {t.act for t in doc.turns if t.speaker in reporters} == {"question"}
    assert _turn_at(doc, "I’m wondering how you anticipate").act == "question"
    answers = [t for t in doc.turns if t.speaker == "CHAIR POWELL" and t.act == "answer"]
    assert len(answers) == 33  # all but the opening statement
    assert all(doc.turns[t.question_index].speaker in reporters for t in answers)
    # "How many?  I don't know. …" echoes the question and answers it
    assert _turn_at(doc, "How many?  I don’t know.").act == "answer"


def test_pdpilot_the_interviewer_asks(docs):
    doc = docs[PDPILOT]
    assert doc.roles == {"Dan": "interviewer", "Participant": "guest"}
    mine = [t for t in doc.turns if t.speaker == "Participant"]
    # the participant asks back only in short clarifications ("For this model in particular? …")
    assert [doc.text[t.start : t.end][:29] for t in mine if t.act == "question"] == [
        "For this model in particular?"
    ]
    assert (
        _turn_at(doc, "what the earth mover’s distance gives (??) you").act == "answer"
    )  # unsure, not asking
    assert all(doc.turns[t.question_index].speaker == "Dan" for t in doc.turns if t.act == "answer")
    assert doc.turns[-1].act == "backchannel"  # "Thank you."


def test_commons_the_opening_question_of_an_exchange_is_asked(docs):
    doc = docs[DEBATE]
    assert doc.roles["Mr. Speaker"] == "chair" and doc.roles["Andrew Turner"] == "member"
    opening = _turn_at(doc, "What assessment she has made of the findings")
    assert opening.act == "question"  # a tabled question, printed without a question mark
    reply = doc.turns[opening.index + 1]
    assert (reply.speaker, reply.act, reply.question_index) == ("Tessa Jowell", "answer", opening.index)
    assert all(
        t.act == "narration"
        for t in doc.turns
        if t.speaker is None and "Division" in doc.text[t.start : t.end]
    )


def test_write_the_docs_questions_and_answers(docs):
    doc = docs[SPOTLIGHT]
    asked = [doc.text[t.start : t.end] for t in doc.turns if t.act == "question"]
    assert asked[0] == "What formal education do you have?" and len(asked) == 5
    for t in doc.turns:
        if t.act == "answer":
            assert doc.turns[t.question_index].act == "question"
