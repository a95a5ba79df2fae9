"""The MCP edge: the library's reads as Model Context Protocol tools and resources, for agents.

Thin like the HTTP routes: each tool translates arguments into one core call and the core's
answer into a typed result; core errors become tool errors here, in `_tool`. Served over
stdio by `rag mcp` and at `/mcp` (streamable HTTP) by `rag serve` (`api/mcphttp.py`).
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from typing import Any, TypeVar

from mcp.server import MCPServer
from mcp.server.mcpserver.exceptions import ResourceError, ToolError
from mcp.types import ToolAnnotations
from pydantic import BaseModel, Field

from embeddings import ModelError
from rag import links
from rag.errors import InvalidInput, RagError
from rag.library import Library
from rag.model import Passage
from rag.settings import Settings

from .schemas import AskResponse, CitationOut, DocumentOut, DocumentSummary, SpeakerOut

__all__ = ["INSTRUCTIONS", "build"]

INSTRUCTIONS = (
    "Interview transcripts, searchable by meaning. Every quote is verbatim and cites the question it "
    "answered. `search` then `fetch` for a quote in full; `ask` for ranked passages with a verdict "
    "(`answerable` false: nothing here answers, say so rather than use the nearest passages); "
    "`get_turn` for the turns around a quote."
)
_READ_ONLY = ToolAnnotations(
    read_only_hint=True, destructive_hint=False, idempotent_hint=True, open_world_hint=False
)
_F = TypeVar("_F", bound=Callable[..., Any])
SEARCH_RESULTS = 10


class SearchResult(BaseModel):
    id: str = Field(description="A passage id for `fetch`: DOCUMENT#START-END.")
    title: str = Field(description="The document's title.")
    text: str = Field(description="The quote, word for word.")
    url: str = Field(description="The permalink: the transcript opened at the quote.")


class SearchResults(BaseModel):
    results: list[SearchResult]
    answerable: bool = Field(description="False: no result answers the query; they are only the nearest.")


class FetchedPassage(BaseModel):
    id: str
    title: str = Field(description="The document's title.")
    text: str = Field(description="The quote, word for word.")
    url: str
    speaker: str | None
    timestamp: str | None = Field(description="Where the turn starts in the recording, when known.")
    question: CitationOut | None = Field(description="The question the quote answered.")
    thread: list[CitationOut] = Field(description="The main question first, then its follow-ups.")
    document_id: str
    document_title: str
    document_date: str | None
    media_url: str | None = Field(description="The recording at the quote (`#t=SECONDS`).")
    metadata: dict[str, str] = Field(description="The document's metadata (front matter and the like).")


class DocumentList(BaseModel):
    documents: list[DocumentSummary]


class SpeakerList(BaseModel):
    speakers: list[SpeakerOut]


class TurnText(BaseModel):
    index: int
    act: str = Field(description="question, answer, narration, backchannel or procedural.")
    speaker: str | None
    timestamp: str | None
    text: str
    start: int
    end: int
    question_index: int | None = Field(description="For an answer, the question turn it answers.")
    url: str = Field(description="The permalink to this turn.")


class TurnWindow(BaseModel):
    document_id: str
    document_title: str
    turns: list[TurnText]


def _tool(fn: _F) -> _F:
    """Core errors as tool errors the agent can read ("NotFound: no document …"); anything
    else stays a crash, which the SDK reports without its text."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except (RagError, ModelError) as exc:
            raise ToolError(f"{type(exc).__name__}: {exc}") from exc

    return wrapper  # type: ignore[return-value]


def _fetched(p: Passage, metadata: dict[str, str]) -> FetchedPassage:
    return FetchedPassage(
        id=links.passage_id(p.document_id, p.start, p.end),
        title=p.document_title,
        text=p.quote,
        url=p.url,
        speaker=p.speaker,
        timestamp=p.timestamp,
        question=CitationOut.model_validate(p.question) if p.question else None,
        thread=[CitationOut.model_validate(c) for c in p.thread],
        document_id=p.document_id,
        document_title=p.document_title,
        document_date=p.document_date,
        media_url=p.media_url,
        metadata=metadata,
    )


