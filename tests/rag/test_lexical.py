from __future__ import annotations

from pathlib import Path

import numpy as np

from rag.fusion import convex, rrf
from rag.lexical import LexicalIndex, _postings_sorted, tokenize


def _index() -> LexicalIndex:
    return LexicalIndex.build(
        [10, 20, 30],
        ["The ferry is painted yellow.", "Taxes fell last year.", "A yellow boat sails to the island."],
    )


def test_search_ranks_by_bm25_and_keeps_ids():
    ids, scores = _index().search("yellow ferry", 5)
    assert ids.tolist() == [10, 30]  # the chunk without either word is not returned
    assert scores[0] > scores[1] > 0


def test_stemming_and_stop_words():
    assert tokenize(["The ferries, sailing"])[0] == tokenize(["ferry sails"])[0] == ["ferri", "sail"]
    assert _index().search("the of and", 5)[0].size == 0


def test_save_and_load_round_trip(tmp_path: Path):
    index = _index()
    index.save(tmp_path / "0000000001")
    loaded = LexicalIndex.load(tmp_path / "0000000001")
    for query in ("yellow ferry", "taxes", "island"):
        a, b = index.search(query, 3), loaded.search(query, 3)
        assert a[0].tolist() == b[0].tolist() and np.allclose(a[1], b[1])
    terms = ["yellow", "ferri", "zebra"]
    assert loaded.document_frequencies(terms) == index.document_frequencies(terms)
    assert not list(tmp_path.glob(".*"))  # no temporary folder left behind


def test_document_frequencies_count_chunks_holding_a_term():
    index = _index()
    assert index.document_frequencies(["yellow", "ferri", "tax", "zebra"]) == {
        "yellow": 2,
        "ferri": 1,
        "tax": 1,
        "zebra": 0,
    }
    assert LexicalIndex.build([], []).document_frequencies(["yellow"]) == {"yellow": 0}


def test_tokenize_matches_bm25s_own_tokenizer():
    """The index was built by bm25s's tokenizer and is searched with ours: they must agree."""
    import bm25s

    from rag.lexical import _stemmer

    texts = [
        "The ferries, sailing — don't they? Naïve café owners' 2019 budgets: 3.5% up!",
        "",
        "a I to",
        "Straße ÉCOLE ΑΘΗΝΑ naïvely re-opened e-mails, U.S. policy_makers",
        "Mm-hmm. Yeah. OK, okay... 12 o'clock; x y zz",
    ]
    expected = bm25s.tokenize(
        texts, stopwords="en", stemmer=_stemmer(), return_ids=False, show_progress=False
    )
    assert tokenize(texts) == expected
    assert [tokenize([t])[0] for t in texts] == expected


def test_holds_tells_which_chunks_hold_each_term_in_any_id_order(tmp_path: Path):
    index = LexicalIndex.build([30, 10, 20], ["A yellow boat.", "The ferry is yellow.", "Taxes fell."])
    for lexical in (index, _saved(index, tmp_path)):
        held = lexical.holds(["yellow", "ferri", "zebra"], [20, 10, 99, 30])
        assert held.tolist() == [
            [False, False, False],
            [True, True, False],
            [False, False, False],  # an id the index does not have holds nothing
            [True, False, False],
        ]
    assert LexicalIndex.build([], []).holds(["yellow"], [1]).tolist() == [[False]]


def test_holds_answers_the_same_when_postings_are_not_in_order():
    index = LexicalIndex.build([1, 2, 3], ["yellow ferry", "ferry", "yellow boat ferry"])
    expected = index.holds(["yellow", "ferri", "boat"], [3, 1, 2]).tolist()
    index._sorted = False  # the set-membership path, for postings in any order
    assert index.holds(["yellow", "ferri", "boat"], [3, 1, 2]).tolist() == expected
    assert _postings_sorted(np.array([0, 2, 1, 3]), np.array([0, 2, 4]))  # two rising runs
    assert not _postings_sorted(np.array([2, 0, 1]), np.array([0, 3]))


