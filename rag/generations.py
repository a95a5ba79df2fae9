"""Published generations: the immutable search state readers use, and its files on disk.

A generation is SQLite's `generation` counter plus two derived files, `vectors/G.faiss`
and `lexical/G/`. A writer saves the files of generation G before the SQLite commit
that makes G current, so a reader that sees G in SQLite always finds its files (or
rebuilds them from the rows it reads in the same transaction, when they are damaged).
"""

from __future__ import annotations

import logging
import pickle
import re
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .lexical import LexicalIndex
from .readcache import ReadCache
from .store import StoreView
from .vectors import IndexPolicy, VectorIndex

__all__ = ["Generations", "ReadCache", "Snapshot"]

log = logging.getLogger(__name__)

_DAMAGED = (OSError, ValueError, KeyError, EOFError, pickle.UnpicklingError)
"""What loading a truncated or overwritten BM25 folder raises (an empty `ids.npy`: EOFError)."""

_NAME = re.compile(r"^(\d{10})(?:\.faiss)?$")


@dataclass(frozen=True, slots=True)
class Snapshot:
    """What one generation searches. Never changed after publication: writers build a new one."""

    generation: int
    vectors: VectorIndex
    lexical: LexicalIndex
    cache: ReadCache = field(default_factory=lambda: ReadCache())
    """What readers of this generation looked up (turns, sentence bounds), kept for the next."""
    lexical_generation: int = -1
    """The generation the BM25 index was built for: this one, or an older one while a large
    index catches up. A lagging BM25 only misses new chunks and still holds removed ones,
    whose ids the retriever drops (chunk ids are never reused, so no text is ever wrong)."""

    def __post_init__(self) -> None:
        if self.lexical_generation < 0:
            object.__setattr__(self, "lexical_generation", self.generation)


