"""What retrieval hands the rest of `rag/`: chunks with their article's metadata, and hits.

These are rag-level types: answers, citations, briefs and the UI read them, not
the index's row objects, so the index can change its storage without them noticing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Final, Protocol

from index.store import StoredChunk, StoryMember


@dataclass(frozen=True)
class RetrievalFilters:
    """Outlets to keep (empty: all) and an inclusive ISO date range on publication."""

    sources: tuple[str, ...] = ()  # outlet names (the CLI's --source)
    since: str | None = None
    until: str | None = None

    @property
    def active(self) -> bool:
        return bool(self.sources or self.since or self.until)


@dataclass(frozen=True)
class RetrievedChunk:
    """A chunk and what citing it needs: its article's headline, outlet, date and story."""

    rowid: int
    chunk_id: str
    article_id: str
    seq: int
    start: int  # character offsets into the article text
    end: int
    text: str
    origin: str
    title: str
    outlet: str
    author: str
    published_at: str
    url: str
    story_id: str = ""

    @classmethod
    def from_stored(cls, c: StoredChunk) -> RetrievedChunk:
        return cls(c.rowid, c.chunk_id, c.article_id, c.seq, c.start, c.end, c.text, c.origin, c.title, c.source,
                   c.author, c.published_at, c.url, c.story_id)


@dataclass(frozen=True)
class OtherReport:
    """Another outlet's copy of a hit's story (syndicated or near-duplicate)."""

    article_id: str
    outlet: str
    title: str
    published_at: str
    url: str

    @classmethod
    def from_member(cls, m: StoryMember) -> OtherReport:
        return cls(m.article_id, m.outlet, m.title, m.published_at, m.url)

    def to_dict(self) -> dict[str, str]:
        return {"article_id": self.article_id, "outlet": self.outlet, "title": self.title,
                "published_at": self.published_at, "url": self.url}


@dataclass(frozen=True)
class Hit:
    chunk: RetrievedChunk
    score: float  # final score, only comparable within one query
    dense_score: float | None = None  # cosine similarity, when dense search found it
    found_by: tuple[str, ...] = field(default=())  # which candidate searches found it
    also_reported_by: tuple[OtherReport, ...] = field(default=())


NEWEST_ARTICLE: Final = "newest"
"""`as_of` of a question without a date: asked as of the index's newest article, as the chat, the Search tab,
`newsrag search` and the eval ask it. The retriever reads that date at each search, so every caller means the
same day, and an ingest while serving moves it."""


class SupportsRetrieve(Protocol):
    """What the answerer and the evaluation need of a retriever (baselines implement it too).

    `as_of` is the date the question is asked on (YYYY-MM-DD): newer articles are not
    excluded by it (filters do that) but older ones count for less, when the retriever
    has a time prior; NEWEST_ARTICLE (the default) for a question without a date; None
    for no prior (the question names its own period)."""

    def retrieve(self, query: str, k: int | None = None, filters: RetrievalFilters | None = None,
                 as_of: str | None = NEWEST_ARTICLE) -> list[Hit]: ...

    def as_of_date(self, as_of: str | None) -> str | None:
        """The date `as_of` stands for (NEWEST_ARTICLE resolved), None for none: what relative
        dates in the question ("last week") count from."""
        ...
