"""Ingest on a Ray cluster: the index a local ingest builds, with many machines reading and embedding.

Ray Data reads, parses and chunks each input file in a task, and embeds the
chunks in an actor pool (each actor loads MiniLM once). Rows come back to the
driver in input order; the driver is the only writer and runs `Ingester`'s own
steps on them: unchanged origins and duplicate articles are skipped, vectors the
index already holds are reused, and the same batches, transactions, stories and
manifest are written. So a Ray ingest and a local one of the same inputs give the
same index, and an interrupted Ray ingest is finished by either.

Rows cross the cluster as JSON text (articles, chunks) and float32 bytes. Input
paths must be readable by every node (a shared folder); the index stays on the
driver. Workers skip origins whose input hash the index already holds (the
hashes travel with the job), but embed every chunk of a changed origin: a text
the index already holds is re-embedded and then dropped by the driver, the price
of not shipping the index to the workers.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import asdict
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from index.article import Article, Chunk
from index.chunker import Chunker
from index.embedder import Embedder, document_text, text_key
from index.errors import InputProblem
from index.ingest import BatchLimits, Ingester, _Batch, _Pending
from index.loaders import LoadedInput, input_files, load_file
from index.ray_cluster import cluster_cpus, data_context
from index.store import IndexStore

_PROBLEM, _UNCHANGED, _LOADED = "problem", "unchanged", "loaded"


@lru_cache(maxsize=4)
def _chunker(encoding: str, chunk_tokens: int, overlap_tokens: int) -> Chunker:
    """One chunker (and tiktoken encoding) per worker process, not per file."""
    return Chunker(encoding, chunk_tokens, overlap_tokens)


def _problem_row(problem: InputProblem) -> dict[str, str]:
    return {"kind": _PROBLEM, "payload": json.dumps(asdict(problem))}


def read_file(row: dict[str, Any], chunking: dict[str, Any], recipe: str,
              known: dict[str, str]) -> list[dict[str, str]]:
    """A Ray Data task: one input file → one row per origin (loaded and chunked, unchanged, or a problem)."""
    if row["kind"] == _PROBLEM:  # found while listing the inputs
        return [{"kind": row["kind"], "payload": row["payload"]}]
    path = Path(row["path"])
    chunker = _chunker(chunking["encoding"], chunking["chunk_tokens"], chunking["overlap_tokens"])
    rows = []
    for item in load_file(path):
        if isinstance(item, InputProblem):
            rows.append(_problem_row(item))
        elif known.get(item.origin) == item.input_hash:
            rows.append({"kind": _UNCHANGED, "payload": json.dumps({"origin": item.origin,
                                                                     "input_hash": item.input_hash})})
        else:
            chunks = [[asdict(c) for c in chunker.chunk(article)] for article in item.articles]
            texts = [document_text(c["text"], article.title, recipe)
                     for article, mine in zip(item.articles, chunks, strict=True) for c in mine]
            rows.append({"kind": _LOADED, "payload": json.dumps({
                "origin": item.origin, "input_hash": item.input_hash,
                "articles": [asdict(a) for a in item.articles], "chunks": chunks, "texts": texts,
                "warnings": [asdict(w) for w in item.warnings],
            })})
    return rows


class EmbedActor:
    """A Ray Data actor: loads the embedding model once, then embeds every chunk of each row it gets."""

    def __init__(self, model: str, batch_size: int, precision: str, backend: str, cache_dir: str | None) -> None:
        self.embedder = Embedder(model, batch_size, precision, backend, Path(cache_dir) if cache_dir else None)

    def __call__(self, batch: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        payloads = [json.loads(p) for p in batch["payload"]]
        texts = [t for p in payloads for t in p.get("texts", ())]
        vectors = self.embedder.embed_documents(texts)
        out, at = [], 0
        for payload in payloads:
            n = len(payload.get("texts", ()))
            out.append(vectors[at : at + n].tobytes())
            at += n
        return {"kind": batch["kind"], "payload": batch["payload"], "vectors": np.array(out, dtype=object)}


class RayIngester(Ingester):
    """`Ingester` with reading, chunking and embedding on Ray; committing stays here, on the driver."""

    def __init__(self, store: IndexStore, embedder: Embedder, chunker: Chunker, limits: BatchLimits,
                 workers: int | None = None, rows_per_call: int = 16) -> None:
        super().__init__(store, embedder, chunker, limits)
        self.workers = workers
        self.rows_per_call = rows_per_call
        # the current row's chunks and their (text key, vector), by article id
        self._row_chunks: dict[str, tuple[list[Chunk], list[tuple[str, np.ndarray]]]] = {}
        self._fresh: dict[str, np.ndarray] = {}  # vectors from the workers, by text key, until committed

    def _dataset(self, paths: list[Path]):  # noqa: ANN202 - a ray.data.Dataset
        import ray

        data_context(preserve_order=True)  # the first copy of a duplicate wins, as locally
        files = [{**_problem_row(f), "path": ""} if isinstance(f, InputProblem)
                 else {"kind": "file", "payload": "", "path": str(f)} for f in input_files(paths)]
        if not files:
            return None
        embedding = self.embedder
        chunking = {"encoding": self.chunker.encoding_name, "chunk_tokens": self.chunker.chunk_tokens,
                    "overlap_tokens": self.chunker.overlap_tokens}
        workers = self.workers or cluster_cpus()
        backend = embedding.backend  # loads the model first: that settles the precision "auto" resolves to
        return (ray.data.from_items(files, override_num_blocks=len(files))
                .flat_map(read_file, num_cpus=0, fn_kwargs={"chunking": chunking, "recipe": self.store.spec.embedding_input,
                                                "known": self.store.origin_hashes()})
                .map_batches(EmbedActor, batch_size=self.rows_per_call, batch_format="numpy",
                             compute=ray.data.ActorPoolStrategy(size=workers), num_cpus=1,
                             fn_constructor_kwargs={"model": embedding.model_id, "batch_size": embedding.batch_size,
                                                    "precision": embedding.precision, "backend": backend,
                                                    "cache_dir": str(embedding.cache_dir or "")}))

    def _inputs(self, paths: list[Path]) -> Iterator[LoadedInput | InputProblem]:
        dataset = self._dataset(paths)
        if dataset is None:
            return
        dim = self.store.spec.embedding_dim
        for row in dataset.iter_rows():
            payload = json.loads(row["payload"])
            self._row_chunks.clear()
            if row["kind"] == _PROBLEM:
                yield InputProblem(**payload)
                continue
            if row["kind"] == _UNCHANGED:  # `_prepare` sees the same hash in the index and counts it unchanged
                yield LoadedInput(payload["origin"], payload["input_hash"], [])
                continue
            articles = [Article(**a) for a in payload["articles"]]
            vectors = iter(np.frombuffer(row["vectors"], dtype=np.float32).reshape(-1, dim))
            texts = iter(payload["texts"])
            for article, chunks in zip(articles, payload["chunks"], strict=True):
                self._row_chunks[article.id] = ([Chunk(**c) for c in chunks],
                                                [(text_key(next(texts)), next(vectors)) for _ in chunks])
            yield LoadedInput(payload["origin"], payload["input_hash"], articles,
                              tuple(InputProblem(**w) for w in payload["warnings"]))

    def _chunk(self, article: Article) -> list[Chunk]:
        """Called for the articles `_prepare` keeps: their chunks, and their vectors kept until committed."""
        chunks, vectors = self._row_chunks[article.id]
        self._fresh.update(vectors)
        return chunks

    def _embed_missing(self, batch: _Batch) -> np.ndarray:
        assert batch.fresh is not None  # the workers embedded it; `_lookup` attached it
        return batch.fresh

    def _lookup(self, batch: list[_Pending]) -> _Batch:
        """The local lookup, with the workers' vectors for what it finds missing; the rest are let go."""
        looked_up = super()._lookup(batch)
        dim = self.store.spec.embedding_dim
        fresh = [self._fresh[k] for k in looked_up.missing]
        looked_up.fresh = np.vstack(fresh) if fresh else np.zeros((0, dim), np.float32)
        for key in looked_up.keys:
            self._fresh.pop(key, None)
        return looked_up
