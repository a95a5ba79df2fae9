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
    "DocumentInfo",
    "Evidence",
    "Passage",
    "Span",
    "SpeakerInfo",
    "Turn",
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
    url: str = ""
    """The permalink: the transcript opened at the quote (`rag.links.permalink`)."""
    document_date: str | None = None
    """The document's `date` metadata, when it has one."""
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


@dataclass(frozen=True, slots=True)
class Answer:
    """What `ask` returns: the passages, and whether they answer the question at all.

    It is also a sequence of its passages, so `for p in lib.ask(q)` reads naturally.
    """

    question: str
    passages: tuple[Passage, ...]
    answerable: bool
    confidence: float | None
    """The probability that the passages answer the question (calibrated on dev data); None
    without dense scores."""
    evidence: Evidence | None = None
    """What the verdict rests on; None without dense scores."""

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


@dataclass(frozen=True, slots=True)
class SpeakerInfo:
    """A speaker as the store knows them: how many turns, in how many documents."""

    name: str
    turns: int
    documents: int
