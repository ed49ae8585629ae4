"""Retrieval hits per amount of text read, to compare indexes chunked at different sizes.

    python benchmarks/hits_by_text.py RUN_DIR INDEX_DIR [RUN_DIR INDEX_DIR ...]

RUN_DIR is a `newsrag eval` run (its results.jsonl) over INDEX_DIR. hits@k counts chunks, so
bigger chunks raise it only because five of them hold more text. Here a question is a hit
within B characters when its first evidence chunk, and every chunk ranked above it, fit in B
characters together: the same reading for every chunk size.
"""

from __future__ import annotations

import sqlite3
import sys
from pathlib import Path

from eval.runner import load_results
from index.store import DATABASE

BUDGETS = (1000, 2000, 4000, 6000, 8000)


def chunk_sizes(index: Path) -> dict[str, int]:
    with sqlite3.connect(f"file:{index / DATABASE}?mode=ro", uri=True) as db:
        return dict(db.execute("SELECT chunk_id, length(text) FROM chunks"))


def row(run: Path, index: Path) -> str:
    size = chunk_sizes(index)
    records = load_results(run)
    read_before_hit: list[int | None] = []
    for record in records:
        rank = record.get("first_hit_rank")
        ranked = record["retrieved"]
        read_before_hit.append(sum(size[c["chunk_id"]] for c in ranked[:rank]) if rank and rank <= len(ranked)
                               else None)
    top5 = sorted(sum(size[c["chunk_id"]] for c in record["retrieved"][:5]) for record in records)
    cells = [f"{sum(r is not None and r <= budget for r in read_before_hit) / len(records):.3f}"
             for budget in BUDGETS]
    return f"| {run.name} | {len(records)} | {top5[len(top5) // 2]:,} | " + " | ".join(cells) + " |"


def main() -> None:
    pairs = sys.argv[1:]
    if not pairs or len(pairs) % 2:
        sys.exit("usage: python benchmarks/hits_by_text.py RUN_DIR INDEX_DIR [RUN_DIR INDEX_DIR ...]")
    print("| run | n | top 5 chars p50 | " + " | ".join(f"hit within {b:,} chars" for b in BUDGETS) + " |")
    print("|---|---|---|" + "---|" * len(BUDGETS))
    for run, index in zip(pairs[::2], pairs[1::2], strict=True):
        print(row(Path(run), Path(index)))


if __name__ == "__main__":
    main()
