"""The learned ranker: its JSON round trip, its guards, and that it decides the order."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from rag import InvalidInput, Library
from rag.ranker import (
    FEATURES,
    LinearRanker,
    TreeRanker,
    default_ranker,
    feature_rows,
    load_ranker,
    parse_ranker,
)
from rag.retriever import RetrievalConfig, _near
from rag.settings import Settings
from tests.fakes import FakeEmbedder


def _only(feature: str, weight: float = 1.0) -> LinearRanker:
    return LinearRanker(tuple(weight if f == feature else 0.0 for f in FEATURES), 0.0)


def test_json_round_trip_keeps_every_weight(tmp_path: Path):
    ranker = LinearRanker(
        tuple(float(i) / 7 for i in range(len(FEATURES))), -1.25, trained_on={"questions": 3}
    )
    ranker.save(tmp_path / "r.json")
    again = LinearRanker.load(tmp_path / "r.json")
    assert again.features == FEATURES and again.trained_on == {"questions": 3}
    x = np.random.default_rng(0).normal(size=(5, len(FEATURES)))
    assert np.allclose(again.score(x), ranker.score(x), atol=1e-5)
    assert "pickle" not in (tmp_path / "r.json").read_text()


def test_a_ranker_for_other_features_or_versions_is_refused(tmp_path: Path):
    for ranker in (default_ranker(), _only("bm25")):
        data = json.loads(ranker.to_json())
        with pytest.raises(ValueError, match="retrain"):  # a feature this program does not compute
            parse_ranker(json.dumps({**data, "features": [*data["features"][:-1], "shoe_size"]}))
        with pytest.raises(ValueError, match="retrain"):
            parse_ranker(json.dumps({**data, "features": [data["features"][0]] * len(data["features"])}))
        with pytest.raises(ValueError, match="version"):
            parse_ranker(json.dumps({**data, "version": 99}))
    (tmp_path / "bad.json").write_text("{}")
    with pytest.raises(InvalidInput, match="RAG_RANKER"):
        Settings(ranker=str(tmp_path / "bad.json")).library_options(rerank=False)


def test_the_shipped_trees_rank_by_default_and_none_turns_them_off():
    shipped = default_ranker()
    assert isinstance(shipped, TreeRanker) and set(shipped.features) <= set(FEATURES)
    assert RetrievalConfig().ranker == shipped
    assert Settings().library_options(rerank=False)["retrieval"].ranker == shipped
    assert Settings(ranker="none").library_options(rerank=False)["retrieval"].ranker is None


def test_how_many_candidates_the_ranker_scores_is_a_setting(monkeypatch: pytest.MonkeyPatch):
    assert Settings().library_options(rerank=False)["retrieval"].scored is None  # the model's own
    assert default_ranker().scored > 0  # the shipped trees chose a shortlist when fitted
    monkeypatch.setenv("RAG_RANKER_SCORED", "0")
    assert Settings().library_options(rerank=False)["retrieval"].scored == 0
    monkeypatch.setenv("RAG_RANKER_SCORED", "-1")
    with pytest.raises(ValueError, match="ranker_scored"):
        Settings()


def test_a_model_of_some_features_in_its_own_order_scores_its_columns():
    """Features added later leave older models valid: each reads the columns it names."""
    ranker = LinearRanker((2.0, -1.0), 0.0, features=("coverage", "bm25"))
    again = parse_ranker(ranker.to_json())
    rows = [{f: 0.0 for f in FEATURES} | {"coverage": 1.0, "bm25": 0.5}, {f: 0.0 for f in FEATURES}]
    x = feature_rows(rows, again.features)
    assert x.tolist() == [[1.0, 0.5], [0.0, 0.0]]
    assert np.allclose(again.score(x), 1 / (1 + np.exp(-np.array([1.5, 0.0]))))
    assert feature_rows(rows, ("bm25",)).tolist() == [[0.5], [0.0]]


def test_feature_rows_follow_the_feature_order():
    rows = feature_rows([{"bm25": 2.0}, {"cosine": 0.5, "named": 1.0}])
    assert rows.shape == (2, len(FEATURES))
    assert rows[0, FEATURES.index("bm25")] == 2.0 and rows[1, FEATURES.index("named")] == 1.0


TALK = """Ann: What do the bees need most in spring?

Bo: Flowers that bloom early, and clean water near the hives.

Ann: And the honey harvest?

