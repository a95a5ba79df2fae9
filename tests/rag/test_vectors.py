"""Exact and IVF vector indexes: the same ids, removal, filters, files, and the size policy."""

from __future__ import annotations

from pathlib import Path

import faiss
import numpy as np
import pytest

from rag.vectors import IndexPolicy, VectorIndex
from rag.vectors.policy import restructured

DIM = 16


def _vectors(n: int, seed: int = 0) -> np.ndarray:
    v = np.random.default_rng(seed).normal(size=(n, DIM)).astype(np.float32)
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def _flat(n: int) -> tuple[VectorIndex, np.ndarray, np.ndarray]:
    vectors, ids = _vectors(n), np.arange(1000, 1000 + n, dtype=np.int64)
    index = VectorIndex(DIM)
    index.add(ids, vectors)
    return index, ids, vectors


def test_policy_switches_by_size_with_hysteresis() -> None:
    policy = IndexPolicy(ivf_min_vectors=2_000, nprobe=4)
    small, _, _ = _flat(1_999)
    assert not policy.fit(small).is_ivf
    big, _, _ = _flat(2_000)
    ivf = policy.fit(big)
    assert ivf.is_ivf and ivf.lists == IndexPolicy.lists_for(2_000) and ivf.nprobe == 4
    # a little below the threshold it stays IVF; well below it goes back to exact
    ivf.remove(np.arange(1000, 1000 + 200, dtype=np.int64))
    assert policy.fit(ivf).is_ivf
    ivf.remove(np.arange(1200, 1200 + 300, dtype=np.int64))
    back = policy.fit(ivf)
    assert not back.is_ivf and len(back) == 1_500


def test_policy_overrides() -> None:
    index, _, _ = _flat(3_000)
    assert not IndexPolicy(kind="flat", ivf_min_vectors=10).fit(index.copy()).is_ivf
    assert IndexPolicy(kind="ivf").fit(index.copy()).is_ivf  # below the auto threshold
    with pytest.raises(ValueError, match="index kind"):
        IndexPolicy(kind="hnsw")  # type: ignore[arg-type]


def test_ivf_keeps_ids_vectors_removal_and_files(tmp_path: Path) -> None:
    flat, ids, vectors = _flat(4_000)
    ivf = IndexPolicy(kind="ivf", nprobe=1_000).fit(flat.copy())  # nprobe >= lists: exhaustive
    assert sorted(ivf.ids().tolist()) == ids.tolist()
    np.testing.assert_allclose(ivf.reconstruct([1003, 4999]), vectors[[3, 3999]])
    for q in vectors[:20]:
        assert ivf.search(q, 10)[0].tolist() == flat.search(q, 10)[0].tolist()

    assert ivf.remove(np.array([1003], dtype=np.int64)) == 1
    assert 1003 not in ivf.search(vectors[3], 10)[0].tolist()
    ivf.add(np.array([9_000], dtype=np.int64), vectors[3:4])
    assert ivf.search(vectors[3], 1)[0].tolist() == [9_000]

    ivf.save(tmp_path / "v.faiss")
    loaded = VectorIndex.load(tmp_path / "v.faiss", DIM, nprobe=1_000)
    assert loaded.is_ivf and len(loaded) == 4_000
    assert loaded.search(vectors[3], 1)[0].tolist() == [9_000]


def test_ivf_filter_finds_ids_outside_the_probed_lists() -> None:
    flat, ids, vectors = _flat(4_000)
    ivf = IndexPolicy(kind="ivf", nprobe=1).fit(flat.copy())
    allowed = ids[-3:]
    found, _ = ivf.search(vectors[0], 10, allowed=allowed)
    assert sorted(found.tolist()) == sorted(allowed.tolist())


def test_copy_is_independent() -> None:
    ivf = IndexPolicy(kind="ivf").fit(_flat(2_000)[0])
    other = ivf.copy()
    other.remove(np.array([1000, 1001], dtype=np.int64))
    assert len(ivf) == 2_000 and len(other) == 1_998


def test_settings_build_the_policy() -> None:
    from rag.settings import Settings

    policy = Settings(index="ivf", ivf_min_chunks=10, nprobe=8).library_options()["index_policy"]
    assert policy == IndexPolicy(kind="ivf", ivf_min_vectors=10, nprobe=8)
    assert Settings().library_options()["index_policy"] == IndexPolicy()


