"""How often what the model reads holds a question's evidence: the chunks of the retriever alone, the
chunks of the answer path's plan (question analysis → per-report, most-recent or named-period retrieval,
rag/plan.py), and the sentences picked from the plan's articles (rag/evidence.py: `read`).

    python benchmarks/plan_recall.py --gold ../shared/datasets/realtimeqa/gold_dev.jsonl --index DIR [--limit N]
        [--skip N] [--read-out FILE] [--unlike FILE --held-out FILE [--held N]]

`newsrag eval`'s hits@k scores the retriever's own ranking; an answer can only use what
`rag.plan.retrieve` hands the model, which the analysis of the question changes (outlet and date
filters, one search per report), and of that only the sentences evidence selection picks (the last
column is `newsrag eval`'s evidence_in_context, without running the model). Each question retrieves
only what was published by its date (the as-of cut), as in the eval. To measure another version of
rag/plan.py or rag/evidence.py, run this script with PYTHONPATH pointing at a worktree of that commit.

To measure answers where a change to what the model reads matters: `--read-out` writes the sentences read
per question (JSON lines); a run of the other version with `--unlike` that file writes the gold lines of
the questions whose sentences differ to `--held-out` (the first `--held` of them), a set to run
`newsrag eval` on before and after.
"""

from __future__ import annotations

import argparse
import json
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
    parser.add_argument("--skip", type=int, default=0, help="leave out the first N questions with evidence")
    parser.add_argument("--read-out", type=Path, help="write each question's sentences read (JSON lines)")
    parser.add_argument("--unlike", type=Path, help="a --read-out file of another version to compare with")
    parser.add_argument("--held-out", type=Path, help="gold lines of questions reading otherwise than --unlike")
    parser.add_argument("--held", type=int, default=None, help="at most N questions in --held-out")
    args = parser.parse_args()
    if (args.unlike is None) != (args.held_out is None):
        parser.error("--unlike and --held-out go together")
    settings = load_settings(index=args.index)
    k = args.k or settings.retrieval.k
    stack = open_search(settings)
    analyzer = QueryAnalyzer(stack.store.sources())
    questions = [q for q in load_gold(args.gold) if q.evidence][args.skip:][: args.limit]
    similarity, article_text, cfg = sentence_similarity(stack.embedder), article_reader(stack), settings.answer
    dated = by_retriever = by_plan = by_sentences = 0
    read_by_id: dict[str, list[str]] = {}
    for question in questions:
        filters, as_of = as_of_filters(question)
        query = analyzer.analyze(question.question, stack.retriever.as_of_date(as_of) or "")
        dated += bool(query.periods)
        by_retriever += holds_evidence(question, stack.retriever.retrieve(question.question, k=k, filters=filters,
                                                                           as_of=as_of))
        planned = plan.retrieve(stack.retriever, query, k, filters)
        by_plan += holds_evidence(question, planned)
        sources = build_sources(planned, article_text)
        read = evidence.read(query, sources, similarity, cfg.max_sentences, cfg.max_context_chars)
        by_sentences += evidence_in(question, [evidence.sentence_dict(s, sources) for s in read])
        read_by_id[question.id] = [s.text for s in read]
    if args.read_out:
        args.read_out.write_text("".join(json.dumps({"id": i, "read": r}) + "\n" for i, r in read_by_id.items()))
    if args.unlike and args.held_out:
        other = {(row := json.loads(line))["id"]: row["read"] for line in args.unlike.read_text().splitlines()}
        changed = {i for i, r in read_by_id.items() if other.get(i) != r}
        lines = [line for line in args.gold.read_text().splitlines() if line.strip()
                 and json.loads(line)["id"] in changed][: args.held]
        args.held_out.write_text("".join(line + "\n" for line in lines))
        print(f"{len(changed)} of {len(read_by_id)} questions read other sentences; {len(lines)} -> {args.held_out}")
    print(f"| set | questions | naming a period | evidence in {k} chunks: retriever | plan | sentences read |\n"
          f"|---|---|---|---|---|---|\n"
          f"| {args.gold.parent.name} | {len(questions)} | {dated} | {by_retriever} | {by_plan} | {by_sentences} |")


if __name__ == "__main__":
    main()
