"""Transcript parsing: text in, `Document` with turns (offsets into its text) out.

Text formats keep the text exactly as read. Markup formats (captions, HTML, JSON) have no
quotable text of their own, so their document text is a plain rendering (`Speaker: words`,
one turn a paragraph) and offsets point into that.
"""

from __future__ import annotations

from collections.abc import Callable

from ..errors import InvalidInput
from ..model import Document
from . import frontmatter, labelled, marked, prose
from .captions import looks_like_srt, looks_like_vtt, read_srt, read_vtt
from .detect import detect_text
from .htmlpage import looks_like_html, read_html
from .jsonturns import looks_like_json, read_json
from .rendered import Rendered
from .roles import speaker_roles
from .turns import Utterance, build_turns

__all__ = ["FORMATS", "detect", "parse"]

TextReader = Callable[[str, int], list[Utterance]]
TEXT_FORMATS: dict[str, TextReader] = {
    "labelled": labelled.read,
    "dashed": marked.read_dashed,
    "bold-questions": marked.read_bold,
    "prose": prose.read,
}
MARKUP_FORMATS: dict[str, Callable[[str], Rendered]] = {
    "webvtt": read_vtt,
    "srt": read_srt,
    "html": read_html,
    "json": read_json,
}
FORMATS = (*TEXT_FORMATS, *MARKUP_FORMATS)
_SNIFF: tuple[tuple[str, Callable[[str], bool]], ...] = (
    ("webvtt", looks_like_vtt),
    ("srt", looks_like_srt),
    ("json", looks_like_json),
    ("html", looks_like_html),
)


def detect(text: str) -> str:
    for name, looks in _SNIFF:
        if looks(text):
            return name
    return detect_text(text, frontmatter.split(text)[1])


def _fits(fmt: str, utterances: list[Utterance]) -> None:
    """A format named by the caller must recognise something, or it is the wrong one."""
    if fmt == "labelled" and not any(u.labelled for u in utterances):
        raise InvalidInput("format 'labelled' does not fit: no speaker labels such as 'Name:' found")
    if fmt in ("dashed", "bold-questions") and not any(u.asks for u in utterances):
        mark = "a leading dash" if fmt == "dashed" else "a paragraph in bold"
        raise InvalidInput(f"format {fmt!r} does not fit: no question marked with {mark} found")


def parse(text: str, *, id: str, title: str | None = None, format: str | None = None) -> Document:
    """Parse a transcript. `format=None` detects it; a named format must exist and fit."""
    if format is not None and format not in FORMATS:
        raise InvalidInput(f"unknown format {format!r}; known formats: {', '.join(FORMATS)}")
    fmt = format or detect(text)
    if fmt in MARKUP_FORMATS:
        rendered = MARKUP_FORMATS[fmt](text)
        text, utterances, meta = rendered.text, rendered.utterances, rendered.metadata
    else:
        meta, body = frontmatter.split(text)
        utterances = TEXT_FORMATS[fmt](text, body)
        if format is not None:
            _fits(fmt, utterances)
    turns = build_turns(text, utterances)
    return Document(
        id=id,
        text=text,
        turns=turns,
        title=title or meta.get("title") or id,
        format=fmt,
        metadata=meta,
        roles=speaker_roles(turns),
    )
