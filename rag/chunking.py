"""Turns into chunks: sentence-aligned, never across turns, with exact offsets.

What is embedded (`Chunk.embed_text`) may carry the question as context; what is
quoted is always `document.text[chunk.start:chunk.end]`.
"""

from __future__ import annotations

from dataclasses import dataclass

import blingfire

from .model import Chunk, Document, Turn
from .transcripts.spans import Span, lines, strip_span

__all__ = [
    "ChunkingConfig",
    "chunk_document",
    "question_context",
    "sentences",
    "split_turn",
]


@dataclass(frozen=True, slots=True)
class ChunkingConfig:
    """Sizes in characters. The defaults keep context + chunk inside a 256-token window."""

    max_chars: int = 400
    context_chars: int = 120
    speaker_context: bool = True
    """Embed who speaks with the words (`Minister: ...`), so questions naming a speaker match."""

    def __post_init__(self) -> None:
        if self.max_chars < 50:
            raise ValueError(f"max_chars must be at least 50, got {self.max_chars}")
        if self.context_chars < 0:
            raise ValueError(f"context_chars must be >= 0, got {self.context_chars}")


def _split_long(text: str, start: int, end: int, limit: int) -> list[Span]:
    """Cut a span longer than `limit` at white space (or hard, for unbroken text)."""
    out: list[Span] = []
    while end - start > limit:
        cut = text.rfind(" ", start + limit // 2, start + limit)
        cut = cut if cut > start else start + limit
        a, b = strip_span(text, start, cut)
        if a < b:
            out.append((a, b))
        start = cut
    a, b = strip_span(text, start, end)
    if a < b:
        out.append((a, b))
    return out


def sentences(text: str, start: int, end: int) -> list[tuple[int, int, bool]]:
    """Sentence spans inside `text[start:end]`; the flag marks a sentence that opens a line."""
    out: list[tuple[int, int, bool]] = []
    for la, lb in lines(text, start, end):
        la, lb = strip_span(text, la, lb)
        if la == lb:
            continue
        first = True
        _, offsets = blingfire.text_to_sentences_and_offsets(text[la:lb])
        # blingfire may skip characters it cannot place; keep coverage exact by
        # extending each sentence to the start of the next one.
        starts = [la + a for a, _ in offsets] or [la]
        starts[0] = la
        for i, s in enumerate(starts):
            e = starts[i + 1] if i + 1 < len(starts) else lb
            s2, e2 = strip_span(text, s, e)
            if s2 < e2:
                out.append((s2, e2, first))
                first = False
    return out


def split_turn(text: str, turn: Turn, max_chars: int) -> list[Span]:
    """Greedy packing of whole sentences; a new line is the preferred place to cut."""
    pieces: list[tuple[int, int, bool]] = []
    for a, b, opens in sentences(text, turn.start, turn.end):
        parts = _split_long(text, a, b, max_chars)
        pieces.extend((pa, pb, opens and i == 0) for i, (pa, pb) in enumerate(parts))
    chunks: list[Span] = []
    cur: list[int] | None = None
    for a, b, opens in pieces:
        if cur is None:
            cur = [a, b]
        elif b - cur[0] > max_chars or (opens and cur[1] - cur[0] >= max_chars // 2):
            chunks.append((cur[0], cur[1]))
            cur = [a, b]
        else:
            cur[1] = b
    if cur is not None:
        chunks.append((cur[0], cur[1]))
    return chunks


def question_context(doc: Document, turn: Turn, max_chars: int) -> str:
    """The end of the question thread an answer responds to, cut at a word boundary."""
    if max_chars == 0 or turn.act != "answer":
        return ""
    context = " ".join(" ".join(doc.span(q.start, q.end).split()) for q in doc.thread(turn))
    if len(context) <= max_chars:
        return context
    tail = context[-max_chars:]
    space = tail.find(" ")
    return tail[space + 1 :] if 0 <= space < max_chars // 3 else tail


def chunk_document(doc: Document, config: ChunkingConfig | None = None) -> list[Chunk]:
    config = config or ChunkingConfig()
    out: list[Chunk] = []
    for turn in doc.turns:
        context = question_context(doc, turn, config.context_chars)
        said = f"{turn.speaker}: " if turn.speaker and config.speaker_context else ""
        for a, b in split_turn(doc.text, turn, config.max_chars):
            quote = doc.text[a:b]
            embed = f"{context}\n{said}{quote}" if context else f"{said}{quote}"
            out.append(Chunk(doc.id, turn.index, a, b, embed))
    return out