def build(library: Callable[[], Library], settings: Settings) -> MCPServer:
    """The server; `library` is called per request (over HTTP the app opens it at startup)."""
    server = MCPServer(
        "interview-rag",
        title="Interview quotes",
        instructions=INSTRUCTIONS,
        version="0.1.0",
        log_level="WARNING",
    )

    def limited(question: str, k: int, *filters: list[str] | None) -> None:
        """The HTTP API's limits, so an agent cannot ask for more than a browser can."""
        if len(question) > settings.max_question_chars:
            raise InvalidInput(f"the question is longer than {settings.max_question_chars} characters")
        if not 1 <= k <= settings.max_k:
            raise InvalidInput(f"k must be between 1 and {settings.max_k}")
        if any(len(f or ()) > settings.max_filter_items for f in filters):
            raise InvalidInput(
                f"documents, speakers, kinds and tags may list at most {settings.max_filter_items} items"
            )

    @server.tool(annotations=_READ_ONLY, title="Search quotes")
    @_tool
    def search(query: str) -> SearchResults:
        """Quotes that answer a query, best first: each with an id for `fetch`, its document's
        title, the quote and its permalink."""
        k = min(SEARCH_RESULTS, settings.max_k)
        limited(query, k)
        answer = library().ask(query, k=k)
        return SearchResults(
            results=[
                SearchResult(
                    id=links.passage_id(p.document_id, p.start, p.end),
                    title=p.document_title,
                    text=p.quote,
                    url=p.url,
                )
                for p in answer
            ],
            answerable=answer.answerable,
        )

    @server.tool(annotations=_READ_ONLY, title="Fetch a quote")
    @_tool
    def fetch(id: str) -> FetchedPassage:
        """One quote in full by the id `search` gave: the question and thread it answered, the
        speaker, timestamp, document title, date and metadata."""
        doc_id, start, end = links.parse_passage_id(id)
        lib = library()
        return _fetched(lib.passage(doc_id, start, end), lib.document(doc_id).metadata)

    @server.tool(annotations=_READ_ONLY, title="Ask the transcripts")
    @_tool
    def ask(
        question: str,
        k: int = 5,
        documents: list[str] | None = None,
        speakers: list[str] | None = None,
        date_from: str | None = None,
        date_to: str | None = None,
        kinds: list[str] | None = None,
        tags: list[str] | None = None,
    ) -> AskResponse:
        """The k passages that best answer a question, as `POST /ask` returns them, with the
        verdict: `answerable` false means nothing here answers it (the passages are only the
        nearest). `documents`, `speakers` (people, under any of their labels: `list_speakers`),
        `date_from`/`date_to` (YYYY-MM-DD, inclusive; undated documents drop out), `kinds`
        and `tags` restrict the search."""
        limited(question, k, documents, speakers, kinds, tags)
        answer = library().ask(
            question,
            k=k,
            documents=documents or None,
            speakers=speakers or None,
            date_from=date_from or None,
            date_to=date_to or None,
            kinds=kinds or None,
            tags=tags or None,
        )
        return AskResponse.of(answer)

    @server.tool(annotations=_READ_ONLY, title="List documents")
    @_tool
    def list_documents() -> DocumentList:
        """Every indexed transcript: id, title, format, turns and chunks."""
        return DocumentList(documents=[DocumentSummary.model_validate(i) for i in library().documents()])

    @server.tool(annotations=_READ_ONLY, title="List speakers")
    @_tool
    def list_speakers() -> SpeakerList:
        """Everyone who speaks in the transcripts, by name: the labels that name them (`aliases`),
        their turns, documents and parts (interviewer, guest …). A name or any alias is what
        `ask` takes in `speakers`."""
        return SpeakerList(speakers=[SpeakerOut.model_validate(p) for p in library().speakers()])

    @server.tool(annotations=_READ_ONLY, title="Read turns")
    @_tool
    def get_turn(document_id: str, turn_index: int, before: int = 0, after: int = 0) -> TurnWindow:
        """A turn of a transcript with `before` turns ahead of it and `after` turns behind it
        (at most 20 each), for context around a quote."""
        if not (0 <= before <= 20 and 0 <= after <= 20):
            raise InvalidInput("before and after must be between 0 and 20")
        lib = library()
        doc = lib.document(document_id)
        if not 0 <= turn_index < len(doc.turns):
            raise InvalidInput(f"{document_id!r} has turns 0 to {len(doc.turns) - 1}, not {turn_index}")
        window = doc.turns[max(0, turn_index - before) : turn_index + after + 1]
        base = lib.public_url
        return TurnWindow(
            document_id=doc.id,
            document_title=doc.title,
            turns=[
                TurnText(
                    index=t.index,
                    act=t.act,
                    speaker=t.speaker,
                    timestamp=t.timestamp,
                    text=doc.span(t.start, t.end),
                    start=t.start,
                    end=t.end,
                    question_index=t.question_index,
                    url=links.permalink(doc.id, t.start, t.end, base=base),
                )
                for t in window
            ],
        )

    @server.resource(
        "interview://documents/{id}",
        name="document",
        title="A transcript",
        description="A whole transcript: its text, metadata, speakers and turns (offsets into the text).",
        mime_type="application/json",
    )
    def document(id: str) -> str:
        try:
            doc = library().document(id)
        except RagError as exc:
            raise ResourceError(f"{type(exc).__name__}: {exc}") from exc
        return json.dumps(DocumentOut.model_validate(doc).model_dump(mode="json"), ensure_ascii=False)

    return server
