"""Vector search at 1M chunks: flat vs IVF-PQ (newsrag's VectorIndex) vs HNSW, with and without a filter.

Vectors are synthetic 384-d, L2-normalised, drawn around one topic centre per
50 vectors (news chunks cluster by story; same-topic cosine ~0.74); queries are 100 more draws from the same
centres. Recall@10 is measured against exact search over the same allowed
ids. IVF-PQ's candidates are re-scored from float32 vectors stored in a real
SQLite table (as IndexStore does), so its latency is end to end. A filter
keeps a random 10 % or 1 % of ids (an outlet or a date range).

    python benchmarks/ann.py                 # 1M vectors (~1.5 GB of RAM for the exact ground truth)
    python benchmarks/ann.py -n 200000 --hnsw
"""

from __future__ import annotations

import argparse
import sqlite3
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from index.vectors_file import embeddings_of
from index.vectors import VectorIndex, allowed_selector, rescore

DIM, K = 384, 10


def _data(n: int, queries: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(max(100, n // 50), DIM)).astype(np.float32)
    def draw(count: int) -> np.ndarray:
        out = centres[rng.integers(0, len(centres), count)] + 0.6 * rng.normal(size=(count, DIM)).astype(np.float32)
        return out / np.linalg.norm(out, axis=1, keepdims=True)
    vectors = np.vstack([draw(min(100_000, n - i)) for i in range(0, n, 100_000)])
    return vectors, draw(queries)


def _sqlite(vectors: np.ndarray, folder: Path) -> sqlite3.Connection:
    db = sqlite3.connect(folder / "chunks.sqlite")
    db.execute("CREATE TABLE chunks (id INTEGER PRIMARY KEY, embedding BLOB NOT NULL)")
    with db:
        db.executemany("INSERT INTO chunks VALUES (?, ?)", ((i, v.tobytes()) for i, v in enumerate(vectors)))
    return db


def _exact(vectors: np.ndarray, query: np.ndarray, allowed: np.ndarray | None) -> list[int]:
    ids = allowed if allowed is not None else np.arange(len(vectors))
    scores = vectors[ids] @ query
    return ids[np.argsort(-scores)[:K]].tolist()


def _time(search: Callable[[np.ndarray], list[int]], queries: np.ndarray,
          truth: list[list[int]]) -> tuple[float, float, float]:
    took, recall = [], []
    for query, expected in zip(queries, truth, strict=True):
        start = time.perf_counter()
        found = search(query)
        took.append((time.perf_counter() - start) * 1000)
        recall.append(len(set(found) & set(expected)) / len(expected))
    return float(np.percentile(took, 50)), float(np.percentile(took, 95)), float(np.mean(recall))


def main() -> None:
    import faiss

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=1_000_000)
    parser.add_argument("--queries", type=int, default=100)
    parser.add_argument("--kinds", nargs="+", default=["flat", "ivfpq"], choices=["flat", "ivfpq"])
    parser.add_argument("--hnsw", action="store_true", help="also build HNSW (slow to build on 2 cores)")
    args = parser.parse_args()
    vectors, queries = _data(args.n, args.queries)
    ids = np.arange(args.n, dtype=np.int64)
    rng = np.random.default_rng(1)
    filters = {"none": None, "10 %": np.sort(rng.choice(args.n, args.n // 10, replace=False)),
               "1 %": np.sort(rng.choice(args.n, args.n // 100, replace=False))}
    truth = {name: [_exact(vectors, q, allowed) for q in queries] for name, allowed in filters.items()}
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        db = _sqlite(vectors, Path(tmp))
        kinds: list[tuple[str, Callable[[], VectorIndex]]] = [
            ("flat", lambda: VectorIndex.create("flat", DIM)),
            ("ivfpq", lambda: VectorIndex.create("ivfpq", DIM, vectors[rng.choice(args.n, min(args.n, 100_000),
                                                                                      replace=False)], args.n)),
        ]
        kinds = [(kind, make) for kind, make in kinds if kind in args.kinds]
        for kind, make in kinds:
            start = time.perf_counter()
            index = make()
            index.add(ids, vectors)
            build_s = time.perf_counter() - start
            size_mb = len(index.to_bytes()) / 2**20
            for name, allowed in filters.items():
                def search(q: np.ndarray, index: VectorIndex = index, allowed: np.ndarray | None = allowed) -> list[int]:
                    found = index.search(q, K, allowed)
                    if not index.exact:
                        found = rescore(q, found, K, lambda rowids: embeddings_of(db, rowids))
                    return [i for i, _ in found]
                rows.append((kind, build_s, size_mb, name, *_time(search, queries, truth[name])))
                print(*(f"{x:.3f}" if isinstance(x, float) else x for x in rows[-1]), flush=True)
        if args.hnsw:
            start = time.perf_counter()
            hnsw = faiss.IndexIDMap2(faiss.IndexHNSWFlat(DIM, 32, faiss.METRIC_INNER_PRODUCT))
            hnsw.add_with_ids(vectors, ids)
            build_s = time.perf_counter() - start
            size_mb = len(faiss.serialize_index(hnsw)) / 2**20
            for name, allowed in filters.items():
                def hsearch(q: np.ndarray, allowed: np.ndarray | None = allowed) -> list[int]:
                    sel = allowed_selector(allowed) if allowed is not None else None
                    _, found = hnsw.search(q.reshape(1, -1), K, params=faiss.SearchParametersHNSW(sel=sel, efSearch=64))
                    return [int(i) for i in found[0] if i != -1]
                rows.append(("hnsw (not offered)", build_s, size_mb, name, *_time(hsearch, queries, truth[name])))
                print(*rows[-1], flush=True)

    print(f"\n{args.n:,} vectors, {args.queries} queries, k={K}, recall@10 vs exact over the same allowed ids")
    print("| index | build s | vectors in memory MB | filter | p50 ms | p95 ms | recall@10 |")
    print("|---|---|---|---|---|---|---|")
    for kind, build_s, size_mb, name, p50, p95, recall in rows:
        print(f"| {kind} | {build_s:.0f} | {size_mb:.0f} | {name} | {p50:.1f} | {p95:.1f} | {recall:.3f} |")


if __name__ == "__main__":
    main()
