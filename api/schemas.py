"""The HTTP contract, in pydantic: the only place outside settings that uses it."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, computed_field


class AskRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    question: str = Field(min_length=1, description="A natural-language question.")
    k: int = Field(default=5, ge=1, description="How many passages to return.")
    documents: list[str] | None = Field(default=None, description="Only search these document ids.")
    speakers: list[str] | None = Field(default=None, description="Only passages by these speakers.")
    mode: Literal["hybrid", "dense", "bm25"] | None = Field(default=None, description="Default: hybrid.")
    date_from: str | None = Field(default=None, description="Only documents dated on or after (YYYY-MM-DD).")
    date_to: str | None = Field(default=None, description="Only documents dated on or before (YYYY-MM-DD).")
    kinds: list[str] | None = Field(
        default=None, description="Only these kinds: interview, briefing, hearing, meeting, podcast, other."
    )
    tags: list[str] | None = Field(default=None, description="Only documents with any of these tags.")
    group_by: Literal["document"] | None = Field(
        default=None, description="Also return the passages grouped per document, in date order."
    )


class _FromCore(BaseModel):
    """Read straight from the core's dataclasses (`model_validate(obj)`)."""

    model_config = ConfigDict(from_attributes=True)


class SpanOut(_FromCore):
    start: int
    end: int


class CitationOut(_FromCore):
    text: str
    start: int
    end: int
    speaker: str | None
    turn_index: int
    timestamp: str | None = None


class PassageOut(_FromCore):
    quote: str
    score: float
    document_id: str
    document_title: str
    start: int
    end: int
    speaker: str | None
    act: str = Field(description="question, answer, narration, backchannel or procedural.")
    turn_index: int
    question: CitationOut | None
    thread: list[CitationOut]
    timestamp: str | None = None
    highlight: SpanOut | None = None
    speakers: list[str] = Field(default=[], description="Everyone who speaks inside the quote, in order.")
    document_date: str | None = Field(default=None, description="The document's date (YYYY-MM-DD).")
    person: str | None = Field(default=None, description="The person the speaker label names.")

    @computed_field(description="The same as `act` (its name before acts and speakers' roles were split).")
    def role(self) -> str:
        return self.act


class GroupOut(_FromCore):
    document_id: str
    document_title: str
    document_date: str | None
    passages: list[PassageOut]


class EvidenceOut(_FromCore):
    similarity: float = Field(description="The best cosine between the question and a returned chunk.")
    coverage: float = Field(description="The largest share of the question's term weight one passage holds.")
    unknown: float = Field(description="The share of the question's terms no indexed chunk holds.")


class AskResponse(_FromCore):
    question: str
    passages: list[PassageOut]
    answerable: bool = Field(description="Whether the passages answer the question, or are only the nearest.")
    confidence: float | None = Field(
        description="The probability that the passages answer the question, calibrated on dev data."
    )
    similarity: float | None = Field(description="The best passage's cosine similarity to the question.")
    evidence: EvidenceOut | None = Field(description="What the verdict rests on; null in bm25 mode.")
    groups: list[GroupOut] | None = Field(
        default=None, description='With "group_by": "document": the passages per document, by date.'
    )


class DocumentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: str = Field(min_length=1)
    id: str | None = None
    title: str | None = None
    format: str | None = None


class DocumentSummary(_FromCore):
    id: str
    title: str
    format: str
    turn_count: int
    chunk_count: int
    content_hash: str
    source: str | None
    added_at: str
    date: str | None = None
    kind: str | None = None
    tags: list[str] = []


class TurnOut(_FromCore):
    act: str = Field(description="question, answer, narration, backchannel or procedural.")
    speaker: str | None
    start: int
    end: int
    question_index: int | None = Field(
        description="For an answer, the question it answers; for a follow-up question, its thread's main one."
    )
    timestamp: str | None = None
    page: int | None = None
    answers: list[int] = Field(default=[], description="For a question, the turns that answer it.")

    @computed_field(description="The same as `act` (its name before acts and speakers' roles were split).")
    def role(self) -> str:
        return self.act


class DocumentOut(_FromCore):
    id: str
    title: str
    format: str
    text: str
    metadata: dict[str, str]
    speakers: list[str]
    roles: dict[str, str] = Field(description="Each speaker's part: interviewer, guest, reporter, official…")
    turns: list[TurnOut]


class MetadataIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    metadata: dict[str, str | list[str] | None] = Field(
        description="Keys to set (date YYYY-MM-DD, kind, tags, source_url, or any other); null removes one."
    )


class SpeakerOut(_FromCore):
    name: str
    aliases: list[str]
    documents: int
    turns: int
    roles: list[str]


class SpeakersOut(BaseModel):
    speakers: list[SpeakerOut]


class SpeakerIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    aliases: list[str] = Field(min_length=1, description="Labels (or names) that name this person.")
    document: str | None = Field(default=None, description="Only in this document; default: everywhere.")


class AnswerStartOut(_FromCore):
    quote: str
    start: int
    end: int
    speaker: str | None
    person: str | None = None


class QuestionOut(_FromCore):
    text: str
    document_id: str
    document_title: str
    start: int
    end: int
    turn_index: int
    speaker: str | None
    person: str | None
    date: str | None
    score: float | None
    timestamp: str | None = None
    answer: AnswerStartOut | None


class QuestionsOut(BaseModel):
    questions: list[QuestionOut]


class AddResponse(_FromCore):
    id: str
    status: Literal["added", "replaced", "unchanged"]
    chunks: int


class ErrorBody(BaseModel):
    error: str
    detail: str


class ReadyOut(_FromCore):
    status: Literal["ready"] = "ready"
    generation: int
    documents: int
    chunks: int
    vector_index: Literal["flat", "ivf"]


class JobOut(_FromCore):
    id: str
    kind: str
    status: Literal["queued", "running", "done", "failed"]
    done: int = Field(description="Units done so far (files, chunks).")
    total: int | None = Field(description="Units in all, when known.")
    message: str
    result: dict[str, Any] | None
    error: ErrorBody | None
    created_at: float
    started_at: float | None
    finished_at: float | None
