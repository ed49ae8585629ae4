"""What the Search tab does, without Gradio: hits for a query, faceted by outlet and month, sorted.

One retrieval (the chat's retriever, as of the newest article) fetches a pool
of candidates; facet counts come from that pool and the checked facets narrow
it, so a facet never offers a value that would show nothing, and typing stays
one query per keystroke (~30 ms at 50k chunks). Results are articles, each
shown by its best passage.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from index.store import IndexStore
from rag.pipeline import SearchStack
from rag.retrieval.retriever import Retriever
from rag.retrieval.types import NEWEST_ARTICLE, Hit
from rag.settings import RetrievalSettings

POOL = 40  # candidates retrieved per query, before facets narrow them
SHOWN = 15
SORTS = ("relevance", "newest first")
UNDATED = "undated"


@dataclass(frozen=True)
class SearchPage:
    hits: list[Hit]  # what the page shows, facets applied, sorted
    outlets: list[tuple[str, int]]  # facet values in the pool, most frequent first
    months: list[tuple[str, int]]  # "YYYY-MM", newest first, then UNDATED

    @property
    def empty(self) -> bool:
        return not self.hits


def month_of(hit: Hit) -> str:
    return hit.chunk.published_at[:7] or UNDATED


def outlet_of(hit: Hit) -> str:
    return hit.chunk.outlet or "outlet unknown"


def search(stack: SearchStack, query: str, outlets: Sequence[str] = (), months: Sequence[str] = (),
           sort: str = SORTS[0], as_of: str | None = NEWEST_ARTICLE) -> SearchPage:
    """`as_of`: the date the recency prior counts from (as in the chat: the newest article's)."""
    query = " ".join((query or "").split())
    if not query:
        return SearchPage([], [], [])
    best: dict[str, Hit] = {}
    for hit in stack.retriever.retrieve(query, k=POOL, as_of=as_of):
        best.setdefault(hit.chunk.article_id, hit)  # one result per article: its best passage
    pool = list(best.values())
    outlet_counts = Counter(outlet_of(h) for h in pool)
    month_counts = Counter(month_of(h) for h in pool)
    hits = [h for h in pool if (not outlets or outlet_of(h) in outlets) and (not months or month_of(h) in months)]
    if sort == SORTS[1]:
        hits.sort(key=lambda h: h.chunk.published_at or "", reverse=True)  # stable: ties keep relevance order
    months = sorted(month_counts.items(), key=lambda item: ("0" if item[0] == UNDATED else item[0]), reverse=True)
    return SearchPage(hits[:SHOWN], outlet_counts.most_common(), months)


def chat_question(hit: Hit) -> str:
    """What "Ask in chat" asks about a result."""
    where = ", ".join(x for x in (hit.chunk.outlet, hit.chunk.published_at[:10]) if x)
    return f"What does the article “{hit.chunk.title or hit.chunk.article_id}”" + (f" ({where})" if where else "") \
        + " report?"


class Searcher:
    """The Search tab's own SQLite connection and retriever, sharing the chat's embedding model.

    A connection serves one thread at a time and the chat's may be busy answering;
    searches take turns on this one (each takes milliseconds).
    """

    def __init__(self, chat_stack: Callable[[], SearchStack], retrieval: RetrievalSettings) -> None:
        self.chat_stack = chat_stack
        self.retrieval = retrieval
        self._stack: SearchStack | None = None
        self._lock = threading.Lock()

    def page(self, query: str, outlets: Sequence[str] = (), months: Sequence[str] = (),
             sort: str = SORTS[0]) -> SearchPage:
        with self._lock:
            if self._stack is None:
                chat = self.chat_stack()
                store = IndexStore.open(chat.store.directory, chat.store.spec)
                store.bm25.share_of(chat.store.bm25)  # the chat's warm-up built it: no second copy, no wait
                self._stack = SearchStack(store, chat.embedder, Retriever(store, chat.embedder, self.retrieval))
            return search(self._stack, query, outlets, months, sort)
