"""The ingestion pipeline: load → dedup → chunk → embed (skipping known text) → store.

Work is committed in batches of origins, each batch one SQLite transaction, so
an interrupted ingest keeps everything committed before it and a re-run picks
up the rest (unchanged origins are recognised by their input hash).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from index.article import Article, Chunk
from index.chunker import Chunker
from index.embedder import Embedder
from index.errors import InputProblem
from index.loaders import LoadedInput, load_inputs
from index.store import IndexStore

_BATCH_ORIGINS = 256


@dataclass
class IngestReport:
    added: list[str] = field(default_factory=list)
    replaced: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    duplicates: list[str] = field(default_factory=list)
    problems: list[InputProblem] = field(default_factory=list)
    articles: int = 0
    chunks: int = 0
    chunks_embedded: int = 0
    chunks_reused: int = 0

    def summary(self) -> str:
        return (
            f"{len(self.added)} added, {len(self.replaced)} replaced, {len(self.unchanged)} unchanged, "
            f"{len(self.duplicates)} duplicate articles skipped, {len(self.problems)} problems; "
            f"{self.articles} articles, {self.chunks} chunks "
            f"({self.chunks_embedded} embedded, {self.chunks_reused} reused)"
        )


@dataclass
class _Pending:
    loaded: LoadedInput
    articles: list[Article]
    chunks: list[Chunk]
    is_new: bool


class Ingester:
    def __init__(self, store: IndexStore, embedder: Embedder, chunker: Chunker) -> None:
        self.store = store
        self.embedder = embedder
        self.chunker = chunker

    def ingest(self, paths: Iterable[Path], progress: bool = False) -> IngestReport:
        report = IngestReport()
        seen_hashes: set[str] = set()
        batch: list[_Pending] = []
        for item in load_inputs(list(paths)):
            if isinstance(item, InputProblem):
                report.problems.append(item)
                continue
            pending = self._prepare(item, seen_hashes, report)
            if pending is not None:
                batch.append(pending)
            if len(batch) >= _BATCH_ORIGINS:
                self._commit(batch, report, progress)
                batch = []
        if batch:
            self._commit(batch, report, progress)
        # vectors.faiss once per ingest, not per batch (it is derived from SQLite); a no-op
        # ingest still repairs vectors an interrupted one left stale
        if report.added or report.replaced:
            self.store.sync_vectors()
        else:
            self.store.ensure_vectors()
        return report

    def _prepare(self, loaded: LoadedInput, seen: set[str], report: IngestReport) -> _Pending | None:
        previous = self.store.origin_hash(loaded.origin)
        if previous == loaded.input_hash:
            report.unchanged.append(loaded.origin)
            return None
        articles: list[Article] = []
        for article in loaded.articles:
            duplicate = self.store.duplicate_of(article, except_origin=loaded.origin)
            if article.content_hash in seen or duplicate:
                report.duplicates.append(f"{article.id} (same text as {duplicate or 'an article in this batch'})")
                continue
            seen.add(article.content_hash)
            articles.append(article)
        chunks = [c for a in articles for c in self.chunker.chunk(a)]
        return _Pending(loaded, articles, chunks, is_new=previous is None)

    def _embed(self, chunks: list[Chunk], report: IngestReport, progress: bool) -> np.ndarray:
        cached = self.store.cached_embeddings(c.text_hash for c in chunks)
        missing = [c for c in chunks if c.text_hash not in cached]
        if missing:
            fresh = self.embedder.embed_documents([c.text for c in missing], progress=progress)
            cached.update({c.text_hash: v for c, v in zip(missing, fresh, strict=True)})
        report.chunks_embedded += len({c.text_hash for c in missing})
        report.chunks_reused += len(chunks) - len(missing)
        dim = self.store.spec.embedding_dim
        return np.vstack([cached[c.text_hash] for c in chunks]) if chunks else np.zeros((0, dim), np.float32)

    def _commit(self, batch: list[_Pending], report: IngestReport, progress: bool) -> None:
        all_chunks = [c for p in batch for c in p.chunks]
        vectors = self._embed(all_chunks, report, progress)
        offset = 0
        with self.store.transaction(sync_vectors=False) as db:
            for pending in batch:
                count = len(pending.chunks)
                self.store.replace_origin(
                    db, pending.loaded.origin, pending.loaded.input_hash,
                    pending.articles, pending.chunks, vectors[offset : offset + count],
                )
                offset += count
        for pending in batch:
            (report.added if pending.is_new else report.replaced).append(pending.loaded.origin)
            report.articles += len(pending.articles)
            report.chunks += len(pending.chunks)
