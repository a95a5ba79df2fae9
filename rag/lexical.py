"""The lexical side: BM25 (bm25s) over chunk texts, keyed by the same chunk row ids as FAISS."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable, Sequence
from pathlib import Path

import bm25s
import numpy as np
import Stemmer
from bm25s.stopwords import STOPWORDS_EN

from .atomic import write_folder_atomic

__all__ = ["LexicalIndex", "tokenize"]

_STEMMER = "english"
_NO_TERMS = "no-terms"
"""The marker of a saved index whose chunks hold no indexable word."""
K1, B = 2.0, 0.75
"""BM25's term saturation and length normalisation: transcripts repeat a speaker's words, so
saturation comes later than bm25s's default k1 1.5 (README, Quality). Saved with each index:
an index keeps the values it was built with until its BM25 is rebuilt (any write, or
`rag reindex`)."""


_local = threading.local()
_LOADING = threading.Lock()


def _stemmer() -> Stemmer.Stemmer:
    """One per thread: a stemmer keeps a cache, is not thread-safe, and costs a little to make."""
    stemmer = getattr(_local, "stemmer", None)
    if stemmer is None:
        stemmer = _local.stemmer = Stemmer.Stemmer(_STEMMER)
    return stemmer


_WORDS = re.compile(r"(?u)\b\w\w+\b").findall
"""bm25s's default token pattern (scikit-learn's): words of two characters or more."""
_STOPWORDS = frozenset(STOPWORDS_EN)


def tokenize(texts: Sequence[str]) -> list[list[str]]:
    """Lower-cased, stop words out, Snowball-stemmed tokens; the same for chunks and queries.

    Exactly what `bm25s.tokenize(texts, stopwords="en", stemmer=…, return_ids=False)` returns,
    without its per-call progress-bar objects: the retriever tokenizes a few texts at a time,
    where those cost more than the splitting."""
    stem = _stemmer().stemWords
    out = []
    for text in texts:
        words = [w for w in _WORDS(text.lower()) if w not in _STOPWORDS]
        out.append(stem(words) if words else [])
    return out


def _postings_sorted(indices: np.ndarray, indptr: np.ndarray) -> bool:
    """Whether the positions under each term of a CSC matrix increase."""
    if len(indices) < 2:
        return True
    rising = np.diff(indices) > 0
    starts = indptr[1:-1]
    rising[starts[(starts > 0) & (starts < len(indices))] - 1] = True  # a new term may start lower
    return bool(rising.all())


class LexicalIndex:
    """BM25 scores for a query over every chunk; rebuilt whole, since bm25s has no incremental add."""

    def __init__(self, ids: np.ndarray, bm25: bm25s.BM25 | None) -> None:
        self.ids = np.asarray(ids, dtype=np.int64)
        self._bm25 = bm25
        self._order: np.ndarray | None = None
        """`ids` sorted, as positions: found lazily, on the first `holds`."""
        self._sorted: bool | None = None
        """Whether each term's postings are in position order (bm25s writes them so)."""

    def __len__(self) -> int:
        return len(self.ids)

    @classmethod
    def build(cls, ids: Sequence[int], texts: Sequence[str]) -> LexicalIndex:
        """No chunks, or chunks without one indexable word (stop words, emoji, punctuation):
        an index that holds the ids and finds nothing (bm25s cannot index an empty vocabulary)."""
        tokens = tokenize(texts) if texts else []
        if not any(tokens):
            return cls(np.asarray(ids, dtype=np.int64).reshape(-1), None)
        bm25 = bm25s.BM25(k1=K1, b=B)
        bm25.index(tokens, show_progress=False)
        return cls(np.asarray(ids, dtype=np.int64), bm25)

    def search(
        self, query: str, k: int, *, allowed: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """(ids, scores) of the `k` best chunks with a score above zero, best first; only
        `allowed` ids if given."""
        if self._bm25 is None or k <= 0:
            return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.float32)
        tokens = tokenize([query])[0]
        if not tokens:
            return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.float32)
        mask = None if allowed is None else np.isin(self.ids, allowed).astype(np.float32)
        scores = self._bm25.get_scores(tokens, weight_mask=mask)
        k = min(k, len(scores))
        top = np.argpartition(-scores, k - 1)[:k]
        top = top[np.argsort(-scores[top], kind="stable")]
        top = top[scores[top] > 0]
        return self.ids[top], scores[top].astype(np.float32)

    def holds(self, terms: Sequence[str], ids: Sequence[int]) -> np.ndarray:
        """Which of `ids` hold each term: a (len(ids), len(terms)) boolean matrix, from the
        postings, without re-reading any text."""
        out = np.zeros((len(ids), len(terms)), dtype=bool)
        if self._bm25 is None or not len(ids) or not terms:
            return out
        if self._order is None:
            self._order = np.argsort(self.ids, kind="stable")
        wanted = np.asarray(ids, dtype=np.int64)
        at = np.searchsorted(self.ids, wanted, sorter=self._order).clip(0, len(self.ids) - 1)
        position = self._order[at]
        found = self.ids[position] == wanted
        vocab, scores = self._bm25.vocab_dict, self._bm25.scores
        if self._sorted is None:
            self._sorted = _postings_sorted(scores["indices"], scores["indptr"])
        for j, t in enumerate(terms):
            col = vocab.get(t)
            if col is None:
                continue
            postings = scores["indices"][scores["indptr"][col] : scores["indptr"][col + 1]]
            if not len(postings):
                continue
            if self._sorted:  # a binary search per id instead of a set over the postings
                at = np.searchsorted(postings, position).clip(0, len(postings) - 1)
                out[:, j] = (postings[at] == position) & found
            else:
                out[:, j] = np.isin(position, postings) & found
        return out

    def document_frequencies(self, terms: Iterable[str]) -> dict[str, int]:
        """How many chunks hold each (tokenized) term; 0 for a term no chunk holds."""
        if self._bm25 is None:
            return dict.fromkeys(terms, 0)
        vocab, indptr = self._bm25.vocab_dict, self._bm25.scores["indptr"]
        out = {}
        for t in terms:
            j = vocab.get(t)
            out[t] = 0 if j is None else int(indptr[j + 1] - indptr[j])
        return out

    def save(self, path: Path) -> None:
        """Write the folder atomically (`rag.atomic`): a reader finds the old folder or the
        new one, whole, at every moment."""

        def write(tmp: Path) -> None:
            np.save(tmp / "ids.npy", self.ids)
            if self._bm25 is not None:
                self._bm25.save(str(tmp))
            elif len(self.ids):
                (tmp / _NO_TERMS).touch()  # chunks, none with a word: not a folder missing its BM25

        write_folder_atomic(path, write)

    @classmethod
    def load(cls, path: Path) -> LexicalIndex:
        # numpy reads a .npy header with `ast.literal_eval`, which CPython 3.11 cannot run in
        # two threads at once ("AST constructor recursion depth mismatch"): one load at a time
        with _LOADING:
            ids = np.load(path / "ids.npy")
            bm25 = bm25s.BM25.load(str(path)) if len(ids) and not (path / _NO_TERMS).exists() else None
        return cls(ids, bm25)
