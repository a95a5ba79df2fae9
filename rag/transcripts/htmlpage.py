"""HTML transcripts: Podcasting 2.0 (`<cite>Name:</cite><time>0:53</time><p>…</p>`) or any page
of paragraphs, read with the standard library's HTML parser. A page's first `<audio>` or
`<video>` (its `src`, or its first `<source src>`) becomes the document's `media_url`."""

from __future__ import annotations

import re
from html.parser import HTMLParser

from ..errors import InvalidInput
from .rendered import Rendered, Segment, clock, render

__all__ = ["looks_like_html", "read_html"]

_TAGS = re.compile(r"<(?:html|body|p|cite|time|div|span|br|h[1-6])\b", re.IGNORECASE)
_BLOCK = {"p", "div", "li", "blockquote", "h1", "h2", "h3", "h4", "h5", "h6", "br", "tr"}
_SKIP = {"script", "style", "head", "template", "noscript"}
_PUBLISHED = {
    "article:published_time",
    "datepublished",
    "date",
    "dc.date",
    "dcterms.date",
    "og:published_time",
}


def looks_like_html(text: str) -> bool:
    return text.lstrip("\ufeff \t\r\n").startswith("<") and len(_TAGS.findall(text, 0, 20_000)) >= 2


class _Reader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.segments: list[Segment] = []
        self.speaker: str | None = None
        self.timestamp: str | None = None
        self._field: str | None = None  # "cite" or "time" while inside one
        self._buf: list[str] = []
        self._skip = 0
        self._title: list[str] | None = None
        self.title = ""
        self.published: str | None = None
        """The page's publication date: `article:published_time` (or a like meta), else the
        first `<time datetime>`."""
        self._meta_published = False
        self.media_url = ""
        self._in_media = False

    def _flush(self) -> None:
        words = "".join(self._buf).strip()
        self._buf = []
        if words:
            self.segments.append(Segment(words, self.speaker, self.timestamp))
            self.speaker = self.timestamp = None

    def _dated(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k.lower(): v for k, v in attrs if v}
        if tag == "meta":
            name = (values.get("property") or values.get("name") or values.get("itemprop") or "").lower()
            if name in _PUBLISHED and values.get("content") and not self._meta_published:
                self.published, self._meta_published = values["content"].strip(), True
        elif tag == "time" and values.get("datetime") and self.published is None:
            self.published = values["datetime"].strip()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("meta", "time"):
            self._dated(tag, attrs)
        if tag in ("audio", "video", "source"):
            self._media(tag, dict(attrs).get("src"))
        if tag in _SKIP:
            self._skip += 1
            if tag == "head":
                self._skip -= 1  # keep reading <title> inside <head>
        elif tag == "title":
            self._title = []
        elif tag in ("cite", "time"):
            self._flush()
            self._field, self._fieldbuf = tag, list[str]()
        elif tag in _BLOCK:
            self._flush()

    def _media(self, tag: str, src: str | None) -> None:
        if tag != "source":
            self._in_media = True
        if not self.media_url and src and src.strip() and (tag != "source" or self._in_media):
            self.media_url = src.strip()

    def handle_endtag(self, tag: str) -> None:
        if tag in ("audio", "video"):
            self._in_media = False
        if tag in _SKIP and tag != "head":
            self._skip = max(0, self._skip - 1)
        elif tag == "title" and self._title is not None:
            self.title, self._title = "".join(self._title).strip(), None
        elif tag == self._field:
            value = "".join(self._fieldbuf).strip()
            if tag == "cite":
                self.speaker = value.rstrip(":").strip() or None
            else:
                self.timestamp = clock(value)
            self._field = None
        elif tag in _BLOCK:
            self._flush()

    def handle_data(self, data: str) -> None:
        if self._skip:
            return
        if self._title is not None:
            self._title.append(data)
        elif self._field:
            self._fieldbuf.append(data)
        else:
            self._buf.append(data)

    def close(self) -> None:
        super().close()
        self._flush()


def read_html(text: str) -> Rendered:
    if "<" not in text:
        raise InvalidInput("not HTML: no tags found")
    reader = _Reader()
    reader.feed(text)
    reader.close()
    meta = {"title": reader.title} if reader.title else {}
    if reader.published:
        meta["published_time"] = reader.published
    if reader.media_url:
        meta["media_url"] = reader.media_url
    return render(reader.segments, format="HTML", metadata=meta or None)
