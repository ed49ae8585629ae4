"""The first stage: each search proposes its best chunks, with the filters inside it.

Dense search finds paraphrases; BM25 (FTS5's, scored in memory; the headline a
weighted column) finds the rare names and figures news questions hinge on. Both apply
outlet and date filters inside the search, so a narrow filter returns its own
best chunks rather than what survives of a global top-n.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np

from index.store import IndexStore
from rag.retrieval.types import RetrievalFilters


@dataclass(frozen=True)
class Ranking:
    name: str
    found: list[tuple[int, float]]  # (chunk row id, the search's own score), best first


class Search(Protocol):
    name: str

    def find(self, query: str, vector: np.ndarray, filters: RetrievalFilters) -> Ranking: ...


class DenseCandidates:
    name = "dense"

    def __init__(self, store: IndexStore, n: int) -> None:
        self.store = store
        self.n = n

    def find(self, query: str, vector: np.ndarray, filters: RetrievalFilters) -> Ranking:
        allowed = self.store.rowids_matching(filters.sources, filters.since, filters.until) if filters.active else None
        return Ranking(self.name, self.store.search_dense(vector, self.n, allowed))


class Bm25Candidates:
    name = "bm25"

    def __init__(self, store: IndexStore, n: int, headline_weight: float) -> None:
        self.store = store
        self.n = n
        self.headline_weight = headline_weight

    def find(self, query: str, vector: np.ndarray, filters: RetrievalFilters) -> Ranking:
        return Ranking(self.name, self.store.search_bm25(query, self.n, self.headline_weight, filters.sources,
                                                         filters.since, filters.until))

