"""`newsrag brief --topics FILE --ray`: topics fanned out to a pool of Ray actors, files written here.

Each actor opens the index read-only and its own LLM once and renders whole
briefs (Markdown and HTML); the driver writes them with the same rules as a
local batch (`rag.brief.batch.run_batch`): skip what exists for the same scope, atomic files, an
index.md of what was produced, skipped and failed.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import asdict
from typing import Any

from index.ray_cluster import connect, fan_out
from rag.brief.batch import Produce, TopicOutcome, write_topic
from rag.brief.job import BriefRequest
from rag.pipeline import make_brief_writer, open_search, worker_settings
from rag.settings import Settings


class BriefWorker:
    """A Ray actor: one index and one LLM, many topics."""

    def __init__(self, settings: Settings, template: dict[str, Any]) -> None:
        self.writer = make_brief_writer(settings, open_search(settings))
        self.template = BriefRequest(**{**template, "outlets": tuple(template["outlets"])})
        self.llm = settings.llm

    def __call__(self, job: dict[str, Any]) -> dict[str, Any]:
        return write_topic(self.writer, self.template, job["topic"], self.llm).to_dict()


def on_ray(address: str, settings: Settings, template: BriefRequest, workers: int | None = None) -> Produce:
    """Topics written by `workers` actors (default: as many as the cluster's CPUs hold)."""
    connect(address)
    on_worker, cpus = worker_settings(settings)

    def produce(topics: list[str]) -> Iterator[TopicOutcome]:
        jobs = [{"topic": topic} for topic in topics]
        for outcome in fan_out(jobs, BriefWorker, {"settings": on_worker, "template": asdict(template)}, workers,
                               cpus):
            yield TopicOutcome(**outcome)

    return produce
