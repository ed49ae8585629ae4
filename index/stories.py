"""Story clusters: syndicated and near-duplicate articles share one `story_id`.

A wire story runs on many sites with a new headline, a dateline or a trimmed
ending; exact dedup (the content hash) misses those copies, and then five
copies of one story fill five of the six slots an answer reads. Each article
gets a MinHash signature over its word 5-gram shingles (datasketch); the
signatures' LSH bands live in SQLite next to the articles, so an article
ingested a year later still finds its story with a few indexed lookups, inside
the same transaction that stores it, and nothing is held in memory between runs.

Why MinHash rather than the embedding of each article's lead: shingles match
copies by their wording, which is what syndication preserves, while leads on
one topic embed close without being one story. Measured on RealTimeQA
(`benchmarks/story_clusters.py`, docs/evaluation.md): MinHash joins 37 of 4,125
articles into 18 stories (exact copies, 45 more, are deduplicated before); leads
at cosine ≥ 0.95 join 8 pairs MinHash does not (a week's mortgage-rate report
with the next week's, Diwali 2024 with Diwali 2025) and miss 11 of its 20.
"""

from __future__ import annotations

import hashlib
import re
import sqlite3
from collections.abc import Iterable

import numpy as np

NUM_PERM = 128
BANDS, ROWS = 32, 4  # 32 bands of 4: P(candidate) = 0.87 at Jaccard 0.5, 0.23 at 0.3
THRESHOLD = 0.5  # estimated Jaccard of 5-gram shingles at which two articles are one story
SHINGLE_WORDS = 5
_SEED = 1
_WORD = re.compile(r"\w+")

SCHEMA = """
CREATE TABLE IF NOT EXISTS story_signatures (article_id TEXT PRIMARY KEY, signature BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS story_bands (band INTEGER NOT NULL, bucket INTEGER NOT NULL, article_id TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS story_bands_bucket ON story_bands(band, bucket);
CREATE INDEX IF NOT EXISTS story_bands_article ON story_bands(article_id);
"""


def shingles(text: str) -> set[bytes]:
    words = _WORD.findall(text.lower())
    if len(words) <= SHINGLE_WORDS:
        return {" ".join(words).encode()}
    return {" ".join(words[i : i + SHINGLE_WORDS]).encode() for i in range(len(words) - SHINGLE_WORDS + 1)}


def signature(text: str) -> np.ndarray:
    """The MinHash of `text`'s shingles (uint32: datasketch keeps values below 2**32)."""
    from datasketch import MinHash

    minhash = MinHash(num_perm=NUM_PERM, seed=_SEED)
    minhash.update_batch(list(shingles(text)))
    return minhash.hashvalues.astype(np.uint32)


def similarity(a: np.ndarray, b: np.ndarray) -> float:
    """Estimated Jaccard similarity of two signatures."""
    return float(np.mean(a == b))


def _buckets(sig: np.ndarray) -> list[int]:
    return [int.from_bytes(hashlib.blake2b(sig[b * ROWS : (b + 1) * ROWS].tobytes(), digest_size=8).digest(),
                           "little", signed=True) for b in range(BANDS)]


def assign_story(db: sqlite3.Connection, article_id: str, text: str) -> str:
    """Store `article_id`'s signature and return its story: the story of the most similar
    article already stored above THRESHOLD, else a new story named after itself.
    Call inside the transaction that stores the article."""
    sig = signature(text)
    buckets = _buckets(sig)
    candidates: set[str] = set()
    for band, bucket in enumerate(buckets):
        candidates.update(r[0] for r in db.execute(
            "SELECT article_id FROM story_bands WHERE band = ? AND bucket = ?", (band, bucket)))
    candidates.discard(article_id)
    story = article_id
    best = THRESHOLD
    for other in sorted(candidates):
        row = db.execute(
            "SELECT s.signature, a.story_id FROM story_signatures s JOIN articles a ON a.id = s.article_id "
            "WHERE s.article_id = ?", (other,)).fetchone()
        if row is None:
            continue
        score = similarity(sig, np.frombuffer(row[0], dtype=np.uint32))
        if score >= best:
            best, story = score, row[1] or other
    db.execute("INSERT OR REPLACE INTO story_signatures(article_id, signature) VALUES (?, ?)",
               (article_id, sig.tobytes()))
    db.execute("DELETE FROM story_bands WHERE article_id = ?", (article_id,))
    db.executemany("INSERT INTO story_bands(band, bucket, article_id) VALUES (?, ?, ?)",
                   [(band, bucket, article_id) for band, bucket in enumerate(buckets)])
    return story


def forget(db: sqlite3.Connection, article_ids: Iterable[str]) -> None:
    """Drop deleted articles' signatures (their story ids stay valid labels for the rest)."""
    for article_id in article_ids:
        db.execute("DELETE FROM story_bands WHERE article_id = ?", (article_id,))
        db.execute("DELETE FROM story_signatures WHERE article_id = ?", (article_id,))