def test_forced_ivf_waits_for_enough_vectors_to_train() -> None:
    tiny, _, _ = _flat(38)
    assert not IndexPolicy(kind="ivf").fit(tiny).is_ivf
    assert IndexPolicy(kind="ivf").fit(_flat(39)[0]).lists == 1


@pytest.mark.parametrize("kind", ["flat", "ivf"])
def test_a_filtered_search_returns_only_allowed_ids(kind: str) -> None:
    """Ids far past the first byte of the filter's bitmap, in both structures."""
    rng = np.random.default_rng(3)
    vectors = rng.standard_normal((400, 16)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    ids = np.arange(400, dtype=np.int64) * 7 + 1000
    index = VectorIndex(16)
    index.add(ids, vectors)
    if kind == "ivf":
        index = restructured(index, "ivf", 8)
    for allowed in (ids[:3], ids[::2], ids[-5:]):
        found, _ = index.search(vectors[0], 50, allowed=allowed)
        assert len(found) and set(found.tolist()) <= set(allowed.tolist())
    found, _ = index.search(vectors[0], 50, allowed=ids[::2])
    assert len(found) == 50  # a wide filter probes enough lists to fill k


def test_ivfpq_past_its_threshold_keeps_ids_removal_filters_and_files(tmp_path: Path) -> None:
    """Past `ivfpq_min_vectors` the policy quantises; ids, removal, filters and files work as
    for the other backends, and a retrain reads the exact vectors, not the codes."""
    flat, ids, vectors = _flat(6_000)
    policy = IndexPolicy(ivf_min_vectors=1_000, ivfpq_min_vectors=5_000, nprobe=1_000, ivfpq_nprobe=1_000)
    pq = policy.fit(flat.copy())
    assert pq.kind == "ivfpq" and pq.lists == IndexPolicy.lists_for(6_000)
    assert sorted(pq.ids().tolist()) == ids.tolist()
    hits = sum(int(pq.search(q, 10)[0][0] == i) for q, i in zip(vectors[:50], ids[:50], strict=True))
    assert hits >= 45  # its own vector is (nearly always) its nearest, though only approximated
    assert pq.remove(ids[:2]) == 2 and ids[0] not in pq.search(vectors[0], 10)[0]
    assert sorted(pq.search(vectors[0], 10, allowed=ids[-3:])[0].tolist()) == ids[-3:].tolist()
    pq.save(tmp_path / "pq.faiss")
    loaded = VectorIndex.load(tmp_path / "pq.faiss", DIM, nprobe=8)
    assert loaded.kind == "ivfpq" and len(loaded) == 6_000 - 2
    # shrinking well below: back to IVF-Flat, from the exact vectors it is handed
    loaded.remove(ids[2:3_000])
    asked = []
    back = policy.fit(loaded, exact=lambda: asked.append(1) or (ids[3_000:], vectors[3_000:]))
    assert back.kind == "ivf" and asked == [1]
    np.testing.assert_allclose(back.reconstruct([int(ids[3_000])]), vectors[3_000:3_001])


def test_an_approximate_index_is_rescored_with_the_true_vectors() -> None:
    """IVF-PQ's candidates re-scored exactly: the exact top 10 (nearly always) and true cosines."""
    from rag.vectors import search_exact

    flat, ids, vectors = _flat(6_000)
    pq = IndexPolicy(kind="ivfpq", ivfpq_nprobe=1_000).fit(flat.copy())
    truth = dict(zip(ids.tolist(), vectors, strict=True))
    exact = lambda found: np.stack([truth[int(i)] for i in found])  # noqa: E731
    queries = _vectors(40, seed=1)
    recall = []
    for q in queries:
        want_ids, _ = flat.search(q, 10)
        got_ids, got_scores = search_exact(pq, q, 10, allowed=None, vectors_of=exact)
        recall.append(len(set(want_ids.tolist()) & set(got_ids.tolist())) / 10)
        np.testing.assert_allclose(got_scores, exact(got_ids) @ q, rtol=1e-5)
    raw = np.mean(
        [len(set(flat.search(q, 10)[0].tolist()) & set(pq.search(q, 10)[0].tolist())) / 10 for q in queries]
    )
    assert np.mean(recall) >= 0.95 > raw
    assert (
        search_exact(flat, queries[0], 5, allowed=None, vectors_of=exact)[0].tolist()
        == flat.search(queries[0], 5)[0].tolist()
    )


@pytest.mark.parametrize("kind", ["ivf", "ivfpq"])
def test_an_index_filled_in_shards_and_merged_is_the_one_build(kind: str, tmp_path: Path) -> None:
    """Trained once, filled a shard at a time from its serialised empty form (as Ray tasks
    fill it), merged: the same lists in the same order, so the same results, scores and all,
    as one `build` of the same vectors; and it removes, filters and saves like one."""
    from rag.vectors import BACKENDS, IvfFlatIndex, build_in_shards, fill_shard

    vectors, ids = _vectors(5_000, seed=4), np.arange(0, 15_000, 3, dtype=np.int64) + 7
    backend = BACKENDS[kind]
    assert issubclass(backend, IvfFlatIndex)
    one = backend.build(DIM, ids, vectors, lists=40, nprobe=6)
    filled: list[int] = []

    def fill(empty: bytes, shards):  # type: ignore[no-untyped-def]
        filled.extend(len(i) for i, _ in shards)
        return [fill_shard(empty, i, v) for i, v in reversed(shards)][::-1]  # any order of work

    sharded = build_in_shards(backend, DIM, ids, vectors, lists=40, nprobe=6, fill=fill, shard_vectors=1_300)
    assert filled == [1_300, 1_300, 1_300, 1_100]
    assert sharded.kind == kind and len(sharded) == len(one) == 5_000 and sharded.lists == 40
    queries = _vectors(30, seed=5)
    for q in [*queries, *vectors[:10]]:
        a, b = one.search(q, 20), sharded.search(q, 20)
        assert a[0].tolist() == b[0].tolist() and a[1].tolist() == b[1].tolist()
        allowed = ids[::7]
        assert (
            one.search(q, 5, allowed=allowed)[0].tolist() == sharded.search(q, 5, allowed=allowed)[0].tolist()
        )
    assert sharded.remove(ids[:100]) == one.remove(ids[:100]) == 100
    np.testing.assert_array_equal(sharded.reconstruct([int(ids[200])]), one.reconstruct([int(ids[200])]))
    sharded.save(tmp_path / "s.faiss")
    assert VectorIndex.load(tmp_path / "s.faiss", DIM, nprobe=6).search(queries[0], 20)[0].tolist() == (
        one.search(queries[0], 20)[0].tolist()
    )


def test_the_policy_fills_a_restructured_index_through_the_fill_it_is_given() -> None:
    from rag.vectors.shards import fill_here

    flat, _, vectors = _flat(3_000)
    calls: list[int] = []

    def fill(empty: bytes, shards):  # type: ignore[no-untyped-def]
        calls.append(len(shards))
        return fill_here(empty, shards)

    policy = IndexPolicy(kind="ivf", nprobe=8)
    sharded, one = policy.fit(flat.copy(), fill=fill), policy.fit(flat.copy())
    assert calls == [1] and sharded.kind == one.kind == "ivf"
    for q in vectors[:10]:
        assert sharded.search(q, 10)[0].tolist() == one.search(q, 10)[0].tolist()
    assert not IndexPolicy().fit(flat.copy(), fill=fill).is_ivf and calls == [1]  # exact: nothing to fill


def test_a_search_runs_on_the_calling_thread_alone_and_puts_the_setting_back():
    rng = np.random.default_rng(3)
    vectors = rng.normal(size=(40, 8)).astype(np.float32)
    index = VectorIndex.build(
        8, np.arange(40, dtype=np.int64), vectors / np.linalg.norm(vectors, axis=1)[:, None]
    )
    real, seen = index._index, []

    class Watched:
        """The real FAISS index, noting how many OpenMP threads its search may use."""

        def __getattr__(self, name: str) -> object:
            return getattr(real, name)

        def search(self, *args: object, **kwargs: object) -> object:
            seen.append(faiss.omp_get_max_threads())
            return real.search(*args, **kwargs)

    index._index = Watched()
    before = faiss.omp_get_max_threads()
    faiss.omp_set_num_threads(3)
    try:
        found, _ = index.search(vectors[7], 5)
        assert seen == [1] and faiss.omp_get_max_threads() == 3
        assert found[0] == 7
        index.search_threads = 0  # FAISS's own team, as `benchmarks/vectors.py --threads team`
        index.search(vectors[7], 5)
        assert seen == [1, 3]
    finally:
        faiss.omp_set_num_threads(before)
