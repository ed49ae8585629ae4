"""Fit the rescorer's weights (rag/retrieval/rescorer_weights.json) on a gold set.

    python -m eval.fit_rescorer --gold ../shared/datasets/realtimeqa/gold_dev.jsonl --index DIR [--write]

Every question's top fused candidates (recency prior not yet applied) become
rows of features, labelled by whether the chunk holds the question's evidence;
a logistic regression (scikit-learn; each question weighs the same) weighs the features. The
score it reports is k-fold cross-validated by question: each fold is ranked
with weights fitted on the other folds, so the dev-set row of the ablation is
not measured on the questions it was fitted on. `--write` then fits on every
question and writes the weights, with how they were obtained, as JSON.
"""

from __future__ import annotations

import argparse
import json
from datetime import date
from pathlib import Path

import numpy as np

from eval.gold import GoldQuestion, evidence_matches, load_gold
from eval.retrieval_study import METRICS, TABLE_HEAD, StudyRow, as_of_filters, measure
from rag.pipeline import open_search
from rag.retrieval.rescoring import FEATURES, WEIGHTS_FILE, RescorerWeights
from rag.retrieval.retriever import Retriever
from rag.settings import Settings

Rows = tuple[np.ndarray, np.ndarray, np.ndarray]  # features, labels, question number


def collect(retriever: Retriever, questions: list[GoldQuestion]) -> Rows:
    """Feature rows of each question's rescoring window, with labels."""
    assert retriever.rescorer is not None
    xs, ys, groups = [], [], []
    for number, question in enumerate(questions):
        filters, as_of = as_of_filters(question)
        ranked = retriever.rank(question.question, filters, as_of, rescore=False)
        head = ranked.candidates[: retriever.rescorer.top]
        if not head:
            continue
        labels = [any(evidence_matches(ev, ranked.chunks[c.rowid].origin, ranked.chunks[c.rowid].article_id,
                                       ranked.chunks[c.rowid].text) for ev in question.evidence) for c in head]
        xs.append(retriever.rescorer.features(question.question, ranked.vector, head, ranked.chunks, ranked.as_of))
        ys.append(np.array(labels, dtype=int))
        groups.append(np.full(len(head), number))
    return np.vstack(xs), np.concatenate(ys), np.concatenate(groups)


def question_weights(y: np.ndarray, groups: np.ndarray) -> np.ndarray:
    """Each question weighs the same, its positives as much as its negatives: a question whose
    answer is in 30 chunks would otherwise teach the model more than one whose answer is in 1."""
    weights = np.zeros(len(y))
    for group in np.unique(groups):
        mine = groups == group
        positives = int(y[mine].sum())
        if 0 < positives < mine.sum():
            weights[mine] = np.where(y[mine] == 1, 1.0 / positives, 1.0 / (mine.sum() - positives))
    return weights


def fit(x: np.ndarray, y: np.ndarray, groups: np.ndarray) -> RescorerWeights:
    from sklearn.linear_model import LogisticRegression

    model = LogisticRegression(max_iter=3000)
    model.fit(x, y, sample_weight=question_weights(y, groups))
    return RescorerWeights(float(model.intercept_[0]), dict(zip(FEATURES, map(float, model.coef_[0]), strict=True)))


def cross_validate(settings: Settings, questions: list[GoldQuestion], rows: Rows, folds: int,
                   name: str = "rescored (cross-validated)") -> StudyRow:
    """Each fold ranked with weights fitted on the other folds' questions."""
    x, y, groups = rows
    stack = open_search(without_rescoring(settings))
    order = np.random.default_rng(0).permutation(len(questions))
    parts = [set(order[i::folds].tolist()) for i in range(folds)]
    totals = dict.fromkeys(METRICS, 0.0)
    times, n = [], 0
    for part in parts:
        train = ~np.isin(groups, list(part))
        weights = fit(x[train], y[train], groups[train])
        retriever = Retriever(stack.store, stack.embedder, fitting_settings(settings).retrieval, weights)
        row = measure(name, retriever, [questions[i] for i in sorted(part)])
        for m in METRICS:
            totals[m] += row.metrics[m] * row.n
        times.append(row.p50_ms)
        n += row.n
    return StudyRow(name, {m: totals[m] / max(n, 1) for m in METRICS}, float(np.median(times)), n)


def fitting_settings(settings: Settings) -> Settings:
    """Features read before the prior touches the fused order, with rescoring on."""
    return settings.model_copy(update={"retrieval": settings.retrieval.model_copy(
        update={"rescore": True, "recency_weight": 0.0})})


def without_rescoring(settings: Settings) -> Settings:
    """For opening the index: the fit builds its retrievers with the weights it is trying, and must not need
    the shipped file, which a change of features leaves without a weight for the new one."""
    return settings.model_copy(update={"retrieval": settings.retrieval.model_copy(update={"rescore": False})})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--gold", type=Path, required=True)
    parser.add_argument("--index", type=Path, required=True)
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--write", action="store_true", help=f"fit on every question and write {WEIGHTS_FILE.name}")
    args = parser.parse_args()
    settings = Settings(index=args.index)
    questions = [q for q in load_gold(args.gold) if q.evidence]
    stack = open_search(without_rescoring(settings))
    rows = collect(Retriever(stack.store, stack.embedder, fitting_settings(settings).retrieval,
                             RescorerWeights(0.0, dict.fromkeys(FEATURES, 0.0))), questions)
    cv = cross_validate(settings, questions, rows, args.folds)
    print(TABLE_HEAD)
    print(cv.markdown())
    if args.write:
        weights = fit(*rows)
        WEIGHTS_FILE.write_text(json.dumps({
            "note": "logistic regression over rag/retrieval/rescoring.py FEATURES; refit with python -m eval.fit_rescorer",
            "fitted_on": f"{args.gold.parent.name}/{args.gold.name}, {len(questions)} questions, {len(rows[1])} "
                         f"candidates ({int(rows[1].sum())} holding evidence), {date.today().isoformat()}",
            "recency_half_life_days": settings.retrieval.recency_half_life_days,
            "cross_validated": {"folds": args.folds, **{m: round(v, 4) for m, v in cv.metrics.items()}},
            "bias": weights.bias, "weights": weights.weights,
        }, indent=2) + "\n", encoding="utf-8")
        print(f"wrote {WEIGHTS_FILE}: " + ", ".join(f"{f} {w:+.3f}" for f, w in weights.weights.items()))


if __name__ == "__main__":
    main()
