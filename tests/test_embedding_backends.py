"""The embedding model compiled by OpenVINO: same vectors as torch (in int8 too), recorded in the manifest, kept
converted between processes, and refused (or left to torch) for a model it does not reproduce."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from index.embedder import Embedder, int8_installed, resolve_model_path, resolve_precision
from index.errors import NewsragError
from index.manifest import MANIFEST
from rag.pipeline import open_search
from tests.conftest import ROOT, make_settings

TEXTS = [
    "Nidec opened two motor factories in Mexico and Serbia to supply electric-vehicle makers.",
    "Stellantis and Samsung SDI will build a second battery gigafactory in Kokomo, Indiana.",
    "Short.",
    "Where did Nidec open new factories?",
]


def test_openvino_vectors_match_torch_fp32(tmp_path: Path) -> None:
    reference = Embedder("all-MiniLM-L6-v2", 32, "fp32", "torch").embed_documents(TEXTS)
    # torch's own bf16 gives 0.996; int8 measured >= 0.998 on 300 news chunks (embedding_backends.py)
    for precision, agreement in (("fp32", 0.999), ("bf16", 0.999), ("int8", 0.995)):
        embedder = Embedder("all-MiniLM-L6-v2", 32, precision, "openvino", tmp_path)
        vectors = embedder.embed_documents(TEXTS)
        assert embedder.backend == "openvino" and vectors.dtype == np.float32 and vectors.shape == (4, 384)
        cosine = np.sum(vectors * reference, axis=1)
        assert cosine.min() > agreement, (precision, cosine)
        query = embedder.embed_query(TEXTS[3])
        assert float(query @ reference[3]) > agreement and abs(float(np.linalg.norm(query)) - 1) < 1e-5
    # the int8 conversion is kept beside the float one, its weights a quarter of the size
    sizes = sorted((kept / "model.bin").stat().st_size for kept in (tmp_path / "openvino").iterdir())
    assert len(sizes) == 2 and sizes[0] < sizes[1] / 3, sizes


def test_conversion_is_kept_in_the_cache_and_read_back_without_torch(tmp_path: Path) -> None:
    first = Embedder("all-MiniLM-L6-v2", 32, "fp32", "openvino", tmp_path).embed_documents(TEXTS)
    kept = [p for p in (tmp_path / "openvino").iterdir()]
    assert len(kept) == 1 and {"model.xml", "model.bin", "tokenizer.json", "layout.json"} <= {
        p.name for p in kept[0].iterdir()}
    # a new process opens the kept conversion from its files: no conversion, so no torch or sentence-transformers
    script = ("import json, sys; from pathlib import Path; from index.embedder import Embedder; "
              f"e = Embedder('all-MiniLM-L6-v2', 32, 'fp32', 'openvino', Path({str(tmp_path)!r})); "
              f"v = e.embed_documents({TEXTS!r}); "
              "print(json.dumps({'imported': sorted({'torch', 'sentence_transformers', 'transformers'} & "
              "set(sys.modules)), 'vectors': v.tolist()}))")
    run = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=True)
    again = json.loads(run.stdout.splitlines()[-1])
    assert again["imported"] == [], f"a kept conversion loaded {again['imported']}"
    np.testing.assert_allclose(np.asarray(again["vectors"], dtype=np.float32), first, atol=1e-5)
    # a damaged kept file costs a new conversion, not an error
    (kept[0] / "layout.json").write_text("{not json")
    repaired = Embedder("all-MiniLM-L6-v2", 32, "fp32", "openvino", tmp_path).embed_documents(TEXTS)
    np.testing.assert_allclose(repaired, first, atol=1e-5)
    assert json.loads((kept[0] / "layout.json").read_text())["dim"] == 384


def test_manifest_records_openvino_and_a_torch_reader_is_accepted(sample_index: Path) -> None:
    manifest = json.loads((sample_index / MANIFEST).read_text())
    assert manifest["embedding"]["backend"] == "openvino", "embedding.backend auto uses OpenVINO where installed"
    assert manifest["embedding"]["precision"] == resolve_precision("auto", int8=int8_installed())
    # torch reads an OpenVINO-built index (int8 where this CPU has VNNI): a sample of its chunks re-embeds
    # within tolerance in torch's own float precision
    settings = make_settings(sample_index, embedding={"backend": "torch", "precision": resolve_precision("auto")})
    stack = open_search(settings)
    assert stack.embedder.backend == "torch"
    hits = stack.retriever.retrieve("Kokomo Indiana gigafactory")
    assert hits[0].chunk.article_id.endswith("#11")


def test_a_model_it_does_not_reproduce_stays_on_torch_or_is_refused(tmp_path: Path) -> None:
    import torch

    model = tmp_path / "cls-pooled"
    shutil.copytree(resolve_model_path("all-MiniLM-L6-v2"), model)
    pooling = json.loads((model / "1_Pooling" / "config.json").read_text())
    pooling.update(pooling_mode_cls_token=True, pooling_mode_mean_tokens=False)
    (model / "1_Pooling" / "config.json").write_text(json.dumps(pooling))
    auto = Embedder(str(model), 32, "bf16", "auto", tmp_path)
    assert auto.embed_query("battery plant").shape == (384,) and auto.backend == "torch"
    assert next(auto._model.parameters()).dtype == torch.bfloat16, "left to torch in the precision it records"
    auto = Embedder(str(model), 32, "auto", "auto", tmp_path)
    assert auto.embed_query("battery plant").shape == (384,) and auto.backend == "torch"
    assert auto.precision == resolve_precision("auto"), "torch computes in a float, never int8"
    with pytest.raises(NewsragError, match=r'embedding.backend "openvino": .*cls-pooled.* not a plain mean-pooled '
                                           r'model.*set embedding.backend = "auto"'):
        Embedder(str(model), 32, "fp32", "openvino", tmp_path).embed_query("battery plant")
    with pytest.raises(NewsragError, match=r'embedding.precision "int8": .*cls-pooled.* not a plain mean-pooled '
                                           r'model.*set embedding.precision = "auto"'):
        Embedder(str(model), 32, "int8", "auto", tmp_path).embed_query("battery plant")
    with pytest.raises(NewsragError, match=r"embedding.backend 'onnx': use one of auto, torch, openvino"):
        Embedder("all-MiniLM-L6-v2", 32, "fp32", "onnx")


def test_auto_without_openvino_is_torch_in_the_precision_it_records(monkeypatch: pytest.MonkeyPatch) -> None:
    import torch

    import index.embedder

    monkeypatch.setattr(index.embedder, "openvino_installed", lambda: False)  # as where the extra is not installed
    embedder = Embedder("all-MiniLM-L6-v2", 8, "bf16", "auto")
    assert embedder.embed_query("battery plant").shape == (384,) and embedder.backend == "torch"
    assert next(embedder._model.parameters()).dtype == torch.bfloat16, "auto must not fall back to fp32 silently"
    assert Embedder("all-MiniLM-L6-v2", 8, "auto", "auto").precision in ("bf16", "fp32"), "int8 needs OpenVINO"
    with pytest.raises(NewsragError, match=r'embedding.backend "openvino" needs the openvino package'):
        Embedder("all-MiniLM-L6-v2", 8, "bf16", "openvino")
    with pytest.raises(NewsragError, match=r'embedding.precision "int8" runs on OpenVINO with NNCF: pip install'):
        Embedder("all-MiniLM-L6-v2", 8, "int8", "auto")


def test_int8_on_torch_is_refused_in_one_line() -> None:
    with pytest.raises(NewsragError, match=r'embedding.precision "int8" runs on OpenVINO with NNCF.*embedding.backend '
                                           r'"auto" or "openvino"'):
        Embedder("all-MiniLM-L6-v2", 8, "int8", "torch")
