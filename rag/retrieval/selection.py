"""The last stage: ranked chunks → the k an answer reads.

One long article must not fill the context (a cap per article), and five
outlets' copies of one wire story must not either: a story gets one slot
before any story gets a second, and its other outlets' copies fold into the
hit that holds the slot ("also reported by") instead of taking slots.
"""

from __future__ import annotations

from rag.retrieval.types import RetrievedChunk


class Selector:
    def __init__(self, max_per_article: int, one_slot_per_story: bool, seconds_last: bool = True) -> None:
        self.max_per_article = max_per_article
        self.one_slot_per_story = one_slot_per_story
        # False: an article's second chunk keeps its rank (copies still fold): measured in the ablation
        self.seconds_last = seconds_last

    def select(self, ranked: list[RetrievedChunk], k: int) -> list[RetrievedChunk]:
        """Up to `k` chunks: each story's best chunk in ranked order, then second chunks of
        the same articles (within the per-article cap) while slots remain."""
        chosen: list[RetrievedChunk] = []
        per_article: dict[str, int] = {}
        holder_of: dict[str, str] = {}  # story → the article that holds its slot
        seconds: list[RetrievedChunk] = []
        for chunk in ranked:
            if len(chosen) == k:
                break
            story = chunk.story_id or chunk.article_id
            holder = holder_of.get(story)
            if self.one_slot_per_story and holder is not None:
                if holder != chunk.article_id:
                    continue  # another outlet's copy folds into the holder's "also reported by"
                if self.seconds_last:
                    seconds.append(chunk)
                    continue
            if per_article.get(chunk.article_id, 0) >= self.max_per_article:
                continue
            holder_of.setdefault(story, chunk.article_id)
            per_article[chunk.article_id] = per_article.get(chunk.article_id, 0) + 1
            chosen.append(chunk)
        for chunk in seconds:
            if len(chosen) == k:
                break
            if per_article[chunk.article_id] < self.max_per_article:
                per_article[chunk.article_id] += 1
                chosen.append(chunk)
        return chosen
