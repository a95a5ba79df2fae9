"""Every real transcript in ../shared: format, speakers, roles and links.

Expected values are computed from the raw files with simple independent rules (counting
label lines, reading the JSON) or were read off the files by eye, never printed by the parser.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from rag.ingest import decode
from rag.transcripts import parse


def _load(shared: Path, name: str):
    path = shared / "corpus" / "transcripts" / name
    raw = decode(path.read_bytes(), name)
    return raw, parse(raw, id=name)


def _text(doc, turn):
    return doc.text[turn.start : turn.end]


def _turn_starting(doc, prefix):
    return next(t for t in doc.turns if _text(doc, t).startswith(prefix))


_ACKNOWLEDGES = re.compile(
    r"\(Inaudible\.\)|(?:(?:thank you|thanks|okay|oh|yeah|yes|sure|no|all right|i agree|well|so|but|you|it)"
    r"[\s\u00a0.,!\u2014-]*)+",
    re.IGNORECASE,
)


def test_podcast_markdown_with_bold_labels(shared):
    raw, doc = _load(shared, "changelog-672_sid-sijbrandij.md")
    assert doc.format == "labelled"
    labels = re.findall(r"^\*\*([A-Z][\w ]+?)(?::\*\*|\*\*:)", raw, re.MULTILINE)
    people = {"Adam Stacoviak", "Jerod Santo", "Sid Sijbrandij"}
    assert {t.speaker for t in doc.turns if t.speaker} == people
    assert sum(1 for t in doc.turns if t.speaker) == sum(1 for label in labels if label in people)
    guest, hosts = "Sid Sijbrandij", people - {"Sid Sijbrandij"}
    assert doc.roles == {guest: "guest", **dict.fromkeys(hosts, "interviewer")}
    # the hosts ask and remark; only the guest answers, and each answer cites a host's question
    assert "answer" not in {t.act for t in doc.turns if t.speaker in hosts}
    answers = [t for t in doc.turns if t.act == "answer"]
    assert answers and {t.speaker for t in answers} == {guest}
    assert all(doc.turns[t.question_index].speaker in hosts for t in answers)
    # a long turn of the guest's answers, even where it ends by asking something back
    first_q = next(t.index for t in doc.turns if t.act == "question")
    long_turns = [t for t in doc.turns[first_q:] if t.speaker == guest and t.end - t.start > 200]
    assert long_turns and all(t.act == "answer" for t in long_turns)
    # the greeting asks nothing, so the guest's "Way too long" answers nothing
    assert _turn_starting(doc, "Way too long, for sure.").act == "narration"
    assert _turn_starting(doc, "So you mean what's the paid functionality?").act == "question"
    # `**Break**: [30:01]` is a marker, not a speaker
    assert all(t.act == "narration" for t in doc.turns if t.speaker is None)


def test_spotlight_with_initials(shared):
    raw, doc = _load(shared, "k8s-sig-scheduling-spotlight-2024.md")
    assert doc.format == "labelled"
    title = re.search(r'^title: "(.*)"$', raw, re.MULTILINE).group(1)
    assert doc.title == title and doc.metadata["author"] == "Arvind Parekh"
    asked = re.findall(r"^\*\*(?:Arvind|AP|A)[:*]", raw, re.MULTILINE)
    # every interviewer turn asks but the closing thanks
    assert sum(t.act == "question" for t in doc.turns) == len(asked) - 1
    assert _turn_starting(doc, "Thank you so much for taking the time").act == "narration"
    assert {(t.speaker, t.act) for t in doc.turns if t.speaker} == {
        ("Arvind", "question"),
        ("Arvind", "narration"),
        ("Kensei", "answer"),
    }
    assert doc.roles == {"Arvind": "interviewer", "Kensei": "guest"}
    challenge = _turn_starting(doc, "What are some Kubernetes-specific challenges")
    answer = doc.turns[challenge.index + 1]
    assert answer.speaker == "Kensei" and answer.question_index == challenge.index
    assert _text(doc, answer).startswith("Scheduling in Kubernetes can be quite challenging")
    assert all(t.act == "narration" for t in doc.turns if _text(doc, t).startswith("## "))


def test_spotlight_with_bold_questions(shared):
    raw, doc = _load(shared, "k8s-sig-storage-spotlight-2026.md")
    assert doc.format == "bold-questions"
    title = re.search(r'^title: "(.*)"$', raw, re.MULTILINE).group(1)
    assert doc.title == title
    one_line = re.findall(r"^\*\*([^*\n]+\?)\*\*$", raw, re.MULTILINE)
    questions = {_text(doc, t) for t in doc.turns if t.act == "question"}
    assert one_line and set(one_line) <= questions
    first = _turn_starting(doc, "Could you introduce yourself")
    answer = doc.turns[first.index + 1]
    assert answer.act == "answer" and _text(doc, answer).startswith("My name is")
    assert all(t.act == "narration" for t in doc.turns[: first.index])  # intro and heading


@pytest.mark.parametrize(
    ("name", "officials"),
    [
        ("wh-2023-06-05-press-briefing-jean-pierre-kirby.md", {"MS. JEAN-PIERRE", "MR. KIRBY"}),
        ("wh-2025-02-18-interview-trump-musk-hannity.md", {"THE PRESIDENT", "MR. MUSK"}),
    ],
)
def test_white_house_transcripts(shared, name, officials):
    raw, doc = _load(shared, name)
    assert doc.format == "labelled"
    q_paras = re.findall(r"^[ \u00a0]*Q(?:\u00a0|  )(.*(?:\n.*\S.*)*)", raw, re.MULTILINE)
    # reporters' turns that only thank, acknowledge or break off ask nothing (read off the files)
    acks = [p for p in q_paras if _ACKNOWLEDGES.fullmatch(p.strip(" \u00a0\n"))]
    assert acks
    questions = [t for t in doc.turns if t.act == "question"]
    assert len(questions) == len(q_paras) - len(acks)
    assert {doc.roles[s] for s in officials} == {"official"} and doc.roles["reporter"] == "reporter"
    assert {t.speaker for t in questions} == {"reporter"}
    assert {t.speaker for t in doc.turns if t.act == "answer"} == officials
    assert doc.turns[0].act == "narration"  # the room line before anyone speaks
    clocks = [t for t in doc.turns if re.fullmatch(r"(END\s+)?\d{1,2}:\d\d [AP]\.M\. E[SD]T", _text(doc, t))]
    assert clocks and all(t.act == "narration" for t in clocks)
    for t in doc.turns:
        if t.act == "answer":
            assert doc.turns[t.question_index].speaker == "reporter"


def test_captions_and_html_of_one_episode_agree(shared):
    raw_html, html = _load(shared, "podcastindex-buzzsprout-example.html")
    _, srt = _load(shared, "podcastindex-buzzsprout-example.srt")
    assert (html.format, srt.format) == ("html", "srt")
    cites = re.findall(r"<cite>([^<:]+):</cite>", raw_html)
    assert [t.speaker for t in html.turns] == cites
    assert [(t.speaker, t.act, t.timestamp) for t in srt.turns] == [
        (t.speaker, t.act, t.timestamp) for t in html.turns
    ]
    times = re.findall(r"<time>([\d:]+)</time>", raw_html)
    assert [t.timestamp for t in html.turns] == [
        f"00:{int(m):02d}:{s}" for m, s in (x.split(":") for x in times)
    ]
    assert "&#39;" not in html.text and "'" in html.text


def test_webvtt_voices(shared):
    raw, doc = _load(shared, "podcastindex-buzzsprout-example.vtt")
    assert doc.format == "webvtt" and "\r\n" in raw
    voices = list(dict.fromkeys(re.findall(r"<v ([^>]+)>", raw)))
    assert [t.speaker for t in doc.turns] == voices
    asked = next(t for t in doc.turns if t.speaker == "Gillian")
    assert asked.act == "question" and _text(doc, asked).endswith("do we need a podcast trailer?")
    assert "&amp;" not in doc.text


def test_qmsum_meeting(shared):
    raw, doc = _load(shared, "qmsum-committee-education_13.json")
    assert doc.format == "json"
    turns = json.loads(raw)["meeting_transcripts"]
    assert len(doc.turns) == len(turns)
    for turn, source in zip(doc.turns, turns, strict=True):
        assert turn.speaker == " ".join(source["speaker"].split())
        assert _text(doc, turn) == " ".join(source["content"].split())
    witness = "Barry Hughes"
    assert doc.roles[witness] == "witness" and doc.roles["Lynne Neagle AM"] == "chair"
    assert {r for s, r in doc.roles.items() if s not in (witness, "Lynne Neagle AM")} == {"member"}
    # the witness answers; the few times he asks back are short ("Sorry, can I just be clear? …")
    mine = [t for t in doc.turns if t.speaker == witness]
    long_answers = [t for t in mine if t.end - t.start > 500]
    assert sum(t.act == "answer" for t in long_answers) >= 0.75 * len(long_answers)
    assert _turn_starting(doc, "Sorry, can I just be clear?").act == "question"
    for t in doc.turns:
        if t.act == "answer":
            assert doc.turns[t.question_index].act == "question"
            assert doc.turns[t.question_index].speaker != t.speaker
