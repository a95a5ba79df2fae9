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
from .model import Turn
from .readcache import ReadCache
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


@dataclass(frozen=True, slots=True)
class ChunkTable:
    """One document's chunks as arrays: ids, and each chunk's speaker and act as codes into
    the document's own lists, so a filter is a few numpy comparisons, not a loop over turns."""

    ids: np.ndarray
    speakers: np.ndarray
    acts: np.ndarray
    speaker_codes: dict[str | None, int]
    act_codes: dict[str, int]

    @classmethod
    def of(cls, ids: np.ndarray, turn_of: np.ndarray, turns: tuple[Turn, ...]) -> ChunkTable:
        speaker_codes: dict[str | None, int] = {}
        act_codes: dict[str, int] = {}
        by_turn_speaker = np.array([speaker_codes.setdefault(t.speaker, len(speaker_codes)) for t in turns])
        by_turn_act = np.array([act_codes.setdefault(t.act, len(act_codes)) for t in turns])
        if not len(turns):
            by_turn_speaker = by_turn_act = np.zeros(0, dtype=np.int64)
        return cls(ids, by_turn_speaker[turn_of], by_turn_act[turn_of], speaker_codes, act_codes)

    def select(self, labels: set[str] | None, acts: Collection[str] | None) -> np.ndarray:
        """The ids of the chunks spoken under these labels and doing these acts (None: any).
        Lookup tables, not `np.isin`, whose setup costs 0.1 ms a call: a person filter
        touches every document they speak in."""
        keep: np.ndarray | None = None
        for wanted, codes, column in (
            (labels, self.speaker_codes, self.speakers),
            (acts, self.act_codes, self.acts),
        ):
            if wanted is None:
                continue
            table = np.zeros(len(codes) + 1, dtype=bool)
            table[[codes[w] for w in wanted if w in codes]] = True
            hit = table[column]
            keep = hit if keep is None else keep & hit
        return self.ids if keep is None else self.ids[keep]


def _table(
    view: StoreView, cache: ReadCache, document_id: str, ids: np.ndarray, turn_of: np.ndarray
) -> ChunkTable:
    turns = cache.turns.get(document_id)
    if turns is None:
        turns = cache.turns[document_id] = view.turns(document_id)
    return ChunkTable.of(ids, turn_of, turns)


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
        for doc, (ids, turn_of) in view.chunks_by_document(missing).items():
            cache.chunks[doc] = _table(view, cache, doc, ids, turn_of)
    parts = []
    for doc in documents:
        table = cache.chunks.get(doc)
        if table is None or not len(table.ids):
            continue
        if labels is None and acts is None:
            parts.append(table.ids)
        else:
            parts.append(table.select(None if labels is None else labels[doc], acts))
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
