"""The index directory: manifest.json + vectors.faiss + chunks.sqlite, no pickle.

SQLite is the source of truth: articles, chunks, their embeddings (float32
blobs, which double as the content-hash cache) and an FTS5 table for BM25.
`vectors.faiss` (a `VectorIndex`: flat, or IVF-PQ for large indexes) is derived
from it and kept in step by `VectorsFile`; a crash between the two is detected
on open and the vectors are rebuilt from SQLite.
Every file is replaced atomically (write, fsync, rename), and one writer at a
time holds a lock, so nothing already indexed is lost or half-written.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import sqlite3
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from index.article import Article, Chunk
from index.errors import NewsragError
from index.fts import fts_query
from index.manifest import MANIFEST, IndexSpec, check_compatible, read_manifest, spec_from_manifest
from index.vectors import VectorIndex, rescore
from index.vectors_file import VECTORS, VectorsFile, embeddings_of

SCHEMA_VERSION = 1
DATABASE, LOCK = "chunks.sqlite", ".lock"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS origins (origin TEXT PRIMARY KEY, input_hash TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS articles (
    id TEXT PRIMARY KEY, origin TEXT NOT NULL, title TEXT, source TEXT, author TEXT,
    published_at TEXT, url TEXT, text TEXT NOT NULL, content_hash TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS articles_origin ON articles(origin);
CREATE INDEX IF NOT EXISTS articles_hash ON articles(content_hash);
CREATE TABLE IF NOT EXISTS chunks (
    id INTEGER PRIMARY KEY, chunk_id TEXT UNIQUE NOT NULL, article_id TEXT NOT NULL,
    seq INTEGER NOT NULL, start INTEGER NOT NULL, end INTEGER NOT NULL, text TEXT NOT NULL,
    text_hash TEXT NOT NULL, embedding BLOB NOT NULL);
CREATE INDEX IF NOT EXISTS chunks_article ON chunks(article_id);
CREATE INDEX IF NOT EXISTS chunks_hash ON chunks(text_hash);
CREATE VIRTUAL TABLE IF NOT EXISTS chunks_fts USING fts5(text, tokenize='porter unicode61 remove_diacritics 2');
"""


@dataclass(frozen=True)
class StoredChunk:
    """A chunk as retrieved, with the metadata of its article needed to cite it."""

    rowid: int
    chunk_id: str
    article_id: str
    seq: int
    start: int
    end: int
    text: str
    origin: str
    title: str
    source: str
    author: str
    published_at: str
    url: str


