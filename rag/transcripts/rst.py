"""reStructuredText Q&A interviews: a question as a paragraph, its answer as the indented block
quote below it, section titles underlined (`Finding work` over `------------`).

The text is kept exactly. Titles are narration (the first one is the document's title);
other unindented paragraphs (an editor's bridge, a list of takeaways) are narration too.
"""

from __future__ import annotations

import re
from itertools import pairwise

from .spans import Span, lines, strip_span
from .turns import Utterance

__all__ = ["fits", "metadata", "read", "score"]

_UNDERLINE = re.compile(r"([=\-~^\"'`#*+:.])\1{2,}[ \t]*")
_MIN_PAIRS = 2


def _blocks(text: str, start: int) -> list[list[Span]]:
    """Runs of non-blank lines (spans unstripped), a section title split off into its own run."""
    out: list[list[Span]] = []
    cur: list[Span] = []
    for a, b in lines(text, start):
        if strip_span(text, a, b)[0] == b:
            if cur:
                out.append(cur)
            cur = []
        else:
            cur.append((a, b))
    if cur:
        out.append(cur)
    split: list[list[Span]] = []
    for block in out:
        i = 0
        while i < len(block):
            if i + 1 < len(block) and _is_title(text, block[i], block[i + 1]):
                split.append(block[i : i + 2])
                i += 2
            else:
                j = i + 1
                while j < len(block) and not (j + 1 < len(block) and _is_title(text, block[j], block[j + 1])):
                    j += 1
                split.append(block[i:j])
                i = j
    return split


def _is_title(text: str, line: Span, under: Span) -> bool:
    title = text[line[0] : line[1]]
    mark = text[under[0] : under[1]]
    return (
        bool(title.strip())
        and not title[:1].isspace()
        and _UNDERLINE.fullmatch(mark) is not None
        and len(mark.rstrip()) >= len(title.rstrip())
    )


def _is_heading(text: str, block: list[Span]) -> bool:
    return len(block) == 2 and _is_title(text, block[0], block[1])


def _indented(text: str, block: list[Span]) -> bool:
    return text[block[0][0] : block[0][0] + 1] in (" ", "\t")


def _span(text: str, block: list[Span]) -> Span:
    return strip_span(text, block[0][0], block[-1][1])


def read(text: str, start: int = 0) -> list[Utterance]:
    """Questions (asks), the block quotes that answer them, and titles and bridges as narration."""
    blocks = _blocks(text, start)
    out: list[Utterance] = []
    for i, block in enumerate(blocks):
        a, b = _span(text, block)
        if _is_heading(text, block):
            out.append(Utterance(*strip_span(text, *block[0]), aside=True))
        elif _indented(text, block):
            prev = out[-1] if out else None
            if prev is None or prev.aside:  # a quote no question asked for: narration
                out.append(Utterance(a, b, aside=True))
            elif prev.asks:
                out.append(Utterance(a, b, asks=False, labelled=True))
            else:  # the answer's next paragraph
                out.append(Utterance(a, b))
        else:
            nxt = blocks[i + 1] if i + 1 < len(blocks) else None
            quoted = nxt is not None and _indented(text, nxt)
            if quoted and text[a:b].endswith("?"):
                out.append(Utterance(a, b, asks=True, labelled=True))
            else:
                out.append(Utterance(a, b, aside=True))
    return out


def score(text: str, start: int = 0) -> float:
    """Questions answered by a block quote, in a text with at least one underlined title."""
    blocks = _blocks(text, start)
    if not any(_is_heading(text, b) for b in blocks):
        return 0
    pairs = sum(
        1
        for cur, nxt in pairwise(blocks)
        if not _indented(text, cur)
        and not _is_heading(text, cur)
        and _indented(text, nxt)
        and text[slice(*_span(text, cur))].endswith("?")
    )
    return pairs if pairs >= _MIN_PAIRS else 0


def metadata(text: str, start: int = 0) -> dict[str, str]:
    """The first section title is the document's title."""
    for block in _blocks(text, start):
        if _is_heading(text, block):
            return {"title": text[slice(*strip_span(text, *block[0]))]}
    return {}


def fits(utterances: list[Utterance]) -> str | None:
    if any(u.asks for u in utterances):
        return None
    return "no question followed by an indented answer found"
