"""Every prompt is read on the model's own thread, whichever thread asks, with torch at work in between.

ggml's AMX kernels configure a thread's tiles once and trust them from then on; torch's oneDNN, run in
that thread in between (a query embedding), leaves them unconfigured, and the next prompt died with SIGILL
(docs/performance.md, "A Xeon with AMX"). On an AMX build this test crashed the interpreter before the
model had its own thread; on any build it checks that no prompt is read on the asking thread.
"""

from __future__ import annotations

import threading

import pytest

from rag.llm.factory import make_chat_model
from rag.prompts import CLAIM_REPLY_PREFIX, claim_messages
from rag.settings import LLMSettings, Settings


@pytest.mark.slow
def test_prompts_are_read_on_the_models_own_thread_with_torch_embedding_in_between(
        monkeypatch: pytest.MonkeyPatch) -> None:
    from index.embedder import Embedder
    from rag.llm.llama_cpp_chat import ChatLlamaCpp

    settings = Settings()
    chat = make_chat_model(LLMSettings(preset="fast"), settings.cache_dir)
    assert isinstance(chat, ChatLlamaCpp)
    llama = chat.llama
    readers: list[str] = []
    decode = llama.eval
    monkeypatch.setattr(llama, "eval", lambda tokens: (readers.append(threading.current_thread().name),
                                                       decode(tokens))[1])
    torch_bf16 = Embedder(settings.embedding.model, 8, "bf16", "torch", settings.cache_dir)  # oneDNN
    claim = claim_messages("  - Acme has opened a 2 GWh battery plant in Lyon, France.", "Acme opened a plant in Lyon")

    first = chat.invoke("Name one French city.", max_tokens=4).content
    torch_bf16.embed_query("Where did Acme open its battery plant?")
    margin = chat.choice_margin(claim, CLAIM_REPLY_PREFIX, ("Yes", "No"))
    torch_bf16.embed_query("How many people does the plant employ?")
    again = chat.invoke("Name one French city.", max_tokens=4).content

    assert first and again == first
    assert margin > 0, "the report says it: Yes is likelier"
    asking = threading.current_thread().name
    assert readers and asking not in readers and all(name.startswith("llama") for name in readers), readers
