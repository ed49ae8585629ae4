"""A LangChain chat model over an in-process `llama_cpp.Llama`.

langchain-community's ChatLlamaCpp is being sunset, and the adapter we need is
small: messages → `create_chat_completion` (which applies the GGUF's own chat
template), streamed as AIMessageChunks. One Llama per model file per process:
loading a gigabyte GGUF is the slow part, so instances are shared by path.
"""

from __future__ import annotations

import os
import queue
import threading
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models.chat_models import BaseChatModel
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from pydantic import ConfigDict, PrivateAttr

if TYPE_CHECKING:
    import numpy as np
    from llama_cpp import Llama
    from llama_cpp.llama_chat_format import Jinja2ChatFormatter

    from rag.llm.prefix_states import PrefixStates

_ROLES = {"human": "user", "ai": "assistant", "system": "system"}
_LOADED: dict[tuple[str, int, int | None], Llama] = {}
_PREFIXES: dict[tuple[str, int, int | None], PrefixStates] = {}  # the system prompts' KV states, per loaded Llama
# One thread per loaded Llama reads its prompts and generates: llama.cpp contexts are not re-entrant, and
# ggml's AMX kernels configure a thread's tiles once and trust them after, which torch's oneDNN, run in the
# same thread in between (a query embedding), leaves unconfigured: SIGILL (docs/performance.md, AMX).
_THREADS: dict[tuple[str, int, int | None], ThreadPoolExecutor] = {}
_LOAD_LOCK = threading.Lock()