Bo: We take the honey in late summer, after the heather flowers.
"""


def test_the_ranker_decides_the_hybrid_order(tmp_path: Path):
    with Library.open(tmp_path, embedder=FakeEmbedder()) as lib:
        lib.add_text(TALK, id="bees")
        question = "honey harvest heather flowers"
        cands = lib.candidates(question)
        assert cands and all(set(f) == set(FEATURES) for _, f in cands)
        by_bm25 = max(cands, key=lambda c: c[1]["bm25"])[0]
        by_cos = max(cands, key=lambda c: c[1]["cosine"])[0]
        for feature, row in (("bm25", by_bm25), ("cosine", by_cos)):
            lib.retrieval = RetrievalConfig(ranker=_only(feature), min_passage_chars=0)
            top = lib.ask(question, k=1)[0]
            assert top.start <= row.start < top.end  # the candidate the ranker scores best leads


def test_candidate_features_describe_the_chunk_its_turn_and_its_neighbours(tmp_path: Path):
    with Library.open(tmp_path, embedder=FakeEmbedder()) as lib:
        lib.add_text(TALK, id="bees")
        cands = lib.candidates("heather honey harvest")
        text = lib.document("bees").text
        by_text = {text[r.start : r.end]: f for r, f in cands}
    late = next(f for t, f in by_text.items() if t.startswith("We take the honey"))
    ask = next(f for t, f in by_text.items() if t.startswith("And the honey harvest"))
    early = next(f for t, f in by_text.items() if t.startswith("Flowers that bloom"))
    assert late["answer"] == 1.0 and ask["answer"] == 0.0 and ask["question"] == 1.0
    # "heather" is the rarest term: only the late answer holds it, and with the question it
    # answers (indexed with it) every term; the question holds two of the three
    assert late["rarest"] == 1.0 and ask["rarest"] == 0.0
    assert late["coverage"] == 1.0 and 0.0 < ask["coverage"] < 1.0
    assert early["coverage"] == 0.0 and early["rarest"] == 0.0
    assert late["position"] == 0.0 and late["turn_bm25"] == late["bm25"] == 1.0
    assert ask["near_bm25"] == 1.0 and early["near_bm25"] == 1.0  # the turns after them match best
    assert min(f["cosine_gap"] for f in by_text.values()) == 0.0
    assert {f["query_terms"] for f in by_text.values()} == {math.log1p(3)}


def test_neighbouring_turns_are_found_within_their_own_document():
    groups = {("a", 5): 0, ("b", 0): 1, ("b", 1): 2, ("a", 7): 3, ("a", 10): 4}
    bm25, cos = np.array([0.1, 0.2, 0.3, 0.4, 0.9]), np.array([0.5, 0.6, 0.7, 0.8, 0.9])
    near_bm25, near_cos = _near(groups, bm25, cos, floor=0.05)
    # a5 and a7 are two turns apart; b0 and b1 are next to each other; a10 has no candidate
    # within two turns, and b0's turn before it is not a's last turn
    assert near_bm25.tolist() == [0.4, 0.3, 0.2, 0.1, 0.0]
    assert near_cos.tolist() == [0.8, 0.7, 0.6, 0.5, 0.05]


def _screened(first: TreeRanker, rest: TreeRanker, screen_trees: int) -> TreeRanker:
    """`first`'s trees, then `rest`'s (node numbers shifted), the first `screen_trees` screening."""
    shift = len(first.feature)
    return TreeRanker(
        feature=first.feature + rest.feature,
        threshold=first.threshold + rest.threshold,
        left=first.left + tuple(i + shift if i >= 0 else i for i in rest.left),
        right=first.right + tuple(i + shift if i >= 0 else i for i in rest.right),
        value=first.value + rest.value,
        roots=first.roots + tuple(r + shift for r in rest.roots),
        screen_trees=screen_trees,
    )


def test_the_ranker_scores_in_full_only_the_best_of_its_screen(tmp_path: Path):
    with Library.open(tmp_path, embedder=FakeEmbedder()) as lib:
        lib.add_text(TALK, id="bees")
        question = "honey harvest heather flowers"
        ordered = sorted(lib.candidates(question), key=lambda c: -c[1]["fused"])
        fused = [f["fused"] for _, f in ordered]
        assert len(fused) >= 4 and fused[2] > fused[3]
        # the first tree (the screen) wants the fusion's best three; the second, heavier, its worst
        likes_best = _stump("fused", (fused[2] + fused[3]) / 2, 0.0, 1.0)
        likes_worst = _stump("fused", fused[-1], 10.0, 0.0)
        ranker = _screened(likes_best, likes_worst, 1)
        # k=1: at least 3 candidates scored in full, the three the screen likes
        lib.retrieval = RetrievalConfig(ranker=ranker, scored=1, min_passage_chars=0)
        (top,) = lib.ask(question, k=1)
        assert top.score == pytest.approx(1 / (1 + math.exp(-1.0)))  # both trees' leaves: 1 + 0
        assert any(top.start <= row.start < top.end for row, _ in ordered[:3])
        lib.retrieval = RetrievalConfig(ranker=ranker, scored=0, min_passage_chars=0)
        (top,) = lib.ask(question, k=1)  # every candidate scored: the fusion's worst leads
        assert top.score == pytest.approx(1 / (1 + math.exp(-10.0)))


_FEATURES_OF = """
import json, sys, tempfile
from rag import Library
from tests.fakes import FakeEmbedder
from tests.rag.test_ranker import TALK
with tempfile.TemporaryDirectory() as d, Library.open(d, embedder=FakeEmbedder()) as lib:
    lib.add_text(TALK, id="bees")
    print(json.dumps(sorted((r.start, sorted(f.items())) for r, f in lib.candidates(sys.argv[1]))))
