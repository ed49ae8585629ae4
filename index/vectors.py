"""Vector indexes over chunk row ids, in FAISS: exact (flat) or compressed (IVF-PQ).

Flat scans every vector: exact, and fast enough up to FLAT_LIMIT chunks. Past
it, IVF-PQ keeps 48 bytes per vector instead of 1,536 and scans only the lists
nearest the query; its candidates are re-scored exactly from the float32
vectors SQLite holds (`rescore`), so what it returns is ranked by true cosine.
Both add and remove ids in place, so an ingest updates the index instead of
rebuilding it. HNSW is not offered: FAISS's HNSW cannot remove ids and keeps
every float32 vector in memory (see benchmarks/ann.py for its figures).

A filter (outlet, dates) is a FAISS IDSelector inside the search, so nothing
outside it is ever returned; for IVF-PQ the number of lists probed grows as
the filter narrows, so a narrow filter still finds its neighbours. The selector
is a bitmap over row ids (`allowed_selector`), not FAISS's hashed id batch.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import faiss

KINDS = ("flat", "ivfpq")
# Flat search time grows with the index: ~3 ms at 58k chunks, ~290 ms at 1M on this
# 2-core CPU (benchmarks/ann.py); past this many chunks "auto" switches to IVF-PQ.
FLAT_LIMIT = 200_000
PQ_SUBQUANTIZERS = 48  # bytes per vector (384 dims / 48 = 8 dims per code)
NPROBE = 32
RESCORE_FACTOR = 8  # IVF-PQ candidates re-scored exactly per result wanted (unfiltered)
MAX_CANDIDATES = 2_000
_TRAIN_PER_LIST = 40


def allowed_selector(allowed: np.ndarray) -> faiss.IDSelectorBitmap:
    """A FAISS selector admitting exactly these row ids, as one bit per id up to the largest.

    Why a bitmap: with an as-of filter most of the index is allowed, and FAISS's IDSelectorBatch hashes every
    allowed id into a set (~2 ms at 39k of 48.7k chunks) and looks each scanned id up in it; a bitmap is built
    with one numpy pass and tested with a shift. Same results; flat search with the filter 8.8 -> 3.6 ms
    (RealTimeQA dev index, 200 questions, this 2-core AMX Xeon; docs/performance.md)."""
    import faiss

    ids = np.asarray(allowed, dtype=np.int64)
    mask = np.zeros(int(ids.max()) + 1 if len(ids) else 0, dtype=bool)
    mask[ids] = True
    return faiss.IDSelectorBitmap(np.packbits(mask, bitorder="little"))  # FAISS keeps a reference to the bits


def choose_kind(setting: str, count: int) -> str:
    """The index kind for `count` chunks: the setting, or by size for "auto"."""
    if setting != "auto":
        return setting
    return "ivfpq" if count > FLAT_LIMIT else "flat"


def lists_for(count: int) -> int:
    """IVF lists: ~4·sqrt(n), a power of two, at least 64."""
    return max(64, 2 ** round(math.log2(4 * math.sqrt(max(count, 1)))))


class VectorIndex:
    """A FAISS index keyed by chunk row id; inner product of L2-normalised vectors = cosine."""

    def __init__(self, index: faiss.Index, kind: str) -> None:
        self.index = index
        self.kind = kind

    @classmethod
    def create(cls, kind: str, dim: int, training: np.ndarray | None = None, expected: int = 0) -> VectorIndex:
        """An empty index; IVF-PQ is trained on `training` and sized for `expected` vectors."""
        import faiss

        if kind == "flat":
            return cls(faiss.IndexIDMap2(faiss.IndexFlatIP(dim)), kind)
        if kind != "ivfpq":
            raise ValueError(f"unknown vector index kind {kind!r}; valid: {', '.join(KINDS)}")
        if training is None or len(training) == 0:
            raise ValueError("an IVF-PQ index is trained on a sample of the vectors it will hold")
        nlist = min(lists_for(expected or len(training)), max(1, len(training) // _TRAIN_PER_LIST))
        bits = max(1, min(8, int(math.log2(len(training)))))  # 256 codes per subquantizer once there are 256 vectors
        quantizer = faiss.IndexFlatIP(dim)
        index = faiss.IndexIVFPQ(quantizer, dim, nlist, PQ_SUBQUANTIZERS, bits, faiss.METRIC_INNER_PRODUCT)
        # small samples train quietly: quality is measured (benchmarks/ann.py), not warned about
        index.cp.min_points_per_centroid = index.pq.cp.min_points_per_centroid = 1
        index.train(np.ascontiguousarray(training, dtype=np.float32))
        return cls(index, kind)

    @classmethod
    def from_bytes(cls, data: np.ndarray) -> VectorIndex:
        import faiss

        index = faiss.deserialize_index(data)
        return cls(index, "ivfpq" if isinstance(faiss.downcast_index(index), faiss.IndexIVF) else "flat")

    def to_bytes(self) -> bytes:
        import faiss

        return faiss.serialize_index(self.index).tobytes()

    @property
    def ntotal(self) -> int:
        return int(self.index.ntotal)

    @property
    def exact(self) -> bool:
        return self.kind == "flat"

    def add(self, ids: np.ndarray, vectors: np.ndarray) -> None:
        if len(ids):
            self.index.add_with_ids(np.ascontiguousarray(vectors, dtype=np.float32), np.asarray(ids, dtype=np.int64))

    def remove(self, ids: np.ndarray) -> None:
        import faiss

        if len(ids):
            self.index.remove_ids(faiss.IDSelectorBatch(np.asarray(ids, dtype=np.int64)))

    def search(self, vector: np.ndarray, n: int, allowed: np.ndarray | None = None) -> list[tuple[int, float]]:
        """Up to `n` (row id, score) pairs, best first, only among `allowed` ids if given."""
        import faiss

        if self.ntotal == 0 or n <= 0 or (allowed is not None and len(allowed) == 0):
            return []
        selector = allowed_selector(allowed) if allowed is not None else None
        if self.kind == "ivfpq":
            ivf = faiss.extract_index_ivf(self.index)
            # A filter keeping a fraction f of the vectors needs more lists for as many hits, and its true
            # neighbours lie further out, where PQ ranks less sharply: more candidates. Measured at 1M and
            # f = 10 % (benchmarks/ann.py): 1/f^1.5 lists, 8/f candidates found 0.90 of the top 10;
            # 1/f^2 lists (all of them there) and 8/f^1.5 candidates (capped at 2,000) 0.97 in 32 ms.
            share = 1.0 if allowed is None else max(len(allowed) / self.ntotal, 1e-9)
            params = faiss.SearchParametersIVF(sel=selector, nprobe=min(ivf.nlist, math.ceil(NPROBE / share**2)))
            n = min(MAX_CANDIDATES, math.ceil(n * RESCORE_FACTOR / share**1.5))
        else:
            params = faiss.SearchParameters(sel=selector) if selector is not None else None
        query = np.asarray(vector, dtype=np.float32).reshape(1, -1)
        scores, ids = self.index.search(query, min(n, self.ntotal), params=params)
        return [(int(i), float(s)) for i, s in zip(ids[0], scores[0], strict=True) if i != -1]


def rescore(vector: np.ndarray, found: list[tuple[int, float]], n: int,
            vectors_of: Callable[[list[int]], np.ndarray]) -> list[tuple[int, float]]:
    """Approximate candidates re-ranked by exact cosine against their stored float32 vectors."""
    if not found:
        return []
    ids = [i for i, _ in found]
    exact = vectors_of(ids) @ np.asarray(vector, dtype=np.float32)
    order = np.argsort(-exact, kind="stable")[:n]
    return [(ids[i], float(exact[i])) for i in order]
