"""The system prompts' KV states on the real 0.5B GGUF: a prompt evicted by another kind is written back,
not read again, and the model computes the same margin as with the system prompt still in place."""

from __future__ import annotations

import pytest

from rag.llm.factory import make_chat_model
from rag.prompts import CLAIM_REPLY_PREFIX, SELECT_SYSTEM, claim_messages, select_messages
from rag.settings import LLMSettings, Settings

NUMBERED = """Article: Acme opens battery plant (Daily Wire, 2021-03-01)
  1. Acme has opened a 2 GWh battery plant in Lyon, France.
  2. The plant employs 300 people.
Article: Rival plans (Auto News, 2021-02-11)
  3. Globex is considering a site in Spain."""
POINTER = '{"evidence": ['


@pytest.mark.slow
def test_a_system_prompt_evicted_by_another_is_written_back_not_read_again(monkeypatch: pytest.MonkeyPatch) -> None:
    from rag.llm.llama_cpp_chat import ChatLlamaCpp

    chat = make_chat_model(LLMSettings(preset="fast"), Settings().cache_dir)
    assert isinstance(chat, ChatLlamaCpp)
    llama = chat.llama
    read: list[int] = []  # tokens per decode call: what llama.cpp had to read
    decode = llama.eval
    monkeypatch.setattr(llama, "eval", lambda tokens: (read.append(len(tokens)), decode(tokens))[1])

    asked = select_messages("How many people does the Acme plant employ?", NUMBERED)
    prompt = chat._prompt(llama, asked)
    tokens = llama.tokenize((prompt + POINTER).encode(), add_bos=False, special=True)
    system = llama.tokenize(prompt[: prompt.index(SELECT_SYSTEM) + len(SELECT_SYSTEM)].encode(), add_bos=False,
                            special=True)

    chat.choice_margin(select_messages("Where did Acme open its plant?", NUMBERED), POINTER, ("1", "2"))
    after_same_kind = chat.choice_margin(asked, POINTER, ("1", "2"))  # the system prompt is still in the cache

    claim = claim_messages("  - Acme has opened a 2 GWh battery plant in Lyon, France.", "Acme opened a plant in Lyon")
    chat.choice_margin(claim, CLAIM_REPLY_PREFIX, ("Yes", "No"))  # another system prompt takes the cache
    chat.invoke(claim, max_tokens=2)  # (and through the streaming path too)
    read.clear()
    after_eviction = chat.choice_margin(asked, POINTER, ("1", "2"))

    assert read == [len(tokens) - len(system)]  # only the question's own part was read
    assert after_eviction == after_same_kind  # the same numbers whatever was asked before
    read.clear()
    chat.invoke(asked, max_tokens=4)  # the streaming path finds it in place as well
    assert read and read[0] <= len(tokens) - len(system)
    assert chat.prefix_states.restored >= 1
