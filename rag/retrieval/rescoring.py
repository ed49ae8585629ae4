"""The second stage: the top ~50 fused candidates re-ranked by a learned mix of signals.

No cross-encoder or reranker ships for offline use, so the rescorer is built
from what each candidate already has: its dense cosine (exact, from the stored
vector, for every candidate), its BM25 score (0 below the BM25 search's cut-off), how much of
the question its headline says, whether it names the question's names, how recent
it is times how close it is in meaning, whether it is an article's lead, and how many
outlets ran its story.

Recency counts only as far as the candidate matches: RealTimeQA's questions are about
their week's news, and a prior counted on its own (weight 1.64, against 1.0 for the
whole cosine) lifted the newest article in the index over the story a question names,
on any archive: asked as the chat asks, as of the newest article, the sample corpus's
hits@1 fell from 0.78 to 0.37 (docs/evaluation.md, "Recency counts as far as the
candidate matches"). A logistic regression fitted on the RealTimeQA dev set
(`python -m eval.fit_rescorer`) weighs them; the weights are a readable JSON
file next to this module, never a pickle.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from index.store import IndexStore
from index.names import name_runs
from index.textrules import SEARCH_STOPWORDS, WORD, word_key
from rag.retrieval.fusion import RRF_K, Candidate
from rag.retrieval.recency import RecencyPrior
from rag.retrieval.types import RetrievedChunk

FEATURES = ("rrf", "dense", "bm25", "headline", "names", "recent_match", "lead", "story_size")
WEIGHTS_FILE = Path(__file__).with_name("rescorer_weights.json")


@dataclass(frozen=True)
class RescorerWeights:
    bias: float
    weights: dict[str, float]

    @classmethod
    def load(cls, path: Path = WEIGHTS_FILE) -> RescorerWeights:
        data = json.loads(path.read_text(encoding="utf-8"))
        missing = set(FEATURES) - set(data["weights"])
        if missing:
            raise ValueError(f"{path}: no weight for {', '.join(sorted(missing))}; refit with python -m eval.fit_rescorer")
        return cls(float(data["bias"]), {f: float(data["weights"][f]) for f in FEATURES})

    def vector(self) -> np.ndarray:
        return np.array([self.weights[f] for f in FEATURES])


def _content_keys(text: str) -> set[str]:
    return {word_key(w) for w in WORD.findall(text) if w.lower() not in SEARCH_STOPWORDS}


class Rescorer:
    def __init__(self, store: IndexStore, prior: RecencyPrior, weights: RescorerWeights, top: int) -> None:
        self.store = store
        self.prior = prior
        self.weights = weights
        self.top = top

    def features(self, query: str, vector: np.ndarray, candidates: list[Candidate],
                 chunks: dict[int, RetrievedChunk], as_of: str | None) -> np.ndarray:
        """One row of FEATURES per candidate."""
        rowids = [c.rowid for c in candidates]
        dense = self.store.vectors_of(rowids) @ np.asarray(vector, dtype=np.float32) if rowids else np.zeros(0)
        # BM25 as the search scored it; a candidate only dense search found ranks below its cut-off: 0
        top_bm25 = max((c.raw.get("bm25", 0.0) for c in candidates), default=0.0) or 1.0
        recency = self.prior.values(self.store.catalog, rowids, as_of)
        query_keys = _content_keys(query)
        names = [n.lower() for n in name_runs(query)]
        story_sizes = self.store.story_sizes([chunks[r].story_id for r in rowids if r in chunks])
        rows = []
        for i, candidate in enumerate(candidates):
            chunk = chunks[candidate.rowid]
            haystack = f"{chunk.title}\n{chunk.text}".lower()
            rows.append([
                candidate.score * (RRF_K + 1) / 2,
                float(dense[i]),
                candidate.raw.get("bm25", 0.0) / top_bm25,
                len(query_keys & _content_keys(chunk.title)) / len(query_keys) if query_keys else 0.0,
                sum(n in haystack for n in names) / len(names) if names else 0.0,
                float(recency[i]) * max(float(dense[i]), 0.0),
                1.0 if chunk.seq == 0 else 0.0,
                math.log2(story_sizes.get(chunk.story_id, 1)),
            ])
        return np.array(rows, dtype=np.float64).reshape(len(candidates), len(FEATURES))

    def rescore(self, query: str, vector: np.ndarray, candidates: list[Candidate],
                chunks: dict[int, RetrievedChunk], as_of: str | None) -> list[Candidate]:
        """The top candidates re-ranked by the fitted score; the rest keep their order after them."""
        head, tail = candidates[: self.top], candidates[self.top :]
        if not head:
            return candidates
        scores = self.features(query, vector, head, chunks, as_of) @ self.weights.vector() + self.weights.bias
        for candidate, score in zip(head, scores, strict=True):
            candidate.score = float(score)
        return sorted(head, key=lambda c: (-c.score, c.rowid)) + tail
