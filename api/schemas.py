"""The HTTP contract, in pydantic: the only place outside settings that uses it."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import Path
from pydantic import BaseModel, ConfigDict, Field, computed_field

from rag import exports
from rag.model import Answer


class AskRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    question: str = Field(min_length=1, description="A natural-language question.")
    k: int = Field(default=5, ge=1, description="How many passages to return.")
    documents: list[str] | None = Field(
        default=None,
        description="Only search these document ids (not empty: leave it out to search all).",
        json_schema_extra={"minItems": 1},  # routes.ask says why an empty list is refused
    )
    speakers: list[str] | None = Field(
        default=None,
        description="Only passages by these speakers (not empty).",
        json_schema_extra={"minItems": 1},
    )
    mode: Literal["hybrid", "dense", "bm25"] | None = Field(default=None, description="Default: hybrid.")
    date_from: str | None = Field(default=None, description="Only documents dated on or after (YYYY-MM-DD).")
    date_to: str | None = Field(default=None, description="Only documents dated on or before (YYYY-MM-DD).")
    kinds: list[str] | None = Field(
        default=None,
        description="Only these kinds: interview, briefing, hearing, meeting, podcast, other (not empty).",
        json_schema_extra={"minItems": 1},
    )
    tags: list[str] | None = Field(
        default=None,
        description="Only documents with any of these tags (not empty).",
        json_schema_extra={"minItems": 1},
    )
    group_by: Literal["document"] | None = Field(
        default=None, description="Also return the passages grouped per document, in date order."
    )


NO_CONTROL = {"pattern": "^[^\\x00-\\x1f\\x7f-\\x9f]+$"}  # in the schema; guards.PathGuard enforces it (400)
PathId = Annotated[str, Path(json_schema_extra=NO_CONTROL)]


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
    url: str = Field(default="", description="The permalink: the transcript opened at the quote.")
    document_date: str | None = Field(default=None, description="The document's date (YYYY-MM-DD).")
    person: str | None = Field(default=None, description="The person the speaker label names.")
    media_url: str | None = Field(
        default=None, description="The recording at the quote (`#t=SECONDS`), when there is one."
    )
    citation: str = Field(default="", description="Speaker, answering Asker: “question” — Title, date, link.")

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
    terms: int = Field(description="How many distinct terms the question has, stop words out.")
    margin: float = Field(
        description="`similarity` above the median cosine of the chunks the dense search found."
    )
    standout: float = Field(description="The same in standard deviations above their mean.")


class AskResponse(_FromCore):
    question: str
    passages: list[PassageOut]
    answerable: bool = Field(description="Whether the passages answer the question, or are only the nearest.")
    confidence: float | None = Field(
        description="The verdict's score that the passages answer the question; 0.5 is its boundary."
    )
    similarity: float | None = Field(description="The best passage's cosine similarity to the question.")
    evidence: EvidenceOut | None = Field(description="What the verdict rests on; null in bm25 mode.")
    groups: list[GroupOut] | None = Field(
        default=None, description='With "group_by": "document": the passages per document, by date.'
    )

    @classmethod
    def of(cls, answer: Answer, *, grouped: bool = False) -> AskResponse:
        """With each passage's citation line, which `rag.exports` writes; `groups` only when
        the question asked for them (`group_by`), else null."""
        out = cls.model_validate(answer)
        for passage, core in zip(out.passages, answer, strict=True):
            passage.citation = exports.citation(core)
        if not grouped:
            out.groups = None
        for group, core_group in zip(out.groups or (), answer.groups, strict=True):
            for passage, core in zip(group.passages, core_group.passages, strict=True):
                passage.citation = exports.citation(core)
        return out


class DocumentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: str = Field(min_length=1)
    id: str | None = None
    title: str | None = None
    format: str | None = None
    media_url: str | None = Field(
        default=None, description="The recording (an http(s) URL or a path): passages link to their moment."
    )


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
    errors: list[dict[str, Any]] | None = Field(
        default=None, description="For a 422: the validation problems, at most 20."
    )
    errors_omitted: int | None = Field(default=None, description="For a 422: problems not listed.")


_WHY = {
    400: "Bad input (an id, text or field the server cannot take)",
    401: "No API key, or a wrong one",
    403: "The API key may only read",
    404: "Not found",
    413: "The body is over its limit (the connection is closed)",
    415: "Not JSON nor a multipart upload",
    422: "The request does not fit the schema",
    429: "Rate limited: try again after Retry-After seconds",
    503: "Not ready, or busy",
}


def problems(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses` for the errors a route answers, all in the one error shape."""
    return {status: {"model": ErrorBody, "description": _WHY[status]} for status in statuses}


class ReadyOut(_FromCore):
    status: Literal["ready"] = "ready"
    generation: int
    documents: int
    chunks: int
    vector_index: Literal["flat", "ivf", "ivfpq"]


class JobOut(_FromCore):
    id: str
    kind: str
    status: Literal["queued", "running", "done", "failed"]
    stage: str = Field(
        default="", description="queued, parsed, embedding, published (an upload's steps), done or failed."
    )
    attempts: int = Field(default=0, description="Runs started (one cut short by a restart is re-run once).")
    done: int = Field(description="Units done so far (files, chunks).")
    total: int | None = Field(description="Units in all, when known.")
    message: str
    result: dict[str, Any] | None
    error: ErrorBody | None
    created_at: float
    started_at: float | None
    finished_at: float | None
