"""Word (.docx) files, read with python-docx.

The stored text is the body's paragraphs in order, joined with blank lines; a table row is
one paragraph (two cells, as transcripts often lay out speaker and words, read
`Speaker: words`). Word has no pages to speak of until it is laid out, so none are kept.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass

from ..errors import InvalidInput
from .paged import Extracted

__all__ = ["DOCX", "DocxExtractor"]

_MAX_UNZIPPED = 200 * 1024 * 1024  # a zip bomb posing as a document is refused before it is read
_ZIP = b"PK\x03\x04"
_LABEL_CELL = 60


@dataclass(frozen=True, slots=True)
class DocxExtractor:
    name: str = "docx"
    suffixes: tuple[str, ...] = (".docx",)

    def sniff(self, data: bytes) -> bool:
        if not data.startswith(_ZIP):
            return False
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as z:
                return "word/document.xml" in z.namelist()
        except (zipfile.BadZipFile, OSError, ValueError):
            return False

    def extract(self, data: bytes, name: str) -> Extracted:
        if not data.startswith(_ZIP):
            raise InvalidInput(f"{name} is not a DOCX file: a .docx is a zip archive, and this is not one")
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as z:
                if "word/document.xml" not in z.namelist():
                    raise InvalidInput(
                        f"{name} is a zip archive but not a Word document (no word/document.xml)"
                    )
                if sum(i.file_size for i in z.infolist()) > _MAX_UNZIPPED:
                    raise InvalidInput(f"{name} unpacks to more than {_MAX_UNZIPPED:,} bytes")
            paragraphs, title = _read(data)
        except InvalidInput:
            raise
        except Exception as exc:  # python-docx and lxml raise many kinds on a damaged file
            raise InvalidInput(f"{name} is a corrupt DOCX file ({type(exc).__name__}: {exc})") from None
        if not paragraphs:
            raise InvalidInput(f"{name} is a Word document with no text")
        return Extracted("\n\n".join(paragraphs) + "\n", (), {"title": title} if title else {})


def _read(data: bytes) -> tuple[list[str], str]:
    """The body's paragraphs and table rows in document order, and the title."""
    import docx  # imported on use: most runs never read a Word file
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    document = docx.Document(io.BytesIO(data))
    out: list[str] = []
    title = (document.core_properties.title or "").strip()
    for block in document.iter_inner_content():
        if isinstance(block, Paragraph):
            words = block.text.strip()
            if words and not title and block.style is not None and block.style.name == "Title":
                title = words
            if words:
                out.append(words)
        elif isinstance(block, Table):
            out.extend(row for row in (_row(r.cells) for r in block.rows) if row)
    return out, title


def _row(cells: list) -> str:
    texts: list[str] = []
    for cell in cells:
        words = " ".join(cell.text.split())
        if words and (not texts or texts[-1] != words):  # a merged cell repeats in every column
            texts.append(words)
    if len(texts) == 2 and len(texts[0]) <= _LABEL_CELL and not texts[0].endswith(":"):
        return f"{texts[0]}: {texts[1]}"
    return " ".join(texts)


DOCX = DocxExtractor()
