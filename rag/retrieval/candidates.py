"""The first stage: each search proposes its best chunks, with the filters inside it.

Dense search finds paraphrases; BM25 (FTS5's, scored in memory; the headline a
weighted column) finds the rare names and figures news questions hinge on. Both apply
outlet and date filters inside the search, so a narrow filter returns its own
best chunks rather than what survives of a global top-n. A question that names
outlets ("the TechCrunch report … and The Verge's coverage") is searched again within
them, so each named outlet's best chunks are candidates even where another outlet's
articles match the whole question better.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Protocol

import numpy as np

from index.store import IndexStore
from rag.query import OutletMatcher
from rag.retrieval.types import RetrievalFilters


@dataclass(frozen=True)
class Ranking:
    name: str
    found: list[tuple[int, float]]  # (chunk row id, the search's own score), best first
    scored_as: str = ""  # the scale of those scores ("dense" cosine, "bm25"), when not the search's name

    @property
    def scale(self) -> str:
        return self.scored_as or self.name


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


class NamedOutlets:
    """The index's outlets a question names, found as the answer path finds them (`rag.query`)."""

    def __init__(self, store: IndexStore) -> None:
        self.store = store
        self._matcher: tuple[tuple[str, ...], OutletMatcher] | None = None

    def find(self, query: str) -> tuple[str, ...]:
        names = self.store.catalog.outlet_names  # a new tuple when the index changes
        if self._matcher is None or self._matcher[0] is not names:
            self._matcher = (names, OutletMatcher([n for n in names if n]))
        return self._matcher[1].named(query)


class WithinNamedOutlets:
    """Another search again, within the outlets the question names. Nothing when it names none, or
    when the filters already choose outlets (the answer path's per-report searches, the user's own)."""

    def __init__(self, search: Search, outlets: NamedOutlets) -> None:
        self.search = search
        self.outlets = outlets
        self.name = f"{search.name} within named outlets"

    def find(self, query: str, vector: np.ndarray, filters: RetrievalFilters) -> Ranking:
        named = () if filters.sources else self.outlets.find(query)
        found = self.search.find(query, vector, replace(filters, sources=named)).found if named else []
        return Ranking(self.name, found, self.search.name)
