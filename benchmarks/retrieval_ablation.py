"""Retrieval stages added one at a time, on a gold set (the table in docs/evaluation.md).

    python benchmarks/retrieval_ablation.py --gold ../shared/datasets/realtimeqa/gold_dev.jsonl \\
        --chunk-index DIR_A [--headline-index DIR_B] [--sweep] [--limit N]

DIR_A is an index whose chunks were embedded alone (embedding.input = "chunk",
the default), DIR_B one of the same corpus with each chunk embedded after its
headline ("headline", measured and not kept); both schema 2 (an older index
is migrated when opened). Every question retrieves
only what was published by its date (the as-of cut), which is also the date the
recency prior counts from; a question without a date is asked as the chat asks
it, as of the index's newest article. The rescoring row is 5-fold cross-validated by
question (eval/fit_rescorer.py), so it is not scored on the questions that
fitted it. p50 is one query end to end (query embedding, candidates, rescoring,
fetching the chunks) with nothing else running.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

import numpy as np

from eval.fit_rescorer import collect, cross_validate, fitting_settings
from eval.gold import load_gold
from eval.retrieval_study import TABLE_HEAD, StudyRow, measure
from index.embedder import Embedder
from rag.pipeline import open_search
from rag.retrieval.rescoring import FEATURES, RescorerWeights
from rag.retrieval.retriever import Retriever
from rag.settings import Settings

ROUND_ONE = {"headline_weight": 0.0, "recency_half_life_days": 0.0, "recency_weight": 0.0,
             "one_slot_per_story": False, "named_outlet_searches": False, "rescore": False}


def settings_for(index: Path, **retrieval: Any) -> Settings:
    base = Settings(index=index)
    return base.model_copy(update={"retrieval": base.retrieval.model_copy(update=retrieval)})


class _RememberedQueries:
    """The embedder with each question embedded once: sweep rows differ only after embedding
    (their p50 then leaves embedding out)."""

    def __init__(self, embedder: Embedder) -> None:
        self.embedder = embedder
        self.vectors: dict[str, np.ndarray] = {}

    def embed_query(self, text: str) -> np.ndarray:
        if text not in self.vectors:
            self.vectors[text] = self.embedder.embed_query(text)
        return self.vectors[text]


def run(settings: Settings, name: str, questions: list, remembered: _RememberedQueries | None = None) -> StudyRow:  # noqa: ANN001
    stack = open_search(settings)
    retriever = Retriever(stack.store, remembered, settings.retrieval) if remembered else stack.retriever
    row = measure(name, retriever, questions)  # type: ignore[arg-type]
    print(row.markdown(), flush=True)
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--gold", type=Path, required=True)
    parser.add_argument("--chunk-index", type=Path, required=True)
    parser.add_argument("--headline-index", type=Path, help="for the last row (not kept); without it, no such row")
    parser.add_argument("--limit", type=int)
    parser.add_argument("--sweep", action="store_true", help="also print the recency half-life / weight sweep")
    parser.add_argument("--half-life", type=float, default=Settings().retrieval.recency_half_life_days)
    parser.add_argument("--recency-weight", type=float, default=Settings().retrieval.recency_weight)
    parser.add_argument("--headline-weight", type=float, default=Settings().retrieval.headline_weight)
    args = parser.parse_args()
    questions = [q for q in load_gold(args.gold) if q.evidence][: args.limit]

    print(TABLE_HEAD)
    stage = dict(ROUND_ONE)
    index = args.chunk_index
    run(settings_for(index, **stage), "candidates: dense + BM25, filters inside; RRF; 3 per article", questions)
    stage["headline_weight"] = args.headline_weight
    run(settings_for(index, **stage), f"+ headline as a BM25 column (weight {args.headline_weight:g})", questions)
    if args.sweep:
        remembered = _RememberedQueries(open_search(settings_for(index)).embedder)
        for half_life in (7, 30, 90, 365):
            for weight in (0.5, 1.0, 2.0, 4.0):
                run(settings_for(index, **{**stage, "recency_half_life_days": half_life, "recency_weight": weight}),
                    f"  sweep: half-life {half_life} d, weight {weight:g}", questions, remembered)
    stage.update(recency_half_life_days=args.half_life, recency_weight=args.recency_weight)
    run(settings_for(index, **stage),
        f"+ recency prior (half-life {args.half_life:g} d, weight {args.recency_weight:g})", questions)
    stage["one_slot_per_story"] = True
    run(settings_for(index, **{**stage, "story_seconds_last": True}),
        "+ one slot per story, second chunks after every story's first", questions)
    stage["story_seconds_last"] = False
    run(settings_for(index, **stage), "+ one slot per story (copies fold; chunks keep their rank)", questions)
    stage["named_outlet_searches"] = True
    run(settings_for(index, **stage), "+ both searches again within the outlets a question names", questions)

    stage["rescore"] = True
    settings = settings_for(index, **stage)
    stack = open_search(settings)
    rows = collect(Retriever(stack.store, stack.embedder, fitting_settings(settings).retrieval,
                             RescorerWeights(0.0, dict.fromkeys(FEATURES, 0.0))), questions)
    print(cross_validate(settings, questions, rows, 5, "+ rescoring of the top 50 (5-fold cross-validated)")
          .markdown(), flush=True)
    run(settings, "**final**: the same with the shipped weights (fitted on all of the RealTimeQA dev set)", questions)
    if args.headline_index:
        run(settings_for(args.headline_index, **stage),
            "not kept: the final configuration on chunks embedded with their headline", questions)

if __name__ == "__main__":
    main()
