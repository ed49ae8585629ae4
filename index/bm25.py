"""FTS5's BM25, scored in memory from the stored term counts.

FTS5's bm25() visits every chunk an OR-query matches (a median 21,800 of 48,676
for RealTimeQA questions) through its auxiliary-function interface: ~17 ms of a
25 ms retrieval on a Zen 5, 41 of 72 ms on a Xeon VM. The same formula over a
term-major sparse matrix is a few vectorised passes over the question's posting
lists, and an outlet or date filter is a mask, exact at any width. The terms,
document lengths, idf and column weights are FTS5's (fts5_aux.c, k1 = 1.2,
b = 0.75), so the scores are the same numbers; tests compare the two.

The matrix holds ~6 bytes per (term, chunk) pair, ~100 pairs per chunk of news
(29 MB for RealTimeQA's 48,676 chunks), and is built per index generation in
~0.6 s there. Above `MAX_PAIRS` the store keeps asking FTS5 instead: at 1M chunks
the matrix would answer in 10 ms instead of 430 but hold 600 MB and take ~10x
that to build (benchmarks/sqlite_scale.py).
"""

from __future__ import annotations

import math
import sqlite3
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from index import fts, schema
from index.catalog import ChunkCatalog
from index.errors import NewsragError
from index.term_counts import COUNTS, Fts5Tokenizer

K1, B = 1.2, 0.75  # FTS5's constants
MAX_PAIRS = 25_000_000  # ~150 MB held (~240k chunks of news); beyond it FTS5 answers from disk


class CountsChanged(Exception):
    """`chunk_terms` did not hold exactly the catalog's chunks while it was read: a writer committed, or worse."""


@dataclass(frozen=True)
class Bm25Matrix:
    """Term counts of every chunk, grouped by term: postings of term t are [starts[t], starts[t + 1])."""

    term_ids: dict[str, int]
    starts: np.ndarray  # int64, one more than the number of term ids
    positions: np.ndarray  # int32 position of the chunk in `rowids`
    title_counts: np.ndarray  # uint8 or uint16
    text_counts: np.ndarray
    length_norm: np.ndarray  # float64 per chunk: K1 * (1 - B + B * length / average length)
    rowids: np.ndarray  # int64 chunk ids, ascending

    @staticmethod
    def pairs(db: sqlite3.Connection) -> int:
        """How many (term, chunk) pairs the index holds: what the matrix would cost."""
        return int(db.execute("SELECT COALESCE(SUM(length(counts)), 0) FROM chunk_terms").fetchone()[0]) // COUNTS.itemsize

    @classmethod
    def read(cls, db: sqlite3.Connection, rowids: np.ndarray, pairs: int) -> Bm25Matrix:
        """Build from `chunk_terms`; `rowids` (the catalog's, ascending) must be exactly its chunks and
        `pairs` what `pairs()` counted."""
        chunks = len(rowids)
        counts = np.empty(pairs, dtype=COUNTS)
        ids, sizes = np.empty(chunks, dtype=np.int64), np.empty(chunks, dtype=np.int64)
        filled = read = 0
        for rowid, blob in db.execute("SELECT id, counts FROM chunk_terms ORDER BY id"):
            size = len(blob) // COUNTS.itemsize
            if read >= chunks or filled + size > len(counts):
                raise CountsChanged(f"chunk_terms holds more than the {chunks} chunks, or changed while it was read")
            ids[read], sizes[read] = rowid, size
            counts[filled:filled + size] = np.frombuffer(blob, dtype=COUNTS)
            filled += size
            read += 1
        if read != chunks or filled != len(counts) or not np.array_equal(ids, rowids):
            raise CountsChanged("chunk_terms does not hold exactly the index's chunks")
        terms = np.ascontiguousarray(counts["term"])
        order = np.argsort(terms)  # within a term any order will do: 3x faster than a stable sort
        term_ids = {term: int(i) for i, term in db.execute("SELECT id, term FROM terms")}
        starts = np.searchsorted(terms[order], np.arange(max(term_ids.values(), default=0) + 2))
        del terms
        title, text = counts["title"], counts["text"]
        positions = np.repeat(np.arange(chunks, dtype=np.int32), sizes)
        lengths = np.bincount(positions, weights=title + text.astype(np.float64), minlength=chunks)
        narrow = np.uint8 if len(counts) == 0 or max(title.max(), text.max()) < 256 else np.uint16
        positions = positions[order]
        average = float(lengths.mean()) if chunks else 1.0
        return cls(term_ids, starts, positions, title[order].astype(narrow), text[order].astype(narrow),
                   K1 * (1 - B + B * lengths / (average or 1.0)), rowids)

    def search(self, terms: Sequence[str], n: int, title_weight: float,
               keep: np.ndarray | None = None) -> list[tuple[int, float]]:
        """(row id, BM25 score) of the `n` best chunks matching any of `terms` among those `keep` allows.
        A term listed twice counts twice, as two phrases of one FTS5 query do."""
        chunks = len(self.rowids)
        if n <= 0:
            return []
        matched, weights = [], []
        for term in terms:
            term_id = self.term_ids.get(term)
            if term_id is None or term_id + 1 >= len(self.starts):
                continue
            start, end = self.starts[term_id], self.starts[term_id + 1]
            if start == end:
                continue
            hits = end - start
            idf = max(math.log((chunks - hits + 0.5) / (hits + 0.5)), 1e-6)
            where = self.positions[start:end]
            frequency = title_weight * self.title_counts[start:end] + self.text_counts[start:end]
            matched.append(where)
            weights.append(idf * frequency * (K1 + 1) / (frequency + self.length_norm[where]))
        if not matched:
            return []
        where = np.concatenate(matched)
        scores = np.bincount(where, weights=np.concatenate(weights), minlength=chunks)
        hit = np.zeros(chunks, dtype=bool)
        hit[where] = True
        if keep is not None:
            hit &= keep
        found = np.flatnonzero(hit)
        if len(found) > n:
            found = found[np.argpartition(-scores[found], n - 1)[:n]]
        found = found[np.lexsort((found, -scores[found]))]  # equal scores: the older chunk first, as FTS5 does
        return [(int(self.rowids[p]), float(scores[p])) for p in found]


