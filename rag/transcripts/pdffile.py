"""PDF files with a text layer, extracted with pypdf (pure Python).

The stored text is the extraction, cleaned of layout noise that is no speech: running
headers and footers (a line repeated at the top or bottom of most pages), page numbers,
line-number columns, tabs used as word gaps. A speaker label alone on its line (`Dan:`,
its words on the next) is joined to them, as a `Name: words` line. Words hyphenated at
line ends are left as printed. Pages are joined with a line break, so a sentence running
over a page break stays one paragraph; `Extracted.pages` records where each page starts.
"""

from __future__ import annotations

import io
import re
from collections import Counter
from dataclasses import dataclass

from ..errors import InvalidInput
from .paged import Extracted

__all__ = ["PDF", "PdfExtractor", "clean_pages"]

_ZONE = 3  # lines at the top and at the bottom of a page that may be a header or footer
_PAGE_NUMBER = re.compile(r"(?:page\s+)?\d{1,4}(?:\s*(?:of|/)\s*\d{1,4})?", re.IGNORECASE)
_NUMBER = re.compile(r"\d{1,4}")
_LONE_LABEL = re.compile(r"[A-Z][\w.'\u2019\-]*(?: [A-Z][\w.'\u2019\-]*){0,3}:")
_SPEECH = re.compile(r"[A-Z][\w.'\u2019\-]*(?: [A-Z][\w.'\u2019\-]*){0,3}[:.] +\S")
_DIGITS = re.compile(r"\d+")
_SPACE = re.compile(r"\s+")
_RUN = 3  # consecutive numbered lines that make a line-number column


def _shape(line: str) -> str:
    """A line with its numbers blanked, to spot `Page 3 of 23` repeating as `Page # of #`."""
    return _SPACE.sub(" ", _DIGITS.sub("#", line)).strip().lower()


def _drop_line_numbers(lines: list[str]) -> list[str]:
    """Drop runs of lines that count up one by one (`1`, `2`, … `95`): a line-number column."""
    keep = [True] * len(lines)
    i = 0
    while i < len(lines):
        if not _NUMBER.fullmatch(lines[i]):
            i += 1
            continue
        j = i + 1
        while j < len(lines) and _NUMBER.fullmatch(lines[j]) and int(lines[j]) == int(lines[j - 1]) + 1:
            j += 1
        if j - i >= _RUN:
            keep[i:j] = [False] * (j - i)
        i = j
    return [line for line, k in zip(lines, keep, strict=True) if k]


def _zones(lines: list[str]) -> tuple[list[int], list[int]]:
    """Indexes of the first and last few non-blank lines of a page."""
    filled = [i for i, line in enumerate(lines) if line]
    head = filled[: min(_ZONE, len(filled) // 2)]  # a short page's lines are split between the two
    rest = filled[len(head) :]
    return head, rest[max(0, len(rest) - _ZONE) :]


def clean_pages(raw_pages: list[str]) -> list[str]:
    """Each page's text without running headers, footers, page numbers and line numbers."""
    pages = [
        _join_labels(_drop_line_numbers([line.replace("\t", " ").strip() for line in raw.splitlines()]))
        for raw in raw_pages
    ]
    heads: Counter[str] = Counter()
    feet: Counter[str] = Counter()
    for lines in pages:
        head, foot = _zones(lines)
        heads.update({_shape(lines[i]) for i in head})
        feet.update({_shape(lines[i]) for i in foot})
    often = max(3, (len(pages) + 1) // 2)
    out = []
    for lines in pages:
        head, foot = _zones(lines)
        drop = {i for i in head if _running(lines[i], heads, often)}
        drop |= {i for i in foot if _running(lines[i], feet, often)}
        kept = [line for i, line in enumerate(lines) if i not in drop]
        out.append("\n".join(kept).strip("\n"))
    return [re.sub(r"\n{3,}", "\n\n", page) for page in out]


def _running(line: str, seen: Counter[str], often: int) -> bool:
    """A page number, or a line on most pages that is not someone speaking (`Dan: Okay.`)."""
    if _PAGE_NUMBER.fullmatch(line):
        return True
    return seen[_shape(line)] >= often and not _SPEECH.match(line)


def _join_labels(lines: list[str]) -> list[str]:
    """`Dan:` on a line of its own, its words on the next: one `Dan: words` line."""
    out: list[str] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        nxt = lines[i + 1] if i + 1 < len(lines) else ""
        if _LONE_LABEL.fullmatch(line) and nxt and not _LONE_LABEL.fullmatch(nxt):
            out.append(f"{line} {nxt}")
            i += 2
        else:
            out.append(line)
            i += 1
    return out


@dataclass(frozen=True, slots=True)
class PdfExtractor:
    name: str = "pdf"
    suffixes: tuple[str, ...] = (".pdf",)

    def sniff(self, data: bytes) -> bool:
        return b"%PDF-" in data[:1024]

    def extract(self, data: bytes, name: str) -> Extracted:
        from pypdf import PdfReader  # imported on use: most runs never read a PDF

        try:
            reader = PdfReader(io.BytesIO(data))
            if reader.is_encrypted and not _open_without_password(reader):
                raise InvalidInput(f"{name} is an encrypted PDF that needs a password; send it decrypted")
            raw = [page.extract_text() or "" for page in reader.pages]
            info = reader.metadata
            title = str(info.title or "").strip() if info else ""
        except InvalidInput:
            raise
        except Exception as exc:  # pypdf raises many kinds on a damaged file: all mean "unreadable"
            raise InvalidInput(f"{name} is not a readable PDF ({type(exc).__name__}: {exc})") from None
        if not raw:
            raise InvalidInput(f"{name} is a PDF with no pages")
        pages = clean_pages(raw)
        if not any(p.strip() for p in pages):
            raise InvalidInput(
                f"{name} has no text layer (a scanned or image-only PDF?): run it through OCR first"
            )
        text, starts, pos = [], [], 0
        for page in pages:
            starts.append(pos)
            if page:
                text.append(page)
                pos += len(page) + 1
        meta = {"pages": str(len(pages))}
        if title:
            meta["title"] = title
        return Extracted("\n".join(text) + "\n", tuple(starts), meta)


def _open_without_password(reader: object) -> bool:
    """An owner-password-only PDF opens with the empty user password: it is readable."""
    from pypdf import PasswordType

    try:
        return reader.decrypt("") != PasswordType.NOT_DECRYPTED  # type: ignore[attr-defined]
    except Exception:  # a cipher pypdf cannot run without an extra package counts as locked
        return False


PDF = PdfExtractor()
