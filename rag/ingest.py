"""From files and bytes to parsed documents: decoding, ids, hashes, folder walks."""

from __future__ import annotations

import codecs
import hashlib
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path, PurePosixPath

from .errors import InvalidInput
from .links import playable
from .model import Document
from .transcripts import binary_format, parse, parse_binary

__all__ = [
    "DEFAULT_MAX_BYTES",
    "SUFFIXES",
    "Source",
    "content_hash",
    "decode",
    "from_bytes",
    "from_file_bytes",
    "from_text",
    "outside_links",
    "read_bytes",
    "read_file",
    "validate_id",
    "walk",
    "with_media",
]

SUFFIXES = frozenset(
    {
        ".txt",
        ".md",
        ".markdown",
        ".text",
        ".transcript",
        ".rst",
        ".vtt",
        ".srt",
        ".html",
        ".htm",
        ".json",
        ".xml",
        ".docx",
        ".pdf",
    }
)
DEFAULT_MAX_BYTES = 20 * 1024 * 1024
_MARKUP_SUFFIXES = {".json": "json", ".xml": "parlparse"}
_XML_ENCODING = re.compile(rb"\A(?:\xef\xbb\xbf)?\s*<\?xml[^>]*?\bencoding\s*=\s*[\"']([\w.:-]+)[\"']")
_ID = re.compile(r"[\w][\w .,@()+=~'\-/]{0,254}")  # fullmatch: `$` would allow a final newline
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


@dataclass(frozen=True, slots=True)
class Source:
    """A parsed document and where it came from."""

    document: Document
    content_hash: str
    origin: str | None


def content_hash(content: str | bytes) -> str:
    """SHA-256 of a text's UTF-8 or of a binary file's bytes."""
    return hashlib.sha256(content if isinstance(content, bytes) else content.encode("utf-8")).hexdigest()


def _encoding(data: bytes) -> str:
    """UTF-8, or the encoding an XML declaration names (`<?xml … encoding="ISO-8859-1"?>`)."""
    m = _XML_ENCODING.match(data)
    if m is None:
        return "utf-8"
    name = m.group(1).decode("ascii")
    try:
        codecs.lookup(name)
    except LookupError:
        raise InvalidInput(f"the XML declares an unknown encoding {name!r}") from None
    return name


def decode(data: bytes, name: str = "input") -> str:
    """UTF-8 text as stored (or XML in its declared encoding), minus a byte-order mark; anything
    else is an error that says where."""
    nul = data.find(b"\x00")  # anywhere: PDF and DOCX were sniffed before this
    if nul >= 0:
        raise InvalidInput(
            f"{name} looks binary (it contains a NUL byte at byte {nul}); expected a UTF-8 text file"
        )
    encoding = _encoding(data)
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        bad = data[exc.start : exc.start + 1]
        raise InvalidInput(
            f"{name} is not valid {exc.encoding.upper()}: byte {exc.start} (line {line}) is {bad!r}"
        ) from None
    text = text.removeprefix("\ufeff")
    if not text.strip():
        raise InvalidInput(f"{name} is empty")
    return text


def validate_id(document_id: str) -> str:
    """Ids are readable names (relative paths allowed); they are never used as file paths."""
    if _CONTROL.search(document_id):
        raise InvalidInput(f"invalid document id {document_id!r}: it contains a control character")
    if not _ID.fullmatch(document_id) or any(part in ("", ".", "..") for part in document_id.split("/")):
        raise InvalidInput(
            f"invalid document id {document_id!r}: use letters, digits, spaces and . , _ - / @ ( ) + = ~ ', "
            "at most 255 characters, no empty, '.' or '..' path parts"
        )
    return document_id


def from_text(
    text: str,
    *,
    id: str | None = None,
    title: str | None = None,
    format: str | None = None,
    origin: str | None = None,
) -> Source:
    """Parse text given directly; without an id, one is derived from the content."""
    name = id or "text"
    try:
        digest = content_hash(text)
    except UnicodeEncodeError as exc:
        raise InvalidInput(
            f"the text of {name!r} has an unpaired surrogate at character {exc.start}"
        ) from None
    if not text.strip():
        raise InvalidInput(f"{name!r} is empty")
    doc = parse(text, id=validate_id(id or f"text-{digest[:12]}"), title=title, format=format)
    return Source(doc, digest, origin)


