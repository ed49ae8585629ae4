"""vectors.faiss: the vector index derived from the chunks table, kept in step with it.

A writer records which chunk ids each committed transaction added and removed,
and at the next sync applies them to the index in place instead of rebuilding
it (an IVF-PQ index is retrained only once it has grown _RETRAIN_GROWTH times).
The manifest records the SQLite generation the file reflects, its size and its
SHA-256 (written, not re-hashed on every open): a file from another generation,
of another size, or one FAISS refuses, is rebuilt from SQLite.
"""

from __future__ import annotations

import contextlib
import hashlib
import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np

from index.files import atomic_write_bytes, sha256_file
from index.manifest import MANIFEST, IndexSpec, read_manifest, write_manifest
from index.vectors import VectorIndex, choose_kind

VECTORS = "vectors.faiss"
# A change since the last sync: ("remove", ids, None) or ("add", ids, vectors).
VectorOp = tuple[str, np.ndarray, "np.ndarray | None"]
_RETRAIN_GROWTH = 4  # an IVF-PQ index is retrained once it holds this many times what it was trained on
_TRAINING_SAMPLE = 100_000


def embeddings_of(db: sqlite3.Connection, rowids: list[int]) -> np.ndarray:
    """The stored float32 vectors of these chunk ids, in their order."""
    marks = ",".join("?" * len(rowids))
    rows = dict(db.execute(f"SELECT id, embedding FROM chunks WHERE id IN ({marks})", rowids).fetchall())
    return np.vstack([np.frombuffer(rows[i], dtype=np.float32) for i in rowids])


def stored_vectors(db: sqlite3.Connection, where: str = "", params: tuple = ()) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """(ids, vectors) from SQLite in blocks, so a large index is never held twice in memory."""
    cursor = db.execute(f"SELECT id, embedding FROM chunks {where}", params)
    while rows := cursor.fetchmany(50_000):
        yield (np.array([r[0] for r in rows], dtype=np.int64),
               np.vstack([np.frombuffer(r[1], dtype=np.float32) for r in rows]))


class VectorsFile:
    """The vector index of one index directory: loaded, rebuilt, or updated and written."""

    def __init__(self, directory: Path, spec: IndexSpec, db: sqlite3.Connection, setting: str,
                 generation: Callable[[], int], counts: Callable[[], dict[str, int]]) -> None:
        self.directory = directory
        self.spec = spec
        self.setting = setting  # "auto", "flat" or "ivfpq"
        self._db = db
        self._generation = generation  # SQLite's current generation and counts (the store owns them)
        self._counts = counts
        self._index: VectorIndex | None = None
        self._synced_generation = 0  # the generation the file (or self._index) reflects
        self._unsynced: list[VectorOp] = []  # committed since then, in order
        self._recording: list[VectorOp] | None = None

    def start_writing(self) -> None:
        """A writer's starting point: the changes it records are relative to SQLite as it is now."""
        self._synced_generation = self._generation()

    @contextlib.contextmanager
    def recording(self) -> Iterator[None]:
        """Collect the changes of one transaction; they count only if it commits (no exception)."""
        ops: list[VectorOp] = []
        self._recording = ops
        try:
            yield
        finally:
            self._recording = None
        self._unsynced.extend(ops)

    def record(self, op: VectorOp) -> None:
        if self._recording is None:
            raise RuntimeError("index changes happen inside IndexStore.transaction()")
        self._recording.append(op)

    def forget(self) -> None:
        self._index = None

    def load(self, writer: bool) -> VectorIndex:
        """The index for SQLite as it is: the file if current; else a writer rewrites it and a
        reader rebuilds it in memory."""
        if self._index is None:
            loaded = self._read(self._generation())
            if loaded is not None:
                self._index = loaded
            elif writer:
                self.commit()
            else:
                count = self._counts()["chunks"]
                self._index = self._build(choose_kind(self.setting, count), count)
        assert self._index is not None
        return self._index

    def commit(self) -> None:
        """Write vectors.faiss and the manifest for what SQLite holds now."""
        counts, generation = self._counts(), self._generation()
        count = counts["chunks"]
        kind = choose_kind(self.setting, count)
        info = self._info()
        index = self._updatable(kind, count, info)
        if index is not None:
            for op, ids, vectors in self._unsynced:
                if op == "remove":
                    index.remove(ids)
                else:
                    index.add(ids, vectors)
            trained_on = info.get("trained_on", 0)
        else:
            index = self._build(kind, count)
            trained_on = min(count, _TRAINING_SAMPLE) if index.kind == "ivfpq" else count
        data = index.to_bytes()
        atomic_write_bytes(self.directory / VECTORS, data)
        write_manifest(self.directory, self.spec, counts, generation, sha256_file(self.directory / VECTORS),
                       {"kind": index.kind, "bytes": len(data), "trained_on": trained_on})
        self._index, self._unsynced, self._synced_generation = index, [], generation

    def _build(self, kind: str, count: int) -> VectorIndex:
        training = None
        if kind == "ivfpq":
            sample = [v for _, v in stored_vectors(self._db, "ORDER BY random() LIMIT ?", (_TRAINING_SAMPLE,))]
            training = np.vstack(sample) if sample else None
            if training is None:
                kind = "flat"  # nothing to train on yet
        index = VectorIndex.create(kind, self.spec.embedding_dim, training, expected=count)
        for ids, vectors in stored_vectors(self._db, "ORDER BY id"):
            index.add(ids, vectors)
        return index

    def _updatable(self, kind: str, count: int, info: dict[str, Any]) -> VectorIndex | None:
        """The index as of the last sync, if the pending changes can be applied to it."""
        base = self._index if self._index is not None else self._read(self._synced_generation, info)
        if base is None or base.kind != kind:
            return None
        if kind == "ivfpq" and count > _RETRAIN_GROWTH * max(info.get("trained_on", 0), 1):
            return None
        return base

    def _info(self) -> dict[str, Any]:
        """The manifest's record of vectors.faiss and the generation it reflects ({} before the first write)."""
        if not (self.directory / MANIFEST).exists():
            return {}
        manifest = read_manifest(self.directory)
        return {**manifest.get("vector_index", {}), "generation": manifest.get("generation"),
                "sha256": manifest.get("checksums", {}).get(VECTORS), "chunks": manifest.get("counts", {}).get("chunks")}

    def _read(self, generation: int, info: dict[str, Any] | None = None) -> VectorIndex | None:
        """vectors.faiss if the manifest says it reflects `generation` and its size and SHA-256 are the
        ones written, and FAISS reads from it as many vectors of the index's dimension as the manifest says.

        An index directory may come from elsewhere: bytes that do not match their checksum never reach
        FAISS's parser, and what it parses must agree with SQLite; anything else is rebuilt from SQLite.
        """
        info = self._info() if info is None else info
        path = self.directory / VECTORS
        if info.get("generation") != generation or not path.exists() or path.stat().st_size != info.get("bytes"):
            return None
        data = np.fromfile(path, dtype=np.uint8)
        if hashlib.sha256(data).hexdigest() != info.get("sha256"):
            return None
        try:
            index = VectorIndex.from_bytes(data)
        except RuntimeError:  # FAISS refuses a damaged file: rebuild it from SQLite
            return None
        if index.index.d != self.spec.embedding_dim or index.ntotal != info.get("chunks"):
            return None
        return index
