"""Prompt and generation tokens/s of the installed llama.cpp build on the packaged GGUFs and their bf16 and q8_0 copies.

Run it once per build to compare CMake flags (the product's build is in the
Makefile); put another build first on the path to measure it without
installing it, e.g.

    pip wheel --no-deps --no-binary llama-cpp-python llama-cpp-python==0.3.36 -w /tmp/w   # with CMAKE_ARGS
    pip install --no-deps --target /tmp/llama-x /tmp/w/*.whl
    PYTHONPATH=/tmp/llama-x python benchmarks/llama_build.py --label "AVX-512"
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from rag.llm.factory import gguf_path
from rag.llm.llama_cpp_chat import usable_cores
from rag.settings import LLMSettings, Settings

PROMPT = ("Ford said on Tuesday it would build a battery plant in Michigan with CATL technology, "
          "employing 2,500 people from 2026. ") * 40


def _measure(model_path: Path, threads: int, flash_attn: bool) -> tuple[float, float, int]:
    from llama_cpp import Llama

    llama = Llama(model_path=str(model_path), n_ctx=2048, n_threads=threads, n_threads_batch=threads,
                  flash_attn=flash_attn, verbose=False)
    tokens = llama.tokenize(PROMPT.encode())[:600]
    start = time.perf_counter()
    llama.eval(tokens)
    prompt_s = time.perf_counter() - start
    generated, start = 0, time.perf_counter()
    for _ in llama.generate([], temp=0.0, reset=False):
        generated += 1
        if generated == 64:
            break
    return len(tokens) / prompt_s, generated / (time.perf_counter() - start), len(tokens)


def main() -> None:
    import llama_cpp

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--label", default="installed build")
    parser.add_argument("--presets", nargs="+", default=["fast", "default"])
    parser.add_argument("--threads", type=int, nargs="+", default=[usable_cores()],
                        help="thread counts to compare (default: all usable cores, as the product)")
    parser.add_argument("--weights", nargs="+", default=["packaged", "bf16", "q8_0"], choices=["packaged", "bf16", "q8_0"],
                        help="the GGUF as shipped, and/or its bf16 / q8_0 copies (llm.weights; made once in the cache "
                             "if missing: bf16 1.3 GB for fast, 3.1 GB for default; q8_0 0.7 / 1.9 GB)")
    parser.add_argument("--flash-attention", nargs="+", default=["off", "on"], choices=["off", "on"])
    args = parser.parse_args()
    cache_dir = Settings().cache_dir
    print(f"llama_cpp {llama_cpp.__version__} from {Path(llama_cpp.__file__).parent}")
    print(llama_cpp.llama_print_system_info().decode(errors="replace").strip())
    print("| build | preset | weights | threads | flash attention | prompt tokens/s | generation tokens/s |")
    print("|---|---|---|---|---|---|---|")
    for preset in args.presets:
        for weights in args.weights:
            path = gguf_path(LLMSettings(preset=preset, weights=weights), cache_dir)
            for threads in args.threads:
                for flash_attn in args.flash_attention:  # the product loads without it (llama_cpp_chat.py says why)
                    prompt_tps, gen_tps, _ = _measure(path, threads, flash_attn == "on")
                    print(f"| {args.label} | {preset} | {weights} | {threads} | {flash_attn} | {prompt_tps:.1f} "
                          f"| {gen_tps:.1f} |", flush=True)


if __name__ == "__main__":
    main()
