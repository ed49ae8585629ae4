"""Retrieval alone, measured over a gold set under several settings: the ablation's and
the rescorer fit's shared loop.

`newsrag eval --retrieval-only` does one configuration per run directory, with
resumable records; a study compares many configurations on one opened index, in
memory, the way the ablation table in docs/evaluation.md is produced.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from eval.gold import GoldQuestion
from eval.metrics import evidence_recall, first_hit_rank, percentile, retrieval_metrics
from rag.retrieval.types import NEWEST_ARTICLE, Hit, RetrievalFilters, SupportsRetrieve

RETRIEVE_K = 10
METRICS = ("hits@1", "hits@5", "hits@10", "mrr@10")


def as_of_filters(question: GoldQuestion, cut: bool = True) -> tuple[RetrievalFilters | None, str | None]:
    """The as-of cut an evaluation applies: nothing published after the question's date,
    which is also the date recency counts from. A question without a date is asked as the
    chat asks it: as of the index's newest article, with nothing cut (measured without
    the prior, seed and MultiHop-RAG once scored what no user saw). `cut=False` (`--no-as-of`):
    no cut and no prior."""
    if not cut:
        return None, None
    if not question.date:
        return None, NEWEST_ARTICLE
    return RetrievalFilters(until=question.date[:10]), question.date[:10]


def hit_dicts(hits: list[Hit]) -> list[dict[str, Any]]:
    return [{"article_id": h.chunk.article_id, "origin": h.chunk.origin, "text": h.chunk.text} for h in hits]


@dataclass
class StudyRow:
    name: str
    metrics: dict[str, float]
    p50_ms: float
    n: int

    def markdown(self) -> str:
        return f"| {self.name} | {self.n} | " + " | ".join(f"{self.metrics[m]:.3f}" for m in METRICS) + \
            f" | {self.p50_ms:.0f} |"


def measure(name: str, retriever: SupportsRetrieve, questions: list[GoldQuestion], as_of: bool = True) -> StudyRow:
    """Mean hits@k and MRR@10 over the questions with evidence, and the p50 retrieval time."""
    totals = dict.fromkeys(METRICS, 0.0)
    times: list[float] = []
    scored = [q for q in questions if q.evidence]
    for question in scored:
        filters, date = as_of_filters(question, as_of)
        t0 = time.perf_counter()
        hits = retriever.retrieve(question.question, k=RETRIEVE_K, filters=filters, as_of=date)
        times.append(time.perf_counter() - t0)
        chunks = hit_dicts(hits)
        metrics = retrieval_metrics(first_hit_rank(question, chunks), evidence_recall(question, chunks))
        for m in METRICS:
            totals[m] += metrics[m]
    n = max(len(scored), 1)
    return StudyRow(name, {m: totals[m] / n for m in METRICS}, 1000 * (percentile(times, 50) or 0.0), len(scored))


TABLE_HEAD = "| configuration | n | hits@1 | hits@5 | hits@10 | MRR@10 | p50 ms |\n|---|---|---|---|---|---|---|"
