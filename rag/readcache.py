"""What readers of one generation learn once and share: per-document facts the retriever,
the filters and the citations fill as questions arrive, carried into the next generation for
the documents a writer did not touch."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .model import Citation, Turn

__all__ = ["ReadCache"]


@dataclass(slots=True)
class ReadCache:
    """Per-document facts that only change when the document does, shared by all readers of
    a generation and carried into the next one for the documents a writer did not touch."""

    turns: dict[str, tuple[Turn, ...]] = field(default_factory=dict)
    sentences: dict[tuple[str, int], list[tuple[int, int]]] = field(default_factory=dict)
    last_exchange: dict[str, int] = field(default_factory=dict)
    """Each document's last non-narration turn: what follows it is commentary."""
    citations: dict[tuple[str, int], Citation] = field(default_factory=dict)
    """Question turns as cited: the same questions are cited again and again."""
    cited_terms: dict[tuple[str, int], frozenset[str]] = field(default_factory=dict)
    """The tokens of each answer turn's thread of questions, for the ranker."""
    chunks: dict[str, Any] = field(default_factory=dict)
    """Each document's chunks as arrays (`rag.filters.ChunkTable`): what filters select from."""

    def without(self, changed: set[str]) -> ReadCache:
        """A copy for the next generation, less the `changed` documents' entries.

        Readers keep adding entries (never changing or removing one) while a writer calls
        this, so each dict is copied first and the copy filtered: `dict.copy()` is one C
        call that runs no Python code (keys are str and (str, int), hashes are reused), so
        under the GIL no reader's insert can land inside it; a reader's `d[k] = v` is one
        call too. Iterating the live dict instead spans many bytecodes, and an insert in
        between raises "dictionary changed size during iteration". An entry a reader adds
        after the copy is only missing from the next generation's cache, which refills it.
        """
        turns, sentences = self.turns.copy(), self.sentences.copy()
        last_exchange, citations, cited_terms = (
            self.last_exchange.copy(),
            self.citations.copy(),
            self.cited_terms.copy(),
        )
        return ReadCache(
            {d: t for d, t in turns.items() if d not in changed},
            {k: v for k, v in sentences.items() if k[0] not in changed},
            {d: i for d, i in last_exchange.items() if d not in changed},
            {k: v for k, v in citations.items() if k[0] not in changed},
            {k: v for k, v in cited_terms.items() if k[0] not in changed},
            {d: c for d, c in self.chunks.copy().items() if d not in changed},
        )