def read_file(
    path: Path,
    *,
    id: str | None = None,
    title: str | None = None,
    format: str | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> Source:
    """Read, decode and parse a file; one larger than `max_bytes` is refused before it is read."""
    return from_file_bytes(read_bytes(path, max_bytes), path, id=id, title=title, format=format)


def read_bytes(path: Path, max_bytes: int = DEFAULT_MAX_BYTES) -> bytes:
    """A file's bytes, refused before reading when larger than `max_bytes`."""
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise InvalidInput(
                f"{path} is {size:,} bytes, over the limit of {max_bytes:,} (max_document_bytes)"
            )
        return path.read_bytes()
    except OSError as exc:
        raise InvalidInput(f"cannot read {path}: {exc.strerror or exc}") from None


def from_file_bytes(
    data: bytes,
    path: Path,
    *,
    id: str | None = None,
    title: str | None = None,
    format: str | None = None,
    origin: str | None = None,
) -> Source:
    """Parse bytes read from `path` (here, or by a driver that shipped them and the resolved
    path as `origin` to a worker)."""
    return from_bytes(
        data,
        path.name,
        id=id,
        title=title or None,
        format=format,
        origin=origin or str(path.resolve()),
        where=str(path),
    )


def from_bytes(
    data: bytes,
    name: str,
    *,
    id: str | None = None,
    title: str | None = None,
    format: str | None = None,
    origin: str | None = None,
    where: str | None = None,
) -> Source:
    """Parse a file's bytes: PDF and DOCX (by magic, else by `name`'s suffix) are extracted and
    hashed as bytes; anything else is decoded as text. `name` gives the default id; `where`
    (the path) names the file in errors. A `.json` or `.xml` file must be a JSON transcript or a
    debate, so a stray data file in a folder is refused rather than indexed as prose."""
    label = where or name
    doc_id = validate_id(id or name.replace("\\", "/").rsplit("/", 1)[-1])
    extractor = binary_format(data, name, format)
    if extractor is None:
        if format is None:  # a .json or .xml file is that markup or nothing, never prose
            format = _MARKUP_SUFFIXES.get(PurePosixPath(name.lower()).suffix)
        return from_text(decode(data, label), id=doc_id, title=title, format=format, origin=origin)
    layout = None if format == extractor.name else format
    doc = parse_binary(data, extractor, id=doc_id, name=label, title=title, layout=layout)
    return Source(doc, content_hash(data), origin)


def with_media(source: Source, media_url: str | None) -> Source:
    """The source with its recording set (`metadata["media_url"]`), as an upload or `rag index
    --media-url` give it; the content hash covers it, so re-adding with another URL replaces
    the document instead of finding it unchanged."""
    if media_url is None:
        return source
    url = media_url.strip()
    if not playable(url):
        raise InvalidInput(f"media_url {media_url!r} must be an http(s) URL or a path starting with /")
    doc = replace(source.document, metadata={**source.document.metadata, "media_url": url})
    return Source(doc, content_hash(f"{source.content_hash}\0media_url\0{url}"), source.origin)


def walk(folder: Path, *, follow_links: bool = False) -> Iterator[tuple[str, Path]]:
    """(document id, path) for each transcript file below `folder`, in a stable order.

    The id is the path relative to the folder, with forward slashes; hidden files and
    folders are skipped, and so are links that lead out of the folder (`outside_links` says
    which) unless `follow_links`.
    """
    for doc_id, path, reason in _scan(folder, follow_links):
        if reason is None:
            yield doc_id, path


def outside_links(folder: Path) -> Iterator[tuple[str, str]]:
    """(id, reason) for each link below `folder` that `walk` skips because it leads out."""
    for doc_id, _, reason in _scan(folder, follow_links=False):
        if reason is not None:
            yield doc_id, reason


def _scan(folder: Path, follow_links: bool) -> list[tuple[str, Path, str | None]]:
    root = folder.resolve()
    found: list[tuple[Path, str | None]] = []
    seen: set[Path] = set()

    def leaves(path: Path) -> str | None:
        target = path.resolve()
        if follow_links or target.is_relative_to(root):
            return None
        return f"skipped: a link to {target}, outside the folder (--follow-links to index it)"

    for dirpath, dirnames, filenames in os.walk(folder, followlinks=True):
        here = Path(dirpath)
        real = here.resolve()
        if real in seen:  # a link back up: once is enough
            dirnames[:] = []
            continue
        seen.add(real)
        keep = []
        for name in dirnames:
            path = here / name
            if name.startswith("."):
                continue
            if path.is_symlink() and not follow_links:  # linked folders only with follow_links
                reason = leaves(path)
                if reason is not None:
                    found.append((path, reason))
                continue
            keep.append(name)
        dirnames[:] = keep
        for name in filenames:
            path = here / name
            if name.startswith(".") or path.suffix.lower() not in SUFFIXES or not path.is_file():
                continue
            found.append((path, leaves(path) if path.is_symlink() else None))
    return [(p.relative_to(folder).as_posix(), p, reason) for p, reason in sorted(found, key=lambda f: f[0])]
