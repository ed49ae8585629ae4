"""BM25 over the chunks' FTS5 table: user text → a safe MATCH expression, and the search.

The store asks FTS5 only for an index too big for the in-memory matrix
(`index.bm25`: the same scores in 0.4 ms instead of 20 at 48.7k chunks); FTS5
is also what the tests check that matrix against.

The headline is a column of its own, weighted against the text. Under an outlet
or date filter the search stays exact: the best matches overall are fetched in
proportion to how much of the index the filter keeps and checked against the
catalog (~22 ms at 49k chunks); only when too few pass (a narrow filter) does the
filter run inside SQL, which is exact at any width but ~3x slower because it
joins every matching row to its article. (Passing the allowed ids instead, as
`rowid IN (SELECT value FROM json_each(?))`, was far slower: 60 queries had not
finished after a minute.)
"""

from __future__ import annotations

import math
import re
import sqlite3
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

from index.catalog import ChunkCatalog
from index.textrules import SEARCH_STOPWORDS

# Under a filter: fetch OVERFETCH · n / (share of the index the filter keeps), at most MAX_FETCH
OVERFETCH, MAX_FETCH = 3, 2_000
_RANKED = "SELECT f.rowid, bm25(chunks_fts, ?, 1.0) AS score FROM chunks_fts f"


def query_words(text: str) -> list[str]:
    """The words of a question BM25 searches for: each once, lower-cased, without stopwords."""
    return [w for w in dict.fromkeys(re.findall(r"\w+", text.lower())) if w not in SEARCH_STOPWORDS]


def fts_query(text: str) -> str:
    """A safe FTS5 MATCH expression: every content word quoted, joined by OR."""
    return " OR ".join(f'"{w}"' for w in query_words(text))


def search(db: sqlite3.Connection, catalog: ChunkCatalog | None, query: str, n: int, title_weight: float,
           sources: tuple[str, ...] = (), since: str | None = None, until: str | None = None) -> list[tuple[int, float]]:
    """(row id, BM25 score) of the `n` best chunks passing the filters (`catalog` is needed when filtering)."""
    expression = fts_query(query)
    if not expression:
        return []
    if catalog is None:
        return _scored(db.execute(f"{_RANKED} WHERE chunks_fts MATCH ? ORDER BY score LIMIT ?",
                                  (title_weight, expression, n)))
    keep = catalog.mask(tuple(sources), since, until)
    share = float(keep.mean()) if len(keep) else 0.0
    if share == 0.0:
        return []
    limit = min(MAX_FETCH, math.ceil(n * OVERFETCH / share))
    rows = db.execute(f"{_RANKED} WHERE chunks_fts MATCH ? ORDER BY score LIMIT ?",
                      (title_weight, expression, limit)).fetchall()
    passes = np.isin([r[0] for r in rows], catalog.rowids[keep])
    passed = [row for row, ok in zip(rows, passes, strict=True) if ok]
    if len(passed) >= n or len(rows) < limit:
        return _scored(passed[:n])
    clauses, params = filter_sql(sources, since, until)
    return _scored(db.execute(
        f"{_RANKED} JOIN chunks c ON c.id = f.rowid JOIN articles a ON a.id = c.article_id "
        f"WHERE chunks_fts MATCH ? AND {' AND '.join(clauses)} ORDER BY score LIMIT ?",
        (title_weight, expression, *params, n)))


def _scored(rows: Iterable[Sequence[Any]]) -> list[tuple[int, float]]:
    """FTS5's bm25() is lower-is-better; scores here are higher-is-better."""
    return [(int(r[0]), -float(r[1])) for r in rows]


def filter_sql(sources: tuple[str, ...], since: str | None, until: str | None) -> tuple[list[str], list[str]]:
    """The catalog's filter (`ChunkCatalog.mask`) as SQL over `articles a`, for the narrow-filter path."""
    clauses: list[str] = []
    params: list[str] = []
    if sources:
        clauses.append(f"a.source IN ({','.join('?' * len(sources))})")
        params.extend(sources)
    if since:
        clauses.append("a.published_at != '' AND substr(a.published_at, 1, 10) >= ?")
        params.append(since[:10])
    if until:
        clauses.append("a.published_at != '' AND substr(a.published_at, 1, 10) <= ?")
        params.append(until[:10])
    return clauses, params
