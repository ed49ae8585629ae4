"""The system prompts' KV states on the real 0.5B GGUF: a prompt evicted by another kind is written back,
not read again, and the model computes the same margin as with the system prompt still in place."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from rag.llm.factory import make_chat_model
from rag.prompts import CLAIM_REPLY_PREFIX, SELECT_SYSTEM, claim_messages, select_messages
from rag.settings import LLMSettings, Settings

if TYPE_CHECKING:
    from langchain_core.messages import BaseMessage

    from rag.llm.llama_cpp_chat import ChatLlamaCpp

NUMBERED = """Article: Acme opens battery plant (Daily Wire, 2021-03-01)
  1. Acme has opened a 2 GWh battery plant in Lyon, France.
  2. The plant employs 300 people.
Article: Rival plans (Auto News, 2021-02-11)
  3. Globex is considering a site in Spain."""
POINTER = '{"evidence": ['


@dataclass
class Tracked:
    """The fast model with every decode call's token count recorded (what llama.cpp had to read), and the
    token counts of one selection prompt and of its system prompt."""

    chat: ChatLlamaCpp
    read: list[int]
    asked: list[BaseMessage]
    tokens: int
    system: int


def tracked(monkeypatch: pytest.MonkeyPatch) -> Tracked:
    from rag.llm.llama_cpp_chat import ChatLlamaCpp

    chat = make_chat_model(LLMSettings(preset="fast"), Settings().cache_dir)
    assert isinstance(chat, ChatLlamaCpp)
    llama = chat.llama
    read: list[int] = []
    decode = llama.eval
    monkeypatch.setattr(llama, "eval", lambda tokens: (read.append(len(tokens)), decode(tokens))[1])
    asked = select_messages("How many people does the Acme plant employ?", NUMBERED)
    prompt = chat._prompt(llama, asked)
    tokens = llama.tokenize((prompt + POINTER).encode(), add_bos=False, special=True)
    system = llama.tokenize(prompt[: prompt.index(SELECT_SYSTEM) + len(SELECT_SYSTEM)].encode(), add_bos=False,
                            special=True)
    return Tracked(chat, read, asked, len(tokens), len(system))


@pytest.mark.slow
def test_a_system_prompt_evicted_by_another_is_written_back_not_read_again(monkeypatch: pytest.MonkeyPatch) -> None:
    t = tracked(monkeypatch)
    chat, read, asked, tokens, system = t.chat, t.read, t.asked, t.tokens, t.system

    chat.choice_margin(select_messages("Where did Acme open its plant?", NUMBERED), POINTER, ("1", "2"))
    after_same_kind = chat.choice_margin(asked, POINTER, ("1", "2"))  # the system prompt is still in the cache

    claim = claim_messages("  - Acme has opened a 2 GWh battery plant in Lyon, France.", "Acme opened a plant in Lyon")
    chat.choice_margin(claim, CLAIM_REPLY_PREFIX, ("Yes", "No"))  # another system prompt takes the cache
    chat.invoke(claim, max_tokens=2)  # (and through the streaming path too)
    read.clear()
    after_eviction = chat.choice_margin(asked, POINTER, ("1", "2"))

    assert read == [tokens - system]  # only the question's own part was read
    assert after_eviction == after_same_kind  # the same numbers whatever was asked before
    read.clear()
    chat.invoke(asked, max_tokens=4)  # the streaming path finds it in place as well
    assert read and read[0] <= tokens - system
    assert chat.prefix_states.restored >= 1


@pytest.mark.slow
def test_a_system_prompt_kept_on_disk_is_written_back_in_the_next_process_and_a_damaged_one_read_again(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Each "process" here is a fresh PrefixStates over the same directory with an empty KV cache, as a new
    `newsrag ask` finds them."""
    from rag.llm import llama_cpp_chat
    from rag.llm.prefix_states import PrefixStates
    from rag.llm.state_files import StateFiles

    t = tracked(monkeypatch)
    chat, read, asked, tokens, system, llama = t.chat, t.read, t.asked, t.tokens, t.system, t.chat.llama
    assert chat.state_dir and chat.prefix_states.files is not None
    files = StateFiles.for_model(tmp_path, chat.model_path, chat.n_ctx)
    assert files.directory != StateFiles.for_model(tmp_path, chat.model_path, chat.n_ctx * 2).directory

    def new_process() -> PrefixStates:
        states = PrefixStates(files=files)
        monkeypatch.setitem(llama_cpp_chat._PREFIXES, chat._key, states)
        llama._ctx.kv_cache_seq_rm(0, 0, -1)
        llama.n_tokens = 0
        read.clear()
        return states

    first = new_process()
    margin = chat.choice_margin(asked, POINTER, ("1", "2"))
    assert read[0] == system and first.saved == 1 and first.from_disk == 0  # read, then kept
    (saved,) = files.directory.glob("*.kv")

    second = new_process()
    assert chat.choice_margin(asked, POINTER, ("1", "2")) == margin
    assert read == [tokens - system] and second.from_disk == 1  # only the question's own part was read

    data = bytearray(saved.read_bytes())
    data[-100] ^= 0xFF  # one flipped byte in the cells
    saved.write_bytes(bytes(data))
    third = new_process()
    assert chat.choice_margin(asked, POINTER, ("1", "2")) == margin
    assert read[0] == system and third.from_disk == 0 and third.saved == 1  # read again, and saved anew
    fourth = new_process()
    assert chat.choice_margin(asked, POINTER, ("1", "2")) == margin and fourth.from_disk == 1