def _saved(index: LexicalIndex, tmp_path: Path) -> LexicalIndex:
    index.save(tmp_path / "h")
    return LexicalIndex.load(tmp_path / "h")


def test_empty_index(tmp_path: Path):
    empty = LexicalIndex.build([], [])
    assert len(empty) == 0 and empty.search("anything", 3)[0].size == 0
    empty.save(tmp_path / "e")
    assert len(LexicalIndex.load(tmp_path / "e")) == 0


def _ranked(pairs):
    return np.array([i for i, _ in pairs]), np.array([s for _, s in pairs], dtype=np.float32)


def test_rrf_rewards_agreement():
    dense = _ranked([(1, 0.9), (2, 0.8)])
    lexical = _ranked([(2, 9.0), (3, 5.0)])
    fused = rrf(dense, lexical, weight=0.5)
    assert max(fused, key=fused.get) == 2  # second in both beats first in one
    assert set(fused) == {1, 2, 3}


def test_convex_normalises_bm25_by_its_best():
    dense = _ranked([(1, 0.5)])
    lexical = _ranked([(2, 8.0), (1, 4.0)])
    fused = convex(dense, lexical, weight=0.5)
    assert fused[1] == 0.5 * 0.5 + 0.5 * 0.5
    assert fused[2] == 0.5


NO_WORDS = ["Q: a?\nA: b.", "the the the", "🙂🎉", "?! ... --"]


def test_chunks_without_indexable_words_are_a_valid_empty_index(tmp_path: Path):
    """Only stop words, one-letter words, emoji or punctuation: nothing for BM25 to index."""
    index = LexicalIndex.build([1, 2, 3, 4], NO_WORDS)
    assert len(index) == 4  # every chunk is accounted for, so the file matches SQLite's count
    assert index.search("a the", 3)[0].size == 0 and index.search("ferry", 3)[0].size == 0
    assert index.document_frequencies(["ferri", "the"]) == {"ferri": 0, "the": 0}
    index.save(tmp_path / "0000000001")
    loaded = LexicalIndex.load(tmp_path / "0000000001")
    assert len(loaded) == 4 and loaded.search("ferry", 3)[0].size == 0
    assert loaded.document_frequencies(["ferri"]) == {"ferri": 0}


def test_chunks_without_words_beside_real_ones(tmp_path: Path):
    index = LexicalIndex.build([1, 2], ["the the", "The ferry is yellow."])
    assert index.search("yellow ferry", 3)[0].tolist() == [2]
    index.save(tmp_path / "g")
    assert LexicalIndex.load(tmp_path / "g").search("ferry", 3)[0].tolist() == [2]


def test_saving_over_a_folder_never_leaves_readers_without_one(tmp_path: Path):
    """Saving a generation's folder again (a catch-up in two processes, a rerun) swaps it in
    whole: a reader at any moment finds a complete folder, never none or half of one."""
    import sys
    import threading
    import time

    index = _index()
    path = tmp_path / "0000000007"
    index.save(path)
    stop = threading.Event()
    problems: list[str] = []
    loading = threading.Lock()

    def reader() -> None:
        while not stop.is_set():
            try:
                if not path.is_dir():
                    problems.append("no folder")
                else:
                    with loading:  # np.load's header parse (ast) is not thread-safe in CPython 3.11
                        loaded = LexicalIndex.load(path)
                    if loaded.search("yellow ferry", 3)[0].tolist() != [10, 30]:
                        problems.append("wrong results")
            except Exception as exc:
                problems.append(repr(exc))

    old = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    threads = [threading.Thread(target=reader) for _ in range(3)]
    try:
        for t in threads:
            t.start()
        deadline = time.monotonic() + 2.0
        while time.monotonic() < deadline and not problems:
            index.save(path)
    finally:
        stop.set()
        for t in threads:
            t.join(10)
        sys.setswitchinterval(old)
    assert not problems, problems[:3]
    assert [p.name for p in tmp_path.iterdir()] == [path.name]  # nothing left beside it