class IndexStore:
    """An index directory opened for reading, or for writing under a lock."""

    def __init__(self, directory: Path, spec: IndexSpec, db: sqlite3.Connection, vector_index: str = "auto") -> None:
        self.directory = directory
        self.spec = spec
        self.vector_index_setting = vector_index
        self._db = db
        self._lock_fd: int | None = None
        self._vectors = VectorsFile(directory, spec, db, vector_index, self._generation, self.counts)

    # ---- opening -------------------------------------------------------
    @classmethod
    def open(cls, directory: Path, expected: IndexSpec | None = None, *, write: bool = False,
             vector_index: str = "auto") -> IndexStore:
        """Open an index; with `write`, create it if absent and take the writer's lock
        (`vector_index`: the kind a writer keeps, "auto" by size)."""
        directory = Path(directory)
        exists = (directory / MANIFEST).exists()
        if not exists and not write:
            read_manifest(directory)  # raises the "no index here" message
        if exists:
            spec = spec_from_manifest(read_manifest(directory))
            if expected is not None:
                check_compatible(directory, expected, spec)
        elif expected is None:
            raise NewsragError(f"{directory}: cannot create an index without its embedding settings")
        else:
            spec = expected
        if write:
            directory.mkdir(parents=True, exist_ok=True)
        db = cls._connect(directory / DATABASE, write=write)
        store = cls(directory, spec, db, vector_index)
        if write:
            store._lock()
            db.executescript(_SCHEMA)
            db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
            store._vectors.start_writing()
            if not exists:
                store._vectors.commit()
        else:
            store._check_schema()
        return store

    @staticmethod
    def _connect(path: Path, *, write: bool) -> sqlite3.Connection:
        if not write and not path.exists():
            raise NewsragError(f"{path}: missing; the index is incomplete, rebuild it with newsrag ingest")
        uri = f"file:{path}?mode={'rwc' if write else 'ro'}"
        db = sqlite3.connect(uri, uri=True, timeout=30, check_same_thread=False)
        db.row_factory = sqlite3.Row
        # An index may come from elsewhere: never run functions a schema smuggles in.
        db.execute("PRAGMA trusted_schema = OFF")
        if write:
            db.execute("PRAGMA synchronous = FULL")
        return db

    def _check_schema(self) -> None:
        version = self._db.execute("PRAGMA user_version").fetchone()[0]
        if version != SCHEMA_VERSION:
            raise NewsragError(
                f"{self.directory / DATABASE}: schema version {version}, expected {SCHEMA_VERSION}; "
                "rebuild the index with newsrag ingest"
            )

    def _lock(self) -> None:
        fd = os.open(self.directory / LOCK, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            os.close(fd)
            raise NewsragError(f"{self.directory}: another newsrag process is writing this index; wait for it") from exc
        self._lock_fd = fd

    def close(self) -> None:
        self._db.close()
        if self._lock_fd is not None:
            os.close(self._lock_fd)
            self._lock_fd = None

    def __enter__(self) -> IndexStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ---- writing -------------------------------------------------------
    @contextlib.contextmanager
    def transaction(self, sync_vectors: bool = True) -> Iterator[sqlite3.Connection]:
        """One atomic change. The vectors follow unless `sync_vectors` is off (a batch
        of a larger ingest, which calls `sync_vectors()` once at the end; until then the
        manifest's generation marks the vectors stale and readers rebuild them)."""
        with self._vectors.recording(), self._db:
            yield self._db
            self._db.execute(
                "INSERT INTO meta(key, value) VALUES('generation', '1') ON CONFLICT(key) "
                "DO UPDATE SET value = CAST(value AS INTEGER) + 1"
            )
        if sync_vectors:
            self._vectors.commit()

    def sync_vectors(self) -> None:
        """Write vectors.faiss and the manifest for what SQLite holds now."""
        self._vectors.commit()

    def ensure_vectors(self) -> None:
        """Load the vectors, rewriting them first if they are stale (a writer repairs, a reader rebuilds in memory)."""
        self._vectors.forget()
        self._vectors.load(writer=self._lock_fd is not None)

    def origin_hash(self, origin: str) -> str | None:
        row = self._db.execute("SELECT input_hash FROM origins WHERE origin = ?", (origin,)).fetchone()
        return row[0] if row else None

    def duplicate_of(self, article: Article, except_origin: str) -> str | None:
        row = self._db.execute(
            "SELECT id FROM articles WHERE content_hash = ? AND origin != ? LIMIT 1",
            (article.content_hash, except_origin),
        ).fetchone()
        return row[0] if row else None

    def cached_embeddings(self, text_hashes: Iterable[str]) -> dict[str, np.ndarray]:
        """Vectors already computed for these chunk texts (same model, by construction)."""
        found: dict[str, np.ndarray] = {}
        for text_hash in set(text_hashes):
            row = self._db.execute("SELECT embedding FROM chunks WHERE text_hash = ? LIMIT 1", (text_hash,)).fetchone()
            if row:
                found[text_hash] = np.frombuffer(row[0], dtype=np.float32)
        return found

    def _delete_origin(self, db: sqlite3.Connection, origin: str) -> int:
        ids = [r[0] for r in db.execute("SELECT id FROM articles WHERE origin = ?", (origin,))]
        chunk_ids = [r[0] for r in db.execute(
            "SELECT c.id FROM chunks c JOIN articles a ON a.id = c.article_id WHERE a.origin = ?", (origin,))]
        if chunk_ids:
            self._vectors.record(("remove", np.array(chunk_ids, dtype=np.int64), None))
        for article_id in ids:
            db.execute(
                "DELETE FROM chunks_fts WHERE rowid IN (SELECT id FROM chunks WHERE article_id = ?)", (article_id,)
            )
            db.execute("DELETE FROM chunks WHERE article_id = ?", (article_id,))
        db.execute("DELETE FROM articles WHERE origin = ?", (origin,))
        db.execute("DELETE FROM origins WHERE origin = ?", (origin,))
        return len(ids)

    def replace_origin(
        self, db: sqlite3.Connection, origin: str, input_hash: str,
        articles: list[Article], chunks: list[Chunk], vectors: np.ndarray,
    ) -> None:
        """Swap everything indexed from `origin` for these articles (inside a transaction)."""
        if vectors.shape != (len(chunks), self.spec.embedding_dim):
            raise ValueError(f"vectors {vectors.shape} do not match {len(chunks)} chunks of dim {self.spec.embedding_dim}")
        self._delete_origin(db, origin)
        db.execute("INSERT INTO origins(origin, input_hash) VALUES (?, ?)", (origin, input_hash))
        db.executemany(
            "INSERT INTO articles(id, origin, title, source, author, published_at, url, text, content_hash) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [(a.id, a.origin, a.title, a.source, a.author, a.published_at, a.url, a.text, a.content_hash)
             for a in articles],
        )
        rowids = []
        for chunk, vector in zip(chunks, vectors, strict=True):
            cur = db.execute(
                "INSERT INTO chunks(chunk_id, article_id, seq, start, end, text, text_hash, embedding) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (chunk.chunk_id, chunk.article_id, chunk.seq, chunk.start, chunk.end, chunk.text,
                 chunk.text_hash, np.ascontiguousarray(vector, dtype=np.float32).tobytes()),
            )
            db.execute("INSERT INTO chunks_fts(rowid, text) VALUES (?, ?)", (cur.lastrowid, chunk.text))
            rowids.append(cur.lastrowid)
        if rowids:
            self._vectors.record(("add", np.array(rowids, dtype=np.int64), np.asarray(vectors, dtype=np.float32)))

    def remove_origin(self, origin: str) -> int:
        """Delete what `origin` added; returns how many articles went."""
        with self.transaction() as db:
            return self._delete_origin(db, origin)

    def _generation(self) -> int:
        row = self._db.execute("SELECT value FROM meta WHERE key = 'generation'").fetchone()
        return int(row[0]) if row else 0

    @property
    def vectors(self) -> VectorIndex:
        """The vectors, checked against the manifest; rebuilt from SQLite if stale or damaged."""
        return self._vectors.load(writer=self._lock_fd is not None)

    # ---- reading -------------------------------------------------------
    def counts(self) -> dict[str, int]:
        return {
            "origins": self._db.execute("SELECT COUNT(*) FROM origins").fetchone()[0],
            "articles": self._db.execute("SELECT COUNT(*) FROM articles").fetchone()[0],
            "chunks": self._db.execute("SELECT COUNT(*) FROM chunks").fetchone()[0],
        }

    def sources(self) -> list[str]:
        return [r[0] for r in self._db.execute("SELECT DISTINCT source FROM articles WHERE source != '' ORDER BY 1")]

    def rowids_matching(self, sources: list[str] | None, since: str | None, until: str | None) -> np.ndarray:
        """Chunk ids whose article passes the outlet and date filters."""
        clauses, params = [], []
        if sources:
            clauses.append(f"a.source IN ({','.join('?' * len(sources))})")
            params.extend(sources)
        if since:
            clauses.append("a.published_at != '' AND substr(a.published_at, 1, 10) >= ?")
            params.append(since[:10])
        if until:
            clauses.append("a.published_at != '' AND substr(a.published_at, 1, 10) <= ?")
            params.append(until[:10])
        where = " AND ".join(clauses) or "1"
        rows = self._db.execute(f"SELECT c.id FROM chunks c JOIN articles a ON a.id = c.article_id WHERE {where}", params)
        return np.array([r[0] for r in rows], dtype=np.int64)

    def search_dense(self, vector: np.ndarray, n: int, allowed: np.ndarray | None = None) -> list[tuple[int, float]]:
        """(row id, cosine) of the `n` nearest chunks among `allowed`; approximate indexes'
        candidates are re-scored from the stored vectors."""
        index = self.vectors
        found = index.search(vector, n, allowed)
        return found if index.exact else rescore(vector, found, n, lambda rowids: embeddings_of(self._db, rowids))

    def search_bm25(self, query: str, n: int) -> list[tuple[int, float]]:
        expression = fts_query(query)
        if not expression:
            return []
        rows = self._db.execute(
            "SELECT rowid, bm25(chunks_fts) FROM chunks_fts WHERE chunks_fts MATCH ? ORDER BY bm25(chunks_fts) LIMIT ?",
            (expression, n),
        )
        return [(int(r[0]), -float(r[1])) for r in rows]

    def sample_chunks(self, n: int) -> tuple[list[str], np.ndarray]:
        """Up to `n` chunk texts with their stored vectors, spread evenly over the index."""
        total = self._db.execute("SELECT COUNT(*) FROM chunks").fetchone()[0]
        step = max(1, total // max(n, 1))
        rows = self._db.execute(
            "SELECT text, embedding FROM chunks WHERE id % ? = 0 ORDER BY id LIMIT ?", (step, n)
        ).fetchall() or self._db.execute("SELECT text, embedding FROM chunks LIMIT ?", (n,)).fetchall()
        vectors = [np.frombuffer(r[1], dtype=np.float32) for r in rows]
        return [r[0] for r in rows], (np.vstack(vectors) if vectors else np.zeros((0, self.spec.embedding_dim), np.float32))

    def get_chunks(self, rowids: list[int]) -> list[StoredChunk]:
        """Chunks with article metadata, in the order of `rowids`."""
        if not rowids:
            return []
        marks = ",".join("?" * len(rowids))
        rows = self._db.execute(
            "SELECT c.id AS rowid, c.chunk_id, c.article_id, c.seq, c.start, c.end, c.text, a.origin, "
            "a.title, a.source, a.author, a.published_at, a.url "
            f"FROM chunks c JOIN articles a ON a.id = c.article_id WHERE c.id IN ({marks})",
            rowids,
        ).fetchall()
        by_id = {r["rowid"]: StoredChunk(**dict(r)) for r in rows}
        return [by_id[i] for i in rowids if i in by_id]

    def get_article(self, article_id: str) -> Article | None:
        row = self._db.execute(
            "SELECT id, origin, text, title, source, author, published_at, url FROM articles WHERE id = ?",
            (article_id,),
        ).fetchone()
        return Article(**dict(row)) if row else None

    def latest_date(self) -> str:
        """The newest publication date in the index: what a brief is "as of"."""
        row = self._db.execute("SELECT max(substr(published_at, 1, 10)) FROM articles WHERE published_at != ''")
        return row.fetchone()[0] or ""
