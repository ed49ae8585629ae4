"""A mean-pooled sentence-transformers model (MiniLM) compiled by OpenVINO's CPU plugin.

Why: on the CPUs measured it embeds faster than torch at the same precision (Zen 4,
bf16: ~70 against ~53 chunks/s; AVX2-only, fp32: 23 against 19;
benchmarks/embedding_backends.py), and its bf16 keeps normalisation and softmax in
fp32, so its vectors sit closer to fp32's (cosine >= 0.9999) than torch's bf16
(0.996). The torch weights are converted when the model first loads (~1.5 s of
tracing) and kept in the cache directory, so later loads read them (~0.1 s). In
the plugin's throughput mode each core runs its own stream, so two batches run at
a time and tokenising the next one overlaps them.

In int8 the linear layers' weights are kept as 8-bit integers (NNCF's weight
compression, per output channel, no calibration data) and the plugin quantises
their inputs as it runs, in groups of 128 values, so the products run on the
CPU's int8 dot-product units (VNNI): ~1.3x bf16's speed on the Zen 4 measured, cosine
to fp32 >= 0.998 (benchmarks/embedding_backends.py). Everything else computes in
bf16 where the CPU has it, in fp32 elsewhere. Statically calibrated int8 (NNCF's
post-training quantisation) ran ~10 % faster but needs representative text to
calibrate on, which the product does not ship: on the five sample articles it
gave cosine >= 0.989 to fp32 (docs/performance.md).

Only the pipeline this reproduces is converted: token embeddings, mean over the
attention mask, no prompts, a fast tokenizer (`plain_mean_pooled`); any other model
stays on torch. Imports openvino: import this module only where a model is loaded.
Torch and sentence-transformers are needed only to convert a model, not to load a
kept conversion.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.metadata
import io
import json
import logging
import os
import shutil
import tempfile
import threading
import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import openvino as ov
from tokenizers import Tokenizer

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

# what the plugin computes in, per `embedding.precision` (int8: what runs outside the quantised products)
_PRECISION_HINTS = {"bf16": "bf16", "fp32": "f32"}
# values of a linear layer's input quantised together in int8 (per token, along the features): on the Zen 4,
# 128 ran at 89-91 chunks/s against 83 for 64 and 69 for 256, cosine to fp32 >= 0.998 (docs/performance.md)
_INT8_GROUP = 128
# a kept conversion: the OpenVINO model, the tokenizer it reads (Rust tokenizers' JSON) and its layout
_MODEL, _TOKENIZER, _LAYOUT = "model.xml", "tokenizer.json", "layout.json"


def plain_mean_pooled(model: SentenceTransformer) -> bool:
    """Token embeddings → mean pooling (→ normalisation), without prompts or lower-casing of its own, and a
    fast (Rust) tokenizer: what `OpenVinoEncoder` computes."""
    names = [type(module).__name__ for module in model]
    if names[:2] != ["Transformer", "Pooling"] or any(name != "Normalize" for name in names[2:]):
        return False
    if not getattr(model.tokenizer, "is_fast", False):
        return False
    pooling = model[1]
    mode = getattr(pooling, "pooling_mode", None) or pooling.get_pooling_mode_str()
    prompts = getattr(model, "prompts", None) or {}
    return mode == "mean" and not any(prompts.values()) and not getattr(model[0], "do_lower_case", False)


def _cache_key(source_dir: Path, int8: bool) -> str:
    """Names the converted model: the source files (name, size, mtime), OpenVINO's version and, for int8
    weights, NNCF's."""
    files = sorted((p.relative_to(source_dir).as_posix(), p.stat().st_size, p.stat().st_mtime_ns)
                   for p in source_dir.rglob("*") if p.is_file())
    weights = ("int8", importlib.metadata.version("nncf")) if int8 else ()
    return hashlib.sha256(repr((files, ov.__version__, *weights)).encode()).hexdigest()[:20]


def _int8_weights(converted: ov.Model) -> ov.Model:
    """The linear layers' weights as int8, one scale and zero point per output channel."""
    import nncf

    nncf.set_log_level(logging.ERROR)  # its per-layer tables are not the user's business
    with contextlib.redirect_stdout(io.StringIO()):  # nor its progress bar (rich, on stdout; ~1 s, once per cache)
        return nncf.compress_weights(converted, mode=nncf.CompressWeightsMode.INT8_ASYM)


