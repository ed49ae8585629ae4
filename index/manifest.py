"""manifest.json: what shaped an index, and how to tell whether its files are current.

It records the format version, the embedding model and dimension, the chunking
settings, counts, the SQLite generation it describes and the SHA-256 of
vectors.faiss. An index is only valid for the settings that built it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from index.errors import IndexMismatchError, NewsragError
from index.files import atomic_write_bytes

FORMAT_VERSION = 1
MANIFEST = "manifest.json"


@dataclass(frozen=True)
class IndexSpec:
    """What shaped an index; an index answers only queries embedded the same way."""

    embedding_model: str
    embedding_dim: int
    chunking: dict[str, Any]
    # How the vectors were computed; not part of `mismatch`: other precisions are
    # accepted when their vectors agree (checked on the index's own chunks at open).
    embedding_backend: str = "torch"
    embedding_precision: str = "fp32"
    # What each chunk's vector was computed from (index.embedder.EMBEDDING_INPUTS); queries embed the
    # same either way, so an index keeps its own and later ingests follow it. Indexes from before it: "chunk".
    embedding_input: str = "chunk"

    def mismatch(self, other: IndexSpec) -> str | None:
        if self.embedding_model != other.embedding_model or self.embedding_dim != other.embedding_dim:
            return (
                f"embedding model {other.embedding_model!r} (dim {other.embedding_dim}), "
                f"but the settings ask for {self.embedding_model!r} (dim {self.embedding_dim})"
            )
        if self.chunking != other.chunking:
            return f"chunking {other.chunking}, but the settings ask for {self.chunking}"
        return None


def read_manifest(directory: Path) -> dict[str, Any]:
    path = Path(directory) / MANIFEST
    if not path.exists():
        raise NewsragError(
            f"{directory}: no index here (no {MANIFEST}); build one with: newsrag ingest PATH --index {directory}"
        )
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise NewsragError(f"{path}: not a valid manifest ({exc}); rebuild the index with newsrag ingest") from exc
    if not isinstance(manifest, dict):
        raise NewsragError(f"{path}: not a valid manifest (not a JSON object); rebuild the index with newsrag ingest")
    if manifest.get("format_version") != FORMAT_VERSION:
        raise NewsragError(
            f"{path}: index format {manifest.get('format_version')!r}, this newsrag reads "
            f"format {FORMAT_VERSION}; rebuild it with newsrag ingest into a new --index directory"
        )
    return _check_shape(path, manifest)


_MANIFEST_SHAPE = {"embedding": dict, "chunking": dict, "counts": dict, "generation": int, "checksums": dict,
                   "vector_index": dict}


def _check_shape(path: Path, manifest: object) -> dict[str, Any]:
    """The manifest, if its fields have the types newsrag writes; else one line naming the field."""
    def bad(field: str) -> NewsragError:
        return NewsragError(f"{path}: field {field!r} is missing or of the wrong type; the index is damaged or "
                            "was not written by newsrag: rebuild it with newsrag ingest")

    if not isinstance(manifest, dict):
        raise bad("(top level)")
    for field, kind in _MANIFEST_SHAPE.items():
        if field in manifest and (not isinstance(manifest[field], kind) or isinstance(manifest[field], bool)):
            raise bad(field)
    embedding = manifest.get("embedding", {})
    if not isinstance(embedding.get("model"), str):
        raise bad("embedding.model")
    dim = embedding.get("dim")
    if not isinstance(dim, int) or isinstance(dim, bool) or not 0 < dim <= 65536:
        raise bad("embedding.dim")
    if not all(isinstance(v, int) and not isinstance(v, bool) for v in manifest.get("counts", {}).values()):
        raise bad("counts")
    return manifest


def spec_from_manifest(manifest: dict[str, Any]) -> IndexSpec:
    emb = manifest.get("embedding", {})
    return IndexSpec(
        str(emb.get("model")), int(emb.get("dim", 0)), dict(manifest.get("chunking", {})),
        str(emb.get("backend", "torch")), str(emb.get("precision", "fp32")), str(emb.get("input", "chunk")),
    )


def write_manifest(directory: Path, spec: IndexSpec, counts: dict[str, int], generation: int,
                   vectors_sha256: str, vector_index: dict[str, Any]) -> None:
    manifest = {
        "format_version": FORMAT_VERSION,
        "embedding": {"model": spec.embedding_model, "dim": spec.embedding_dim,
                      "backend": spec.embedding_backend, "precision": spec.embedding_precision,
                      "input": spec.embedding_input},
        "chunking": spec.chunking,
        "counts": counts,
        "generation": generation,
        "checksums": {"vectors.faiss": vectors_sha256},
        "vector_index": vector_index,  # kind (flat | ivfpq), bytes of vectors.faiss, vectors it was trained on
    }
    atomic_write_bytes(Path(directory) / MANIFEST, json.dumps(manifest, indent=2).encode("utf-8"))


def check_compatible(directory: Path, expected: IndexSpec, actual: IndexSpec) -> None:
    """Refuse an index built with other embedding or chunking settings, saying how to rebuild."""
    if why := expected.mismatch(actual):
        raise IndexMismatchError(
            f"{directory}: this index was built with {why}. Rebuild it: "
            f"newsrag ingest PATH --index NEW_DIR (or remove {directory}), "
            "or set the settings back to what the index was built with"
        )
