"""JSON replies that always parse: a schema per backend, and the "answer" field read as it streams.

llama.cpp turns a JSON schema into a grammar, so the embedded model can only
write sentence numbers that exist and an answer of the allowed form. OpenAI-
compatible servers (vLLM, llama.cpp server) take the schema as `response_format`,
Ollama as `format`. A backend that ignores it still gets a lenient parse.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import Any, Protocol, runtime_checkable

from langchain_core.language_models.chat_models import BaseChatModel
from langchain_core.messages import BaseMessage

_ANSWER_KEY = re.compile(r'"answer"\s*:\s*"')
_ESCAPES = {'"': '"', "\\": "\\", "/": "/", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t"}


def evidence_schema(sentence_ids: list[int], yes_no: bool, max_evidence: int, max_answer_chars: int,
                    with_answer: bool = True) -> dict[str, Any]:
    """Pointers to shown sentences only; with `with_answer`, then the answer ("Yes"/"No" for yes/no)."""
    properties: dict[str, Any] = {
        "evidence": {"type": "array", "items": {"enum": sentence_ids}, "maxItems": max_evidence}}
    if with_answer:
        properties["answer"] = answer_schema(yes_no, max_answer_chars)["properties"]["answer"]
    return {"type": "object", "properties": properties, "required": list(properties)}


def answer_schema(yes_no: bool, max_answer_chars: int, choices: Sequence[str] = ()) -> dict[str, Any]:
    """An answer of free text, "Yes"/"No", or one of `choices`."""
    answer: dict[str, Any] = (
        {"enum": ["Yes", "No"]} if yes_no else {"enum": list(choices)} if choices
        else {"type": "string", "maxLength": max_answer_chars})
    return {"type": "object", "properties": {"answer": answer}, "required": ["answer"]}


def schema_kwargs(chat_model: BaseChatModel, schema: dict[str, Any]) -> list[dict[str, Any]]:
    """The call arguments that make this backend follow `schema`, best first. OpenAI-compatible servers
    differ: OpenAI and vLLM take `json_schema`, llama.cpp's server only `json_object` with a schema;
    the last resort is no constraint and a lenient parse."""
    kind = chat_model._llm_type
    if kind == "llama_cpp":
        return [{"response_format": {"type": "json_object", "schema": schema}}]
    if "ollama" in kind:
        return [{"format": schema}, {}]
    if "openai" in kind:
        return [{"response_format": {"type": "json_schema",
                                     "json_schema": {"name": "evidence", "schema": schema, "strict": False}}},
                {"response_format": {"type": "json_object", "schema": schema}}, {}]
    return [{}]


@runtime_checkable
class ScoresChoices(Protocol):
    """A backend that can say how much likelier one word is than another as the next token of a reply
    (the embedded llama.cpp model; HTTP backends only return the word they sampled)."""

    def choice_margin(self, messages: list[BaseMessage], reply_prefix: str, choices: tuple[str, str]) -> float: ...


def answer_prefix(reply: str) -> str | None:
    """The reply up to where its "answer" string's value begins, or None if it has none."""
    m = _ANSWER_KEY.search(reply)
    return reply[: m.end()] if m else None


def is_format_refusal(exc: Exception) -> bool:
    """Did the server reject the request's output format (not the model, the key or the network)?"""
    text = str(exc).lower()
    return "response_format" in text or "json_schema" in text or "format" in text and "400" in text


def parse_reply(text: str) -> dict[str, Any] | None:
    """The JSON object in a reply (the whole reply, or its first {...} block), or None."""
    text = text.strip()
    for candidate in (text, text[text.find("{"): text.rfind("}") + 1] if "{" in text else ""):
        if not candidate:
            continue
        try:
            value = json.loads(candidate)
        except json.JSONDecodeError:
            continue
        if isinstance(value, dict):
            return value
    return None


class AnswerFieldStream:
    """Feeds on the raw JSON as it streams and returns the new characters of its "answer" string,
    so a user sees the answer being written, not braces and sentence numbers."""

    def __init__(self) -> None:
        self._raw = ""
        self._start: int | None = None
        self._pos = 0
        self.done = False

    def feed(self, delta: str) -> str:
        self._raw += delta
        if self.done:
            return ""
        if self._start is None:
            m = _ANSWER_KEY.search(self._raw)
            if m is None:
                return ""
            self._start = self._pos = m.end()
        out = []
        raw = self._raw
        while self._pos < len(raw):
            char = raw[self._pos]
            if char == '"':
                self.done = True
                break
            if char == "\\":
                if self._pos + 1 >= len(raw):
                    break  # the escape's second half has not arrived
                code = raw[self._pos + 1]
                if code == "u":
                    if self._pos + 6 > len(raw):
                        break
                    digits = raw[self._pos + 2:self._pos + 6]
                    out.append(chr(int(digits, 16)) if re.fullmatch(r"[0-9a-fA-F]{4}", digits) else "")
                    self._pos += 6
                    continue
                out.append(_ESCAPES.get(code, code))
                self._pos += 2
                continue
            out.append(char)
            self._pos += 1
        return "".join(out)
