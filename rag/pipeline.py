"""Assemble the pipeline's objects from settings, each with explicit dependencies.

Front ends (CLI, UI, evaluation, briefs) call these instead of wiring stores,
embedders and models themselves, so every use of the index sees the same rules.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from index.chunker import Chunker
from index.embedder import SAME_VECTORS_COSINE, Embedder
from index.errors import IndexMismatchError
from index.ingest import BatchLimits, Ingester, IngestReport
from index.manifest import IndexSpec, check_compatible, read_manifest, spec_from_manifest
from index.store import IndexStore
from rag.answer import Answerer
from rag.evidence import Similarity
from rag.llm.factory import gguf_path, make_chat_model, verdict_threshold
from rag.query import QueryAnalyzer
from rag.retrieval.retriever import Retriever
from rag.settings import Settings

if TYPE_CHECKING:
    from rag.brief.job import BriefWriter


def make_embedder(settings: Settings) -> Embedder:
    e = settings.embedding
    return Embedder(e.model, e.batch_size, e.precision, e.backend, settings.cache_dir)


def make_chunker(settings: Settings) -> Chunker:
    c = settings.chunking
    return Chunker(c.encoding, c.chunk_tokens, c.overlap_tokens)


def index_spec(settings: Settings, embedder: Embedder) -> IndexSpec:
    return IndexSpec(embedder.model_id, embedder.dim, settings.chunking.model_dump(),
                     embedder.backend, embedder.precision, settings.embedding.input)


def check_same_vectors(store: IndexStore, embedder: Embedder) -> None:
    """Refuse an embedder whose vectors for the index's own chunks differ beyond tolerance.

    Backend and precision change speed, not meaning: an index built in fp32 is
    searched in bf16 (or the reverse) when re-embedding a sample of its chunks
    lands within SAME_VECTORS_COSINE of the stored vectors.
    """
    built = store.spec
    if (built.embedding_backend, built.embedding_precision) == (embedder.backend, embedder.precision):
        return
    texts, stored = store.sample_chunks(16)
    if not texts:
        return
    worst = float(np.min(np.sum(embedder.embed_documents(texts) * stored, axis=1)))
    if worst < SAME_VECTORS_COSINE:
        raise IndexMismatchError(
            f"{store.directory}: built with embedding {built.embedding_backend}/{built.embedding_precision}; "
            f"{embedder.backend}/{embedder.precision} vectors of its chunks differ (cosine {worst:.3f} < "
            f"{SAME_VECTORS_COSINE}). Set embedding.backend = \"{built.embedding_backend}\" and embedding.precision = "
            f"\"{built.embedding_precision}\" or rebuild the index"
        )


def ingest(settings: Settings, paths: Iterable[Path], progress: bool = False, ray: str | None = None,
           workers: int | None = None) -> IngestReport:
    """Ingest `paths`; with `ray` (an address, "auto", or "" for a Ray on this machine) reading and
    embedding run on Ray, `workers` embedding actors (default: one per CPU of the cluster)."""
    embedder = make_embedder(settings)
    if ray is not None:
        from index.ray_cluster import connect

        connect(ray)
    with IndexStore.open(settings.index, index_spec(settings, embedder), write=True,
                         vector_index=settings.retrieval.vector_index) as store:
        check_same_vectors(store, embedder)
        limits = BatchLimits(settings.ingest.commit_every_articles, settings.ingest.commit_every_chunks)
        if ray is None:
            ingester = Ingester(store, embedder, make_chunker(settings), limits)
        else:
            from index.ray_ingest import RayIngester

            ingester = RayIngester(store, embedder, make_chunker(settings), limits, workers)
        report = ingester.ingest(paths, progress=progress)
        counts = store.counts()
        report.index_articles, report.index_chunks = counts["articles"], counts["chunks"]
        return report


def worker_settings(settings: Settings) -> tuple[Settings, float]:
    """The settings a Ray worker runs with, and the CPUs it reserves.

    Paths become absolute (a worker's working directory is not the driver's; the
    index and models must sit where every node reads them), and llama.cpp gets one
    thread per reserved CPU (llm.threads, default 1) instead of every core of a
    node other actors share.
    """
    if settings.llm.backend == "llama_cpp":
        gguf_path(settings.llm, settings.cache_dir)  # a missing GGUF is one line here, not a failure in every worker
    threads = settings.llm.threads or 1
    model_path = settings.llm.model_path and settings.llm.model_path.expanduser().resolve()
    llm = settings.llm.model_copy(update={"threads": threads, "model_path": model_path})
    cpus = float(threads) if settings.llm.backend == "llama_cpp" else 1.0
    return settings.model_copy(update={"index": settings.index.resolve(), "cache_dir": settings.cache_dir.resolve(),
                                       "llm": llm}), cpus


def remove(settings: Settings, origin: str) -> int:
    with IndexStore.open(settings.index, write=True, vector_index=settings.retrieval.vector_index) as store:
        return store.remove_origin(origin)


@dataclass
class SearchStack:
    """An opened index with the embedder that matches it."""

    store: IndexStore
    embedder: Embedder
    retriever: Retriever


def open_search(settings: Settings) -> SearchStack:
    embedder = make_embedder(settings)
    built_with = spec_from_manifest(read_manifest(settings.index))
    # The model name and chunking are checked before the embedding model loads;
    # its dimension (another model under the same name) once it has.
    check_compatible(settings.index, IndexSpec(embedder.model_id, built_with.embedding_dim,
                                               settings.chunking.model_dump()), built_with)
    check_compatible(settings.index, index_spec(settings, embedder), built_with)
    store = IndexStore.open(settings.index, built_with)
    check_same_vectors(store, embedder)
    return SearchStack(store, embedder, Retriever(store, embedder, settings.retrieval))


def article_reader(stack: SearchStack) -> Callable[[str], str | None]:
    """An article's whole text by id: what answers and briefs read around a retrieved chunk."""
    def article_text(article_id: str) -> str | None:
        article = stack.store.get_article(article_id)
        return article.text if article else None

    return article_text


def sentence_similarity(embedder: Embedder) -> Similarity:
    """Cosine of each sentence to the question, with the index's own embedding model."""

    def similarity(question: str, texts: list[str]) -> list[float]:
        if not texts:
            return []
        return [float(x) for x in embedder.embed_documents(texts) @ embedder.embed_query(question)]

    return similarity


def make_answerer(settings: Settings, stack: SearchStack) -> Answerer:
    return Answerer(
        stack.retriever, make_chat_model(settings.llm, settings.cache_dir),
        settings.llm.context_window, settings.llm.max_tokens, article_reader(stack),
        settings.answer.model_copy(update={which: verdict_threshold(settings.llm, settings.answer, which)
                                           for which in ("yes_threshold", "claim_threshold")}),
        QueryAnalyzer(stack.store.sources()), sentence_similarity(stack.embedder),
    )


def make_brief_writer(settings: Settings, stack: SearchStack) -> BriefWriter:
    from rag.brief.job import BriefWriter

    return BriefWriter(stack.retriever, make_chat_model(settings.llm, settings.cache_dir), article_reader(stack))
