"""The HTTP contract, in pydantic: the only place outside settings that uses it."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from rag.model import Citation, DocumentInfo, Passage


class AskRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    question: str = Field(min_length=1, description="A natural-language question.")
    k: int = Field(default=5, ge=1, description="How many passages to return.")
    documents: list[str] | None = Field(default=None, description="Only search these document ids.")


class CitationOut(BaseModel):
    text: str
    start: int
    end: int
    speaker: str | None
    turn_index: int

    @classmethod
    def of(cls, c: Citation) -> CitationOut:
        return cls(text=c.text, start=c.start, end=c.end, speaker=c.speaker, turn_index=c.turn_index)


class PassageOut(BaseModel):
    quote: str
    score: float
    document_id: str
    document_title: str
    start: int
    end: int
    speaker: str | None
    role: str
    turn_index: int
    question: CitationOut | None
    thread: list[CitationOut]

    @classmethod
    def of(cls, p: Passage) -> PassageOut:
        return cls(
            quote=p.quote,
            score=p.score,
            document_id=p.document_id,
            document_title=p.document_title,
            start=p.start,
            end=p.end,
            speaker=p.speaker,
            role=p.role,
            turn_index=p.turn_index,
            question=CitationOut.of(p.question) if p.question else None,
            thread=[CitationOut.of(c) for c in p.thread],
        )


class AskResponse(BaseModel):
    question: str
    passages: list[PassageOut]


class DocumentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: str = Field(min_length=1)
    id: str | None = None
    title: str | None = None
    format: str | None = None


class DocumentSummary(BaseModel):
    id: str
    title: str
    format: str
    turn_count: int
    chunk_count: int
    content_hash: str
    source: str | None
    added_at: str

    @classmethod
    def of(cls, i: DocumentInfo) -> DocumentSummary:
        return cls(
            id=i.id,
            title=i.title,
            format=i.format,
            turn_count=i.turn_count,
            chunk_count=i.chunk_count,
            content_hash=i.content_hash,
            source=i.source,
            added_at=i.added_at,
        )


class TurnOut(BaseModel):
    role: str
    speaker: str | None
    start: int
    end: int
    question_index: int | None


class DocumentOut(BaseModel):
    id: str
    title: str
    format: str
    text: str
    metadata: dict[str, str]
    turns: list[TurnOut]


class AddResponse(BaseModel):
    id: str
    status: Literal["added", "replaced", "unchanged"]
    chunks: int


class ErrorBody(BaseModel):
    error: str
    detail: str
