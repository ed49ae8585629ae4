"""How often the chunks the model reads hold a question's evidence: the retriever alone vs the answer
path's plan (question analysis → per-report, most-recent or named-period retrieval, rag/plan.py).

    python benchmarks/plan_recall.py --gold ../shared/datasets/realtimeqa/gold_dev.jsonl --index DIR [--limit N]

`newsrag eval`'s hits@k scores the retriever's own ranking; an answer can only use what
`rag.plan.retrieve` hands the model, which the analysis of the question changes (outlet and date
filters, one search per report). Each question retrieves only what was published by its date
(the as-of cut), as in the eval. To measure another version of rag/plan.py, run this script with
PYTHONPATH pointing at a worktree of that commit.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from eval.gold import GoldQuestion, evidence_matches, load_gold
from eval.retrieval_study import as_of_filters
from rag import plan
from rag.pipeline import open_search
from rag.query import QueryAnalyzer
from rag.retrieval.types import Hit
from rag.settings import load_settings


def holds_evidence(question: GoldQuestion, hits: list[Hit]) -> bool:
    return any(evidence_matches(e, h.chunk.origin, h.chunk.article_id, h.chunk.text)
               for e in question.evidence for h in hits)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--gold", type=Path, required=True)
    parser.add_argument("--index", type=Path, required=True)
    parser.add_argument("--limit", type=int, default=None, help="first N questions with evidence")
    parser.add_argument("-k", type=int, default=None, help="chunks the model reads (default: retrieval.k)")
    args = parser.parse_args()
    settings = load_settings(index=args.index)
    k = args.k or settings.retrieval.k
    stack = open_search(settings)
    analyzer = QueryAnalyzer(stack.store.sources())
    questions = [q for q in load_gold(args.gold) if q.evidence][: args.limit]
    dated = by_retriever = by_plan = 0
    for question in questions:
        filters, as_of = as_of_filters(question)
        query = analyzer.analyze(question.question, as_of or stack.store.latest_date())
        dated += bool(query.periods)
        by_retriever += holds_evidence(question, stack.retriever.retrieve(question.question, k=k, filters=filters,
                                                                           as_of=as_of))
        by_plan += holds_evidence(question, plan.retrieve(stack.retriever, query, k, filters))
    print(f"| set | questions | naming a period | evidence in {k} chunks: retriever | plan |\n|---|---|---|---|---|\n"
          f"| {args.gold.parent.name} | {len(questions)} | {dated} | {by_retriever} | {by_plan} |")


if __name__ == "__main__":
    main()
