"""The gold readers: MeetingQA, FriendsQA, SQuAD and gzip'd QMSum files written by the tests;
folds and limits."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from rag import InvalidInput
from rag.goldsets import EvalSet, fold_of, load_gold, select

MEETING = {
    "meeting": "ES0001a",
    "sentences": [
        {"speaker": "A", "text": "Welcome to the remote control design meeting."},
        {"speaker": "A", "text": "Which colour should the remote control be?"},
        {"speaker": "B", "text": "Yellow, I think."},
        {"speaker": "B", "text": "Bright yellow rubber is cheap."},
        {"speaker": "C", "text": "Agreed."},
        {"speaker": "C", "text": ""},  # empty in the source: no words, no span
        {"speaker": "A", "text": "And the battery?"},
        {"speaker": "C", "text": "Solar cells on the battery cover."},
    ],
    "questions": [
        {"id": "ES0001a-1", "question_sentences": [1], "answer_sentences": [2, 3]},
        {"id": "ES0001a-6", "question_sentences": [6], "answer_sentences": [6, 7]},
        {"id": "ES0001a-4", "question_sentences": [4], "answer_sentences": [4]},  # answers itself
    ],
}
MEETING_TEXT = (
    "Speaker A: Welcome to the remote control design meeting. Which colour should the remote control be?\n\n"
    "Speaker B: Yellow, I think. Bright yellow rubber is cheap.\n\n"
    "Speaker C: Agreed.\n\n"
    "Speaker A: And the battery?\n\n"
    "Speaker C: Solar cells on the battery cover.\n"
)

SCENE = {
    "scene": "s01_e01_c01",
    "utterances": [
        {"speakers": ["#NOTE#"], "text": "[ Scene : Central Perk , the gang is there . ]"},
        {"speakers": ["Monica Geller"], "text": "There 's nothing to tell !"},
        {"speakers": ["Joey Tribbiani"], "text": "C'mon , you 're going out with the guy !"},
        {"speakers": ["#NOTE#"], "text": "( Ross enters . )"},
        {"speakers": ["Chandler Bing", "Joey Tribbiani"], "text": "Hey ."},
        {"speakers": ["Chandler Bing", "Joey Tribbiani", "Monica Geller"], "text": "Hi Ross !"},
        {"speakers": ["#ALL#"], "text": "Welcome back !"},
        {"speakers": ["Ross Geller"], "text": "Hi ."},
    ],
    "questions": [
        {"id": "s01_e01_c01_Who", "question": "Who enters ?", "answer_utterances": [3], "is_speaker": False},
        {"id": "s01_e01_c01_What", "question": "Who is Monica going out with ?", "answer_utterances": [1, 2],
         "is_speaker": True},
    ],
}  # fmt: skip
SCENE_TEXT = (
    "# [ Scene : Central Perk , the gang is there . ]\n\n"
    "Monica Geller: There 's nothing to tell !\n\n"
    "Joey Tribbiani: C'mon , you 're going out with the guy !\n\n"
    "# ( Ross enters . )\n\n"
    "Chandler Bing and Joey Tribbiani: Hey .\n\n"
    "Chandler and Joey and Monica: Hi Ross !\n\n"  # three full names are past the label's seven words
    "All: Welcome back !\n\n"
    "Ross Geller: Hi .\n"
)


def _write(path: Path, rows: list[dict]) -> Path:
    data = "".join(json.dumps(r) + "\n" for r in rows).encode("utf-8")
    path.write_bytes(gzip.compress(data) if path.suffix == ".gz" else data)
    return path


def test_meetingqa_renders_speaker_turns_and_maps_sentences(tmp_path: Path):
    other = {**MEETING, "meeting": "ES0001b"}
    evalset = load_gold(_write(tmp_path / "dev.jsonl.gz", [MEETING, other]))
    assert [s.document.id for s in evalset.documents] == ["meetingqa/ES0001a", "meetingqa/ES0001b"]
    doc = evalset.documents[0].document
    assert doc.text == MEETING_TEXT and doc.format == "labelled"
    assert [t.speaker for t in doc.turns] == ["Speaker A", "Speaker B", "Speaker C", "Speaker A", "Speaker C"]
    # the question answered only by its own sentence is skipped; sentence 6 is not its own gold
    assert [q.id for q in evalset.questions] == ["ES0001a-1", "ES0001a-6", "ES0001a-1", "ES0001a-6"]
    first, second = evalset.questions[:2]
    assert first.question == "Which colour should the remote control be?" and first.scoped
    assert [doc.span(*s) for s in first.gold] == ["Yellow, I think.", "Bright yellow rubber is cheap."]
    assert [doc.span(*s) for s in first.asked] == ["Which colour should the remote control be?"]
    assert first.gold_questions == first.asked
    assert [doc.span(*s) for s in second.gold] == ["Solar cells on the battery cover."]
    assert evalset.questions[2].document_id == "meetingqa/ES0001b"


def test_friendsqa_renders_one_turn_per_utterance(tmp_path: Path):
    evalset = load_gold(_write(tmp_path / "dev.jsonl", [SCENE]))
    doc = evalset.documents[0].document
    assert doc.id == "friendsqa/s01_e01_c01" and doc.text == SCENE_TEXT and doc.format == "labelled"
    assert [t.speaker for t in doc.turns] == [
        None,
        "Monica Geller",
        "Joey Tribbiani",
        None,
        "Chandler Bing and Joey Tribbiani",
        "Chandler and Joey and Monica",
        "All",
        "Ross Geller",
    ]
    assert doc.turns[3].act == "narration"
    who, what = evalset.questions
    assert who.scoped and [doc.span(*s) for s in who.gold] == ["( Ross enters . )"]
    assert [doc.span(*s) for s in what.gold] == [
        "There 's nothing to tell !",
        "C'mon , you 're going out with the guy !",
    ]


def test_gzipped_qmsum_loads(tmp_path: Path):
    meeting = {
        "domain": "Committee",
        "meeting_transcripts": [
            {"speaker": "Member", "content": "Why did rail spending rise?"},
            {"speaker": "Minister", "content": "Rail spending rose because the tunnel cost more."},
        ],
        "specific_query_list": [{"query": "Why did rail spending rise?", "relevant_text_span": [["1", "1"]]}],
    }
    evalset = load_gold(_write(tmp_path / "train_all.jsonl.gz", [meeting]))
    assert evalset.documents[0].document.id == "train_all/meeting-000"
    doc, q = evalset.documents[0].document, evalset.questions[0]
    assert doc.span(*q.gold[0]) == "Rail spending rose because the tunnel cost more."


def test_limit_and_folds_are_deterministic(tmp_path: Path):
    rows = []
    for i in range(12):
        scene = {**SCENE, "scene": f"s01_e01_c{i:02d}"}
        scene["questions"] = [{**q, "id": f"{i}/{j}"} for j, q in enumerate(SCENE["questions"])]
        rows.append(scene)
    evalset = load_gold(_write(tmp_path / "scenes.jsonl", rows))
    ids = lambda e: [q.id for q in e.questions]  # noqa: E731
    docs = lambda e: {s.document.id for s in e.documents}  # noqa: E731

    five = select(evalset, limit=5, seed=1)
    assert ids(five) == ids(select(evalset, limit=5, seed=1)) and len(ids(five)) == 5
    assert ids(five) == sorted(ids(five), key=ids(evalset).index)  # kept in file order
    assert ids(select(evalset, limit=5, seed=2)) != ids(five)
    assert docs(five) == {q.document_id for q in five.questions}  # scoped: only their own documents
    assert ids(select(evalset, limit=100)) == ids(evalset)

    folds = [select(evalset, fold=(k, 3)) for k in (1, 2, 3)]
    assert sorted(d for f in folds for d in docs(f)) == sorted(docs(evalset))  # a partition
    assert all({q.document_id for q in f.questions} == docs(f) for f in folds)
    rest = select(evalset, fold=(1, 3), other_folds=True)
    assert docs(rest) == docs(folds[1]) | docs(folds[2])
    assert [fold_of(s.document.id, 3) for s in folds[0].documents] == [1] * len(folds[0].documents)
    assert fold_of("friendsqa/s01_e01_c00", 5) == fold_of("friendsqa/s01_e01_c00", 5)
    with pytest.raises(InvalidInput, match="between 1 and N"):
        select(evalset, fold=(4, 3))


def test_unscoped_questions_keep_every_document(tmp_path: Path):
    scenes = load_gold(_write(tmp_path / "scenes.jsonl", [SCENE]))
    unanswerable = load_gold(
        _write(tmp_path / "none.jsonl", [{"id": "u", "question": "zebra?", "gold_lines": []}])
    )
    both = EvalSet(scenes.documents, scenes.questions + unanswerable.questions)
    kept = select(both, limit=1, seed=0)
    assert len(kept.questions) == 1
    assert len(select(both, fold=(1, 2)).questions) + len(select(both, fold=(2, 2)).questions) == 4  # u twice
    assert len(select(EvalSet(scenes.documents, unanswerable.questions), limit=1).documents) == 1


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ([{**MEETING, "questions": [{"id": "x", "question_sentences": [99], "answer_sentences": [1]}]}],
         "names a sentence"),
        ([{**MEETING, "questions": [{"id": "x", "question_sentences": [-1], "answer_sentences": [1]}]}],
         "names a sentence"),
        ([{**SCENE, "questions": [{"id": "y", "question": "?", "answer_utterances": [40]}]}],
         "names an utterance"),
        ([{**SCENE, "questions": [{"id": "y", "question": "?", "answer_utterances": [-2]}]}],
         "names an utterance"),
        ([{"sentences": [], "questions": []}], "malformed"),
        ([{**SCENE, "utterances": [{"text": "no speakers"}]}], "malformed"),
    ],
)  # fmt: skip
def test_malformed_gold_files(tmp_path: Path, rows: list[dict], message: str):
    with pytest.raises(InvalidInput, match=message):
        load_gold(_write(tmp_path / "bad.jsonl", rows))


def test_unreadable_gold_files(tmp_path: Path):
    broken = tmp_path / "broken.jsonl.gz"
    broken.write_bytes(gzip.compress(b'{"a": 1}\n')[:-6])
    with pytest.raises(InvalidInput, match="cannot read"):
        load_gold(broken)
    lines = tmp_path / "lines.jsonl"
    lines.write_text('{"question": "q", "gold_lines": [1]}\n{"question": oops}\n')
    with pytest.raises(InvalidInput, match=r"cannot read .*line 1 column 14"):  # the bad line's own error
        load_gold(lines)
    with pytest.raises(InvalidInput, match="JSON object"):
        load_gold(_write(tmp_path / "list.jsonl", [[1, 2]]))  # type: ignore[list-item]


ARTICLES = {
    "version": "1.1",
    "data": [
        {
            "title": "Harbour",
            "paragraphs": [
                {
                    "context": "The harbour opened in 1892. Its first master was a ferryman.",
                    "qas": [{"id": "h1", "question": "When did the harbour open?",
                             "answers": [{"answer_start": 22, "text": "1892"}]}],
                },
                {
                    "context": "Ships stopped calling after the railway came.",
                    "qas": [{"id": "h2", "question": "Why did ships stop calling?",
                             "answers": [{"answer_start": 28, "text": "the railway came"},
                                         {"answer_start": 32, "text": "railway"}]}],
                },
            ],
        },
        {"title": "Bakery", "paragraphs": [{"context": "Buns are baked at four.", "qas": []}]},
    ],
}  # fmt: skip


def test_squad_json_renders_each_article_as_prose(tmp_path: Path):
    path = tmp_path / "articles.json"
    path.write_text(json.dumps(ARTICLES, indent=2))  # one JSON document over many lines
    evalset = load_gold(path)
    docs = {s.document.id: s.document for s in evalset.documents}
    assert list(docs) == ["articles/Harbour", "articles/Bakery"]
    harbour = docs["articles/Harbour"]
    assert harbour.text.startswith("The harbour opened in 1892.") and "\n\nShips stopped" in harbour.text
    assert [q.id for q in evalset.questions] == ["h1", "h2"]
    spans = {q.id: [harbour.text[a:b] for a, b in q.gold] for q in evalset.questions}
    assert spans == {"h1": ["1892"], "h2": ["the railway came", "railway"]}
    assert not any(q.scoped for q in evalset.questions)  # asked of every article
    # a question about no document in the selection keeps every article indexed
    assert len(select(evalset, limit=1).documents) == 2

    twice = {"data": [ARTICLES["data"][1], ARTICLES["data"][1]]}
    path.write_text(json.dumps(twice))
    assert [s.document.id for s in load_gold(path).documents] == ["articles/Bakery", "articles/Bakery-1"]

    moved = json.loads(json.dumps(ARTICLES))
    moved["data"][0]["paragraphs"][0]["qas"][0]["answers"][0]["answer_start"] = 3
    path.write_text(json.dumps(moved))
    with pytest.raises(InvalidInput, match="h1's answer is not at its answer_start"):
        load_gold(path)
