"""A document's library facts: its date, kind, tags and source, read once from what the file
says (front matter, JSON fields, HTML meta, the file name, the title) and editable after."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date

from .errors import InvalidInput

__all__ = ["EDITABLE", "KINDS", "describe", "edit", "iso_date", "parse_date", "split_tags"]

KINDS: tuple[str, ...] = ("interview", "briefing", "hearing", "meeting", "podcast", "other")
EDITABLE: tuple[str, ...] = ("date", "kind", "source_url", "tags", "title")
"""The keys `edit` checks; other keys are free text."""

_DATE_KEYS = ("date", "published_time", "published", "datePublished", "recorded", "recorded_at", "created")
_URL_KEYS = ("source_url", "url", "canonical", "link")
_TAG_KEYS = ("tags", "keywords", "categories")
_ISO = re.compile(r"(?<!\d)(\d{4})-(\d{2})-(\d{2})(?!\d)")
_MONTHS = {
    m: i
    for i, names in enumerate(
        [
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ],
        1,
    )
    for m in names
}
_MONTH = "(" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")\.?"
_MDY = re.compile(rf"\b{_MONTH}\s+(\d{{1,2}}),?\s+(\d{{4}})\b", re.IGNORECASE)
_DMY = re.compile(rf"\b(\d{{1,2}})\s+{_MONTH},?\s+(\d{{4}})\b", re.IGNORECASE)
# what the words of a title, tags or file name say about the kind of conversation, first match wins
_KIND_WORDS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("briefing", re.compile(r"\b(briefings?|press[ -]conference|presser|gaggle)\b", re.I)),
    ("interview", re.compile(r"\b(interview(ed|s)?|spotlight|conversation with|q\s?&\s?a)\b", re.I)),
    ("podcast", re.compile(r"\b(podcast|episode\b|ep\.?\s?\d+\b)", re.I)),
    ("hearing", re.compile(r"\b(hearings?|testimony|debates?|committee|inquiry|hansard)\b", re.I)),
    ("meeting", re.compile(r"\b(meeting|minutes|conference call|call transcript|standup|council)\b", re.I)),
)


def _valid(y: str | int, m: str | int, d: str | int) -> str | None:
    try:
        return date(int(y), int(m), int(d)).isoformat()
    except ValueError:
        return None


def parse_date(text: str) -> str | None:
    """The first calendar date in `text` (`2023-06-05`, `2023-06-05T19:42`, `June 5, 2023`,
    `5 June 2023`) as `YYYY-MM-DD`; the date as written, never shifted by a time zone."""
    found: list[tuple[int, str]] = []
    for m in _ISO.finditer(text):
        if (iso := _valid(*m.groups())) is not None:
            found.append((m.start(), iso))
            break
    for pattern, order in ((_MDY, (3, 1, 2)), (_DMY, (3, 2, 1))):
        for m in pattern.finditer(text):
            y, mon, d = (m.group(i) for i in order)
            if (iso := _valid(y, _MONTHS[mon.lower()], d)) is not None:
                found.append((m.start(), iso))
                break
    return min(found)[1] if found else None


def iso_date(value: str, what: str = "date") -> str:
    """A `YYYY-MM-DD` the user gave, checked; anything else is `InvalidInput` naming `what`."""
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value.strip()) or _valid(*value.strip().split("-")) is None:
        raise InvalidInput(f"{what} must be a date as YYYY-MM-DD, got {value!r}")
    return value.strip()


def split_tags(value: str | list[str] | tuple[str, ...]) -> list[str]:
    """Tags from "a, b" or a list: trimmed, lower case, each once, in order."""
    items = value.split(",") if isinstance(value, str) else value
    return list(dict.fromkeys(t.strip().lower() for t in items if t and t.strip()))


def _kind(meta: Mapping[str, str], title: str, name: str, roles: Mapping[str, str]) -> str:
    given = meta.get("kind", "").strip().lower()
    if given in KINDS:
        return given
    words = " ".join([title, meta.get("tags", ""), name.replace("-", " ").replace("_", " ")])
    for kind, pattern in _KIND_WORDS:
        if pattern.search(words):
            return kind
    parts = set(roles.values())
    if "interviewer" in parts:
        return "interview"
    if "chair" in parts or "member" in parts:
        return "meeting"
    return "other"


def describe(
    metadata: Mapping[str, str], *, title: str, name: str, roles: Mapping[str, str] | None = None
) -> dict[str, str]:
    """The metadata with `date` (YYYY-MM-DD, from a date field, else the file name, else the
    title), `kind`, `tags` ("a, b") and `source_url` filled in where the source says them."""
    meta = dict(metadata)
    found = next((d for k in _DATE_KEYS if k in meta and (d := parse_date(meta[k]))), None)
    found = found or parse_date(name.rsplit("/", 1)[-1]) or parse_date(title)
    if found:
        meta["date"] = found
    else:
        meta.pop("date", None)  # a date that is no date would only mislead the filters
    meta["kind"] = _kind(meta, title, name, roles or {})
    tags = next((meta[k] for k in _TAG_KEYS if meta.get(k)), "")
    if tags:
        meta["tags"] = ", ".join(split_tags(tags))
    url = next((meta[k] for k in _URL_KEYS if meta.get(k, "").startswith(("http://", "https://"))), None)
    if url:
        meta["source_url"] = url
    return meta


def _text(key: str, value: object) -> None:
    """JSON can carry a lone surrogate, which no stored text can hold."""
    for part in (key, *(value if isinstance(value, list) else [value])):
        if isinstance(part, str):
            try:
                part.encode("utf-8")
            except UnicodeEncodeError:
                raise InvalidInput(f"metadata {key!r} holds an unpaired surrogate") from None


def edit(metadata: Mapping[str, str], changes: Mapping[str, str | list[str] | None]) -> dict[str, str]:
    """The metadata after a user's changes (None removes a key), each value checked."""
    meta = dict(metadata)
    for key, value in changes.items():
        _text(key, value)
        if not key or len(key) > 64 or not re.fullmatch(r"[A-Za-z_][\w.-]*", key):
            raise InvalidInput(f"metadata key {key!r}: use letters, digits, _ . -, at most 64 characters")
        if value is None:
            meta.pop(key, None)
            continue
        if isinstance(value, list) and key != "tags":
            raise InvalidInput(f"metadata {key!r} must be a string")
        if key == "date":
            value = iso_date(str(value), "metadata date")
        elif key == "kind":
            if str(value).strip().lower() not in KINDS:
                raise InvalidInput(f"metadata kind must be one of {', '.join(KINDS)}, got {value!r}")
            value = str(value).strip().lower()
        elif key == "tags":
            value = ", ".join(split_tags(value))
        elif key == "source_url" and not str(value).startswith(("http://", "https://")):
            raise InvalidInput(f"metadata source_url must be an http(s) URL, got {value!r}")
        if len(str(value)) > 2000:
            raise InvalidInput(f"metadata {key!r} is longer than 2000 characters")
        meta[key] = str(value)
    return meta
