"""Per-chunk term counts in FTS5's own tokens, stored beside the FTS5 table.

`index.bm25` scores BM25 from these counts in memory because FTS5's bm25() cost
most of a query's retrieval time (~20 of 40–45 ms at 48.7k chunks on a Zen 5). The counts must be FTS5's: the same Porter
stems, diacritics and token boundaries, the same document lengths, or the two
rankings would drift apart. SQLite does not expose its tokenizer to Python, so
`Fts5Tokenizer` runs it: text goes into an FTS5 table in an in-memory database
with the index's tokenize= spec and comes back out through `fts5vocab`.

The counts live in SQLite (`chunk_terms`, `terms`), written in the same
transaction as the chunk, so they can never disagree with the FTS5 table after a
crash.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterable, Sequence

import numpy as np

# One chunk's counts: a term's id and how often it occurs in the headline and in the text.
COUNTS = np.dtype([("term", "<i4"), ("title", "<u2"), ("text", "<u2")])
# Query words seen; bounded so a long-running server does not grow without end.
_WORD_CACHE_LIMIT = 50_000


class Fts5Tokenizer:
    """FTS5's tokenizer, run on text in a private in-memory database. Thread-safe."""

    def __init__(self, tokenize: str) -> None:
        self._db = sqlite3.connect(":memory:", check_same_thread=False)
        self._db.execute(f"CREATE VIRTUAL TABLE doc USING fts5(title, text, tokenize={tokenize!r})")
        self._db.execute("CREATE VIRTUAL TABLE doc_terms USING fts5vocab(doc, instance)")
        self._lock = threading.Lock()
        self._words: dict[str, tuple[str, ...]] = {}

    def close(self) -> None:
        self._db.close()

    def count(self, documents: Sequence[tuple[str, str]]) -> list[tuple[int, str, int, int]]:
        """(document's position, term, count in the headline, count in the text) for each (headline, text),
        ordered by position."""
        with self._lock, self._db:
            self._db.executemany("INSERT INTO doc(rowid, title, text) VALUES (?, ?, ?)",
                                 ((i, title, text) for i, (title, text) in enumerate(documents)))
            rows = self._db.execute("SELECT doc, term, sum(col = 'title'), sum(col = 'text') FROM doc_terms "
                                    "GROUP BY doc, term ORDER BY doc").fetchall()
            self._db.execute("DELETE FROM doc")
        return rows

    def terms(self, words: Iterable[str]) -> list[str]:
        """The terms FTS5 makes of each word, in order (a word may make none, or several)."""
        words = list(words)
        with self._lock:  # another thread may empty the cache
            known = {w: self._words[w] for w in words if w in self._words}
        unseen = [w for w in dict.fromkeys(words) if w not in known]
        if unseen:
            found: list[list[str]] = [[] for _ in unseen]
            for position, term, _, _ in self.count([("", w) for w in unseen]):
                found[position].append(term)
            fresh = {w: tuple(terms) for w, terms in zip(unseen, found, strict=True)}
            with self._lock:
                if len(self._words) > _WORD_CACHE_LIMIT:
                    self._words.clear()
                self._words.update(fresh)
            known.update(fresh)
        return [term for w in words for term in known[w]]


def write(db: sqlite3.Connection, tokenizer: Fts5Tokenizer, rowids: Sequence[int],
          documents: Sequence[tuple[str, str]]) -> None:
    """Store the term counts of these chunks (inside the transaction that adds them)."""
    rows = tokenizer.count(documents)
    vocabulary = sorted({r[1] for r in rows})
    db.executemany("INSERT OR IGNORE INTO terms(term) VALUES (?)", ((t,) for t in vocabulary))
    ids = dict(db.execute("SELECT term, id FROM terms WHERE term IN (SELECT value FROM json_each(?))",
                          (json.dumps(vocabulary),)).fetchall())
    packed = np.empty(len(rows), dtype=COUNTS)
    packed["term"] = [ids[r[1]] for r in rows]
    packed["title"] = [r[2] for r in rows]
    packed["text"] = [r[3] for r in rows]
    bounds = np.searchsorted(np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows)),
                             np.arange(len(documents) + 1))
    db.executemany("INSERT INTO chunk_terms(id, counts) VALUES (?, ?)",
                   ((int(rowid), packed[bounds[i]:bounds[i + 1]].tobytes()) for i, rowid in enumerate(rowids)))


def repair(db: sqlite3.Connection, tokenizer: Fts5Tokenizer) -> int:
    """Drop counts of chunks that are gone and count chunks that have none (only an edit from outside
    newsrag leaves either); returns how many rows changed."""
    orphans = db.execute("SELECT COUNT(*) FROM chunk_terms WHERE id NOT IN (SELECT id FROM chunks)").fetchone()[0]
    missing = db.execute("SELECT COUNT(*) FROM chunks WHERE id NOT IN (SELECT id FROM chunk_terms)").fetchone()[0]
    if orphans or missing:  # two read-only scans, ~0.15 s at 48.7k chunks; a write only when needed
        with db:
            db.execute("DELETE FROM chunk_terms WHERE id NOT IN (SELECT id FROM chunks)")
            fill(db, tokenizer)
    return orphans + missing


def fill(db: sqlite3.Connection, tokenizer: Fts5Tokenizer, batch: int = 2_000) -> None:
    """Count the terms of every chunk that has none yet: the schema migration that adds the table."""
    last = -1
    while True:
        rows = db.execute(
            "SELECT c.id, COALESCE(a.title, ''), c.text FROM chunks c JOIN articles a ON a.id = c.article_id "
            "WHERE c.id > ? AND c.id NOT IN (SELECT id FROM chunk_terms) ORDER BY c.id LIMIT ?", (last, batch)
        ).fetchall()
        if not rows:
            return
        write(db, tokenizer, [r[0] for r in rows], [(r[1], r[2]) for r in rows])
        last = rows[-1][0]

