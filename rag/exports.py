"""An answer in the shapes people take quotes away in: JSON, CSV, a Markdown quote sheet, RIS.

One place for every surface: `rag ask --format`, `POST /ask` with an `Accept` header, and the
page's Export and Copy citation buttons all render through here, so a quote, its question
and its permalink read the same wherever they land. Each export says when nothing answers.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable
from dataclasses import asdict, dataclass

from .errors import InvalidInput
from .links import passage_id
from .model import Answer, Passage

__all__ = ["COLUMNS", "FORMATS", "NOT_ANSWERED", "Export", "citation", "render"]

COLUMNS = (
    "quote",
    "speaker",
    "person",
    "question",
    "question_speaker",
    "document_id",
    "document_title",
    "document_date",
    "start",
    "end",
    "timestamp",
    "url",
    "media_url",
    "score",
    "answerable",
)
NOT_ANSWERED = "Nothing here answers that well: these are only the nearest passages."
_DATE = re.compile(r"(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?")


def _oneline(text: str) -> str:
    return " ".join(text.split())


def citation(p: Passage) -> str:
    """`Speaker, answering Asker: “question” — Title, date, timestamp, link`: what a quote is
    cited with (the page's Copy citation, the Markdown sheet). The speaker by the person their
    label names (`rag.people`), where known: "Mira Holt" rather than "MS. HOLT"."""
    who = p.person or p.speaker or ""
    if p.question is not None:
        asker = f" {p.question.speaker}" if p.question.speaker else ""
        who = f"{who}, answering{asker}" if who else f"Answering{asker}"
        who += f": “{_oneline(p.question.text)}”"
    where = [p.document_title or p.document_id, p.document_date, p.timestamp, p.url]
    tail = ", ".join(part for part in where if part)
    return f"{who} — {tail}" if who else tail


def to_json(answer: Answer) -> str:
    """The shape of HTTP's `/ask` body (less the page-only fields); `groups` only when the
    answer was grouped (`group_by`)."""
    body = {**asdict(answer), "similarity": answer.similarity}
    if not answer.groups:
        body.pop("groups")
    return json.dumps(body, ensure_ascii=False, indent=2) + "\n"


def _row(p: Passage, answerable: bool) -> dict[str, object]:
    return {
        "quote": p.quote,
        "speaker": p.speaker or "",
        "person": p.person or "",
        "question": p.question.text if p.question else "",
        "question_speaker": (p.question.speaker or "") if p.question else "",
        "document_id": p.document_id,
        "document_title": p.document_title,
        "document_date": p.document_date or "",
        "start": p.start,
        "end": p.end,
        "timestamp": p.timestamp or "",
        "url": p.url,
        "media_url": p.media_url or "",
        "score": f"{p.score:.4f}",
        "answerable": "true" if answerable else "false",
    }


def to_csv(answer: Answer) -> str:
    """One row per quote, `COLUMNS` in order; the quote exactly as stored (csv quotes it)."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    for p in answer:
        writer.writerow(_row(p, answer.answerable))
    return out.getvalue()


def to_markdown(answer: Answer) -> str:
    """A quote sheet: each quote as a block quote, then its citation."""
    lines = [f"# {_oneline(answer.question)}", ""]
    if not answer.passages:
        lines += ["_No passages found: the library is empty or nothing matches._", ""]
    elif not answer.answerable:
        lines += [f"_{NOT_ANSWERED}_", ""]
    for p in answer:
        lines += [f"> {line}" if line.strip() else ">" for line in p.quote.strip().splitlines()]
        lines += ["", citation(p), ""]
    return "\n".join(lines)


def _ris_date(value: str | None) -> list[str]:
    m = _DATE.match(value or "")
    if m is None:
        return []
    year, month, day = m.groups()
    return [f"PY  - {year}", f"DA  - {year}/{month or ''}/{day or ''}/"]


def to_ris(answer: Answer) -> str:
    """One RIS record per quote, which reference managers import: the document's title and
    date, the speaker as author, the quote as the note, the permalink as URL."""
    records = []
    for p in answer:
        lines = ["TY  - GEN", f"TI  - {_oneline(p.document_title or p.document_id)}"]
        if p.person or p.speaker:
            lines.append(f"AU  - {p.person or p.speaker}")
        lines += _ris_date(p.document_date)
        lines.append(f"N1  - {_oneline(p.quote)}")
        if p.question is not None:
            asker = f" {p.question.speaker}" if p.question.speaker else ""
            lines.append(f"AB  - Answering{asker}: “{_oneline(p.question.text)}”")
        if p.timestamp:
            lines.append(f"C1  - {p.timestamp}")
        lines.append(f"UR  - {p.url}")
        if not answer.answerable:
            lines.append("KW  - nearest passage, not an answer")
        lines.append(f"ID  - {passage_id(p.document_id, p.start, p.end)}")
        lines.append("ER  - ")
        records.append("\r\n".join(lines) + "\r\n")
    return "\r\n".join(records)


@dataclass(frozen=True, slots=True)
class Export:
    name: str
    media_type: str
    suffix: str
    render: Callable[[Answer], str]


FORMATS: dict[str, Export] = {
    e.name: e
    for e in (
        Export("json", "application/json", ".json", to_json),
        Export("csv", "text/csv", ".csv", to_csv),
        Export("markdown", "text/markdown", ".md", to_markdown),
        Export("ris", "application/x-research-info-systems", ".ris", to_ris),
    )
}


def render(answer: Answer, format: str) -> str:
    try:
        export = FORMATS[format]
    except KeyError:
        raise InvalidInput(f"unknown export format {format!r}; one of {', '.join(FORMATS)}") from None
    return export.render(answer)
