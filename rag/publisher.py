"""Publishing generations: the published snapshot readers share, the next one a writer makes,
and BM25 catching up behind a large one.

The writer hands `publish` its vectors inside its SQLite transaction; the files are saved
first and the commit is the publication (see docs/architecture.md, "Why readers never take
a lock"). Readers ask `snapshot(view)` for the state of the generation their transaction sees.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import replace
from pathlib import Path

from .catchup import CatchUp
from .generations import Generations, Snapshot, build_lexical, exact_vectors
from .readcache import ReadCache
from .store import Store, StoreView
from .vectors import Fill, IndexPolicy, VectorIndex, new_index

__all__ = ["Publisher"]

TryLock = Callable[[], AbstractContextManager[bool]]
"""The writer's locks without waiting: enters with True when held, False when another has them."""


class Publisher:
    def __init__(
        self,
        data_dir: Path,
        store: Store,
        policy: IndexPolicy,
        lexical_sync_max_chunks: int,
        default_dimension: int,
    ) -> None:
        self.store = store
        self.policy = policy
        self.lexical_sync_max_chunks = lexical_sync_max_chunks
        self.default_dimension = default_dimension
        self.generations = Generations(data_dir, policy)
        self.published: Snapshot | None = None
        self._load_lock = threading.Lock()
        self._try_lock: TryLock | None = None
        self._catch_up = CatchUp(self._catch_up_lexical)

    def bind(self, try_lock: TryLock) -> None:
        """The writer's locks, which catching up takes to save files and swap the snapshot."""
        self._try_lock = try_lock

    def dimension(self, view: StoreView, adding: int = 0) -> int:
        """The library's vector size; for one without vectors yet, that of the vectors being
        added (`adding`), else the model's."""
        return int(view.meta("dimension") or adding or self.default_dimension)

    # -- reading ----------------------------------------------------------------------

    def snapshot(self, view: StoreView) -> Snapshot:
        """The search state of the generation `view` sees, loaded once and shared."""
        generation = view.generation
        snap = self.published
        if snap is not None and snap.generation == generation and not self._caught_up_elsewhere(snap):
            return snap
        with self._load_lock:
            snap = self.published
            if snap is not None and snap.generation == generation:
                if self._caught_up_elsewhere(snap):  # another process saved this BM25 meanwhile
                    lexical = self.generations.load_lexical(generation)
                    if lexical is not None:
                        snap = self.published = replace(snap, lexical=lexical, lexical_generation=generation)
                return snap
            snap = self.generations.load(view, self.dimension(view))
            if self.published is None or snap.generation > self.published.generation:
                self.published = snap
            return snap

    def _caught_up_elsewhere(self, snap: Snapshot) -> bool:
        return snap.lexical_generation < snap.generation and self.generations.has_lexical(snap.generation)

    # -- writing ----------------------------------------------------------------------

    def working_copy(self, dimension: int = 0) -> VectorIndex:
        """A private copy of the last committed vectors for a writer to change. Read through a
        read transaction: never the writer's uncommitted rows (they would be added twice).
        `dimension`: the vectors about to be added, for a library that has none yet and was
        opened without a model (a writer that only commits prepared vectors)."""
        with self.store.reading() as view:
            dim = self.dimension(view, dimension)
            current = self.snapshot(view).vectors
        return current.copy() if len(current) or current.dimension == dim else new_index(dim)

    def publish(self, vectors: VectorIndex, changed: set[str], fill: Fill | None = None) -> Snapshot:
        """Make `vectors` (and the writer's rows) the next generation: files first, then the
        SQLite commit. `changed`: documents whose cached read facts must go; `fill`: who
        fills the vector index in shards if it must be restructured (`IndexPolicy.fit`)."""
        vectors = self.policy.fit(
            vectors, lambda: exact_vectors(self.store, vectors.dimension), fill
        )  # seconds, rarely
        generation = self.store.bump()
        previous = self.published
        cache = previous.cache.without(changed) if previous is not None else ReadCache()
        lagging = previous is not None and len(vectors) > self.lexical_sync_max_chunks
        if lagging and previous is not None:  # BM25 over everything takes seconds: publish, catch it up after
            snap = Snapshot(generation, vectors, previous.lexical, cache, previous.lexical_generation)
        else:
            snap = Snapshot(generation, vectors, build_lexical(self.store), cache)
            self.generations.save_lexical(generation, snap.lexical)
        self.generations.save_vectors(snap)
        self.store.commit()
        self.published = snap
        self.generations.prune({generation, generation - 1}, {snap.lexical_generation, generation})
        if lagging:
            self._catch_up.request()
        return snap

    # -- BM25 behind a large generation -------------------------------------------------

    def catch_up(self) -> None:
        self._catch_up.run_now()

    def close(self) -> None:
        self._catch_up.close()

    def _catch_up_lexical(self) -> bool:
        """One round of bringing BM25 up to the published generation; True if it moved on."""
        snap = self.published
        if snap is None or snap.lexical_generation >= snap.generation or self._try_lock is None:
            return False
        with self.store.reading() as view:
            generation = view.generation
            lexical = build_lexical(view)
        with self._try_lock() as held:  # files and the published snapshot change under the writer's locks
            if not held:
                return True  # another process is writing: try again later
            self.generations.save_lexical(generation, lexical)
            with self._load_lock:
                current = self.published
                if current is not None and current.lexical_generation < generation <= current.generation:
                    self.published = replace(current, lexical=lexical, lexical_generation=generation)
            if current is not None:
                keep = {current.generation, current.generation - 1}
                self.generations.prune(keep, {generation, current.generation})
        current = self.published
        return current is not None and current.lexical_generation < current.generation
