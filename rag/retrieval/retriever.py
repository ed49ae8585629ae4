"""The staged retriever: candidates → fusion → recency prior → rescoring → selection.

Each stage is built from `RetrievalSettings` and can be switched off there,
which is how `benchmarks/retrieval_ablation.py` measures what each one adds.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from index.embedder import Embedder
from index.store import IndexStore
from index.textrules import canonical
from rag.retrieval.candidates import Bm25Candidates, DenseCandidates, NamedOutlets, Search, WithinNamedOutlets
from rag.retrieval.fusion import Candidate, fuse
from rag.retrieval.recency import RecencyPrior
from rag.retrieval.rescoring import Rescorer, RescorerWeights
from rag.retrieval.selection import Selector
from rag.retrieval.types import NEWEST_ARTICLE, Hit, OtherReport, RetrievalFilters, RetrievedChunk
from rag.settings import RetrievalSettings


@dataclass
class Ranked:
    """Fused (and re-scored) candidates with their chunks, before selection."""

    candidates: list[Candidate]
    chunks: dict[int, RetrievedChunk]
    vector: np.ndarray
    as_of: str | None  # the date recency counted from (NEWEST_ARTICLE resolved)


class Retriever:
    def __init__(self, store: IndexStore, embedder: Embedder, settings: RetrievalSettings,
                 weights: RescorerWeights | None = None) -> None:
        self.store = store
        self.embedder = embedder
        self.settings = settings
        self.searches: list[Search] = [DenseCandidates(store, settings.candidates)]
        if settings.hybrid:
            self.searches.append(Bm25Candidates(store, settings.candidates, settings.headline_weight))
        if settings.named_outlet_searches:
            outlets = NamedOutlets(store)
            self.searches += [WithinNamedOutlets(search, outlets) for search in self.searches]
        self.prior = RecencyPrior(settings.recency_half_life_days, settings.recency_weight)
        self.rescorer = (Rescorer(store, self.prior, weights or RescorerWeights.load(), settings.rescore_candidates)
                         if settings.rescore else None)
        self.selector = Selector(settings.max_chunks_per_article, settings.one_slot_per_story,
                                 settings.story_seconds_last)

    def as_of_date(self, as_of: str | None) -> str | None:
        """The one place NEWEST_ARTICLE becomes a date (see `SupportsRetrieve`)."""
        return (self.store.latest_date() or None) if as_of == NEWEST_ARTICLE else (as_of or None)

    def rank(self, query: str, filters: RetrievalFilters | None = None, as_of: str | None = NEWEST_ARTICLE,
             rescore: bool = True) -> Ranked:
        """Every candidate, best first, with its chunk (the stages before selection)."""
        filters = filters or RetrievalFilters()
        if filters.sources:
            filters = replace(filters, sources=self.store.catalog.known_outlets(filters.sources))
        as_of = self.as_of_date(as_of)
        query = canonical(query)  # as ingest stores text, so the rescorer's names and headline words meet it
        vector = self.embedder.embed_query(query)
        candidates = fuse([search.find(query, vector, filters) for search in self.searches])
        chunks = {c.rowid: RetrievedChunk.from_stored(c) for c in self.store.get_chunks([c.rowid for c in candidates])}
        candidates = [c for c in candidates if c.rowid in chunks]
        if self.rescorer is not None and rescore:
            candidates = self.rescorer.rescore(query, vector, candidates, chunks, as_of)
        else:
            candidates = self.prior.apply(self.store.catalog, candidates, as_of)
        return Ranked(candidates, chunks, vector, as_of)

    def retrieve(self, query: str, k: int | None = None, filters: RetrievalFilters | None = None,
                 as_of: str | None = NEWEST_ARTICLE) -> list[Hit]:
        ranked = self.rank(query, filters, as_of)
        by_id = {c.rowid: c for c in ranked.candidates}
        selected = self.selector.select([ranked.chunks[c.rowid] for c in ranked.candidates], k or self.settings.k)
        members = self.store.story_members(sorted({c.story_id for c in selected}))
        return [
            Hit(chunk, by_id[chunk.rowid].score, by_id[chunk.rowid].raw.get("dense"), by_id[chunk.rowid].found_by,
                tuple(OtherReport.from_member(m) for m in members.get(chunk.story_id, [])
                      if m.article_id != chunk.article_id))
            for chunk in selected
        ]
