"""`python -m eval.fit_rescorer`, the refit of the shipped rescorer weights, on the sample index and seed gold set."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from eval.fit_rescorer import collect, cross_validate, fit, fitting_settings, without_rescoring
from eval.gold import load_gold
from rag.pipeline import open_search
from rag.retrieval.rescoring import FEATURES, RescorerWeights
from rag.retrieval.retriever import Retriever
from tests.conftest import ROOT, make_settings

SEED_GOLD = ROOT.parent / "shared" / "datasets" / "seed" / "gold_dev.jsonl"


@pytest.mark.skipif(not SEED_GOLD.exists(), reason="needs ../shared/datasets")
def test_the_refit_weighs_every_feature_and_scores_each_fold_on_questions_it_was_not_fitted_on(
        sample_index: Path, tmp_path: Path) -> None:
    settings = make_settings(sample_index)
    questions = [q for q in load_gold(SEED_GOLD) if q.evidence]
    stack = open_search(without_rescoring(settings))  # the fit must not need the weights file it replaces
    unweighted = RescorerWeights(0.0, dict.fromkeys(FEATURES, 0.0))
    x, y, groups = collect(Retriever(stack.store, stack.embedder, fitting_settings(settings).retrieval, unweighted),
                           questions)
    assert x.shape == (len(y), len(FEATURES)) and set(groups.tolist()) == set(range(len(questions)))
    assert 0 < y.sum() < len(y), "the windows hold evidence and non-evidence chunks"
    # Seed's questions have no date: recency counts from the sample's newest article, whose chunks alone carry
    # their whole cosine (5 % of the rows; with no prior none would, with an unresolved date 63 %).
    recent, dense = x[:, FEATURES.index("recent_match")], np.maximum(x[:, FEATURES.index("dense")], 0.0)
    assert 0 < np.isclose(recent, dense)[dense > 0].mean() < 0.2
    weights = fit(x, y, groups)
    assert set(weights.weights) == set(FEATURES)
    written = tmp_path / "weights.json"
    written.write_text(json.dumps({"bias": weights.bias, "weights": weights.weights}), encoding="utf-8")
    assert RescorerWeights.load(written) == weights, "the weights read back as the retriever reads them"
    row = cross_validate(settings, questions, (x, y, groups), folds=3)
    assert row.n == len(questions) and row.metrics["hits@10"] == 1.0
