"""The records that flow through ingestion: articles and their chunks.

Plain frozen dataclasses of strings and ints, so they cross process boundaries
(batch jobs, a cluster later) as JSON, never pickle.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass


@dataclass(frozen=True)
class Article:
    """One news article, or one item split from a listing page.

    `origin` is what the user ingested (a file name or a JSONL id); re-ingesting
    or removing works per origin, so every item split from one file shares it.
    """

    id: str
    origin: str
    text: str
    title: str = ""
    source: str = ""
    author: str = ""
    published_at: str = ""  # ISO 8601; "" when the article carries no date
    url: str = ""

    @property
    def content_hash(self) -> str:
        """Hash of the normalised text: two outlets copying one wire story dedup to one."""
        normalised = " ".join(self.text.lower().split())
        return hashlib.sha256(normalised.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Chunk:
    """A span of an article: `article.text[start:end] == text` always holds."""

    article_id: str
    seq: int
    start: int
    end: int
    text: str

    @property
    def chunk_id(self) -> str:
        return f"{self.article_id}::{self.seq}"
