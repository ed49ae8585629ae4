"""Does a GGUF's yes/no relevance judgement re-rank the retriever's top 10 better? What does it cost?

    python benchmarks/llm_relevance.py --gold ../shared/datasets/realtimeqa/gold_dev.jsonl --index DIR \\
        [-n 60] [--preset fast] [--seed 7]

Issue 9's optional second stage: for each of `n` questions drawn at random (with
evidence), the shipped retriever's top 10 chunks (as-of cut and recency prior
as in the ablation) are each shown to the model with the question, and the
margin log P(Yes) − log P(No) of its first reply token is read
(`ChatLlamaCpp.choice_margin`). The question comes before the passage so
llama.cpp's KV cache keeps the system prompt and the question across the ten
prompts. Rows: the retriever's own order, the margin alone, and the margin
minus `a`·ln(1 + retriever rank) for a few `a`, with the ROC AUC of the margin
for "this chunk holds the evidence" and the seconds the ten judgements take per
question. Nothing here is used by the product (the measured result is why).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from eval.gold import evidence_matches, load_gold
from eval.metrics import retrieval_metrics
from eval.retrieval_study import as_of_filters
from rag.llm.factory import make_chat_model
from rag.pipeline import open_search
from rag.settings import Settings

# An experiment's prompt, not the product's (those live in rag/prompts.py)
JUDGE_SYSTEM = ("You judge news search results. Given a question and one passage from a news article, say whether "
                "the passage states the answer to the question. Reply Yes or No.")
BLENDS = (0.5, 1.0, 2.0)
SHOWN = ("hits@1", "hits@5", "mrr@10")


def judged(labels: list[list[bool]], scores: list[np.ndarray]) -> dict[str, float]:
    """Mean hits@1, hits@5 and MRR@10 (the eval's own definitions) when each question's chunks are
    ordered by `scores`."""
    totals = dict.fromkeys(SHOWN, 0.0)
    for lab, score in zip(labels, scores, strict=True):
        found = np.flatnonzero(np.asarray(lab)[np.argsort(-score, kind="stable")])
        metrics = retrieval_metrics(int(found[0]) + 1 if len(found) else None, 0.0)
        for name in SHOWN:
            totals[name] += metrics[name]
    return {name: total / max(len(labels), 1) for name, total in totals.items()}


def main() -> None:
    from langchain_core.messages import HumanMessage, SystemMessage
    from sklearn.metrics import roc_auc_score

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--gold", type=Path, required=True)
    parser.add_argument("--index", type=Path, required=True)
    parser.add_argument("-n", type=int, default=60)
    parser.add_argument("--preset", choices=["default", "fast"], default="fast")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    base = Settings(index=args.index)
    settings = base.model_copy(update={"llm": base.llm.model_copy(update={"preset": args.preset})})
    stack = open_search(settings)
    chat = make_chat_model(settings.llm, settings.cache_dir)
    questions = [q for q in load_gold(args.gold) if q.evidence]
    picked = sorted(np.random.default_rng(args.seed).choice(len(questions), min(args.n, len(questions)),
                                                             replace=False))
    labels: list[list[bool]] = []
    margins: list[np.ndarray] = []
    seconds: list[float] = []
    # load the model and read the system prompt before the clock starts
    judge = chat.choice_margin  # type: ignore[attr-defined]  # embedded llama.cpp models only
    judge([SystemMessage(JUDGE_SYSTEM), HumanMessage("Question: ?")], "", ("Yes", "No"))
    for i in picked:
        question = questions[i]
        filters, as_of = as_of_filters(question)
        asked = stack.retriever.as_of_date(as_of)
        hits = stack.retriever.retrieve(question.question, k=10, filters=filters, as_of=as_of)
        labels.append([any(evidence_matches(ev, h.chunk.origin, h.chunk.article_id, h.chunk.text)
                           for ev in question.evidence) for h in hits])
        t0 = time.perf_counter()
        margins.append(np.array([judge([
            SystemMessage(JUDGE_SYSTEM),
            HumanMessage(f"Question (asked {asked}): {question.question}\n\nPassage from {h.chunk.outlet}, "
                         f"{h.chunk.published_at[:10]}, \"{h.chunk.title}\":\n{h.chunk.text}\n\n"
                         "Does this passage state the answer?")], "", ("Yes", "No")) for h in hits]))
        seconds.append(time.perf_counter() - t0)

    flat_labels = [x for lab in labels for x in lab]
    flat_margins = np.concatenate(margins) if margins else np.zeros(0)
    auc = roc_auc_score(flat_labels, flat_margins) if 0 < sum(flat_labels) < len(flat_labels) else float("nan")
    rank_penalty = [np.log1p(np.arange(len(m))) for m in margins]
    rows = [("retriever's order (shipped)", judged(labels, [-p for p in rank_penalty])),
            (f"{args.preset} model's margin alone", judged(labels, margins))]
    rows += [(f"margin − {a:g}·ln(1 + rank)", judged(labels, [m - a * p for m, p in zip(margins, rank_penalty,
                                                                                       strict=True)]))
             for a in BLENDS]
    print(f"{len(labels)} questions (seed {args.seed}); hits@10 {np.mean([any(lab) for lab in labels]):.3f}; "
          f"margin ROC AUC {auc:.3f}; judging 10 chunks: {np.median(seconds):.1f} s p50 per question")
    print("| order | hits@1 | hits@5 | MRR@10 |\n|---|---|---|---|")
    for name, m in rows:
        print(f"| {name} | {m['hits@1']:.3f} | {m['hits@5']:.3f} | {m['mrr@10']:.3f} |")


if __name__ == "__main__":
    main()
