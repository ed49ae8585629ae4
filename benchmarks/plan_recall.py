"""How often what the model reads holds a question's evidence: the chunks of the retriever alone, the
chunks of the answer path's plan (question analysis → per-report, most-recent or named-period retrieval,
rag/plan.py), and the sentences picked from the plan's articles (rag/evidence.py: `read`).

    python benchmarks/plan_recall.py --gold ../shared/datasets/realtimeqa/gold_dev.jsonl --index DIR [--limit N]

`newsrag eval`'s hits@k scores the retriever's own ranking; an answer can only use what
`rag.plan.retrieve` hands the model, which the analysis of the question changes (outlet and date
filters, one search per report), and of that only the sentences evidence selection picks (the last
column is `newsrag eval`'s evidence_in_context, without running the model). Each question retrieves
only what was published by its date (the as-of cut), as in the eval. To measure another version of
rag/plan.py or rag/evidence.py, run this script with PYTHONPATH pointing at a worktree of that commit.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from eval.gold import GoldQuestion, evidence_matches, load_gold
from eval.retrieval_study import as_of_filters
from eval.runner import evidence_in
from rag import evidence, plan
from rag.pipeline import article_reader, open_search, sentence_similarity
from rag.query import QueryAnalyzer
from rag.retrieval.types import Hit
from rag.settings import load_settings
from rag.sources import build_sources


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
    similarity, article_text, cfg = sentence_similarity(stack.embedder), article_reader(stack), settings.answer
    dated = by_retriever = by_plan = by_sentences = 0
    for question in questions:
        filters, as_of = as_of_filters(question)
        query = analyzer.analyze(question.question, as_of or stack.store.latest_date())
        dated += bool(query.periods)
        by_retriever += holds_evidence(question, stack.retriever.retrieve(question.question, k=k, filters=filters,
                                                                           as_of=as_of))
        planned = plan.retrieve(stack.retriever, query, k, filters)
        by_plan += holds_evidence(question, planned)
        sources = build_sources(planned, article_text)
        read = evidence.read(query, sources, similarity, cfg.max_sentences, cfg.max_context_chars)
        by_sentences += evidence_in(question, [evidence.sentence_dict(s, sources) for s in read])
    print(f"| set | questions | naming a period | evidence in {k} chunks: retriever | plan | sentences read |\n"
          f"|---|---|---|---|---|---|\n"
          f"| {args.gold.parent.name} | {len(questions)} | {dated} | {by_retriever} | {by_plan} | {by_sentences} |")


if __name__ == "__main__":
    main()
