"""The index directory: manifest.json + vectors.faiss + chunks.sqlite, no pickle.

SQLite is the source of truth: articles, chunks, their embeddings (float32
blobs, which double as the content-hash cache), an FTS5 table and each chunk's
counts of FTS5's terms, from which BM25 is scored in memory (`index.bm25`).
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

from index import schema, stories, term_counts
from index.article import Article, Chunk
from index.bm25 import Bm25Search
from index.catalog import ChunkCatalog
from index.embedder import document_text
from index.errors import NewsragError
from index.files import remove_stale_temp_files
from index.manifest import MANIFEST, IndexSpec, check_compatible, read_manifest, spec_from_manifest
from index.vectors import VectorIndex, rescore
from index.vectors_file import VectorsFile, embeddings_of

DATABASE, LOCK = "chunks.sqlite", ".lock"


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
    story_id: str


@dataclass(frozen=True)
class StoryMember:
    """Another article of a cited article's story: who else reported it."""

    story_id: str
    article_id: str
    outlet: str
    title: str
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
        self._catalog: tuple[int, ChunkCatalog] | None = None
        self.bm25 = Bm25Search(db, directory / DATABASE, self._generation, lambda: self.catalog)
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
            remove_stale_temp_files(directory)
            if db.execute("PRAGMA user_version").fetchone()[0] == 0:
                schema.create(db)
            else:
                store._check_schema(migrate=True)
                term_counts.repair(db, store.bm25.tokenizer)
            store._vectors.start_writing()
            if not exists:
                store._vectors.commit()
        elif store._check_schema(migrate=False):
            store.close()  # an older schema: upgrade it under the writer's lock, then read
            cls.open(directory, expected, write=True, vector_index=vector_index).close()
            return cls.open(directory, expected, vector_index=vector_index)
        return store

    @staticmethod
    def _connect(path: Path, *, write: bool) -> sqlite3.Connection:
        if not write and not path.exists():
            raise NewsragError(f"{path}: missing; the index is incomplete, rebuild it with newsrag ingest")
        # A reader opens read-write but answers queries only: a writer killed inside
        # SQLite's commit leaves a hot journal that only a read-write connection can roll
        # back, and a reader opened "ro" would fail on every query until a writer came.
        # SQLite falls back to read-only by itself where the file is write-protected.
        uri = f"file:{path}?mode={'rwc' if write else 'rw'}"
        db = sqlite3.connect(uri, uri=True, timeout=30, check_same_thread=False)
        db.row_factory = sqlite3.Row
        # An index may come from elsewhere: never run functions a schema smuggles in.
        db.execute("PRAGMA trusted_schema = OFF")
        if write:
            db.execute("PRAGMA synchronous = FULL")
        else:
            db.execute("PRAGMA query_only = ON")
        return db

    def _check_schema(self, migrate: bool) -> bool:
        """Refuse a newer schema or a foreign one; migrate an older one (writer) or say it needs it (reader)."""
        try:
            version = self._db.execute("PRAGMA user_version").fetchone()[0]
            foreign = schema.foreign_objects(self._db)
        except sqlite3.DatabaseError as exc:
            raise NewsragError(f"{self.directory / DATABASE}: not a readable SQLite database ({exc}); "
                               "rebuild the index with newsrag ingest") from exc
        if foreign:
            raise NewsragError(f"{self.directory / DATABASE}: not an index newsrag wrote ({foreign}); "
                               "rebuild it with newsrag ingest rather than open a copy from elsewhere")
        if version > schema.VERSION or version < 1:
            raise NewsragError(
                f"{self.directory / DATABASE}: schema version {version}, this newsrag reads 1 to {schema.VERSION}; "
                "upgrade newsrag, or rebuild the index with newsrag ingest into a new --index directory"
            )
        if version < schema.VERSION and migrate:
            schema.migrate(self._db)
        return version < schema.VERSION

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
        self.bm25.close()
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

    def origin_hashes(self) -> dict[str, str]:
        """Every origin's input hash: what workers that cannot read the index need to skip unchanged inputs."""
        return {row[0]: row[1] for row in self._db.execute("SELECT origin, input_hash FROM origins")}

    def origin_hash(self, origin: str) -> str | None:
        row = self._db.execute("SELECT input_hash FROM origins WHERE origin = ?", (origin,)).fetchone()
        return row[0] if row else None

    def duplicate_of(self, article: Article, except_origin: str) -> str | None:
        row = self._db.execute(
            "SELECT id FROM articles WHERE content_hash = ? AND origin != ? LIMIT 1",
            (article.content_hash, except_origin),
        ).fetchone()
        return row[0] if row else None

    def cached_embeddings(self, keys: Iterable[str]) -> dict[str, np.ndarray]:
        """Vectors already computed for these texts (by `index.embedder.text_key`; the
        `text_hash` column holds the key of the text each chunk was embedded as)."""
        found: dict[str, np.ndarray] = {}
        for key in set(keys):
            row = self._db.execute("SELECT embedding FROM chunks WHERE text_hash = ? LIMIT 1", (key,)).fetchone()
            if row:
                found[key] = np.frombuffer(row[0], dtype=np.float32)
        return found

    def _delete_origin(self, db: sqlite3.Connection, origin: str) -> int:
        ids = [r[0] for r in db.execute("SELECT id FROM articles WHERE origin = ?", (origin,))]
        chunk_ids = [r[0] for r in db.execute(
            "SELECT c.id FROM chunks c JOIN articles a ON a.id = c.article_id WHERE a.origin = ?", (origin,))]
        if chunk_ids:
            self._vectors.record(("remove", np.array(chunk_ids, dtype=np.int64), None))
        for article_id in ids:
            for table, key in (("chunks_fts", "rowid"), ("chunk_terms", "id")):
                db.execute(f"DELETE FROM {table} WHERE {key} IN (SELECT id FROM chunks WHERE article_id = ?)",
                           (article_id,))
            db.execute("DELETE FROM chunks WHERE article_id = ?", (article_id,))
        stories.forget(db, ids)
        db.execute("DELETE FROM articles WHERE origin = ?", (origin,))
        db.execute("DELETE FROM origins WHERE origin = ?", (origin,))
        return len(ids)

    def replace_origin(
        self, db: sqlite3.Connection, origin: str, input_hash: str,
        articles: list[Article], chunks: list[Chunk], vectors: np.ndarray, keys: list[str],
    ) -> None:
        """Swap everything indexed from `origin` for these articles (inside a transaction);
        `keys[i]` is the hash of the text `vectors[i]` was computed from (the embedding cache's key)."""
        if vectors.shape != (len(chunks), self.spec.embedding_dim) or len(keys) != len(chunks):
            raise ValueError(f"vectors {vectors.shape} do not match {len(chunks)} chunks of dim {self.spec.embedding_dim}")
        self._delete_origin(db, origin)
        db.execute("INSERT INTO origins(origin, input_hash) VALUES (?, ?)", (origin, input_hash))
        titles = {}
        for a in articles:
            story = stories.assign_story(db, a.id, f"{a.title}\n{a.text}")
            db.execute(
                "INSERT INTO articles(id, origin, title, source, author, published_at, url, text, content_hash, "
                "story_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (a.id, a.origin, a.title, a.source, a.author, a.published_at, a.url, a.text, a.content_hash, story),
            )
            titles[a.id] = a.title
        rowids, documents = [], []
        for chunk, vector, key in zip(chunks, vectors, keys, strict=True):
            cur = db.execute(
                "INSERT INTO chunks(chunk_id, article_id, seq, start, end, text, text_hash, embedding) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (chunk.chunk_id, chunk.article_id, chunk.seq, chunk.start, chunk.end, chunk.text,
                 key, np.ascontiguousarray(vector, dtype=np.float32).tobytes()),
            )
            documents.append((titles.get(chunk.article_id, ""), chunk.text))
            db.execute("INSERT INTO chunks_fts(rowid, title, text) VALUES (?, ?, ?)", (cur.lastrowid, *documents[-1]))
            rowids.append(cur.lastrowid)
        term_counts.write(db, self.bm25.tokenizer, rowids, documents)
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

    @property
    def catalog(self) -> ChunkCatalog:
        """Per-chunk dates and outlets as arrays, re-read when the index changes."""
        generation = self._generation()
        if self._catalog is None or self._catalog[0] != generation:
            self._catalog = (generation, ChunkCatalog.read(self._db))
        return self._catalog[1]

    def rowids_matching(self, sources: tuple[str, ...], since: str | None, until: str | None) -> np.ndarray:
        """Chunk ids whose article passes the outlet and date filters."""
        catalog = self.catalog
        return catalog.rowids[catalog.mask(tuple(sources), since, until)]

    def search_dense(self, vector: np.ndarray, n: int, allowed: np.ndarray | None = None) -> list[tuple[int, float]]:
        """(row id, cosine) of the `n` nearest chunks among `allowed`; approximate indexes'
        candidates are re-scored from the stored vectors."""
        index = self.vectors
        found = index.search(vector, n, allowed)
        return found if index.exact else rescore(vector, found, n, lambda rowids: embeddings_of(self._db, rowids))

    def search_bm25(self, query: str, n: int, title_weight: float = 1.0, sources: tuple[str, ...] = (),
                    since: str | None = None, until: str | None = None) -> list[tuple[int, float]]:
        """(row id, BM25 score) of the `n` best chunks passing the filters (`index.bm25.Bm25Search`)."""
        return self.bm25.search(query, n, title_weight, sources, since, until)

    def vectors_of(self, rowids: list[int]) -> np.ndarray:
        """The stored float32 vectors of these chunks, in order."""
        return embeddings_of(self._db, [int(r) for r in rowids])

    def story_sizes(self, story_ids: list[str]) -> dict[str, int]:
        """How many articles each story has (an article outside any story counts as its own)."""
        ids = sorted(set(story_ids))
        if not ids:
            return {}
        rows = self._db.execute(
            f"SELECT story_id, COUNT(*) FROM articles WHERE story_id IN ({','.join('?' * len(ids))}) GROUP BY story_id",
            ids)
        return {r[0]: int(r[1]) for r in rows}

    def story_members(self, story_ids: list[str]) -> dict[str, list[StoryMember]]:
        """Every article of these stories, oldest first."""
        if not story_ids:
            return {}
        rows = self._db.execute(
            "SELECT story_id, id, source, title, published_at, url FROM articles "
            f"WHERE story_id IN ({','.join('?' * len(story_ids))}) ORDER BY published_at, id", story_ids)
        members: dict[str, list[StoryMember]] = {}
        for r in rows:
            members.setdefault(r[0], []).append(StoryMember(*(str(v or "") for v in r)))
        return members

    def sample_chunks(self, n: int) -> tuple[list[str], np.ndarray]:
        """Up to `n` texts as they were embedded, with their stored vectors, spread evenly over the index."""
        total = self._db.execute("SELECT COUNT(*) FROM chunks").fetchone()[0]
        step = max(1, total // max(n, 1))
        select = "SELECT c.text, a.title, c.embedding FROM chunks c JOIN articles a ON a.id = c.article_id"
        rows = (self._db.execute(f"{select} WHERE c.id % ? = 0 ORDER BY c.id LIMIT ?", (step, n)).fetchall()
                or self._db.execute(f"{select} LIMIT ?", (n,)).fetchall())
        texts = [document_text(r[0], r[1] or "", self.spec.embedding_input) for r in rows]
        vectors = [np.frombuffer(r[2], dtype=np.float32) for r in rows]
        return texts, (np.vstack(vectors) if vectors else np.zeros((0, self.spec.embedding_dim), np.float32))

    def get_chunks(self, rowids: list[int]) -> list[StoredChunk]:
        """Chunks with article metadata, in the order of `rowids`."""
        if not rowids:
            return []
        marks = ",".join("?" * len(rowids))
        rows = self._db.execute(
            "SELECT c.id AS rowid, c.chunk_id, c.article_id, c.seq, c.start, c.end, c.text, a.origin, "
            "a.title, a.source, a.author, a.published_at, a.url, COALESCE(a.story_id, a.id) AS story_id "
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
        """The newest publication date in the index (of an article with chunks: one without can't be
        found): what a brief is "as of", and what the chat's recency counts from."""
        return self.catalog.newest_date()
