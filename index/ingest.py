"""The ingestion pipeline: load → dedup → chunk → embed (skipping known text) → store.

Work is committed in batches of origins, each batch one SQLite transaction, so
an interrupted ingest keeps everything committed before it and a re-run picks
up the rest (unchanged origins are recognised by their input hash).

The stages overlap: while one batch is embedded on a worker thread (torch
releases the GIL), the next is read, deduplicated and chunked and the previous
one is written to SQLite, so the embedder, the only heavy stage, never waits.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from index.article import Article, Chunk
from index.chunker import Chunker
from index.embedder import Embedder, document_text, text_key
from index.errors import InputProblem, NewsragError
from index.faults import crash_point
from index.files import is_disk_full
from index.loaders import LoadedInput, count_inputs, load_inputs
from index.store import IndexStore

if TYPE_CHECKING:
    from tqdm import tqdm


@dataclass(frozen=True)
class BatchLimits:
    """A batch (one transaction) closes at whichever limit comes first: small enough that
    embedding one batch overlaps with preparing and writing its neighbours, and that a
    crash loses little work; large enough that a transaction's fsync is noise."""

    origins: int = 256
    chunks: int = 512


@dataclass
class IngestReport:
    added: list[str] = field(default_factory=list)
    replaced: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    duplicates: list[str] = field(default_factory=list)
    problems: list[InputProblem] = field(default_factory=list)
    warnings: list[InputProblem] = field(default_factory=list)  # indexed, with something left out (a bad date)
    articles: int = 0
    chunks: int = 0
    chunks_embedded: int = 0
    chunks_reused: int = 0
    index_articles: int = 0  # what the index holds afterwards: a re-run that writes nothing must not read as empty
    index_chunks: int = 0

    def summary(self) -> str:
        return (
            f"{len(self.added)} added, {len(self.replaced)} replaced, {len(self.unchanged)} unchanged, "
            f"{len(self.duplicates)} duplicate articles skipped, {len(self.problems)} problems; "
            f"{self.articles} articles, {self.chunks} chunks written "
            f"({self.chunks_embedded} embedded, {self.chunks_reused} reused); "
            f"the index holds {self.index_articles} articles, {self.index_chunks} chunks"
        )


@dataclass
class _Pending:
    loaded: LoadedInput
    articles: list[Article]
    chunks: list[Chunk]
    texts: list[str]  # what each chunk is embedded as (index.embedder.document_text)
    keys: list[str]  # their cache keys
    is_new: bool


@dataclass
class _Batch:
    pending: list[_Pending]
    keys: list[str]
    cached: dict[str, np.ndarray]
    missing: dict[str, str]  # key → text, each distinct text once
    fresh: np.ndarray | None = None  # vectors for `missing` computed before the batch formed (on Ray workers)


