"""`newsrag eval --ray`: questions fanned out to a pool of Ray actors, results written here.

Each actor opens the index read-only and its own LLM (the GGUF, or a client of
the OpenAI-compatible server the cluster shares) once, then evaluates the
questions it is given with the same `EvalRunner` as a local run. The driver
appends each record to results.jsonl as it arrives (`eval.runner.run`), so a
Ray run resumes like a local one and `--compare` reads both.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import asdict
from typing import Any

from eval.gold import GoldQuestion, parse_question
from eval.runner import EvalRunner, Evaluate, RunConfig
from index.errors import NewsragError
from index.ray_cluster import connect, fan_out
from rag.llm.factory import describe_failure
from rag.pipeline import make_answerer, open_search, worker_settings
from rag.settings import Settings


class EvalWorker:
    """A Ray actor: one index and one LLM, many questions."""

    def __init__(self, settings: Settings, config: RunConfig) -> None:
        stack = open_search(settings)
        answerer = None if config.retrieval_only else make_answerer(settings, stack)
        self.runner = EvalRunner(stack.retriever, answerer, config)
        self.llm = settings.llm

    def __call__(self, job: dict[str, Any]) -> dict[str, Any]:
        question = parse_question(job, f"question {job.get('id')}")
        try:
            return self.runner.evaluate(question)
        except Exception as exc:  # noqa: BLE001 - reported by the driver as one line naming the question
            return {"id": question.id, "error": describe_failure(exc, self.llm)}


def on_ray(address: str, settings: Settings, config: RunConfig, workers: int | None = None) -> Evaluate:
    """Questions evaluated by `workers` actors (default: as many as the cluster's CPUs hold)."""
    connect(address)
    on_worker, cpus = worker_settings(settings)

    def evaluate(questions: list[GoldQuestion]) -> Iterator[dict[str, Any]]:
        jobs = [asdict(q) for q in questions]
        for record in fan_out(jobs, EvalWorker, {"settings": on_worker, "config": config}, workers, cpus):
            if "error" in record:
                raise NewsragError(f"question {record['id']}: {record['error']} (the questions already finished "
                                   "are kept; run the same command again to resume)")
            yield record

    return evaluate
