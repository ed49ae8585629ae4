"""Retrieved chunks → numbered sources, one number per article.

The LLM sees one block per article (chunks of it merged in article order), so
it cites articles, not fragments, and a citation number maps to exactly one
article. Each source remembers its chunks so a cited span can be traced back to
the chunk and character offsets it came from.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from rag.retrieval.types import Hit, OtherReport, RetrievedChunk


@dataclass(frozen=True)
class Passage:
    start: int  # offsets into the article text
    end: int
    text: str
    chunks: tuple[RetrievedChunk, ...]

    def chunk_at(self, offset: int) -> RetrievedChunk:
        """The chunk holding article offset `offset` (the first, if none does)."""
        return next((c for c in self.chunks if c.start <= offset < c.end), self.chunks[0])


@dataclass(frozen=True)
class Source:
    n: int  # the number the LLM sees, in retrieval order
    article_id: str
    origin: str
    title: str
    outlet: str
    author: str
    published_at: str
    url: str
    passages: tuple[Passage, ...]
    score: float
    also_reported_by: tuple[OtherReport, ...] = ()

    @property
    def text(self) -> str:
        return "\n…\n".join(p.text for p in self.passages)

    @property
    def evidence(self) -> str:
        """What citing this source vouches for: its outlet, date, headline and byline as well as its text."""
        byline = f"By {self.author}" if self.author.strip() else ""
        return "\n".join(x for x in (self.outlet, self.published_at, self.title, byline, self.text) if x)


def _merge(chunks: list[RetrievedChunk], article_text: str | None) -> tuple[Passage, ...]:
    """Join overlapping or touching chunks into continuous passages."""
    ordered = sorted(chunks, key=lambda c: c.start)
    groups: list[list[RetrievedChunk]] = []
    for chunk in ordered:
        if groups and chunk.start <= max(c.end for c in groups[-1]) + 2:
            groups[-1].append(chunk)
        else:
            groups.append([chunk])
    passages = []
    for group in groups:
        start, end = group[0].start, max(c.end for c in group)
        if article_text is not None:
            text = article_text[start:end]
        else:  # without the article text, fall back to non-overlapping chunk texts
            text = "\n".join(c.text for c in group)
        passages.append(Passage(start, end, text, tuple(group)))
    return tuple(passages)


def build_sources(hits: list[Hit], article_text: Callable[[str], str | None]) -> list[Source]:
    """Group hits by article, numbered by each article's best rank."""
    by_article: dict[str, list[Hit]] = {}
    for hit in hits:
        by_article.setdefault(hit.chunk.article_id, []).append(hit)
    sources = []
    for n, (article_id, group) in enumerate(by_article.items(), start=1):
        first = group[0].chunk
        sources.append(
            Source(
                n=n, article_id=article_id, origin=first.origin, title=first.title, outlet=first.outlet,
                author=first.author, published_at=first.published_at, url=first.url,
                passages=_merge([h.chunk for h in group], article_text(article_id)),
                score=max(h.score for h in group), also_reported_by=group[0].also_reported_by,
            )
        )
    return sources