class Ingester:
    def __init__(self, store: IndexStore, embedder: Embedder, chunker: Chunker,
                 limits: BatchLimits = BatchLimits()) -> None:
        self.store = store
        self.embedder = embedder
        self.chunker = chunker
        self.limits = limits

    def ingest(self, paths: Iterable[Path], progress: bool = False) -> IngestReport:
        report = IngestReport()
        try:
            return self._ingest(list(paths), report, progress)
        except (OSError, sqlite3.Error) as exc:
            if not is_disk_full(exc):
                raise
            raise NewsragError(
                f"{self.store.directory}: the disk is full ({exc}); free space and run the same ingest again: "
                f"the index keeps what it held before and the {report.articles} articles committed since, "
                "and the re-run adds the rest"
            ) from exc

    def _ingest(self, paths: list[Path], report: IngestReport, progress: bool) -> IngestReport:
        bar = _progress_bar(count_inputs(paths)) if progress else None
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="newsrag-embed") as embedding:
            in_flight: tuple[_Batch, Future[np.ndarray]] | None = None
            for batch in self._batches(paths, report, bar):
                future = embedding.submit(self._embed_missing, batch)
                if in_flight is not None:
                    self._commit(*in_flight, report, bar)
                in_flight = (batch, future)
            if in_flight is not None:
                self._commit(*in_flight, report, bar)
        if bar is not None:
            bar.close()
        # vectors.faiss once per ingest, not per batch (it is derived from SQLite); a no-op
        # ingest still repairs vectors an interrupted one left stale
        if report.added or report.replaced:
            self.store.sync_vectors()
        else:
            self.store.ensure_vectors()
        return report

    def _batches(self, paths: list[Path], report: IngestReport, bar: tqdm | None) -> Iterator[_Batch]:
        seen_hashes: set[str] = set()
        batch: list[_Pending] = []
        chunks = 0
        for item in self._inputs(paths):
            if isinstance(item, InputProblem):
                report.problems.append(item)
                continue
            report.warnings.extend(item.warnings)
            pending = self._prepare(item, seen_hashes, report)
            if pending is None:
                if bar is not None:
                    bar.update(1)
                continue
            batch.append(pending)
            chunks += len(pending.chunks)
            if len(batch) >= self.limits.origins or chunks >= self.limits.chunks:
                yield self._lookup(batch)
                batch, chunks = [], 0
        if batch:
            yield self._lookup(batch)

    def _inputs(self, paths: list[Path]) -> Iterator[LoadedInput | InputProblem]:
        return load_inputs(paths)

    def _chunk(self, article: Article) -> list[Chunk]:
        return self.chunker.chunk(article)

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
        chunks, texts = [], []
        recipe = self.store.spec.embedding_input
        for article in articles:
            for chunk in self._chunk(article):
                chunks.append(chunk)
                texts.append(document_text(chunk.text, article.title, recipe))
        return _Pending(loaded, articles, chunks, texts, [text_key(t) for t in texts], is_new=previous is None)

    def _lookup(self, batch: list[_Pending]) -> _Batch:
        """The batch's chunks and which of them need embedding (SQLite is read here, on
        the ingest thread, never from the embedding worker)."""
        keys = [k for p in batch for k in p.keys]
        cached = self.store.cached_embeddings(keys)
        missing = {k: t for p in batch for k, t in zip(p.keys, p.texts, strict=True) if k not in cached}
        return _Batch(batch, keys, cached, missing)

    def _embed_missing(self, batch: _Batch) -> np.ndarray:
        vectors = self.embedder.embed_documents(list(batch.missing.values()))
        crash_point("embedding")
        return vectors

    def _commit(self, batch: _Batch, fresh: Future[np.ndarray], report: IngestReport, bar: tqdm | None) -> None:
        vectors_by_key = dict(batch.cached)
        vectors_by_key.update(zip(batch.missing, fresh.result(), strict=True))
        report.chunks_embedded += len(batch.missing)
        report.chunks_reused += len(batch.keys) - len(batch.missing)
        dim = self.store.spec.embedding_dim
        vectors = (np.vstack([vectors_by_key[k] for k in batch.keys]) if batch.keys
                   else np.zeros((0, dim), np.float32))
        offset = 0
        with self.store.transaction(sync_vectors=False) as db:
            for pending in batch.pending:
                count = len(pending.chunks)
                self.store.replace_origin(
                    db, pending.loaded.origin, pending.loaded.input_hash,
                    pending.articles, pending.chunks, vectors[offset : offset + count], pending.keys,
                )
                offset += count
            crash_point("transaction")
        crash_point("committed")
        for pending in batch.pending:
            (report.added if pending.is_new else report.replaced).append(pending.loaded.origin)
            report.articles += len(pending.articles)
            report.chunks += len(pending.chunks)
        if bar is not None:
            bar.update(len(batch.pending))


def _progress_bar(total: int) -> tqdm:
    """One bar over the whole ingest, in articles (an input file or JSONL record is about one)."""
    from tqdm import tqdm

    return tqdm(total=total, unit=" articles", desc="ingest", dynamic_ncols=True, smoothing=0.1)
