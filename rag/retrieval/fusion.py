"""Rankings from several searches → one candidate list (reciprocal rank fusion).

RRF needs no score calibration between BM25 and cosine, which have no common
scale; each candidate keeps its raw scores for the rescoring stage.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from rag.retrieval.candidates import Ranking

RRF_K = 60  # the constant from Cormack et al. (2009); damps the weight of top ranks


@dataclass
class Candidate:
    rowid: int
    score: float
    raw: dict[str, float] = field(default_factory=dict)  # score scale ("dense", "bm25") → the chunk's score
    ranks: dict[str, int] = field(default_factory=dict)  # search name → rank (0 = best)

    @property
    def found_by(self) -> tuple[str, ...]:
        return tuple(self.ranks)


def fuse(rankings: list[Ranking]) -> list[Candidate]:
    """Candidates by fused score, best first (ties by row id, so results are reproducible)."""
    by_id: dict[int, Candidate] = {}
    for ranking in rankings:
        for rank, (rowid, raw) in enumerate(ranking.found):
            candidate = by_id.setdefault(rowid, Candidate(rowid, 0.0))
            candidate.score += 1.0 / (RRF_K + rank + 1)
            candidate.raw[ranking.scale] = raw  # a chunk's cosine or BM25 is the same in any search
            candidate.ranks[ranking.name] = rank
    return sorted(by_id.values(), key=lambda c: (-c.score, c.rowid))
