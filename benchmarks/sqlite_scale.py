"""SQLite and FTS5 at 1M chunks: file size, build time, BM25 and fetch latency (docs/scale.md),
and the in-memory BM25 over the same term counts (index/bm25.py): build time, memory, latency.

    python benchmarks/sqlite_scale.py --index DIR [--copies 21] [--queries 200]

DIR is a real index (the RealTimeQA corpus: 48,723 chunks); its articles and
chunks are copied `--copies` times under new ids into a fresh database with
newsrag's own schema (index/schema.py), so the text, the vocabulary and the
shape of every row are real and only the number of rows grows. The copies share
their words, so a term's posting list is `copies` times longer: the same growth
a 20x larger archive of similar news gives. Queries are the RealTimeQA dev
questions, searched as retrieval does (index/fts.py: the headline weighted 3x,
60 candidates), unfiltered and with the as-of filter through the catalog. The
in-memory matrix is built here whatever its size (the store would leave one above
`index.bm25.MAX_PAIRS` to FTS5).
"""

from __future__ import annotations

import argparse
import resource
import sqlite3
import statistics
import tempfile
import time
from pathlib import Path

from eval.gold import load_gold
from index import fts, schema
from index.bm25 import Bm25Matrix
from index.catalog import ChunkCatalog
from index.term_counts import Fts5Tokenizer

ROOT = Path(__file__).resolve().parents[1]
GOLD = ROOT.parent / "shared" / "datasets" / "realtimeqa" / "gold_dev.jsonl"
CANDIDATES, TITLE_WEIGHT = 60, 3.0


def build(source: Path, target: Path, copies: int) -> tuple[float, int]:
    db = sqlite3.connect(target)
    schema.create(db)
    db.execute("ATTACH DATABASE ? AS src", (f"file:{source}?mode=ro",))
    db.execute("INSERT INTO terms SELECT * FROM src.terms")
    start = time.perf_counter()
    for copy in range(copies):
        tag = f"#{copy}"
        with db:
            db.execute("INSERT INTO articles SELECT id || ?, origin || ?, title, source, author, published_at, url, "
                       "text, content_hash, story_id || ? FROM src.articles", (tag, tag, tag))
            db.execute("INSERT INTO chunks (chunk_id, article_id, seq, start, end, text, text_hash, embedding) "
                       "SELECT chunk_id || ?, article_id || ?, seq, start, end, text, text_hash, embedding "
                       "FROM src.chunks ORDER BY id", (tag, tag))
            db.execute("INSERT INTO chunks_fts(rowid, title, text) SELECT c.id, COALESCE(a.title, ''), c.text "
                       "FROM chunks c JOIN articles a ON a.id = c.article_id WHERE c.chunk_id LIKE ?", (f"%{tag}",))
            db.execute("INSERT INTO chunk_terms(id, counts) SELECT c.id, t.counts FROM src.chunks s "
                       "JOIN src.chunk_terms t ON t.id = s.id JOIN chunks c ON c.chunk_id = s.chunk_id || ?", (tag,))
        print(f"copy {copy + 1}/{copies}: {time.perf_counter() - start:.0f} s", flush=True)
    seconds = time.perf_counter() - start
    chunks = db.execute("SELECT count(*) FROM chunks").fetchone()[0]
    db.execute("DETACH DATABASE src")
    db.close()
    return seconds, chunks


def table_bytes(path: Path) -> dict[str, int]:
    """Bytes per table and its indexes (SQLite's dbstat), FTS5 shadow tables summed as chunks_fts."""
    db = sqlite3.connect(path)
    try:
        rows = db.execute("SELECT name, sum(pgsize) FROM dbstat GROUP BY name").fetchall()
    except sqlite3.OperationalError:  # dbstat not compiled in
        return {}
    finally:
        db.close()
    sizes: dict[str, int] = {}
    for name, size in rows:
        key = next((k for k in ("chunks_fts", "chunks", "articles") if name.startswith(k)), "other")
        sizes[key] = sizes.get(key, 0) + int(size)
    return sizes


def timed(fn, queries: list[str]) -> tuple[float, float]:  # noqa: ANN001
    seconds = []
    for query in queries:
        start = time.perf_counter()
        fn(query)
        seconds.append(time.perf_counter() - start)
    seconds.sort()
    return statistics.median(seconds) * 1000, seconds[int(0.95 * (len(seconds) - 1))] * 1000


