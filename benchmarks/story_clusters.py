"""Story clusters by MinHash (what ingest does) against clusters by the embedding of each article's lead.

    python benchmarks/story_clusters.py --index DIR [--thresholds 0.9 0.95 0.98] [--examples 6]

Issue 9 asked which of the two groups syndicated and near-duplicate articles
better. Both are read from a built index, nothing is re-embedded: the MinHash
stories are the `story_id`s ingest stored (5-word shingles, estimated Jaccard
≥ 0.5, `index/stories.py`); the lead vectors are the stored vectors of every
article's first chunk. For each cosine threshold the table counts the article
pairs the leads join, how many of them MinHash joined too, and how many MinHash
pairs the leads miss, with the exact shingle Jaccard of the pairs only the
leads join (a copy of one story shares most of its wording; two reports of
one topic do not). Then a few such pairs, headline by headline, to read.
"""

from __future__ import annotations

import argparse
import sqlite3
import sys
from itertools import combinations
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from index.stories import shingles


def jaccard(a: set[bytes], b: set[bytes]) -> float:
    return len(a & b) / len(a | b) if a or b else 0.0


def lead_pairs(cosine: np.ndarray, threshold: float) -> set[tuple[int, int]]:
    """Article pairs (i < j) whose leads are at least `threshold` alike."""
    return {(int(i), int(j)) for i, j in zip(*np.nonzero(np.triu(cosine >= threshold)), strict=True)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--index", type=Path, required=True)
    parser.add_argument("--thresholds", type=float, nargs="+", default=[0.9, 0.95, 0.98])
    parser.add_argument("--examples", type=int, default=6)
    args = parser.parse_args()

    database = args.index / "chunks.sqlite"
    if not database.is_file():
        parser.error(f"{database}: no index there; build one with newsrag ingest CORPUS --index {args.index}")
    db = sqlite3.connect(f"{database.resolve().as_uri()}?mode=ro", uri=True)  # read only: the index is a user's work
    rows = db.execute("SELECT a.id, a.title, a.source, a.published_at, a.text, a.story_id, c.embedding "
                      "FROM articles a JOIN chunks c ON c.article_id = a.id AND c.seq = 0 ORDER BY a.id").fetchall()
    leads = np.vstack([np.frombuffer(r[6], dtype=np.float32) for r in rows])
    by_story: dict[str, list[int]] = {}
    for i, r in enumerate(rows):
        if r[5]:
            by_story.setdefault(r[5], []).append(i)
    minhash_pairs = {pair for members in by_story.values() if len(members) > 1 for pair in combinations(members, 2)}
    cosine = leads @ leads.T
    np.fill_diagonal(cosine, -1.0)
    shingle_cache: dict[int, set[bytes]] = {}

    def shingles_of(i: int) -> set[bytes]:
        if i not in shingle_cache:
            shingle_cache[i] = shingles(f"{rows[i][1] or ''}\n{rows[i][4]}")
        return shingle_cache[i]

    print(f"{len(rows)} articles; MinHash joins {len({i for p in minhash_pairs for i in p})} of them into "
          f"{sum(len(m) > 1 for m in by_story.values())} stories ({len(minhash_pairs)} pairs)")
    print("| lead cosine ≥ | pairs | also MinHash | leads only | MinHash only | leads only: median Jaccard "
          "| leads only with Jaccard ≥ 0.5 |\n|---|---|---|---|---|---|---|")
    for threshold in args.thresholds:
        found = lead_pairs(cosine, threshold)
        only = sorted(found - minhash_pairs)
        overlaps = [jaccard(shingles_of(i), shingles_of(j)) for i, j in only]
        print(f"| {threshold:g} | {len(found)} | {len(found & minhash_pairs)} | {len(only)} | "
              f"{len(minhash_pairs - found)} | {np.median(overlaps) if overlaps else float('nan'):.2f} | "
              f"{sum(o >= 0.5 for o in overlaps)} |")
    threshold = args.thresholds[len(args.thresholds) // 2]
    only = sorted(lead_pairs(cosine, threshold) - minhash_pairs)
    picks = only[:: max(1, len(only) // max(args.examples, 1))][: args.examples]
    print(f"\nPairs only the leads join at cosine ≥ {threshold:g} (evenly spaced):")
    for i, j in picks:
        print(f"- cosine {cosine[i, j]:.3f}, Jaccard {jaccard(shingles_of(i), shingles_of(j)):.2f}: "
              f"{rows[i][2]} {(rows[i][3] or '')[:10]} \"{(rows[i][1] or '')[:70]}\" | "
              f"{rows[j][2]} {(rows[j][3] or '')[:10]} \"{(rows[j][1] or '')[:70]}\"")


if __name__ == "__main__":
    main()
