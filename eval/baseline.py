"""The LangChain textbook pipeline, measured in the same run as a baseline row.

RecursiveCharacterTextSplitter(chunk_size=1000, chunk_overlap=200) over the same
parsed articles, the same MiniLM embeddings, a flat FAISS index, top-4. It reads
articles through newsrag's loaders so article ids match the gold evidence; it
has no BM25, no per-article cap and no date filter other than the as-of cut.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from index.article import Article
from index.embedder import Embedder
from index.loaders import LoadedInput, load_inputs
from rag.retrieval.types import NEWEST_ARTICLE, Hit, RetrievalFilters, RetrievedChunk

CHUNK_SIZE, CHUNK_OVERLAP, TOP_K = 1000, 200, 4


@dataclass
class _Entry:
    article: Article
    start: int
    text: str


class TextbookRetriever:
    """Dense-only retrieval over character chunks; `retrieve` mirrors rag.Retriever's."""

    def __init__(self, corpus: list[Path], embedder: Embedder, progress: bool = False) -> None:
        import faiss
        from langchain_text_splitters import RecursiveCharacterTextSplitter

        splitter = RecursiveCharacterTextSplitter(
            chunk_size=CHUNK_SIZE, chunk_overlap=CHUNK_OVERLAP, add_start_index=True
        )
        self.entries: list[_Entry] = []
        articles = [a for item in load_inputs(corpus) if isinstance(item, LoadedInput) for a in item.articles]
        for article in articles:
            for doc in splitter.create_documents([article.text]):
                self.entries.append(_Entry(article, int(doc.metadata["start_index"]), doc.page_content))
        vectors = embedder.embed_documents([e.text for e in self.entries], progress=progress)
        self.index = faiss.IndexFlatIP(vectors.shape[1])
        self.index.add(vectors)
        self.embedder = embedder
        self.articles = {a.id: a for a in articles}

    def article_text(self, article_id: str) -> str | None:
        article = self.articles.get(article_id)
        return article.text if article else None

    def as_of_date(self, as_of: str | None) -> str | None:
        """A date as given; none for NEWEST_ARTICLE, because the textbook has no recency prior and keeps
        no "now" that relative dates in a question would count from."""
        return None if as_of == NEWEST_ARTICLE else (as_of or None)

    def retrieve(self, query: str, k: int | None = None, filters: RetrievalFilters | None = None,
                 as_of: str | None = NEWEST_ARTICLE) -> list[Hit]:
        """The textbook has no time prior: `as_of` is accepted and ignored."""
        k = k or TOP_K
        vector = self.embedder.embed_query(query).reshape(1, -1)
        scores, ids = self.index.search(vector, self.index.ntotal)
        hits: list[Hit] = []
        for i, score in zip(ids[0], scores[0], strict=True):
            entry = self.entries[int(i)]
            a = entry.article
            if filters and filters.until and a.published_at and a.published_at[:10] > filters.until:
                continue
            chunk = RetrievedChunk(
                rowid=int(i), chunk_id=f"{a.id}::lc{i}", article_id=a.id, seq=int(i), start=entry.start,
                end=entry.start + len(entry.text), text=entry.text, origin=a.origin, title=a.title,
                outlet=a.source, author=a.author, published_at=a.published_at, url=a.url,
            )
            hits.append(Hit(chunk, float(score), float(score), ("dense",)))
            if len(hits) == k:
                break
        return hits

