"""From files and bytes to parsed documents: decoding, ids, hashes, folder walks."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from .errors import InvalidInput
from .model import Document
from .transcripts import parse

__all__ = [
    "DEFAULT_MAX_BYTES",
    "SUFFIXES",
    "Source",
    "content_hash",
    "decode",
    "from_text",
    "read_file",
    "validate_id",
    "walk",
]

SUFFIXES = frozenset(
    {".txt", ".md", ".markdown", ".text", ".transcript", ".vtt", ".srt", ".html", ".htm", ".json"}
)
DEFAULT_MAX_BYTES = 20 * 1024 * 1024
_ID = re.compile(r"^[\w][\w .,@()+=~'\-/]{0,254}$")


@dataclass(frozen=True, slots=True)
class Source:
    """A parsed document and where it came from."""

    document: Document
    content_hash: str
    origin: str | None


def content_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def decode(data: bytes, name: str = "input") -> str:
    """UTF-8 text as stored, minus a byte-order mark; anything else is an error that says where."""
    if b"\x00" in data[:8192]:
        raise InvalidInput(f"{name} looks binary (it contains NUL bytes); expected a UTF-8 text file")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        bad = data[exc.start : exc.start + 1]
        raise InvalidInput(f"{name} is not valid UTF-8: byte {exc.start} (line {line}) is {bad!r}") from None
    text = text.removeprefix("\ufeff")
    if not text.strip():
        raise InvalidInput(f"{name} is empty")
    return text


def validate_id(document_id: str) -> str:
    """Ids are readable names (relative paths allowed); they are never used as file paths."""
    if not _ID.match(document_id) or any(part in ("", ".", "..") for part in document_id.split("/")):
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
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise InvalidInput(
                f"{path} is {size:,} bytes, over the limit of {max_bytes:,} (max_document_bytes)"
            )
        data = path.read_bytes()
    except OSError as exc:
        raise InvalidInput(f"cannot read {path}: {exc.strerror or exc}") from None
    text = decode(data, str(path))
    return from_text(text, id=id or path.name, title=title or None, format=format, origin=str(path.resolve()))


def walk(folder: Path) -> Iterator[tuple[str, Path]]:
    """(document id, path) for each transcript file below `folder`, in a stable order.

    The id is the path relative to the folder, with forward slashes; hidden files and
    folders are skipped.
    """
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(folder)
        if any(part.startswith(".") for part in rel.parts):
            continue
        if path.is_file() and path.suffix.lower() in SUFFIXES:
            yield rel.as_posix(), path
