"""Saved KV-cache states of the fixed system prompts, so a prompt that another one evicted is not read again.

llama.cpp keeps one sequence in its KV cache and reuses the part a new prompt
starts with. Prompts are built so that the fixed system prompt comes first
(rag/prompts.py), but an answer sends several kinds: the sentence selection, a
yes/no verdict, one check per part of the question, a follow-up's rewrite. Each
one replaces the last, so the next question read its ~220-token system prompt
again: ~1 s on the 0.5B model and ~2.4 s on the 1.5B on a 2-core CPU. Here each
system prompt is read once, on its own, and the KV cells of just those tokens
are kept (llama.cpp's per-sequence state: ~12 KB a token for the 0.5B, ~28 KB
for the 1.5B; no logits, unlike `Llama.save_state`) and written back when a
prompt that starts with it finds the cache holding something else. With a
`StateFiles` (rag/llm/state_files.py) they are also kept on disk, for the next process.

Imports llama_cpp at the top: import it only where a GGUF is loaded.
"""

from __future__ import annotations

import ctypes
from collections import OrderedDict
from collections.abc import Sequence

import llama_cpp
from llama_cpp import Llama

from rag.llm.state_files import StateFiles

_SEQUENCE = 0  # the one sequence `Llama` decodes into


class PrefixStates:
    """The KV states of up to `capacity` prompt prefixes of one `Llama`, least recently used dropped first."""

    def __init__(self, capacity: int = 8, files: StateFiles | None = None) -> None:
        self.capacity = capacity
        self.files = files
        self._states: OrderedDict[tuple[int, ...], bytes] = OrderedDict()
        self.restored = self.saved = 0  # how often a prefix was written back / read and kept
        self.from_disk = 0  # how many of those write-backs came from a file another process (or this one) saved

    def prepare(self, llama: Llama, prefix: Sequence[int]) -> None:
        """Leave `prefix` at the head of `llama`'s KV cache: kept if it is there, else written back from a
        saved state, else read now and saved. The caller's next decode reads only what follows it."""
        key = tuple(prefix)
        if not key or getattr(llama, "_is_recurrent", False) or getattr(llama, "_is_hybrid", False):
            return  # a recurrent model's state cannot be cut back to a prefix
        cached = Llama.longest_token_prefix(llama.input_ids[: llama.n_tokens].tolist(), list(key))
        if cached == len(key):
            if key in self._states:
                self._states.move_to_end(key)
            return
        state = self._states.get(key)
        on_disk = state is None and self.files is not None and (state := self.files.load(key)) is not None
        if state is not None:
            if self._write_back(llama, key, state):
                self._remember(key, state)
                self.restored += 1
                self.from_disk += on_disk
                return
            if on_disk and self.files is not None:
                self.files.discard(key)  # not a state this llama.cpp accepts: read the prompt and save anew
            cached = 0  # the failed write-back left the sequence empty
        llama.n_tokens = cached  # `eval` drops the cells after it, then reads the rest of the prefix alone
        llama.eval(list(key[cached:]))
        self._keep(llama, key)

    def _keep(self, llama: Llama, key: tuple[int, ...]) -> None:
        """Save the sequence just after `key` was read: the cells of those tokens and nothing else."""
        size = llama_cpp.llama_state_seq_get_size(llama.ctx, _SEQUENCE)
        buffer = (ctypes.c_uint8 * size)()
        written = llama_cpp.llama_state_seq_get_data(llama.ctx, buffer, size, _SEQUENCE)
        if not written:
            return
        state = bytes(buffer[:written])
        self._remember(key, state)
        self.saved += 1
        if self.files is not None:
            self.files.save(key, state)

    def _remember(self, key: tuple[int, ...], state: bytes) -> None:
        self._states[key] = state
        self._states.move_to_end(key)
        while len(self._states) > self.capacity:
            self._states.popitem(last=False)

    @staticmethod
    def _write_back(llama: Llama, key: tuple[int, ...], state: bytes) -> bool:
        """The saved cells replace the sequence's; the token bookkeeping follows, and the logits are stale
        (the caller decodes at least one more token before sampling)."""
        llama._ctx.kv_cache_seq_rm(_SEQUENCE, 0, -1)
        buffer = (ctypes.c_uint8 * len(state)).from_buffer_copy(state)
        if not llama_cpp.llama_state_seq_set_data(llama.ctx, buffer, len(state), _SEQUENCE):
            llama.n_tokens = 0  # nothing usable is cached now; the caller reads its whole prompt
            return False
        llama.input_ids[: len(key)] = key
        llama.n_tokens = len(key)
        if hasattr(llama, "_requires_eval"):
            llama._requires_eval = True
        return True
