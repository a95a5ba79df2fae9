"""The evaluation harness on small gold files written for the tests, with the fake embedder."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from rag import InvalidInput, Library, RetrievalConfig
from rag.evaluation import ask_all, evaluate, index_eval_set, load_gold, score
from rag.verdict import VerdictModel
from tests.fakes import FakeEmbedder

DOC = """Preamble about the interview.
- How many hives do you keep?
About forty hives in four orchards.
- What do bees need most?
Flowers that bloom at different times, and clean water.
"""


def _write(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def test_line_numbered_gold(tmp_path: Path):
    doc = tmp_path / "talk.txt"
    doc.write_text(DOC, encoding="utf-8")
    gold = _write(
        tmp_path / "gold.jsonl",
        [
            {
                "id": "a",
                "question": "how many hives in orchards",
                "gold_lines": [3],
                "gold_question_lines": [2],
            },
            {
                "id": "b",
                "question": "clean water flowers bloom",
                "gold_lines": [5],
                "gold_question_lines": [4],
            },
            {"id": "c", "question": "zebra submarine telescope", "gold_lines": []},
        ],
    )
    evalset = load_gold(gold, document=doc)
    assert [q.answerable for q in evalset.questions] == [True, True, False]
    assert DOC[slice(*evalset.questions[0].gold[0])] == "About forty hives in four orchards."
    # a verdict for the fake embedder's bag-of-words cosines
    config = RetrievalConfig(verdict=VerdictModel(similarity=10, coverage=10, unknown=-10, bias=-6))
    with Library.open(tmp_path / "data", embedder=FakeEmbedder(), retrieval=config) as lib:
        index_eval_set(lib, evalset)
        seen = []
        m = evaluate(lib, evalset.questions, k=3, on_answer=lambda q, a, r: seen.append((q.id, r)))
    assert seen == [("a", 0), ("b", 0)]
    assert (m.hit_at_1, m.hit_at_k, m.mrr, m.citation_accuracy) == (1.0, 1.0, 1.0, 1.0)
    assert m.quote_mismatches == 0 and m.questions == 3
    assert m.false_accept_rate == 0.0 and m.false_reject_rate == 0.0


def test_qmsum_gold_maps_turn_numbers_to_spans(tmp_path: Path):
    meeting = {
        "meeting_transcripts": [
            {"speaker": "Chair", "content": "We begin with the budget."},
            {"speaker": "Member", "content": "Why did rail spending rise?"},
            {"speaker": "Minister", "content": "Rail spending rose because the tunnel cost more."},
            {"speaker": "Member", "content": "And the buses?"},
            {"speaker": "Minister", "content": "Bus spending stayed flat this year."},
        ],
        "specific_query_list": [
            {"query": "What did the Minister say about rail spending?", "relevant_text_span": [["1", "2"]]},
            {"query": "What about bus spending?", "relevant_text_span": [["3", "4"]]},
        ],
    }
    evalset = load_gold(_write(tmp_path / "meetings.jsonl", [meeting, meeting]))
    assert len(evalset.documents) == 2 and len(evalset.questions) == 4
    assert all(q.scoped for q in evalset.questions)
    doc = evalset.documents[0].document
    start, end = evalset.questions[0].gold[0]
    assert doc.text[start:end].startswith("Why did rail") and doc.text[start:end].endswith("cost more.")
    with Library.open(tmp_path / "data", embedder=FakeEmbedder()) as lib:
        index_eval_set(lib, evalset)
        m = evaluate(lib, evalset.questions, k=2, mode="bm25")
    assert m.hit_at_k == 1.0 and m.false_reject_rate is None  # bm25 gives no verdict to score


def test_bad_gold_files(tmp_path: Path):
    with pytest.raises(InvalidInput, match="not a gold file"):
        load_gold(_write(tmp_path / "x.jsonl", [{"foo": 1}]))
    with pytest.raises(InvalidInput, match="--document"):
        load_gold(_write(tmp_path / "y.jsonl", [{"question": "q", "gold_lines": [1]}]))
    doc = tmp_path / "d.txt"
    doc.write_text("one line\n", encoding="utf-8")
    with pytest.raises(InvalidInput, match="past the end"):
        load_gold(_write(tmp_path / "z.jsonl", [{"question": "q", "gold_lines": [9]}]), document=doc)


def test_unanswerable_questions_need_no_document(tmp_path: Path):
    meeting = {
        "meeting_transcripts": [
            {"speaker": "Member", "content": "Why did rail spending rise?"},
            {"speaker": "Minister", "content": "Rail spending rose because the tunnel cost more."},
        ],
        "specific_query_list": [{"query": "Why did rail spending rise?", "relevant_text_span": [["0", "1"]]}],
    }
    meetings = load_gold(_write(tmp_path / "meetings.jsonl", [meeting]))
    nothing = load_gold(
        _write(tmp_path / "none.jsonl", [{"id": "u1", "question": "zebra telescopes", "gold_lines": []}])
    )
    assert nothing.documents == [] and not nothing.questions[0].answerable and not nothing.questions[0].scoped
    with Library.open(tmp_path / "data", embedder=FakeEmbedder()) as lib:
        index_eval_set(lib, meetings)
        m = evaluate(lib, meetings.questions + nothing.questions, k=2)
    assert m.questions == 2 and m.hit_at_1 == 1.0
    assert m.false_accept_rate == 0.0  # asked of the meeting, and judged unanswered


def test_meetingqa_self_metric_and_per_question_results(tmp_path: Path):
    from tests.rag.test_goldsets import MEETING

    meeting = {  # a question inside a turn that also says something else
        **MEETING,
        "sentences": [
            *MEETING["sentences"],
            {"speaker": "C", "text": "Will solar cells work indoors?"},
            {"speaker": "B", "text": "Not under office lamps."},
        ],
        "questions": [
            *MEETING["questions"],
            {"id": "ES0001a-8", "question_sentences": [8], "answer_sentences": [9]},
        ],
    }
    rows = [meeting, {**meeting, "meeting": "ES0001b"}]  # the same words twice: scoping tells them apart
    evalset = load_gold(_write(tmp_path / "dev.jsonl", rows))
    with Library.open(tmp_path / "data", embedder=FakeEmbedder()) as lib:
        index_eval_set(lib, evalset)
        results = list(ask_all(lib, evalset.questions, k=5, mode="bm25"))
        m = score(lib, results, k=5, mode="bm25")
        again = evaluate(lib, evalset.questions, k=5, mode="bm25")
    timing = {"latency_ms_p50": 0.0, "latency_ms_p95": 0.0, "latency_ms_p99": 0.0}
    assert replace(m, **timing) == replace(again, **timing)
    assert [r.question.id for r in results] == ["ES0001a-1", "ES0001a-6", "ES0001a-8"] * 2
    overlaps = lambda p, spans: any(p.start < b and a < p.end for a, b in spans)  # noqa: E731
    for r in results:
        assert {p.document_id for p in r.answer} == {r.question.document_id}  # its own meeting only
        assert r.relevant == tuple(overlaps(p, r.question.gold) for p in r.answer)
        assert r.quoted_self == overlaps(r.answer[0], r.question.asked)
    quoted = [r.quoted_self for r in results]
    assert m.self_rate == sum(quoted) / len(quoted) and 0 < m.self_rate < 1  # some quote the question back
    assert m.questions == 6 and m.citation_accuracy is not None


def test_self_metric_is_absent_without_question_spans(tmp_path: Path):
    doc = tmp_path / "talk.txt"
    doc.write_text(DOC, encoding="utf-8")
    gold = _write(tmp_path / "gold.jsonl", [{"id": "a", "question": "hives orchards", "gold_lines": [3]}])
    with Library.open(tmp_path / "data", embedder=FakeEmbedder()) as lib:
        index_eval_set(lib, evalset := load_gold(gold, document=doc))
        assert evaluate(lib, evalset.questions, mode="bm25").self_rate is None


def test_eval_command_checks_the_fold_before_loading_a_model(tmp_path: Path, capsys):
    from rag.cli import main

    gold = _write(tmp_path / "none.jsonl", [{"id": "u", "question": "zebra?", "gold_lines": []}])
    for bad in ("6/5", "x/5", "0/3"):
        with pytest.raises(SystemExit) as exit_:
            main(["eval", str(gold), "--split-fold", bad])
        assert exit_.value.code == 1
    assert "expected K/N" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["eval", str(gold), "--other-folds"])
    assert "needs --split-fold" in capsys.readouterr().err
