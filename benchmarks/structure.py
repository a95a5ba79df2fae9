"""Conversation structure on MeetingQA meetings: do asked questions land in question turns, and
is the turn holding a question's first answer sentence linked to it?

Each meeting is rendered as the MeetingQA README says (consecutive sentences of one speaker
joined into one `Speaker X: ...` turn, a blank line between turns) and parsed through the
ordinary ingest path, so the figures are those a user gets from such a transcript.

    python benchmarks/structure.py                     # train and dev
    python benchmarks/structure.py --split dev --show 5
"""

from __future__ import annotations

import argparse
import bisect
import gzip
import json
from collections import Counter
from pathlib import Path

from rag.ingest import from_text
from rag.model import Document, thread

SHARED = Path(__file__).resolve().parents[2] / "shared"


def render(meeting: dict) -> tuple[str, list[tuple[int, int]]]:
    """The transcript and each sentence's span in it."""
    parts: list[str] = []
    spans: list[tuple[int, int]] = []
    pos = 0
    prev = None
    for sentence in meeting["sentences"]:
        words = sentence["text"]
        if sentence["speaker"] != prev:
            prefix = ("\n\n" if parts else "") + f"Speaker {sentence['speaker']}: "
            prev = sentence["speaker"]
        else:
            prefix = " "
        parts.append(prefix + words)
        start = pos + len(prefix)
        spans.append((start, start + len(words)))
        pos = start + len(words)
    return "".join(parts) + "\n", spans


def turn_at(doc: Document, offset: int) -> int | None:
    starts = [t.start for t in doc.turns]
    i = bisect.bisect_right(starts, offset) - 1
    if i >= 0 and doc.turns[i].start <= offset < max(doc.turns[i].end, doc.turns[i].start + 1):
        return i
    return None


def linked(doc: Document, answer: int, question: int) -> bool:
    """The answer turn cites the question, or a thread that holds it."""
    turn = doc.turns[answer]
    return any(q.index == question for q in thread(doc.turns, turn))


def measure(path: Path, show: int = 0) -> dict[str, float]:
    asked = inside = linkable = linked_ok = other = other_ok = 0
    acts: Counter[str] = Counter()
    shown = 0
    with gzip.open(path, "rt", encoding="utf-8") as f:
        meetings = [json.loads(line) for line in f]
    for meeting in meetings:
        text, spans = render(meeting)
        doc = from_text(text, id=meeting["meeting"]).document
        acts.update(t.act for t in doc.turns)
        for q in meeting["questions"]:
            qs = q["question_sentences"]
            qturn = turn_at(doc, spans[qs[-1]][0])
            asked += 1
            ok_q = qturn is not None and doc.turns[qturn].act == "question"
            inside += ok_q
            answers = [a for a in q["answer_sentences"] if a not in qs]
            if not answers or qturn is None:
                continue
            aturn = turn_at(doc, spans[answers[0]][0])
            if aturn is None:
                continue
            linkable += 1
            ok_a = aturn == qturn or linked(doc, aturn, qturn)
            linked_ok += ok_a
            if aturn != qturn:  # the asker's own turn holds no link to itself
                other += 1
                other_ok += ok_a
            if show and shown < show and not (ok_q and ok_a):
                shown += 1
                print(f"--- {q['id']} question turn {qturn} ({doc.turns[qturn].act}), answer turn {aturn}")
                for t in doc.turns[max(0, qturn - 1) : aturn + 2]:
                    body = doc.text[t.start : t.end][:160].replace("\n", " ")
                    print(f"  {t.index:4d} {t.act:11s} {t.speaker} -> {t.question_index}: {body}")
    total = sum(acts.values())
    return {
        "meetings": len(meetings),
        "questions": asked,
        "in_question_turn": inside / asked,
        "answer_linked": linked_ok / max(linkable, 1),
        "answer_in_later_turn_linked": other_ok / max(other, 1),
        **{f"share_{a}": n / total for a, n in sorted(acts.items())},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--split", choices=["train", "dev"], nargs="*", default=["train", "dev"])
    parser.add_argument("--data", type=Path, default=SHARED / "benchmarks" / "meetingqa")
    parser.add_argument("--show", type=int, default=0, help="print this many misses per split")
    args = parser.parse_args()
    for split in args.split:
        figures = measure(args.data / f"{split}.jsonl.gz", args.show)
        shown = (f"{k} {v:.3f}" if isinstance(v, float) else f"{k} {v}" for k, v in figures.items())
        print(split, "  ".join(shown))


if __name__ == "__main__":
    main()
