"""Gold files in, documents and gold questions out; the six formats `rag eval` reads.

Each reader renders its corpus as ordinary transcripts (indexed by the normal ingest path, so
the figures measure what a user would get) and maps the gold units (lines, turns, sentences,
utterances) to character spans of the rendered text. `select` bounds a run: a cross-validation
fold of the documents and a seeded sample of the questions.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import random
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from .errors import InvalidInput
from .ingest import Source, decode, from_text, read_file

__all__ = ["EvalSet", "GoldQuestion", "fold_of", "load_gold", "render_turns", "select"]

SpanList = list[tuple[int, int]]


@dataclass(frozen=True, slots=True)
class GoldQuestion:
    id: str
    question: str
    document_id: str
    gold: SpanList
    """Spans a right passage overlaps; empty for a question the documents cannot answer."""
    gold_questions: SpanList = field(default_factory=list)
    """Spans of the interview questions a right citation overlaps (may be empty)."""
    scoped: bool = False
    """Asked of its own document only (a QMSum query is about one meeting)."""
    asked: SpanList = field(default_factory=list)
    """Where the question's own words are in its document (MeetingQA questions are spoken in the
    meeting): a top passage here only quotes the question back."""

    @property
    def answerable(self) -> bool:
        return bool(self.gold)


@dataclass(slots=True)
class EvalSet:
    documents: list[Source]
    questions: list[GoldQuestion]
    inputs: dict[str, str] = field(default_factory=dict)
    """By document id, the text a document was read from where its text is a rendering (a
    JSON transcript's): with it the set can be written out as files an ingester reads."""


def _line_spans(text: str) -> list[tuple[int, int]]:
    spans, pos = [], 0
    for line in text.split("\n"):
        spans.append((pos, pos + len(line)))
        pos += len(line) + 1
    return spans


def _open_questions(rows: list[dict]) -> EvalSet:
    """Questions nothing answers, asked of everything indexed: they need no document."""
    questions = [GoldQuestion(str(r.get("id", i)), r["question"], "", []) for i, r in enumerate(rows)]
    return EvalSet([], questions)


def _seed_gold(rows: list[dict], path: Path, document: Path | None) -> EvalSet:
    if document is None:
        candidates = sorted((path.parent.parent / "corpus" / "seed").glob("*.txt"))
        if len(candidates) != 1:
            if not any(r.get("gold_lines") for r in rows):
                return _open_questions(rows)
            raise InvalidInput(f"{path}: name the document these questions are about with --document")
        document = candidates[0]
    source = read_file(document)
    lines = _line_spans(source.document.text)

    def spans(numbers: Iterable[int]) -> SpanList:
        try:
            return [lines[n - 1] for n in numbers]
        except IndexError:
            raise InvalidInput(f"{path}: a gold line is past the end of {document}") from None

    questions = [
        GoldQuestion(
            id=str(r.get("id", i)),
            question=r["question"],
            document_id=source.document.id,
            gold=spans(r.get("gold_lines", [])),
            gold_questions=spans(r.get("gold_question_lines", [])),
        )
        for i, r in enumerate(rows)
    ]
    return EvalSet([source], questions)


def _qmsum_gold(rows: list[dict], name: str) -> EvalSet:
    documents, questions, inputs = [], [], {}
    for m, meeting in enumerate(rows):
        doc_id = f"{name}/meeting-{m:03d}"
        inputs[doc_id] = json.dumps(meeting["meeting_transcripts"])
        source = from_text(inputs[doc_id], id=doc_id, format="json")
        turns = source.document.turns
        documents.append(source)
        for q, query in enumerate(meeting.get("specific_query_list", [])):
            gold = []
            for a, b in query["relevant_text_span"]:
                first, last = int(a), min(int(b), len(turns) - 1)
                gold.append((turns[first].start, turns[last].end))
            questions.append(GoldQuestion(f"{m}.{q}", query["query"], doc_id, gold, scoped=True))
    return EvalSet(documents, questions, inputs)


def render_turns(turns: Iterable[tuple[str, list[str]]]) -> tuple[str, SpanList]:
    """One paragraph per turn, `prefix` (`"Name: "`) then its units joined by a space, a blank
    line between paragraphs.

    Returns the text and each unit's span, in order. Newlines inside a unit become spaces so a
    unit never splits a paragraph.
    """
    parts: list[str] = []
    spans: SpanList = []
    pos = 0
    for prefix, units in turns:
        if parts:
            parts.append("\n\n")
            pos += 2
        parts.append(prefix)
        pos += len(prefix)
        for i, unit in enumerate(units):
            if i:
                parts.append(" ")
                pos += 1
            unit = unit.replace("\r", " ").replace("\n", " ")
            parts.append(unit)
            spans.append((pos, pos + len(unit)))
            pos += len(unit)
    return "".join(parts) + "\n", spans


def _rendered(
    text: str, doc_id: str, path: Path, speakers: list[str | None], format: str | None = None
) -> Source:
    """Index the rendering like any text file; it must read back as labelled, one turn per
    paragraph, each with the speaker it was rendered with, or gold spans would credit wrong turns."""
    source = from_text(text, id=doc_id, format=format)
    doc = source.document
    # a turn of bare punctuation (`Speaker A: .`) is read as a separator: narration, no speaker
    got = [t.speaker for t in doc.turns]
    fits = [
        a == b or (a is None and not any(c.isalnum() for c in doc.text[t.start : t.end]))
        for t, a, b in zip(doc.turns, got, speakers, strict=False)
    ]
    if doc.format != "labelled" or len(got) != len(speakers) or not all(fits):
        wrong = next((i for i, ok in enumerate(fits) if not ok), None)
        raise InvalidInput(
            f"{path}: {doc_id} reads back as {doc.format} with {len(got)} turns, not labelled with "
            f"{len(speakers)}"
            + ("" if wrong is None else f" (turn {wrong}: {got[wrong]!r}, not {speakers[wrong]!r})")
        )
    return source


def _meetingqa_gold(rows: list[dict], path: Path) -> EvalSet:
    documents, questions = [], []
    for row in rows:
        doc_id = f"meetingqa/{row['meeting']}"
        sentences = row["sentences"]
        # an empty sentence would leave a bare `Speaker A:` label that opens no turn
        spoken = [i for i, s in enumerate(sentences) if s["text"].strip()]
        turns: list[tuple[str, list[str]]] = []
        for i in spoken:
            label = f"Speaker {sentences[i]['speaker']}: "
            if turns and turns[-1][0] == label:
                turns[-1][1].append(sentences[i]["text"])
            else:
                turns.append((label, [sentences[i]["text"]]))
        text, unit_spans = render_turns(turns)
        documents.append(_rendered(text, doc_id, path, [label[:-2] for label, _ in turns]))
        spans = dict(zip(spoken, unit_spans, strict=True))
        for q in row["questions"]:
            numbers = [*q["question_sentences"], *q["answer_sentences"]]
            if not all(isinstance(n, int) and 0 <= n < len(sentences) for n in numbers):
                raise InvalidInput(f"{path}: question {q['id']} names a sentence {doc_id} does not have")
            asked = set(q["question_sentences"])
            gold = [spans[n] for n in q["answer_sentences"] if n not in asked and n in spans]
            own = [spans[n] for n in q["question_sentences"] if n in spans]
            if not gold or not own:
                continue  # nothing to find but its own words, or no words to ask
            words = " ".join(sentences[n]["text"] for n in q["question_sentences"] if n in spans)
            questions.append(
                GoldQuestion(q["id"], words, doc_id, gold, gold_questions=own, scoped=True, asked=own)
            )
    return EvalSet(documents, questions)


_NOTE, _ALL = "#NOTE#", "#ALL#"
_NARRATION = "# "
"""Prefix of a scene note. An unlabelled paragraph would continue the previous speaker's turn
(the labelled reader's rule for wrapped speech); a heading is narration of its own."""
_MAX_LABEL_WORDS = 7
"""The labelled reader's longest speaker name."""


def _speaker_label(speakers: list[str]) -> str | None:
    """`Ann Reed`, `Bo Lind and Cy Moss` (several speakers at once); None for a scene note."""
    names = ["All" if n == _ALL else n for n in speakers if n != _NOTE]
    label = " and ".join(names)
    if len(label.split()) > _MAX_LABEL_WORDS:
        label = " and ".join(n.split()[0] for n in names)
    return label or None


def _friendsqa_gold(rows: list[dict], path: Path) -> EvalSet:
    documents, questions = [], []
    for row in rows:
        doc_id = f"friendsqa/{row['scene']}"
        speakers = [_speaker_label(u["speakers"]) for u in row["utterances"]]
        turns = [
            (_NARRATION if s is None else f"{s}: ", [u["text"]])
            for s, u in zip(speakers, row["utterances"], strict=True)
        ]
        text, spans = render_turns(turns)
        # a scene can be too short for detection to be sure (five lines, no repeated speaker)
        documents.append(_rendered(text, doc_id, path, speakers, format="labelled"))
        for q in row["questions"]:
            if not all(isinstance(n, int) and 0 <= n < len(spans) for n in q["answer_utterances"]):
                raise InvalidInput(f"{path}: question {q['id']} names an utterance {doc_id} does not have")
            gold = [spans[n] for n in q["answer_utterances"]]
            questions.append(GoldQuestion(q["id"], q["question"], doc_id, gold, scoped=True))
    return EvalSet(documents, questions)


def _squad_gold(data: dict, path: Path) -> EvalSet:
    """SQuAD v1.1 JSON (XQuAD is one): each article one prose document, its paragraphs a blank
    line apart, read by detection as any text file is; a question is asked of every article
    (as a user asks a library) and is right where a passage overlaps one of its answers."""
    documents, questions, seen = [], [], set()
    for a, article in enumerate(data["data"]):
        doc_id = f"{_name(path)}/{article.get('title') or a}"
        if doc_id in seen:  # two articles of one title stay two documents
            doc_id = f"{doc_id}-{a}"
        seen.add(doc_id)
        starts, pos = [], 0
        for paragraph in article["paragraphs"]:
            starts.append(pos)
            pos += len(paragraph["context"]) + 2
        text = "\n\n".join(p["context"] for p in article["paragraphs"]) + "\n"
        documents.append(from_text(text, id=doc_id))
        for start, paragraph in zip(starts, article["paragraphs"], strict=True):
            for q in paragraph["qas"]:
                gold = []
                for answer in q["answers"]:
                    a0 = start + int(answer["answer_start"])
                    a1 = a0 + len(answer["text"])
                    if text[a0:a1] != answer["text"]:
                        raise InvalidInput(f"{path}: question {q['id']}'s answer is not at its answer_start")
                    gold.append((a0, a1))
                questions.append(GoldQuestion(str(q["id"]), q["question"], doc_id, gold))
    return EvalSet(documents, questions)


def _name(path: Path) -> str:
    """`train_all.jsonl.gz` -> `train_all`: the prefix of the documents' ids."""
    name = path.name
    for suffix in (".gz", ".jsonl", ".json"):
        name = name.removesuffix(suffix)
    return name


def _rows(path: Path) -> list[dict]:
    try:
        data = path.read_bytes()
        if data[:2] == b"\x1f\x8b":
            data = gzip.decompress(data)
        text = decode(data, str(path))
        try:
            rows = [json.loads(line) for line in text.splitlines() if line.strip()]
        except ValueError as bad_line:  # one JSON document over many lines (SQuAD), or a bad line
            try:
                rows = [json.loads(text)]
            except ValueError:
                raise bad_line from None
    except (OSError, EOFError, ValueError) as exc:
        raise InvalidInput(f"cannot read gold file {path}: {exc}") from None
    if not all(isinstance(r, dict) for r in rows):
        raise InvalidInput(f"{path}: every line of a gold file must be a JSON object")
    return rows


def load_gold(path: Path, *, document: Path | None = None) -> EvalSet:
    """Read any gold format (gzip'd or not), by the keys of its first line."""
    rows = _rows(path)
    first = rows[0] if rows else {}
    try:
        if "meeting_transcripts" in first:
            return _qmsum_gold(rows, _name(path))
        if "sentences" in first and "questions" in first:
            return _meetingqa_gold(rows, path)
        if "utterances" in first and "questions" in first:
            return _friendsqa_gold(rows, path)
        if "question" in first:
            return _seed_gold(rows, path, document)
        if isinstance(first.get("data"), list):
            return _squad_gold(first, path)
    except (KeyError, TypeError, AttributeError) as exc:
        raise InvalidInput(f"{path}: malformed gold line ({type(exc).__name__}: {exc})") from None
    raise InvalidInput(
        f"{path}: not a gold file (expected seed_dev, QMSum, MeetingQA or FriendsQA lines, or SQuAD JSON)"
    )


def fold_of(document_id: str, folds: int) -> int:
    """The fold (1..folds) a document belongs to: a hash of its id, the same on every run."""
    digest = hashlib.sha256(document_id.encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") % folds + 1


def select(
    evalset: EvalSet,
    *,
    limit: int | None = None,
    seed: int = 0,
    fold: tuple[int, int] | None = None,
    other_folds: bool = False,
) -> EvalSet:
    """Keep the documents of fold K of N (or every other fold), then `limit` questions drawn by
    a seeded shuffle, kept in file order.

    Questions without a document (unanswerable ones) belong to every fold. Documents no kept
    question is about are dropped, unless a kept question is asked of everything indexed.
    """
    questions = list(evalset.questions)
    documents = list(evalset.documents)
    if fold is not None:
        k, n = fold
        if not 1 <= k <= n:
            raise InvalidInput(f"fold {k}/{n}: K must be between 1 and N")
        documents = [s for s in documents if (fold_of(s.document.id, n) == k) != other_folds]
        kept = {s.document.id for s in documents}
        questions = [q for q in questions if not q.document_id or q.document_id in kept]
    if limit is not None and limit < len(questions):
        order = list(range(len(questions)))
        random.Random(seed).shuffle(order)
        questions = [questions[i] for i in sorted(order[:limit])]
    if all(q.scoped for q in questions):
        wanted = {q.document_id for q in questions}
        documents = [s for s in documents if s.document.id in wanted]
    kept = {s.document.id for s in documents}
    return EvalSet(documents, questions, {i: text for i, text in evalset.inputs.items() if i in kept})
