"""Where a passage lives: its permalink, its id for agents, and its moment in the recording.

Pure functions, so the library, the HTTP layer, the MCP server and the exports all spell a
link the same way.
"""

from __future__ import annotations

import re
from dataclasses import replace
from urllib.parse import quote, urlencode

from .errors import InvalidInput
from .model import Answer, Citation, Document, Passage, thread

__all__ = [
    "annotate",
    "at_span",
    "link",
    "moment",
    "parse_passage_id",
    "passage_id",
    "permalink",
    "playable",
    "seconds",
]

_CLOCK = re.compile(r"\d+(?::\d{1,2}){0,2}(?:[.,]\d+)?")
_ID = re.compile(r"(?P<doc>.+)#(?P<start>\d+)-(?P<end>\d+)")


def permalink(
    document_id: str, start: int, end: int, *, asked: int | None = None, base: str | None = None
) -> str:
    """The page's transcript view at the quote: `/view/{id}?start=…&end=…[&asked=…]`, absolute
    under `base` (the server's public URL) when given."""
    params: dict[str, int] = {"start": start, "end": end}
    if asked is not None:
        params["asked"] = asked
    path = f"/view/{quote(document_id, safe='/')}?{urlencode(params)}"
    return f"{base.rstrip('/')}{path}" if base else path


def seconds(timestamp: str | None) -> int | None:
    """`00:12:31` → 751 (also `12:31`, `751`, `00:12:31.5`); None when it is no clock time."""
    if not timestamp or not _CLOCK.fullmatch(timestamp.strip()):
        return None
    total = 0.0
    for part in timestamp.strip().replace(",", ".").split(":"):
        total = total * 60 + float(part)
    return int(total)


def playable(url: str | None) -> bool:
    """An http(s) URL or a path on this server: the only recordings a page may link to (a
    `javascript:` URL from a transcript's front matter must never become a link)."""
    if not url:
        return False
    return url.startswith(("http://", "https://")) or (url.startswith("/") and not url.startswith("//"))


def moment(media_url: str | None, timestamp: str | None) -> str | None:
    """The recording at a turn's start (a W3C media fragment, `#t=SECONDS`); the recording
    itself when the turn has no timestamp; None without a (playable) recording."""
    if not media_url or not playable(media_url.strip()):
        return None
    media_url = media_url.strip()
    at = seconds(timestamp)
    base = media_url.split("#", 1)[0]
    return base if at is None else f"{base}#t={at}"


def passage_id(document_id: str, start: int, end: int) -> str:
    """A stable id for a quote that decodes back to its span: `{document id}#{start}-{end}`
    (document ids never contain `#`)."""
    return f"{document_id}#{start}-{end}"


def parse_passage_id(value: str) -> tuple[str, int, int]:
    m = _ID.fullmatch(value)
    if m is None:
        raise InvalidInput(f"{value!r} is no passage id: expected DOCUMENT#START-END, as search returns")
    start, end = int(m["start"]), int(m["end"])
    if start >= end:
        raise InvalidInput(f"passage id {value!r}: the span {start}-{end} is empty")
    return m["doc"], start, end


def annotate(answer: Answer, metadata: dict[str, dict[str, str]], base: str | None = None) -> Answer:
    """Each passage with its permalink and its moment in the recording; `metadata` holds each
    cited document's metadata by id. (The document's date comes with the passage, from the
    catalogue: `rag.catalog`.)"""
    return replace(answer, passages=tuple(link(p, metadata.get(p.document_id, {}), base) for p in answer))


def link(passage: Passage, metadata: dict[str, str], base: str | None = None) -> Passage:
    asked = passage.question.turn_index if passage.question else None
    return replace(
        passage,
        url=permalink(passage.document_id, passage.start, passage.end, asked=asked, base=base),
        media_url=moment(metadata.get("media_url"), passage.timestamp),
    )


def at_span(doc: Document, start: int, end: int, *, base: str | None = None) -> Passage:
    """The passage `doc.text[start:end]` as `ask` would cite it: the turn it starts in, that
    turn's question and thread, and its links. For `fetch` by passage id."""
    if not 0 <= start < end <= len(doc.text):
        raise InvalidInput(f"the span {start}-{end} is outside {doc.id!r} ({len(doc.text)} characters)")
    turn = next((t for t in doc.turns if t.start <= start < max(t.end, t.start + 1)), None)
    if turn is None:
        turn = next((t for t in reversed(doc.turns) if t.start <= start), None)
    if turn is None:
        raise InvalidInput(f"the span {start}-{end} of {doc.id!r} is in no turn")
    cites = tuple(
        Citation(doc.span(q.start, q.end), q.start, q.end, q.speaker, q.index, q.timestamp)
        for q in thread(doc.turns, turn)
    )
    passage = Passage(
        quote=doc.span(start, end),
        score=0.0,
        document_id=doc.id,
        document_title=doc.title,
        start=start,
        end=end,
        speaker=turn.speaker,
        act=turn.act,
        turn_index=turn.index,
        question=cites[-1] if cites else None,
        thread=cites,
        timestamp=turn.timestamp,
        document_date=doc.metadata.get("date") or None,  # as `rag.docmeta.describe` set it
        speakers=tuple(
            dict.fromkeys(
                t.speaker
                for t in doc.turns[turn.index :]
                if t.start < end and t.speaker and t.act in ("question", "answer")
            )
        ),
    )
    return link(passage, doc.metadata, base)
