"""A prior for news: of two equally good matches, the one nearer the question's date wins.

News questions are asked as of a day ("this week", or the newest article in the
chat) and their story is usually recent, but not always: the answer to "what
year was she first elected?" may sit in a profile from years before. So age
lowers a candidate's score smoothly (it halves every `half_life_days`) instead
of cutting old articles off, and the prior is off when the question names its
own period (the date filter already says when).
"""

from __future__ import annotations

import numpy as np

from index.catalog import ChunkCatalog
from index.dates import day_number
from rag.retrieval.fusion import RRF_K, Candidate


class RecencyPrior:
    def __init__(self, half_life_days: float, weight: float) -> None:
        self.half_life_days = half_life_days
        self.weight = weight  # in units of one first-rank RRF contribution

    def values(self, catalog: ChunkCatalog, rowids: list[int], as_of: str | None) -> np.ndarray:
        """2^(−age/half-life) per chunk, in [0, 1]; 0 for undated chunks or without an as-of date."""
        if not as_of or self.half_life_days <= 0 or not rowids:
            return np.zeros(len(rowids))
        days = catalog.days_of(np.asarray(rowids, dtype=np.int64))
        age = np.maximum(day_number(as_of) - days, 0)
        return np.where(days >= 0, np.exp2(-age / self.half_life_days), 0.0)

    def apply(self, catalog: ChunkCatalog, candidates: list[Candidate], as_of: str | None) -> list[Candidate]:
        if not as_of or self.weight <= 0:
            return candidates
        prior = self.values(catalog, [c.rowid for c in candidates], as_of)
        for candidate, value in zip(candidates, prior, strict=True):
            candidate.score += self.weight * float(value) / (RRF_K + 1)
        return sorted(candidates, key=lambda c: (-c.score, c.rowid))
