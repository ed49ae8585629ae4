"""Greedy decoding under a grammar that asks the grammar about the likeliest token first.

llama-cpp-python's sampler chain runs the grammar over the whole vocabulary for every
token (152k entries for Qwen2.5), which on this CPU takes ~14 ms: as long as the 0.5B
model's decode step. Under greedy decoding the token chosen is the likeliest one the
grammar allows, so when the likeliest token overall is allowed (nearly always inside a
JSON string or between schema keys) the grammar need not see the rest: checking that one
token is enough, and the result is the same token. Only when it is refused does the
grammar filter the whole vocabulary. llama.cpp's own `common` sampling does the same
("grammar first" off); the Python binding does not, so this module adds it.

Imports llama_cpp at the top: import it only where a GGUF is loaded.
"""

from __future__ import annotations

import ctypes
import math
from typing import Any

import llama_cpp
import numpy as np
from llama_cpp import Llama
from llama_cpp._internals import LlamaSampler

_TOKEN_DATA = np.dtype([("id", np.intc), ("logit", np.single), ("p", np.single)], align=True)


class _LikeliestFirst:
    """The sampler that runs before the grammar: it cuts the candidates to the likeliest token
    when the grammar allows that token, and leaves them whole otherwise."""

    def __init__(self) -> None:
        self.grammar: Any = None  # the chain's grammar sampler, set once the chain holds it
        self.allowed = self.refused = 0  # how often the likeliest token passed / the whole vocabulary was filtered
        self.probe = llama_cpp.llama_token_data()
        self.probe_array = llama_cpp.llama_token_data_array(
            data=ctypes.pointer(self.probe), size=1, selected=-1, sorted=False)

    def apply(self, candidates_p: Any) -> None:  # noqa: ANN401 - a ctypes pointer to llama_token_data_array
        candidates = candidates_p.contents
        size = int(candidates.size)
        buffer = (llama_cpp.llama_token_data * size).from_address(ctypes.addressof(candidates.data.contents))
        view = np.frombuffer(buffer, dtype=_TOKEN_DATA)
        best = int(np.argmax(view["logit"]))
        self.probe.id, self.probe.logit, self.probe.p = int(view["id"][best]), float(view["logit"][best]), 0.0
        self.probe_array.size, self.probe_array.selected, self.probe_array.sorted = 1, -1, False
        llama_cpp.llama_sampler_apply(self.grammar, ctypes.byref(self.probe_array))
        if math.isinf(self.probe.logit):  # refused: the grammar filters every candidate, as without this
            self.refused += 1
            return
        self.allowed += 1
        view[[0, best]] = view[[best, 0]]
        candidates.size, candidates.selected, candidates.sorted = 1, -1, False


class LazyGrammarLlama(Llama):
    """`Llama` whose greedy, grammar-constrained sampling checks the likeliest token first."""

    def _init_sampler(self, **kwargs: Any) -> LlamaSampler:  # noqa: ANN401
        grammar = kwargs.get("grammar")
        plain = (kwargs.get("repeat_penalty", 1.0) == 1.0 and not kwargs.get("frequency_penalty")
                 and not kwargs.get("presence_penalty") and kwargs.get("logits_processor") is None)
        if grammar is None or kwargs.get("temp") != 0.0 or not plain:
            return super()._init_sampler(**kwargs)
        chain = LlamaSampler()
        first = _LikeliestFirst()
        chain.add_custom(first.apply)
        chain.likeliest_first = first  # the chain keeps the probe's buffers alive (and its counts readable)
        chain.add_grammar(self._model, grammar)
        first.grammar = llama_cpp.llama_sampler_chain_get(chain.sampler, 1)
        chain.add_greedy()
        return chain
