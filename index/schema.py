"""The SQLite schema of an index, its version, and the migrations between versions.

An index is a user's work (hours of embedding), so a newer newsrag upgrades an
older index in place, in one transaction, instead of asking for a rebuild: a
crash mid-migration leaves the old version intact and the next open retries.
Vectors are untouched by every migration so far (chunk ids do not change), so
`vectors.faiss` and the manifest's generation stay valid.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable

from index import stories, term_counts
from index.dates import normalise_date

VERSION = 3

TABLES = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS origins (origin TEXT PRIMARY KEY, input_hash TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS articles (
    id TEXT PRIMARY KEY, origin TEXT NOT NULL, title TEXT, source TEXT, author TEXT,
    published_at TEXT, url TEXT, text TEXT NOT NULL, content_hash TEXT NOT NULL, story_id TEXT);
CREATE INDEX IF NOT EXISTS articles_origin ON articles(origin);
CREATE INDEX IF NOT EXISTS articles_hash ON articles(content_hash);
CREATE INDEX IF NOT EXISTS articles_story ON articles(story_id);
CREATE TABLE IF NOT EXISTS chunks (
    id INTEGER PRIMARY KEY, chunk_id TEXT UNIQUE NOT NULL, article_id TEXT NOT NULL,
    seq INTEGER NOT NULL, start INTEGER NOT NULL, end INTEGER NOT NULL, text TEXT NOT NULL,
    text_hash TEXT NOT NULL, embedding BLOB NOT NULL);
CREATE INDEX IF NOT EXISTS chunks_article ON chunks(article_id);
CREATE INDEX IF NOT EXISTS chunks_hash ON chunks(text_hash);
CREATE TABLE IF NOT EXISTS terms (id INTEGER PRIMARY KEY, term TEXT UNIQUE NOT NULL);
CREATE TABLE IF NOT EXISTS chunk_terms (id INTEGER PRIMARY KEY, counts BLOB NOT NULL);
""" + stories.SCHEMA

# The headline is a column of its own so BM25 can weight it (bm25(chunks_fts, title, text)).
# `chunk_terms` holds each chunk's counts of the same tokens (index.term_counts, index.bm25).
TOKENIZE = "porter unicode61 remove_diacritics 2"
FTS = f"CREATE VIRTUAL TABLE IF NOT EXISTS chunks_fts USING fts5(title, text, tokenize='{TOKENIZE}')"


CORE_TABLES = ("meta", "origins", "articles", "chunks", "chunks_fts")


def foreign_objects(db: sqlite3.Connection) -> str | None:
    """What in this database newsrag never creates (a view or trigger, a core table missing or not a
    table), or None. An index may come from elsewhere; with trusted_schema=OFF its schema cannot run
    unsafe functions, and this refuses one that tries to stand in for ours."""
    rows = db.execute("SELECT type, name FROM sqlite_master").fetchall()
    if extra := [f"{kind} {name!r}" for kind, name in rows if kind in ("view", "trigger")]:
        return f"it holds {', '.join(extra[:3])}"
    tables = {name for kind, name in rows if kind == "table"}
    if missing := [t for t in CORE_TABLES if t not in tables]:
        return f"table {missing[0]!r} is missing"
    return None


def create(db: sqlite3.Connection) -> None:
    db.executescript(TABLES + FTS + ";")
    db.execute(f"PRAGMA user_version = {VERSION}")


def _statements(script: str) -> list[str]:
    """executescript() would COMMIT the migration's transaction first; run statements one by one."""
    return [s.strip() for s in script.split(";") if s.strip()]


def _v1_to_v2(db: sqlite3.Connection) -> None:
    """Headlines in the FTS table, story clusters, ISO publication dates."""
    db.execute("ALTER TABLE articles ADD COLUMN story_id TEXT")
    for statement in _statements(TABLES):  # the story tables and index (IF NOT EXISTS skips the rest)
        db.execute(statement)
    db.execute("DROP TABLE chunks_fts")
    db.execute(FTS)
    db.execute("INSERT INTO chunks_fts(rowid, title, text) SELECT c.id, COALESCE(a.title, ''), c.text "
               "FROM chunks c JOIN articles a ON a.id = c.article_id")
    rows = db.execute("SELECT id, title, text, published_at FROM articles ORDER BY rowid").fetchall()
    for article_id, title, text, published in rows:
        db.execute("UPDATE articles SET story_id = ?, published_at = ? WHERE id = ?",
                   (stories.assign_story(db, article_id, f"{title or ''}\n{text}"),
                    normalise_date(published or "") or "", article_id))


def _v2_to_v3(db: sqlite3.Connection) -> None:
    """Term counts for the in-memory BM25 (~1 s per 4,000 chunks)."""
    for statement in _statements(TABLES):
        db.execute(statement)
    term_counts.fill(db, term_counts.Fts5Tokenizer(TOKENIZE))


MIGRATIONS: dict[int, Callable[[sqlite3.Connection], None]] = {1: _v1_to_v2, 2: _v2_to_v3}


def migrate(db: sqlite3.Connection) -> int:
    """Bring `db` to VERSION, one transaction per step; returns the version it had."""
    found = int(db.execute("PRAGMA user_version").fetchone()[0])
    version = found
    while version < VERSION:
        with db:
            db.execute("BEGIN IMMEDIATE")
            MIGRATIONS[version](db)
            version += 1
            db.execute(f"PRAGMA user_version = {version}")
    return found
