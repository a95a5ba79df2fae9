"""Every transcript format, registered once: its name, how to recognise it, how to read it.

Detection asks each format for a score and takes the highest (ties go to the format
registered first). Markup formats either recognise their syntax outright (`SNIFFED`) or
not at all; text formats count what they would recognise. A format the caller names must
recognise something (`fits`), or it is the wrong one. Binary formats (PDF, DOCX) are
extractors: they turn bytes into text, which the text formats then read.

Adding a format is one `register(...)` call at the bottom of this module.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal, Protocol

from ..errors import InvalidInput
from . import frontmatter, labelled, marked, prose, rst
from .captions import looks_like_srt, looks_like_vtt, read_srt, read_vtt
from .docxfile import DOCX
from .htmlpage import looks_like_html, read_html
from .jsonturns import looks_like_json, read_json
from .paged import Extracted
from .parlparse import looks_like_parlparse, read_parlparse
from .pdffile import PDF
from .rendered import Rendered
from .spans import paragraphs
from .turns import Utterance

__all__ = [
    "SNIFFED",
    "Extractor",
    "Format",
    "Input",
    "MarkupFormat",
    "Reading",
    "TextFormat",
    "detect",
    "extractor",
    "extractors",
    "format",
    "formats",
    "names",
    "register",
    "register_extractor",
]

SNIFFED = math.inf
"""The score of a markup format whose syntax is unmistakable (a `WEBVTT` header, valid JSON)."""


@dataclass(frozen=True, slots=True)
class Input:
    """A text to read, with its YAML front matter split off once for every format."""

    text: str
    start: int = 0
    """Where the transcript proper begins (after front matter)."""
    metadata: dict[str, str] = field(default_factory=dict)

    @classmethod
    def of(cls, text: str) -> Input:
        meta, start = frontmatter.split(text)
        return cls(text, start, meta)


@dataclass(frozen=True, slots=True)
class Reading:
    """What a format made of a text: the document text (the input itself for text formats,
    a rendering for markup) and utterances whose offsets point into it."""

    text: str
    utterances: list[Utterance]
    metadata: dict[str, str]


class Format(Protocol):
    """A transcript format that reads text."""

    @property
    def name(self) -> str: ...

    @property
    def kind(self) -> Literal["text", "markup"]:
        """`text` keeps the input exactly; `markup` renders a plain transcript."""
        ...

    def score(self, source: Input) -> float:
        """How much of the text this format recognises: 0 for nothing, `SNIFFED` for sure."""
        ...

    def read(self, source: Input) -> Reading: ...

    def fits(self, reading: Reading) -> str | None:
        """Why a reading shows this is the wrong format (None when it fits)."""
        ...


class Extractor(Protocol):
    """A binary format whose text is extracted, then read by a text format."""

    @property
    def name(self) -> str: ...

    @property
    def suffixes(self) -> tuple[str, ...]: ...

    def sniff(self, data: bytes) -> bool:
        """True when the bytes are this format (a magic number, a zip member)."""
        ...

    def extract(self, data: bytes, name: str) -> Extracted: ...


@dataclass(frozen=True, slots=True)
class TextFormat:
    """A text format: `read(text, start)` gives utterances into the text as it is."""

    name: str
    reader: Callable[[str, int], list[Utterance]]
    scorer: Callable[[str, int], float]
    fit: Callable[[list[Utterance]], str | None] = lambda _: None
    metadata: Callable[[str, int], dict[str, str]] = lambda _t, _s: {}
    kind: Literal["text", "markup"] = "text"

    def score(self, source: Input) -> float:
        return self.scorer(source.text, source.start)

    def read(self, source: Input) -> Reading:
        meta = {**source.metadata, **self.metadata(source.text, source.start)}
        return Reading(source.text, self.reader(source.text, source.start), meta)

    def fits(self, reading: Reading) -> str | None:
        return self.fit(reading.utterances)


@dataclass(frozen=True, slots=True)
class MarkupFormat:
    """A markup format: recognised by its syntax, rendered to `Speaker: words` paragraphs."""

    name: str
    reader: Callable[[str], Rendered]
    sniff: Callable[[str], bool]
    kind: Literal["text", "markup"] = "markup"

    def score(self, source: Input) -> float:
        return SNIFFED if self.sniff(source.text) else 0.0

    def read(self, source: Input) -> Reading:
        rendered = self.reader(source.text)
        return Reading(rendered.text, rendered.utterances, rendered.metadata)

    def fits(self, reading: Reading) -> str | None:
        return None  # a reader that recognises nothing raises: markup has no fallback reading


_FORMATS: dict[str, Format] = {}
_EXTRACTORS: dict[str, Extractor] = {}


def register(fmt: Format) -> Format:
    if fmt.name in _FORMATS or fmt.name in _EXTRACTORS:
        raise ValueError(f"format {fmt.name!r} is registered twice")
    _FORMATS[fmt.name] = fmt
    return fmt


def register_extractor(ext: Extractor) -> Extractor:
    if ext.name in _FORMATS or ext.name in _EXTRACTORS:
        raise ValueError(f"format {ext.name!r} is registered twice")
    _EXTRACTORS[ext.name] = ext
    return ext


def formats() -> tuple[Format, ...]:
    return tuple(_FORMATS.values())


def extractors() -> tuple[Extractor, ...]:
    return tuple(_EXTRACTORS.values())


def names() -> tuple[str, ...]:
    return (*_FORMATS, *_EXTRACTORS)


def format(name: str) -> Format:
    """The text or markup format called `name`; binary and unknown names are refused."""
    if name in _EXTRACTORS:
        raise InvalidInput(f"format {name!r} is a binary format: pass the file's bytes, not text")
    try:
        return _FORMATS[name]
    except KeyError:
        raise InvalidInput(f"unknown format {name!r}; known formats: {', '.join(names())}") from None


def extractor(name: str) -> Extractor | None:
    return _EXTRACTORS.get(name)


def detect(source: Input, *, kinds: tuple[str, ...] = ("text", "markup")) -> Format:
    """The format that scores highest on `source`; the first registered wins a tie."""
    best: Format | None = None
    best_score = -1.0
    for fmt in _FORMATS.values():
        if fmt.kind not in kinds:
            continue
        s = fmt.score(source)
        if s > best_score:
            best, best_score = fmt, s
            if s == SNIFFED:
                break
    if best is None:
        raise InvalidInput("no transcript format is registered")
    return best


# -- the formats, in order of precedence ------------------------------------------------


def _labelled_score(text: str, start: int) -> float:
    hits, repeats = labelled.score(text, start)
    return hits if hits >= 3 and repeats >= 1 else 0


def _dashed_score(text: str, start: int) -> float:
    n = marked.score_dashed(text, paragraphs(text, start))
    return n if n >= 2 else 0


def _bold_score(text: str, start: int) -> float:
    n = marked.score_bold(text, paragraphs(text, start))
    return n if n >= 2 else 0


def _needs_labels(utterances: list[Utterance]) -> str | None:
    if any(u.labelled for u in utterances):
        return None
    return "no speaker labels such as 'Name:' found"


def _needs_question(mark: str) -> Callable[[list[Utterance]], str | None]:
    def fit(utterances: list[Utterance]) -> str | None:
        return None if any(u.asks for u in utterances) else f"no question marked with {mark} found"

    return fit


register(MarkupFormat("webvtt", read_vtt, looks_like_vtt))
register(MarkupFormat("srt", read_srt, looks_like_srt))
register(MarkupFormat("json", read_json, looks_like_json))
register(MarkupFormat("parlparse", read_parlparse, looks_like_parlparse))
register(MarkupFormat("html", read_html, looks_like_html))
register(TextFormat("labelled", labelled.read, _labelled_score, _needs_labels))
register(TextFormat("dashed", marked.read_dashed, _dashed_score, _needs_question("a leading dash")))
register(TextFormat("bold-questions", marked.read_bold, _bold_score, _needs_question("a paragraph in bold")))
register(TextFormat("rst", rst.read, rst.score, rst.fits, rst.metadata))
register(TextFormat("prose", prose.read, lambda _t, _s: 0.5))
register_extractor(PDF)
register_extractor(DOCX)
