"""The learned ranker: its JSON round trip, its guards, and that it decides the order."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from rag import InvalidInput, Library
from rag.ranker import FEATURES, LinearRanker, default_ranker, feature_rows
from rag.retriever import RetrievalConfig
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
    data = json.loads(default_ranker().to_json())
    with pytest.raises(ValueError, match="retrain"):
        LinearRanker.from_json(json.dumps({**data, "features": data["features"][:-1]}))
    with pytest.raises(ValueError, match="version"):
        LinearRanker.from_json(json.dumps({**data, "version": 99}))
    (tmp_path / "bad.json").write_text("{}")
    with pytest.raises(InvalidInput, match="RAG_RANKER"):
        Settings(ranker=str(tmp_path / "bad.json")).library_options(rerank=False)


def test_the_shipped_ranker_loads_and_is_opt_in():
    assert len(default_ranker().weights) == len(FEATURES)
    assert RetrievalConfig().ranker is None
    assert Settings().library_options(rerank=False)["retrieval"].ranker is None
    assert Settings(ranker="learned").library_options(rerank=False)["retrieval"].ranker is not None


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
