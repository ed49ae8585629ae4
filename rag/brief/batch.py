"""Batches of briefs: a progress bar over topics, skip what exists for the same scope, report what failed.

Each topic's job is independent (a pure function of topic, index snapshot and
settings), so workers can run them side by side; with the embedded CPU model,
llama.cpp serialises generation anyway and one worker is the sensible default.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

from index.errors import NewsragError
from index.files import atomic_write_bytes
from rag.brief.job import BriefRequest, BriefWriter
from rag.brief.render import slugify, to_html, to_markdown, written_for
from rag.llm.factory import describe_failure
from rag.settings import LLMSettings

log = logging.getLogger(__name__)


@dataclass
class BatchReport:
    produced: list[tuple[str, str]] = field(default_factory=list)  # (topic, slug)
    skipped: list[tuple[str, str]] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)  # (topic, one-line reason)
    empty: list[str] = field(default_factory=list)
    unconfirmed: list[str] = field(default_factory=list)  # articles found, no statement passed the check


def read_topics(path: Path) -> list[str]:
    """One topic per line; blank lines and # comments ignored."""
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise NewsragError(f"--topics {path}: cannot read it as UTF-8 text ({exc.__class__.__name__})") from exc
    topics = [line.strip() for line in lines if line.strip() and not line.lstrip().startswith("#")]
    if not topics:
        raise NewsragError(f"--topics {path}: no topics found; write one topic per line")
    return list(dict.fromkeys(topics))


def _why_no_brief(topic: str, report: BatchReport) -> str:
    if topic in report.empty:
        return " — nothing in the index"
    return " — nothing confirmed in the articles found" if topic in report.unconfirmed else ""


def _write_index(out: Path, report: BatchReport) -> None:
    lines = ["# Briefs", ""]
    lines += [f"## Produced ({len(report.produced)})", ""]
    lines += [f"- [{topic}]({slug}.md) ([HTML]({slug}.html))" + _why_no_brief(topic, report)
              for topic, slug in report.produced]
    lines += ["", f"## Skipped, already written ({len(report.skipped)})", ""]
    lines += [f"- [{topic}]({slug}.md) (use --force to rewrite)" for topic, slug in report.skipped]
    lines += ["", f"## Failed ({len(report.failed)})", ""]
    lines += [f"- {topic}: {reason}" for topic, reason in report.failed]
    atomic_write_bytes(out / "index.md", ("\n".join(lines) + "\n").encode("utf-8"))


@dataclass(frozen=True)
class TopicOutcome:
    """One topic's brief, rendered, or the one-line reason it could not be written."""

    topic: str
    markdown: str = ""
    html: str = ""
    empty: bool = False
    unconfirmed: bool = False
    failure: str = ""

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


def write_topic(writer: BriefWriter, template: BriefRequest, topic: str, llm: LLMSettings) -> TopicOutcome:
    try:
        brief = writer.write(replace(template, topic=topic))
    except Exception as exc:  # noqa: BLE001 - one topic failing must not stop the batch
        if not isinstance(exc, NewsragError):
            log.exception("brief %r failed", topic)
        return TopicOutcome(topic, failure=describe_failure(exc, llm))
    return TopicOutcome(topic, to_markdown(brief), to_html(brief), brief.empty and not brief.unconfirmed,
                        bool(brief.unconfirmed))


Produce = Callable[[list[str]], Iterator[TopicOutcome]]


def in_threads(writer: BriefWriter, template: BriefRequest, llm: LLMSettings, workers: int = 1) -> Produce:
    """Topics on `workers` threads of this process (a Ray batch fans them out instead: rag/brief/on_ray.py)."""

    def produce(topics: list[str]) -> Iterator[TopicOutcome]:
        with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
            futures = [pool.submit(write_topic, writer, template, topic, llm) for topic in topics]
            for future in as_completed(futures):
                yield future.result()

    return produce


def _already_written(out: Path, slug: str, request: BriefRequest) -> bool:
    """Both files exist and the Markdown was written for this scope (as of the same index date, same filters)."""
    md, html = out / f"{slug}.md", out / f"{slug}.html"
    if not (md.exists() and html.exists()):
        return False
    try:
        return written_for(md.read_text(encoding="utf-8"), request)
    except (OSError, UnicodeDecodeError):
        return False  # unreadable: write it again


def run_batch(produce: Produce, topics: list[str], out: Path, request: BriefRequest, force: bool = False,
              progress: bool = True) -> BatchReport:
    """Write each topic's brief as it is produced (here or on workers); this process alone writes files.
    `request` is the template every topic shares: a brief written for another scope is not skipped."""
    from tqdm import tqdm

    out.mkdir(parents=True, exist_ok=True)
    report = BatchReport()
    todo: list[str] = []
    for topic in topics:
        slug = slugify(topic)
        if not force and _already_written(out, slug, request):
            report.skipped.append((topic, slug))
        else:
            todo.append(topic)
    finished: set[str] = set()
    with tqdm(total=len(topics), initial=len(report.skipped), desc="briefs", unit="topic",
              disable=not progress) as bar:
        for outcome in produce(todo):
            if outcome.topic in finished:  # a job Ray re-ran
                continue
            finished.add(outcome.topic)
            if outcome.failure:
                report.failed.append((outcome.topic, outcome.failure))
            else:
                slug = slugify(outcome.topic)
                atomic_write_bytes(out / f"{slug}.md", outcome.markdown.encode("utf-8"))
                atomic_write_bytes(out / f"{slug}.html", outcome.html.encode("utf-8"))
                report.produced.append((outcome.topic, slug))
                if outcome.empty:
                    report.empty.append(outcome.topic)
                if outcome.unconfirmed:
                    report.unconfirmed.append(outcome.topic)
            bar.update()
    order = {t: i for i, t in enumerate(topics)}
    for items in (report.produced, report.skipped, report.failed):
        items.sort(key=lambda item: order[item[0]])
    _write_index(out, report)
    return report