def usable_cores() -> int:
    """CPU cores this process may run on (a container or taskset may allow fewer than the machine has)."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def load_llama(model_path: str, n_ctx: int, n_threads: int | None, state_dir: str | None = None) -> Llama:
    """The shared Llama for this file and context size (loaded once per process).

    llama.cpp reuses the part of its KV cache that the next prompt starts with, so
    prompts are built to share prefixes (rag/prompts.py), and the system prompts'
    own states are kept aside (rag/llm/prefix_states.py). Its RAM cache of saved
    states is not used: each state copies the logits of every prompt token (152k
    vocabulary: ~0.4 GB for a 700-token prompt), which cost more than it saved.
    With `state_dir`, the system prompts' states are kept on disk there too
    (rag/llm/state_files.py), for the next process.
    """
    key = (model_path, n_ctx, n_threads)
    with _LOAD_LOCK:
        if key not in _LOADED:
            from rag.llm.lazy_grammar import LazyGrammarLlama
            from rag.llm.prefix_states import PrefixStates
            from rag.llm.state_files import StateFiles

            files = StateFiles.for_model(Path(state_dir), model_path, n_ctx) if state_dir else None
            _PREFIXES[key] = PrefixStates(files=files)
            _THREADS[key] = ThreadPoolExecutor(max_workers=1, thread_name_prefix="llama")

            # all usable cores for both prompt and generation (llama-cpp-python's own default generates on
            # half of them: 2 threads generate 25 % (0.5B) / 55 % (1.5B) faster than 1 on this 2-core CPU)
            threads = n_threads or usable_cores()
            _LOADED[key] = LazyGrammarLlama(
                model_path=model_path, n_ctx=n_ctx, n_threads=threads, n_threads_batch=threads,
                # no flash attention: it reads prompts 4-7 % faster here, but its answers then depend on the
                # thread count (a 1-core Ray worker and a 2-core laptop picked different evidence; performance.md)
                verbose=False,
            )
        return _LOADED[key]


class ChatLlamaCpp(BaseChatModel):
    """Chat completions from a local GGUF through llama.cpp."""

    model_path: str
    n_ctx: int = 4096
    n_threads: int | None = None
    state_dir: str | None = None  # where the system prompts' KV states are kept for the next process
    temperature: float = 0.0
    max_tokens: int = 320
    model_config = ConfigDict(arbitrary_types_allowed=True)
    _formatter: Jinja2ChatFormatter | None = PrivateAttr(default=None)  # compiled once, on first use

    @property
    def _llm_type(self) -> str:
        return "llama_cpp"

    @property
    def _identifying_params(self) -> dict[str, Any]:
        return {"model_path": self.model_path, "n_ctx": self.n_ctx, "temperature": self.temperature}

    @property
    def _key(self) -> tuple[str, int, int | None]:
        """Which loaded Llama (and its thread and kept prefix states) this model uses."""
        return (self.model_path, self.n_ctx, self.n_threads)

    @property
    def llama(self) -> Llama:
        return load_llama(*self._key, self.state_dir)

    def _llama_thread(self) -> ThreadPoolExecutor:
        """This model's own thread, where every prompt is read, in turn (the model is loaded first, by the
        caller, so that a load error is raised where it was asked for)."""
        load_llama(*self._key, self.state_dir)
        return _THREADS[self._key]

    @property
    def prefix_states(self) -> PrefixStates:
        """The system prompts' saved KV states of this model's Llama (loaded with it)."""
        load_llama(*self._key, self.state_dir)
        return _PREFIXES[self._key]

    def _prompt(self, llama: Llama, messages: list[BaseMessage]) -> str:
        """The text `create_chat_completion` sends for `messages`."""
        if self._formatter is None:
            self._formatter = _chat_formatter(llama)
        return self._formatter(messages=_as_dicts(messages)).prompt

    def _keep_system_prompt(self, llama: Llama, messages: list[BaseMessage], prompt: str | None = None) -> None:
        """Put the system prompt's KV state at the head of the cache before the prompt for `messages` is read
        (rag/llm/prefix_states.py); a prompt without one, or whose tokens do not start with it, is left alone."""
        if not messages or messages[0].type != "system" or not (system := str(messages[0].content)):
            return
        if prompt is None:
            if not llama.metadata.get("tokenizer.chat_template"):
                return  # llama.cpp formats such a model's chats its own way
            prompt = self._prompt(llama, messages)
        prefix = system_prefix_tokens(llama, prompt, system)
        tokens = llama.tokenize(prompt.encode(), add_bos=False, special=True)
        if prefix and len(prefix) < len(tokens) and tokens[: len(prefix)] == prefix:
            self.prefix_states.prepare(llama, prefix)

    def _request(self, messages: list[BaseMessage], stop: list[str] | None, **kwargs: Any) -> dict[str, Any]:
        return {
            "messages": _as_dicts(messages),
            "temperature": kwargs.get("temperature", self.temperature),
            "max_tokens": kwargs.get("max_tokens", self.max_tokens),
            "stop": stop or [],
            # A JSON schema becomes a llama.cpp grammar: the reply always parses.
            **({"response_format": kwargs["response_format"]} if kwargs.get("response_format") else {}),
        }

    def choice_margin(self, messages: list[BaseMessage], reply_prefix: str, choices: tuple[str, str]) -> float:
        """log P(choices[0]) − log P(choices[1]) as the next token after `reply_prefix`, the start of the
        assistant's reply to `messages`.

        A grammar that allows only "Yes" or "No" takes the likelier one, and a 1.5B model finds "Yes"
        likelier after nearly any evidence; the margin lets the product set where a "Yes" begins
        (a threshold fitted on labelled questions) instead. The reply usually repeats the call just
        made, so llama.cpp's KV cache holds all but its last few tokens.
        """
        from llama_cpp import Llama

        def margin() -> float:
            llama = self.llama
            prompt = self._prompt(llama, messages)
            self._keep_system_prompt(llama, messages, prompt)
            tokens = llama.tokenize((prompt + reply_prefix).encode(), add_bos=False, special=True)
            reused = min(Llama.longest_token_prefix(llama.input_ids[: llama.n_tokens].tolist(), tokens),
                         len(tokens) - 1)  # at least one token is read, so its logits are fresh
            llama.n_tokens = reused
            llama.eval(tokens[reused:])
            logits = last_logits(llama)
            first, second = (llama.tokenize(c.encode(), add_bos=False)[0] for c in choices)
            return float(logits[first] - logits[second])

        return float(self._llama_thread().submit(margin).result())

    def _generate(
        self, messages: list[BaseMessage], stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None, **kwargs: Any,
    ) -> ChatResult:
        text = "".join(chunk.text for chunk in self._stream(messages, stop, run_manager, **kwargs))
        return ChatResult(generations=[ChatGeneration(message=AIMessage(content=text))])

    def _stream(
        self, messages: list[BaseMessage], stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None, **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        request = self._request(messages, stop, **kwargs)
        pieces: queue.SimpleQueue[str | None] = queue.SimpleQueue()  # None: the generation ended
        closed = threading.Event()  # the reader stopped early: generate no further

        def generate() -> None:
            try:
                llama = self.llama
                self._keep_system_prompt(llama, messages)
                for event in llama.create_chat_completion(**request, stream=True):
                    if closed.is_set():
                        return
                    if delta := event["choices"][0].get("delta", {}).get("content"):
                        pieces.put(delta)
            finally:
                pieces.put(None)

        generation = self._llama_thread().submit(generate)
        try:
            while (piece := pieces.get()) is not None:
                chunk = ChatGenerationChunk(message=AIMessageChunk(content=piece))
                if run_manager:
                    run_manager.on_llm_new_token(piece, chunk=chunk)
                yield chunk
            generation.result()  # raises here what the generation raised
        finally:
            closed.set()


def system_prefix_tokens(llama: Llama, prompt: str, system: str) -> list[int]:
    """The tokens of `prompt` up to the end of its system prompt `system` (none if it does not hold it):
    the prefix whose KV state is kept aside, and where a restored prompt's read is split."""
    end = prompt.find(system)
    return llama.tokenize(prompt[: end + len(system)].encode(), add_bos=False, special=True) if end >= 0 else []


def last_logits(llama: Llama) -> np.ndarray:
    """The logits llama.cpp computed for the last token it read (a view, valid until the next decode)."""
    import numpy as np

    return np.ctypeslib.as_array(llama._ctx.get_logits(), shape=(llama.n_vocab(),))


def _chat_formatter(llama: Llama) -> Jinja2ChatFormatter:
    """The prompt builder `create_chat_completion` uses: the GGUF's own chat template, ending where the
    assistant's reply begins (llama.cpp keeps its own only as a completion handler)."""
    from llama_cpp.llama_chat_format import Jinja2ChatFormatter

    template = llama.metadata.get("tokenizer.chat_template")
    if not template:
        raise ValueError(f"{llama.model_path}: the GGUF has no chat template")

    def text_of(token: int) -> str:
        return llama.detokenize([token], special=True).decode(errors="replace")

    return Jinja2ChatFormatter(template, eos_token=text_of(llama.token_eos()), bos_token=text_of(llama.token_bos()))


def _as_dicts(messages: Sequence[BaseMessage]) -> list[dict[str, str]]:
    return [{"role": _ROLES.get(m.type, "user"), "content": str(m.content)} for m in messages]
