"""Domain dataclasses. Every span is a pair of offsets into `Document.text`, never a copy."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Literal

__all__ = [
    "ACTS",
    "Act",
    "Answer",
    "Chunk",
    "Citation",
    "Document",
    "DocumentGroup",
    "DocumentInfo",
    "Evidence",
    "Passage",
    "Span",
    "Turn",
    "group_by_document",
    "thread",
]

Act = Literal["question", "answer", "narration", "backchannel", "procedural"]
"""What a turn does in the conversation: asks, answers, tells (narration: no exchange), only
acknowledges ("Yeah.", "Mm-hmm."), or runs the room ("Next question.", "The Chair recognises …")."""

ACTS: tuple[Act, ...] = ("question", "answer", "narration", "backchannel", "procedural")


@dataclass(frozen=True, slots=True)
class Turn:
    """One speaker's contribution: the span holds the spoken text only (no label, no dash).

    `question_index` links an answer to the question turn it responds to, and a
    follow-up question to the main question of its thread.
    """

    index: int
    act: Act
    start: int
    end: int
    speaker: str | None = None
    question_index: int | None = None
    timestamp: str | None = None
    """Where the turn starts in the recording (`00:12:31`), when the source says."""
    page: int | None = None
    """The page the turn starts on (1-based), for paged sources such as PDF."""

    def __post_init__(self) -> None:
        if not 0 <= self.start <= self.end:
            raise ValueError(f"turn {self.index}: bad span {self.start}..{self.end}")


@dataclass(frozen=True, slots=True)
class Document:
    """A transcript: its exact text as read, and the turns found in it."""

    id: str
    text: str
    turns: tuple[Turn, ...]
    title: str = ""
    format: str = "prose"
    metadata: dict[str, str] = field(default_factory=dict)
    roles: dict[str, str] = field(default_factory=dict)
    """Each speaker's part in the conversation (interviewer, guest, reporter, official, chair,
    member, witness, participant): a property of the speaker, not of any one turn's act."""

    def span(self, start: int, end: int) -> str:
        return self.text[start:end]

    @property
    def speakers(self) -> list[str]:
        """Everyone who speaks, in order of first appearance."""
        return list(dict.fromkeys(t.speaker for t in self.turns if t.speaker))

    def thread(self, turn: Turn) -> list[Turn]:
        return thread(self.turns, turn)


def thread(turns: Sequence[Turn], turn: Turn) -> list[Turn]:
    """The question turns an answer responds to: main question first, then its follow-ups."""
    if turn.question_index is None or turn.act != "answer":
        return []
    asked = turns[turn.question_index]
    if asked.question_index is None:
        return [asked]
    main = turns[asked.question_index]
    follow_ups = [
        t
        for t in turns[main.index + 1 : asked.index]
        if t.act == "question" and t.question_index == main.index
    ]
    return [main, *follow_ups, asked]


@dataclass(frozen=True, slots=True)
class Chunk:
    """A searchable piece of one turn. `embed_text` may add context; the quote never does."""

    document_id: str
    turn_index: int
    start: int
    end: int
    embed_text: str


@dataclass(frozen=True, slots=True)
class Span:
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Citation:
    """The question a passage answered, located in its document."""

    text: str
    start: int
    end: int
    speaker: str | None
    turn_index: int
    timestamp: str | None = None


@dataclass(frozen=True, slots=True)
class Passage:
    """A retrieved quote: `quote == document.text[start:end]`, always."""

    quote: str
    score: float
    document_id: str
    document_title: str
    start: int
    end: int
    speaker: str | None
    act: Act
    turn_index: int
    question: Citation | None = None
    thread: tuple[Citation, ...] = ()
    timestamp: str | None = None
    highlight: Span | None = None
    """The best-matching sentence of the quote, in document offsets."""
    speakers: tuple[str, ...] = ()
    """Everyone who speaks inside the quote, in order: a passage may join the short turns of
    one exchange (several people answering one question in a meeting)."""
    document_date: str | None = None
    """The document's date (`YYYY-MM-DD`), where known."""
    person: str | None = None
    """The person the speaker's label names (`rag.people`), where known."""
    url: str = ""
    """The permalink: the transcript opened at the quote (`rag.links.permalink`)."""
    media_url: str | None = None
    """The recording at the quote's moment (`…#t=SECONDS`), when the document has a recording
    and the turn a timestamp."""


@dataclass(frozen=True, slots=True)
class Evidence:
    """What the verdict rests on, returned with every answer so a caller can see why."""

    similarity: float
    """The best cosine between the question and a chunk inside the returned passages."""
    coverage: float
    """The largest share of the question's term weight (BM25 idf) that one passage contains."""
    unknown: float
    """The share of the question's distinct terms that no indexed chunk contains."""
    terms: int = 0
    """How many distinct terms the question has (stop words out): the shares above are coarser
    for a question of two terms than for one of ten."""
    margin: float = 0.0
    """`similarity` above the median cosine of the chunks the question's dense search found (in
    the scope asked): an answer stands out from its surroundings, a near miss does not."""
    standout: float = 0.0
    """The same, in standard deviations of those cosines above their mean."""


@dataclass(frozen=True, slots=True)
class DocumentGroup:
    """One document's passages of an answer: a person's words on a topic, over time."""

    document_id: str
    document_title: str
    document_date: str | None
    passages: tuple[Passage, ...]


def group_by_document(passages: Sequence[Passage]) -> tuple[DocumentGroup, ...]:
    """Passages per document, documents in date order (undated ones last, by best passage),
    each document's passages in the order they are said."""
    by_doc: dict[str, list[Passage]] = {}
    for p in passages:
        by_doc.setdefault(p.document_id, []).append(p)
    best = {d: max(p.score for p in ps) for d, ps in by_doc.items()}
    groups = [
        DocumentGroup(d, ps[0].document_title, ps[0].document_date, tuple(sorted(ps, key=lambda p: p.start)))
        for d, ps in by_doc.items()
    ]
    groups.sort(key=lambda g: (g.document_date is None, g.document_date or "", -best[g.document_id]))
    return tuple(groups)


@dataclass(frozen=True, slots=True)
class Answer:
    """What `ask` returns: the passages, and whether they answer the question at all.

    It is also a sequence of its passages, so `for p in lib.ask(q)` reads naturally.
    """

    question: str
    passages: tuple[Passage, ...]
    answerable: bool
    confidence: float | None
    """The verdict's score that the passages answer the question, 0.5 at its boundary
    (`rag.verdict`); None without dense scores."""
    evidence: Evidence | None = None
    """What the verdict rests on; None without dense scores."""
    groups: tuple[DocumentGroup, ...] = ()
    """With `group_by="document"`: the passages per document, in date order (undated last)."""

    @property
    def similarity(self) -> float | None:
        """The best passage's cosine similarity to the question."""
        return None if self.evidence is None else self.evidence.similarity

    def __len__(self) -> int:
        return len(self.passages)

    def __iter__(self) -> Iterator[Passage]:
        return iter(self.passages)

    def __getitem__(self, index: int) -> Passage:
        return self.passages[index]


@dataclass(frozen=True, slots=True)
class DocumentInfo:
    """What the library knows about a stored document, without its text."""

    id: str
    title: str
    format: str
    content_hash: str
    turn_count: int
    chunk_count: int
    source: str | None = None
    added_at: str = ""
    date: str | None = None
    """When the conversation took place or was published (`YYYY-MM-DD`), where known."""
    kind: str | None = None
    tags: tuple[str, ...] = ()
