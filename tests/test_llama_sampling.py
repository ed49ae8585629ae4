"""Schema-constrained decoding on the real 0.5B GGUF: checking the likeliest token first changes nothing
but the time."""

from __future__ import annotations

import json

import pytest

from rag.llm.factory import gguf_path
from rag.settings import LLMSettings, Settings

SENTENCES = [
    "Ford said on Tuesday it would build a battery plant in Michigan with CATL technology.",
    "The plant will employ 2,500 people from 2026.",
    "BMW opened a plant in Debrecen, Hungary.",
    "Polestar will build the Polestar 7 in Slovakia.",
]
SCHEMA = {"type": "object", "required": ["evidence", "answer"], "properties": {
    "evidence": {"type": "array", "items": {"type": "integer", "enum": [1, 2, 3, 4]}, "maxItems": 2},
    "answer": {"type": "string", "maxLength": 120}}}


@pytest.mark.slow
def test_likeliest_token_first_decodes_what_the_full_grammar_decodes() -> None:
    from llama_cpp import Llama

    from rag.llm.lazy_grammar import LazyGrammarLlama

    path = str(gguf_path(LLMSettings(preset="fast"), Settings().cache_dir))
    numbered = "\n".join(f"[{i}] {s}" for i, s in enumerate(SENTENCES, 1))
    replies, samplers = [], []
    for cls in (Llama, LazyGrammarLlama):
        llama = cls(model_path=path, n_ctx=1024, n_threads=2, verbose=False)
        text = ""
        for question in ("How many people will the Ford plant employ?", "Where will the Polestar 7 be built?"):
            messages = [{"role": "system", "content": "Point at the numbered sentences that answer; reply in JSON."},
                        {"role": "user", "content": f"{numbered}\nQuestion: {question}"}]
            reply = llama.create_chat_completion(messages=messages, temperature=0.0, max_tokens=60,
                                                 response_format={"type": "json_object", "schema": SCHEMA})
            text += reply["choices"][0]["message"]["content"] + "\n"
        replies.append(text)
        samplers.append(llama._sampler)
    assert replies[0] == replies[1]
    for line in replies[1].splitlines():  # the grammar still holds: every reply parses and keeps to the enum
        parsed = json.loads(line)
        assert set(parsed["evidence"]) <= {1, 2, 3, 4} and parsed["answer"]
    probe = samplers[1].likeliest_first  # the last reply's: most of its tokens skipped the whole-vocabulary filter
    assert probe.allowed > probe.refused > 0
