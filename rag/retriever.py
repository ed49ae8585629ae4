"""Question → the chunks an answer should be built from.

Dense search finds paraphrases; BM25 (SQLite FTS5) finds the rare names and
figures news questions hinge on ("MV-C Gen 4", "EV36Zero"). The two rankings
are fused by reciprocal rank, filters (outlet, date range) are applied inside
both searches so they stay exact, and a per-article cap keeps one long article
from filling the context.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from index.embedder import Embedder
from index.store import IndexStore, StoredChunk
from rag.settings import RetrievalSettings

_RRF_K = 60  # the constant from Cormack et al. (2009); damps the weight of top ranks


@dataclass(frozen=True)
class RetrievalFilters:
    """Outlets to keep (empty: all) and an inclusive ISO date range on publication."""

    sources: tuple[str, ...] = ()
    since: str | None = None
    until: str | None = None

    @property
    def active(self) -> bool:
        return bool(self.sources or self.since or self.until)


@dataclass(frozen=True)
class Hit:
    chunk: StoredChunk
    score: float  # fused score, only comparable within one query
    dense_score: float | None = None  # cosine similarity, when dense search found it
    sources: tuple[str, ...] = field(default=())  # which retrievers found it


class SupportsRetrieve(Protocol):
    """What the answerer and the evaluation need of a retriever (baselines implement it too)."""

    def retrieve(self, query: str, k: int | None = None, filters: RetrievalFilters | None = None) -> list[Hit]: ...


class Retriever:
    def __init__(self, store: IndexStore, embedder: Embedder, settings: RetrievalSettings) -> None:
        self.store = store
        self.embedder = embedder
        self.settings = settings

    def retrieve(self, query: str, k: int | None = None, filters: RetrievalFilters | None = None) -> list[Hit]:
        k = k or self.settings.k
        filters = filters or RetrievalFilters()
        allowed = (
            self.store.rowids_matching(list(filters.sources), filters.since, filters.until)
            if filters.active else None
        )
        pool = self.settings.candidates
        dense = self.store.search_dense(self.embedder.embed_query(query), pool, allowed)
        rankings = {"dense": dense}
        if self.settings.hybrid:
            allowed_set = set(allowed.tolist()) if allowed is not None else None
            bm25 = self.store.search_bm25(query, pool * (4 if allowed_set is not None else 1))
            rankings["bm25"] = [h for h in bm25 if allowed_set is None or h[0] in allowed_set][:pool]

        fused: dict[int, float] = {}
        found_by: dict[int, list[str]] = {}
        for name, ranking in rankings.items():
            for rank, (rowid, _score) in enumerate(ranking):
                fused[rowid] = fused.get(rowid, 0.0) + 1.0 / (_RRF_K + rank + 1)
                found_by.setdefault(rowid, []).append(name)
        dense_scores = dict(dense)
        order = sorted(fused, key=lambda rowid: (-fused[rowid], rowid))

        hits: list[Hit] = []
        per_article: dict[str, int] = {}
        for chunk in self.store.get_chunks(order):
            if per_article.get(chunk.article_id, 0) >= self.settings.max_chunks_per_article:
                continue
            per_article[chunk.article_id] = per_article.get(chunk.article_id, 0) + 1
            hits.append(Hit(chunk, fused[chunk.rowid], dense_scores.get(chunk.rowid), tuple(found_by[chunk.rowid])))
            if len(hits) == k:
                break
        return hits