class Bm25Search:
    """An index's BM25: the in-memory matrix of its term counts, rebuilt when the index changes, or FTS5
    for an index above `MAX_PAIRS`. It also owns the FTS5 tokenizer a writer counts new chunks with."""

    def __init__(self, db: sqlite3.Connection, database: Path, generation: Callable[[], int],
                 catalog: Callable[[], ChunkCatalog]) -> None:
        self._db = db
        self._database = database
        self._generation = generation
        self._catalog = catalog
        self._built: tuple[int, ChunkCatalog, Bm25Matrix | None] | None = None
        self._peer: Bm25Search | None = None
        self._tokenizer: Fts5Tokenizer | None = None

    @property
    def tokenizer(self) -> Fts5Tokenizer:
        if self._tokenizer is None:
            self._tokenizer = Fts5Tokenizer(schema.TOKENIZE)
        return self._tokenizer

    def close(self) -> None:
        if self._tokenizer is not None:
            self._tokenizer.close()
            self._tokenizer = None

    def share_of(self, peer: Bm25Search) -> None:
        """Use `peer`'s matrix while it is of this index's current generation, instead of building a second
        one (the same index on another connection: the Search tab's)."""
        self._peer = peer

    def matrix(self) -> tuple[ChunkCatalog, Bm25Matrix | None]:
        """The catalog and the matrix built from the same snapshot (no matrix above `MAX_PAIRS`)."""
        generation = self._generation()
        if (self._built is None or self._built[0] != generation) and self._peer is not None:
            shared = self._peer._built  # replaced whole, never changed in place: safe to read from here
            if shared is not None and shared[0] == generation:
                self._built = shared
        if self._built is None or self._built[0] != generation:
            for _ in range(3):  # a writer may commit between the reads: read again
                generation, catalog, pairs = self._generation(), self._catalog(), Bm25Matrix.pairs(self._db)
                try:
                    matrix = Bm25Matrix.read(self._db, catalog.rowids, pairs) if pairs <= MAX_PAIRS else None
                except CountsChanged:
                    continue
                self._built = (generation, catalog, matrix)
                break
            else:
                raise NewsragError(f"{self._database}: BM25's term counts do not match the chunks; run newsrag "
                                   "ingest on this index (any input, even one already in it) to recount them")
        return self._built[1], self._built[2]

    def search(self, query: str, n: int, title_weight: float, sources: tuple[str, ...] = (),
               since: str | None = None, until: str | None = None) -> list[tuple[int, float]]:
        """(row id, BM25 score) of the `n` best chunks passing the filters: FTS5's scores, from the matrix,
        or from FTS5 itself (`index.fts`) for an index too big for it."""
        filtered = bool(sources or since or until)
        catalog, matrix = self.matrix()
        if matrix is None:
            return fts.search(self._db, catalog if filtered else None, query, n, title_weight, sources, since, until)
        keep = catalog.mask(tuple(sources), since, until) if filtered else None
        return matrix.search(self.tokenizer.terms(fts.query_words(query)), n, title_weight, keep)