class Generations:
    def __init__(self, data_dir: Path, policy: IndexPolicy | None = None) -> None:
        self.policy = policy or IndexPolicy()
        self.vector_dir = data_dir / "vectors"
        self.lexical_dir = data_dir / "lexical"
        self.vector_dir.mkdir(exist_ok=True)
        self.lexical_dir.mkdir(exist_ok=True)

    def _vector_path(self, generation: int) -> Path:
        return self.vector_dir / f"{generation:010d}.faiss"

    def _lexical_path(self, generation: int) -> Path:
        return self.lexical_dir / f"{generation:010d}"

    def load(self, view: StoreView, dimension: int) -> Snapshot:
        """The generation `view` reads, from its files, or rebuilt from the rows when a file is
        missing, damaged or disagrees with SQLite (the disagreement is logged, then repaired).
        BM25 may come from an older generation while a writer catches it up."""
        generation = view.generation
        count = view.chunk_count()
        vector_file = self._vector_path(generation).exists()
        vectors = self._load_vectors(generation, dimension, count)
        if vectors is None:
            vectors = self.policy.fit(build_vectors(view, dimension))
            if vector_file and dimension:  # damaged, not pruned: keep the repair for the next start
                self._save_repair(lambda: vectors.save(self._vector_path(generation)))
        lexical_folder = self._lexical_path(generation).is_dir()
        lexical, built_for = self._load_lexical(generation, count), generation
        if lexical is None and lexical_folder:
            rebuilt = lexical = build_lexical(view)
            self._save_repair(lambda: self.save_lexical(generation, rebuilt))
        if lexical is None:
            lexical, built_for = self._latest_lexical(generation)
        if lexical is None:
            lexical, built_for = build_lexical(view), generation
        return Snapshot(generation, vectors, lexical, lexical_generation=built_for)

    @staticmethod
    def _save_repair(save: Callable[[], None]) -> None:
        """Save a file rebuilt from SQLite in place of a damaged one. The same rows give the
        same file, so a writer saving this generation meanwhile changes nothing; one that
        prunes it leaves an orphan the next prune removes. A failure only means the repair
        is done again next time."""
        try:
            save()
        except OSError as exc:
            log.warning("could not save the repaired file (%s): it will be rebuilt again", exc)

    def _latest_lexical(self, generation: int) -> tuple[LexicalIndex | None, int]:
        """The newest saved BM25 of an older generation, for a reader while it catches up."""
        older = sorted(
            (int(m.group(1)) for p in self.lexical_dir.iterdir() if (m := _NAME.match(p.name))),
            reverse=True,
        )
        for built_for in older:
            if built_for < generation and (lexical := self.load_lexical(built_for)) is not None:
                return lexical, built_for
        return None, generation

    def _load_vectors(self, generation: int, dimension: int, count: int) -> VectorIndex | None:
        path = self._vector_path(generation)
        if not dimension:
            return None
        try:
            vectors = VectorIndex.load(path, dimension, self.policy.nprobe)
            vectors.nprobe = self.policy.nprobe_for(vectors.kind)
        except FileNotFoundError:
            # a newer writer pruned it (this reader is inside an older generation), or it was lost
            log.info("generation %d has no vector file: building it from SQLite", generation)
            return None
        except (OSError, RuntimeError, ValueError) as exc:
            log.warning("vector file %s is damaged (%s): rebuilding it from SQLite", path, exc)
            return None
        if len(vectors) != count:
            log.warning(
                "vector file %s holds %d vectors but SQLite %d chunks: rebuilding", path, len(vectors), count
            )
            return None
        return vectors

    def _load_lexical(self, generation: int, count: int) -> LexicalIndex | None:
        path = self._lexical_path(generation)
        if not path.is_dir():
            return None
        try:
            lexical = LexicalIndex.load(path)
        except _DAMAGED as exc:
            log.warning("BM25 folder %s is damaged (%r): rebuilding it from SQLite", path, exc)
            return None
        if len(lexical) != count:
            log.warning("BM25 folder %s holds %d chunks but SQLite %d: rebuilding", path, len(lexical), count)
            return None
        return lexical

    def has_lexical(self, generation: int) -> bool:
        return self._lexical_path(generation).is_dir()

    def load_lexical(self, generation: int) -> LexicalIndex | None:
        try:
            return LexicalIndex.load(self._lexical_path(generation))
        except _DAMAGED:
            return None

    def save_vectors(self, snapshot: Snapshot) -> None:
        snapshot.vectors.save(self._vector_path(snapshot.generation))

    def save_lexical(self, generation: int, lexical: LexicalIndex) -> None:
        lexical.save(self._lexical_path(generation))

    def prune(self, keep_vectors: set[int], keep_lexical: set[int]) -> None:
        """Delete the files of other generations and leftovers of interrupted saves. The
        previous generation is worth keeping, for readers still inside it."""
        for folder, keep in ((self.vector_dir, keep_vectors), (self.lexical_dir, keep_lexical)):
            for path in folder.iterdir():
                m = _NAME.match(path.name)
                if (m and int(m.group(1)) not in keep) or path.name.startswith("."):
                    if path.is_dir():
                        shutil.rmtree(path, ignore_errors=True)
                    else:
                        path.unlink(missing_ok=True)


def build_vectors(view: StoreView, dimension: int) -> VectorIndex:
    vectors = VectorIndex(dimension or 1)
    if dimension:
        for ids, vecs in view.iter_vectors(dimension):
            vectors.add(ids, vecs)
    return vectors


def exact_vectors(view: StoreView, dimension: int) -> tuple[np.ndarray, np.ndarray]:
    """Every (id, vector) as SQLite holds it (for retraining a quantised index)."""
    parts = list(view.iter_vectors(dimension))
    if not parts:
        return np.empty(0, dtype=np.int64), np.empty((0, dimension), dtype=np.float32)
    return np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts])


def build_lexical(view: StoreView) -> LexicalIndex:
    ids: list[int] = []
    texts: list[str] = []
    for batch_ids, batch_texts in view.iter_embed_texts():
        ids.extend(batch_ids)
        texts.extend(batch_texts)
    return LexicalIndex.build(ids, texts)