def measure(path: Path, questions: list[tuple[str, str]]) -> list[str]:
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    start = time.perf_counter()
    catalog = ChunkCatalog.read(db)
    catalog_s = time.perf_counter() - start
    texts = [q for q, _ in questions]
    dates = dict(questions)
    plain = timed(lambda q: fts.search(db, None, q, CANDIDATES, TITLE_WEIGHT), texts)
    as_of = timed(lambda q: fts.search(db, catalog, q, CANDIDATES, TITLE_WEIGHT, until=dates[q]), texts)

    def fetch(q: str) -> None:
        ids = [rowid for rowid, _ in fts.search(db, None, q, 10, TITLE_WEIGHT)]
        marks = ",".join("?" * len(ids))
        db.execute(f"SELECT c.text, c.embedding, a.title FROM chunks c JOIN articles a ON a.id = c.article_id "
                   f"WHERE c.id IN ({marks})", ids).fetchall()

    fetched = timed(fetch, texts)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start = time.perf_counter()
    matrix = Bm25Matrix.read(db, catalog.rowids, Bm25Matrix.pairs(db))
    matrix_s = time.perf_counter() - start
    grown = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - peak) / 1024
    held = sum(a.nbytes for a in (matrix.starts, matrix.positions, matrix.title_counts, matrix.text_counts,
                                  matrix.length_norm)) / 2**20
    tokenizer = Fts5Tokenizer(schema.TOKENIZE)
    terms = {q: tokenizer.terms(fts.query_words(q)) for q in texts}
    memory = timed(lambda q: matrix.search(terms[q], CANDIDATES, TITLE_WEIGHT), texts)
    memory_as_of = timed(lambda q: matrix.search(terms[q], CANDIDATES, TITLE_WEIGHT,
                                                 catalog.mask((), None, dates[q])), texts)
    tokenize = timed(lambda q: tokenizer.count([("", word) for word in fts.query_words(q)]), texts)
    db.close()
    return [f"| catalog read (per index generation) | {catalog_s * 1000:.0f} | – |",
            f"| BM25, {CANDIDATES} candidates, no filter | {plain[0]:.1f} | {plain[1]:.1f} |",
            f"| BM25, {CANDIDATES} candidates, as-of filter | {as_of[0]:.1f} | {as_of[1]:.1f} |",
            f"| BM25 top 10 + fetch their rows | {fetched[0]:.1f} | {fetched[1]:.1f} |",
            (f"| in-memory BM25: build (per index generation; {matrix.positions.size:,} pairs, {held:,.0f} MB held, "
             f"peak RSS +{grown:,.0f} MB) | {matrix_s * 1000:.0f} | – |"),
            f"| in-memory BM25, {CANDIDATES} candidates, no filter | {memory[0]:.1f} | {memory[1]:.1f} |",
            f"| in-memory BM25, {CANDIDATES} candidates, as-of filter | {memory_as_of[0]:.1f} | {memory_as_of[1]:.1f} |",
            f"| question → FTS5 terms, uncached | {tokenize[0]:.1f} | {tokenize[1]:.1f} |"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--index", type=Path, required=True, help="an index directory (RealTimeQA's)")
    parser.add_argument("--copies", type=int, default=21)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--keep", type=Path, help="build the copy here and keep it (default: a temporary folder)")
    args = parser.parse_args()
    questions = [(q.question, q.date[:10] or "9999-12-31") for q in load_gold(GOLD)[: args.queries]]
    with tempfile.TemporaryDirectory() as tmp:
        base = (args.keep or Path(tmp))
        base.mkdir(parents=True, exist_ok=True)
        rows = []
        for label, path, copies in (("1 copy", base / "one.sqlite", 1), (f"{args.copies} copies", base / "many.sqlite",
                                                                          args.copies)):
            path.unlink(missing_ok=True)
            seconds, chunks = build(args.index / "chunks.sqlite", path, copies)
            sizes = table_bytes(path)
            mb = {k: v / 2**20 for k, v in sizes.items()}
            parts = (f"chunks with float32 vectors {mb.get('chunks', 0):,.0f}, FTS5 {mb.get('chunks_fts', 0):,.0f}, "
                     f"articles {mb.get('articles', 0):,.0f}")
            rows.append(f"\n### {label}: {chunks:,} chunks, file {path.stat().st_size / 2**20:,.0f} MB ({parts}); "
                        f"built in {seconds:.0f} s\n")
            rows += ["| step | p50 ms | p95 ms |", "|---|---|---|", *measure(path, questions)]
            print("\n".join(rows[-11:]), flush=True)
    print("\n".join(rows))


if __name__ == "__main__":
    main()