class _Tokenizer:
    """Texts → the model's inputs, as the sentence-transformers model's fast tokenizer gives them with
    padding to the longest text and truncation (the same Rust tokenizer, configured as transformers does
    for such a call), without importing transformers or torch."""

    def __init__(self, backend: Tokenizer, layout: dict[str, Any]) -> None:
        self.layout = layout
        self.backend = backend
        backend.enable_truncation(layout["max_length"])
        backend.enable_padding(pad_id=layout["pad_id"], pad_type_id=layout["pad_type_id"],
                               pad_token=layout["pad_token"])

    def __call__(self, texts: list[str]) -> dict[str, np.ndarray]:
        encodings = self.backend.encode_batch(texts)
        columns = {"input_ids": [e.ids for e in encodings], "attention_mask": [e.attention_mask for e in encodings],
                   "token_type_ids": [e.type_ids for e in encodings]}
        return {name: np.asarray(columns[name], dtype=np.int64) for name in self.layout["inputs"]}


def _layout(model: SentenceTransformer, inputs: list[str]) -> dict[str, Any]:
    """What the kept model needs besides its weights: its inputs, truncation, padding and vector size."""
    tokenizer = model.tokenizer
    return {"inputs": inputs, "max_length": int(model.max_seq_length), "dim": int(model.get_embedding_dimension() or 0),
            "pad_token": tokenizer.pad_token, "pad_id": int(tokenizer.pad_token_id),
            "pad_type_id": int(getattr(tokenizer, "pad_token_type_id", 0) or 0)}


def _kept_folder(source_dir: Path | None, cache_dir: Path | None, int8: bool) -> Path | None:
    if cache_dir is None or source_dir is None or not source_dir.is_dir():
        return None
    return cache_dir / "openvino" / _cache_key(source_dir, int8)


def _keep(kept: Path, converted: ov.Model, tokenizer: Tokenizer, layout: dict[str, Any]) -> None:
    """Writes the model, its tokenizer and layout into a fresh folder renamed into place, so a reader never
    sees half of one; an unwritable cache only costs the conversion next time."""
    staging: Path | None = None
    try:
        kept.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(dir=kept.parent, prefix=".converting-"))
        ov.save_model(converted, staging / _MODEL, compress_to_fp16=False)
        tokenizer.save(str(staging / _TOKENIZER))
        (staging / _LAYOUT).write_text(json.dumps(layout), encoding="utf-8")
        os.rename(staging, kept)
    except (OSError, RuntimeError):
        pass  # another process kept it first, or the cache is read-only or full
    finally:
        if staging is not None and staging.exists():
            shutil.rmtree(staging, ignore_errors=True)


