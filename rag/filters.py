"""Which chunks a filtered question may search: the documents a filter passes (ids, dates,
kinds, tags), the turns of the people asked for (through all their labels), and the acts
(the question index searches question turns only).

The documents come from one small SQL query each time (a metadata edit shows at once); each
document's chunk ids and turn indices are cached per generation (`ReadCache.chunks`), so a
filter costs a few numpy operations per document, not a scan of the chunk table.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

import numpy as np

from .catalog import DocumentFilter
from .docmeta import KINDS, iso_date
from .errors import InvalidInput
from .generations import ReadCache
from .model import Turn
from .store import StoreView

__all__ = ["Allowed", "DocumentFilter", "allowed_chunks", "document_filter"]


@dataclass(frozen=True, slots=True)
class Allowed:
    """The chunk ids a search may return, and per document the speaker labels allowed."""

    ids: np.ndarray
    labels: dict[str, set[str]] | None = None
    documents: tuple[str, ...] = ()
    """The documents that pass (whether or not any of their chunks do)."""

    def speaks(self, document_id: str, speaker: str | None) -> bool:
        """Whether a turn by `speaker` passes the speaker filter."""
        return self.labels is None or speaker in self.labels.get(document_id, ())


def _turns(view: StoreView, cache: ReadCache, document_id: str) -> tuple[Turn, ...]:
    turns = cache.turns.get(document_id)
    if turns is None:
        turns = cache.turns[document_id] = view.turns(document_id)
    return turns


def allowed_chunks(
    view: StoreView,
    cache: ReadCache,
    where: DocumentFilter | None = None,
    speakers: Collection[str] | None = None,
    acts: Collection[str] | None = None,
) -> Allowed | None:
    """The chunks that pass; None when nothing filters (search everything)."""
    where = where or DocumentFilter()
    if not where and not speakers and acts is None:
        return None
    documents = view.documents_where(where)
    labels = view.speaker_labels(speakers) if speakers else None
    if labels is not None:
        documents = [d for d in documents if d in labels]
    missing = [d for d in documents if d not in cache.chunks]
    if missing:
        cache.chunks.update(view.chunks_by_document(missing))
    parts = []
    for doc in documents:
        ids, turn_of = cache.chunks.get(doc, (None, None))
        if ids is None or not len(ids):
            continue
        if labels is not None or acts is not None:
            wanted = [
                t.index
                for t in _turns(view, cache, doc)
                if (labels is None or t.speaker in labels[doc]) and (acts is None or t.act in acts)
            ]
            ids = ids[np.isin(turn_of, wanted)]
        parts.append(ids)
    ids = np.sort(np.concatenate(parts)) if parts else np.empty(0, dtype=np.int64)
    return Allowed(ids, labels, tuple(documents))


def document_filter(
    documents: Collection[str] | None,
    date_from: str | None,
    date_to: str | None,
    kinds: Collection[str] | None,
    tags: Collection[str] | None,
) -> DocumentFilter:
    """The document filter of a question, each part checked."""
    date_from = None if date_from is None else iso_date(date_from, "date_from")
    date_to = None if date_to is None else iso_date(date_to, "date_to")
    if date_from and date_to and date_from > date_to:
        raise InvalidInput(f"date_from {date_from} is after date_to {date_to}")
    if kinds is not None:
        unknown = [k for k in kinds if k.lower() not in KINDS]
        if unknown:
            raise InvalidInput(f"unknown kind {unknown[0]!r}; kinds: {', '.join(KINDS)}")
    return DocumentFilter(
        documents=documents or None,  # an empty list filters nothing, as it always has
        date_from=date_from,
        date_to=date_to,
        kinds=None if kinds is None else tuple(kinds),
        tags=None if tags is None else tuple(tags),
    )
