"""ParlParse / TheyWorkForYou debate XML (`<publicwhip>`): Hansard speeches with speakers and times.

Rendered `Speaker: words`, one speech a turn (its `<p>`s kept as paragraphs), headings and
division results as narration of their own. A speech with no `speakername` (a procedural
line such as "Resolved, …") keeps no speaker.

The files declare HTML entities (`&mdash;`) in an internal DTD. A DTD can also declare
entities that expand a billion-fold or read local files, so the DTD is never given to the
XML parser: entities that stand for one character are substituted, anything else in the
DTD is refused, and the rest is parsed by defusedxml with DTDs forbidden.
"""

from __future__ import annotations

import re
from xml.etree.ElementTree import Element, ParseError

from ..errors import InvalidInput
from .rendered import Rendered, Segment, clock, render

__all__ = ["looks_like_parlparse", "read_parlparse"]

_DECLARATION = re.compile(r"\A\ufeff?\s*<\?xml[^>]*\?>")
_QUOTED = r"(?:\"[^\"]*\"|'[^']*')"
_DOCTYPE = re.compile(
    rf"<!DOCTYPE\s+[\w:.-]+(?:\s+(?:SYSTEM\s+{_QUOTED}|PUBLIC\s+{_QUOTED}\s+{_QUOTED}))?\s*"
    r"(?:\[(?P<subset>.*?)\]\s*)?>",
    re.DOTALL,
)
_CHAR_ENTITY = re.compile(
    r"<!ENTITY\s+(?P<name>[\w.-]+)\s+(?P<q>[\"'])(?P<ref>&#(?:\d+|x[0-9a-fA-F]+);)(?P=q)\s*>"
)
_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
_REFERENCE = re.compile(r"&([\w.-]+);")
_HEADINGS = {"major-heading": 1, "minor-heading": 2, "oral-heading": 1}
_HOUSES = {"debate": "House of Commons", "lords": "House of Lords", "westminhall": "Westminster Hall"}
_ID = re.compile(r"uk\.org\.publicwhip/(?P<house>[a-z]+)/(?P<date>\d{4}-\d{2}-\d{2})")
_BUILTIN = frozenset({"lt", "gt", "amp", "quot", "apos"})


def looks_like_parlparse(text: str) -> bool:
    return text.lstrip("\ufeff \t\r\n").startswith("<") and "<publicwhip" in text[:50_000]


def _without_dtd(text: str) -> str:
    """The document with its DTD taken out and its one-character entities substituted."""
    text = _DECLARATION.sub("", text, count=1)
    m = _DOCTYPE.search(text)
    if m is None:
        return text
    subset = _COMMENT.sub("", m.group("subset") or "")
    entities = {e.group("name"): e.group("ref") for e in _CHAR_ENTITY.finditer(subset)}
    if _CHAR_ENTITY.sub("", subset).strip():
        raise InvalidInput("the XML's DTD declares more than one-character entities; refused as unsafe")
    body = text[: m.start()] + text[m.end() :]

    def substitute(ref: re.Match[str]) -> str:
        name = ref.group(1)
        if name in entities:
            return entities[name]
        if name in _BUILTIN:
            return ref.group(0)
        raise InvalidInput(f"the XML uses the undeclared entity &{name};")

    return _REFERENCE.sub(substitute, body)


def _words(element: Element) -> str:
    return " ".join("".join(element.itertext()).split())


def _speech(element: Element) -> str:
    paras = [_words(p) for p in element if p.tag == "p"]
    return "\n\n".join(p for p in paras if p) if paras else _words(element)


def _division(element: Element) -> str:
    count = element.find("divisioncount")
    number = element.get("divnumber")
    head = f"Division {number}" if number else "Division"
    if count is None:
        return head
    return f"{head}: Ayes {count.get('ayes', '?')}, Noes {count.get('noes', '?')}"


def read_parlparse(text: str) -> Rendered:
    from defusedxml import DefusedXmlException
    from defusedxml.ElementTree import fromstring  # imported on use, like the other parsers

    try:
        root = fromstring(_without_dtd(text), forbid_dtd=True)
    except ParseError as exc:
        raise InvalidInput(f"not well-formed XML: {exc}") from None
    except DefusedXmlException as exc:
        raise InvalidInput(f"unsafe XML refused: {exc}") from None
    if root.tag != "publicwhip":
        raise InvalidInput(f"not a ParlParse debate: the root element is <{root.tag}>, not <publicwhip>")
    segments: list[Segment] = []
    first_id = ""
    for element in root:
        first_id = first_id or element.get("id", "")
        timestamp = clock(element.get("time"))
        if element.tag in _HEADINGS:
            segments.append(Segment(_words(element), timestamp=timestamp, aside=True))
        elif element.tag == "speech":
            speaker = " ".join(element.get("speakername", "").split()) or None
            segments.append(Segment(_speech(element), speaker, timestamp))
        elif element.tag == "division":
            segments.append(Segment(_division(element), timestamp=timestamp, aside=True))
    meta: dict[str, str] = {}
    m = _ID.search(first_id)
    if m:
        meta["date"] = m.group("date")
        meta["title"] = f"{_HOUSES.get(m.group('house'), 'Parliament')} debate, {m.group('date')}"
    return render(segments, format="ParlParse", merge=False, metadata=meta, keep_paragraphs=True)