"""


def test_features_are_the_same_in_every_process():
    """Two terms of equal idf: which is "the rarest" must not follow a set's order, which
    Python's hash seed changes from process to process."""
    root = Path(__file__).resolve().parents[2]
    runs = {
        subprocess.run(
            [sys.executable, "-c", _FEATURES_OF, "bloom heather"],
            env={**os.environ, "PYTHONHASHSEED": seed, "PYTHONPATH": str(root)},
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for seed in ("1", "2", "3", "4")
    }
    assert len(runs) == 1
    rows = json.loads(runs.pop())
    assert sum(dict(f)["rarest"] for _, f in rows) == 1.0  # one of the two, the question's first


def _stump(feature: str, threshold: float, low: float, high: float) -> TreeRanker:
    """One tree: rows with `feature` <= threshold get `low`, the others `high`."""
    return TreeRanker(
        feature=(FEATURES.index(feature), -1, -1),
        threshold=(threshold, 0.0, 0.0),
        left=(1, -1, -1),
        right=(2, -1, -1),
        value=(0.0, low, high),
        roots=(0,),
    )


def test_trees_go_left_at_or_below_the_threshold_and_sum_over_trees():
    one = _stump("bm25", 0.5, -1.0, 2.0)
    x = feature_rows([{"bm25": 0.5}, {"bm25": 0.6}, {"bm25": 0.1}])
    assert one.raw(x).tolist() == [-1.0, 2.0, -1.0]
    # two trees in one: the second over the cosine, its nodes after the first's
    two = TreeRanker(
        feature=(*one.feature, FEATURES.index("cosine"), -1, -1),
        threshold=(*one.threshold, 0.3, 0.0, 0.0),
        left=(*one.left, 4, -1, -1),
        right=(*one.right, 5, -1, -1),
        value=(*one.value, 0.0, 0.0, 10.0),
        roots=(0, 3),
        base=0.5,
    )
    x = feature_rows([{"bm25": 0.6, "cosine": 0.9}, {"bm25": 0.1, "cosine": 0.1}])
    assert two.raw(x).tolist() == [12.5, -0.5]
    assert ((two.score(x) > 0) & (two.score(x) < 1)).all()
    assert two.raw(x, trees=1).tolist() == [2.5, -0.5] and two.raw(x, trees=0).tolist() == [0.5, 0.5]
    assert two.screen(x).tolist() == two.raw(x).tolist()  # screen_trees 0: every tree
    assert replace(two, screen_trees=1).screen(x).tolist() == [2.5, -0.5]
    with pytest.raises(ValueError, match="screen_trees"):
        replace(two, screen_trees=3)


def test_tree_json_round_trip_and_guards(tmp_path: Path):
    ranker = replace(_screened(_stump("cited", 0.25, -0.5, 0.75), _stump("bm25", 0.5, 0.0, 1.0), 1), scored=7)
    ranker.save(tmp_path / "t.json")
    again = load_ranker(tmp_path / "t.json")
    assert isinstance(again, TreeRanker) and again == ranker and (again.screen_trees, again.scored) == (1, 7)
    with pytest.raises(ValueError, match="scored"):
        replace(ranker, scored=-1)
    older = {k: v for k, v in json.loads(ranker.to_json()).items() if k != "scored"}
    assert parse_ranker(json.dumps(older)).scored == 20  # as files without the key were served
    assert parse_ranker(json.dumps({**older, "screen_trees": 0})).scored == 0  # nothing screens
    x = np.random.default_rng(1).uniform(size=(20, len(FEATURES)))
    assert np.array_equal(again.score(x), ranker.score(x))
    data = json.loads(ranker.to_json())
    data["nodes"]["left"][0] = 9  # a child that does not exist
    with pytest.raises(ValueError, match="does not exist"):
        parse_ranker(json.dumps(data))
    data = json.loads(ranker.to_json())
    data["nodes"]["left"][0] = 0  # a node that is its own child: the walk would never end
    with pytest.raises(ValueError, match="forest"):
        parse_ranker(json.dumps(data))
    with pytest.raises(ValueError, match="unknown ranker kind"):
        parse_ranker(json.dumps({**json.loads(ranker.to_json()), "kind": "forest"}))
    assert isinstance(
        parse_ranker(json.dumps({**json.loads(_only("bm25").to_json()), "version": 2})), LinearRanker
    )


def test_lightgbm_models_convert_to_the_same_scores():
    lightgbm = pytest.importorskip("lightgbm", reason="lightgbm is a benchmark dependency (the bench extra)")
    rng = np.random.default_rng(2)
    x = rng.uniform(size=(600, len(FEATURES)))
    y = (x[:, 0] + 0.5 * x[:, 3] * (x[:, 5] > 0.5) + 0.1 * rng.normal(size=600) > 0.8).astype(int)
    model = lightgbm.LGBMRanker(n_estimators=20, num_leaves=7, min_data_in_leaf=5, verbose=-1, n_jobs=1)
    model.fit(x, y, group=[30] * 20)
    ranker = TreeRanker.from_lightgbm(model.booster_.dump_model())
    probe = rng.uniform(size=(100, len(FEATURES)))
    assert np.allclose(ranker.raw(probe), model.predict(probe), atol=1e-9)