class OpenVinoEncoder:
    """L2-normalised float32 vectors of texts, as the sentence-transformers model they were converted from
    computes them (same tokenizer, truncation and pooling).

    `kept` opens a conversion an earlier load left in the cache, from its files alone: no torch, no
    sentence-transformers (first query vector 5.0 -> 0.5 s on the Zen 4); `converted` converts a loaded model and keeps it."""

    def __init__(self, model: ov.Model, tokenizer: _Tokenizer, precision: str, threads: int | None = None,
                 float_precision: str = "fp32") -> None:
        """`precision` is fp32, bf16 or int8; with int8, `float_precision` is what the rest computes in."""
        self._tokens = tokenizer
        self.dim = int(tokenizer.layout["dim"])
        int8 = precision == "int8"
        config: dict[str, Any] = {"INFERENCE_PRECISION_HINT": _PRECISION_HINTS[float_precision if int8 else precision],
                                  "PERFORMANCE_HINT": "THROUGHPUT"}
        if int8:
            config["DYNAMIC_QUANTIZATION_GROUP_SIZE"] = _INT8_GROUP
        if threads:  # e.g. a one-CPU Ray actor; otherwise the plugin uses the cores this process may run on
            config["INFERENCE_NUM_THREADS"] = threads
        self.model = ov.Core().compile_model(model, "CPU", config)
        # a fixed set of requests, waited on from the caller's thread: a Python callback on the plugin's threads
        # (AsyncInferQueue) left them waiting for the GIL while a compiled model was freed, and the process hung
        requests = max(1, int(self.model.get_property("OPTIMAL_NUMBER_OF_INFER_REQUESTS")))
        self._requests = [self.model.create_infer_request() for _ in range(requests)]
        self._lock = threading.Lock()  # one set of requests per model; callers take turns

    @classmethod
    def kept(cls, source_dir: Path | None, cache_dir: Path | None, precision: str, threads: int | None = None,
             float_precision: str = "fp32") -> OpenVinoEncoder | None:
        """The encoder of the model in `source_dir`, if a load of the same files converted it before."""
        kept = _kept_folder(source_dir, cache_dir, precision == "int8")
        if kept is None or not all((kept / name).is_file() for name in (_MODEL, _TOKENIZER, _LAYOUT)):
            return None
        try:
            layout = json.loads((kept / _LAYOUT).read_text(encoding="utf-8"))
            tokenizer = _Tokenizer(Tokenizer.from_file(str(kept / _TOKENIZER)), layout)
            return cls(ov.Core().read_model(kept / _MODEL), tokenizer, precision, threads, float_precision)
        except Exception:  # noqa: BLE001 - any damage to a kept file (tokenizers raises plain Exception)
            shutil.rmtree(kept, ignore_errors=True)  # damaged: converted again and kept anew by the caller
            return None

    @classmethod
    def converted(cls, model: SentenceTransformer, source_dir: Path | None, cache_dir: Path | None, precision: str,
                  threads: int | None = None, float_precision: str = "fp32") -> OpenVinoEncoder:
        """Converts `model` (a `plain_mean_pooled` one) and keeps the conversion in `cache_dir` for later loads."""
        example = dict(model.tokenizer(["a b", "c"], padding=True, return_tensors="pt"))
        with warnings.catch_warnings():  # the tracer's notes on BERT's constant branches (is_causal) are not the user's
            warnings.simplefilter("ignore")
            converted = ov.convert_model(model[0].auto_model.eval(), example_input=example)
        if precision == "int8":
            converted = _int8_weights(converted)
        layout = _layout(model, list(example))
        backend = Tokenizer.from_str(model.tokenizer.backend_tokenizer.to_str())  # a copy: padding is set on it
        if (kept := _kept_folder(source_dir, cache_dir, precision == "int8")) is not None:
            _keep(kept, converted, backend, layout)
        return cls(converted, _Tokenizer(backend, layout), precision, threads, float_precision)

    def encode(self, texts: list[str], batch_size: int) -> np.ndarray:
        """Vectors in the order of `texts`; batches of similar length (longest first), as sentence-transformers
        forms them, so padding stays short."""
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        order = np.argsort([-len(text) for text in texts], kind="stable")
        running: list[tuple[np.ndarray, np.ndarray] | None] = [None] * len(self._requests)

        def collect(slot: int) -> None:
            """Mean of the token vectors under the attention mask, for the batch `slot` ran."""
            if (batch := running[slot]) is None:
                return
            rows, mask = batch
            self._requests[slot].wait()
            tokens = self._requests[slot].get_output_tensor(0).data
            weights = mask[..., None].astype(np.float32)
            out[rows] = (tokens * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)
            running[slot] = None

        with self._lock:
            try:
                for number, start in enumerate(range(0, len(texts), batch_size)):
                    slot = number % len(self._requests)
                    collect(slot)  # its previous batch, before the request is reused
                    rows = order[start : start + batch_size]
                    inputs = self._tokens([texts[i] for i in rows])
                    self._requests[slot].start_async(inputs)
                    running[slot] = (rows, inputs["attention_mask"])
                for slot in range(len(self._requests)):
                    collect(slot)
            finally:  # after a failure, no request is left running into the next call
                for slot, batch in enumerate(running):
                    if batch is not None:
                        with contextlib.suppress(RuntimeError):
                            self._requests[slot].wait()
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return out / np.clip(norms, 1e-12, None)
