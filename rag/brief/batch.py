"""Batches of briefs: a progress bar over topics, skip what exists, report what failed.

Each topic's job is independent (a pure function of topic, index snapshot and
settings), so workers can run them side by side; with the embedded CPU model,
llama.cpp serialises generation anyway and one worker is the sensible default.
"""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field, replace
from pathlib import Path

from index.errors import NewsragError
from index.files import atomic_write_bytes
from rag.brief.job import BriefRequest, BriefWriter
from rag.brief.render import slugify, to_html, to_markdown

log = logging.getLogger(__name__)


@dataclass
class BatchReport:
    produced: list[tuple[str, str]] = field(default_factory=list)  # (topic, slug)
    skipped: list[tuple[str, str]] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)  # (topic, one-line reason)
    empty: list[str] = field(default_factory=list)


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


def _write_index(out: Path, report: BatchReport) -> None:
    lines = ["# Briefs", ""]
    lines += [f"## Produced ({len(report.produced)})", ""]
    lines += [f"- [{topic}]({slug}.md) ([HTML]({slug}.html))" + (" — nothing in the index" if topic in report.empty
                                                                  else "") for topic, slug in report.produced]
    lines += ["", f"## Skipped, already written ({len(report.skipped)})", ""]
    lines += [f"- [{topic}]({slug}.md) (use --force to rewrite)" for topic, slug in report.skipped]
    lines += ["", f"## Failed ({len(report.failed)})", ""]
    lines += [f"- {topic}: {reason}" for topic, reason in report.failed]
    atomic_write_bytes(out / "index.md", ("\n".join(lines) + "\n").encode("utf-8"))


def run_batch(writer: BriefWriter, topics: list[str], template: BriefRequest, out: Path, force: bool = False,
              workers: int = 1, progress: bool = True) -> BatchReport:
    from tqdm import tqdm

    out.mkdir(parents=True, exist_ok=True)
    report = BatchReport()
    todo: list[tuple[str, str]] = []
    for topic in topics:
        slug = slugify(topic)
        if not force and (out / f"{slug}.md").exists() and (out / f"{slug}.html").exists():
            report.skipped.append((topic, slug))
        else:
            todo.append((topic, slug))

    def job(topic: str, slug: str) -> tuple[str, str, bool]:
        brief = writer.write(replace(template, topic=topic))
        atomic_write_bytes(out / f"{slug}.md", to_markdown(brief).encode("utf-8"))
        atomic_write_bytes(out / f"{slug}.html", to_html(brief).encode("utf-8"))
        return topic, slug, brief.empty

    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool, \
            tqdm(total=len(topics), initial=len(report.skipped), desc="briefs", unit="topic",
                 disable=not progress) as bar:
        futures = {pool.submit(job, topic, slug): topic for topic, slug in todo}
        for future in as_completed(futures):
            topic = futures[future]
            try:
                _, slug, empty = future.result()
                report.produced.append((topic, slug))
                if empty:
                    report.empty.append(topic)
            except NewsragError as exc:
                report.failed.append((topic, str(exc)))
            except Exception as exc:  # noqa: BLE001 - one topic failing must not stop the batch
                log.exception("brief %r failed", topic)
                report.failed.append((topic, f"{exc.__class__.__name__}: {exc}"))
            bar.update()
    order = {t: i for i, t in enumerate(topics)}
    for items in (report.produced, report.skipped, report.failed):
        items.sort(key=lambda item: order[item[0]])
    _write_index(out, report)
    return report
