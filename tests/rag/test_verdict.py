"""The answerable verdict's signals and model, on numbers worked by hand."""

from __future__ import annotations

import math
from dataclasses import replace

import pytest

from rag.model import Evidence
from rag.verdict import VerdictModel, evidence, idf, standing


def test_idf_is_bm25s_and_weighs_rare_terms_more():
    assert idf(0, 10) == pytest.approx(math.log(1 + 10.5 / 0.5))
    assert idf(0, 10) > idf(1, 10) > idf(9, 10) > 0


def test_coverage_is_the_best_single_passage_share_of_term_weight():
    terms = {"ferri": 1, "yellow": 1, "island": 3}
    found = evidence(0.4, terms, 10, [{"ferri", "tax"}, {"yellow", "island"}, set()])
    w = {t: idf(df, 10) for t, df in terms.items()}
    assert found.similarity == 0.4
    assert found.coverage == pytest.approx((w["yellow"] + w["island"]) / sum(w.values()))
    assert found.unknown == 0.0


def test_unknown_is_the_share_of_terms_no_chunk_holds():
    found = evidence(0.4, {"ferri": 2, "vape": 0, "teenag": 0, "island": 5}, 10, [{"ferri"}])
    assert found.unknown == 0.5
    # an unheard-of term weighs most, so covering the known one covers less than half
    assert 0 < found.coverage < 0.5


def test_terms_is_the_number_of_the_questions_distinct_terms():
    assert evidence(0.4, {"ferri": 2, "vape": 0, "island": 5}, 10, [{"ferri"}]).terms == 3


def test_the_model_reads_terms_on_a_log_scale():
    e = Evidence(similarity=0.5, coverage=0.25, unknown=0.1, terms=3)
    assert VerdictModel.inputs(e) == (0.5, 0.25, 0.1, math.log(4), 0.0, 0.0)
    only_terms = VerdictModel(0, 0, 0, 0, terms=1.0, margin=0.0, standout=0.0)
    assert only_terms.probability(e) == pytest.approx(1 / (1 + 1 / 4))  # sigmoid(log 4) = 4 / 5


def test_no_terms_and_no_passages():
    assert evidence(0.3, {}, 10, [{"a"}]) == Evidence(0.3, 0.0, 0.0)
    assert evidence(0.3, {"ferri": 1}, 10, []).coverage == 0.0


def test_probability_moves_with_each_signal():
    model = VerdictModel()
    base = Evidence(similarity=0.45, coverage=0.4, unknown=0.1)
    p = model.probability(base)
    assert 0 < p < 1
    assert model.probability(Evidence(0.6, 0.4, 0.1)) > p
    assert model.probability(Evidence(0.45, 0.8, 0.1)) > p
    assert model.probability(Evidence(0.45, 0.4, 0.4)) < p
    assert model.probability(Evidence(0.45, 0.4, 0.1, terms=8)) < model.probability(
        Evidence(0.45, 0.4, 0.1, terms=4)
    )
    assert model.probability(Evidence(0.45, 0.4, 0.1, margin=0.2)) > p  # it stands out
    assert VerdictModel(0, 0, 0, 0, 0, 0, 0).probability(replace(base, margin=0.3, standout=2.0)) == 0.5


def test_standing_is_against_the_searchs_own_cosines():
    # median 0.3; mean 0.35, population standard deviation 0.15
    margin, standout = standing(0.65, [0.2, 0.3, 0.3, 0.6])
    assert margin == pytest.approx(0.35) and standout == pytest.approx((0.65 - 0.35) / math.sqrt(0.0225))
    assert standing(0.5, [0.4]) == (0.0, 0.0)  # one cosine: nothing to stand out from
    assert standing(0.5, [0.4, 0.4]) == pytest.approx((0.1, 0.0))  # all alike: no spread to count in
    found = evidence(0.65, {"ferri": 1}, 10, [{"ferri"}], [0.2, 0.3, 0.3, 0.6])
    assert (found.margin, found.standout) == pytest.approx((0.35, 2.0))
