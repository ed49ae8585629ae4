"""Question → retrieved sources → streamed LLM answer → verified citations.

`Answerer.stream` yields events so every front end (CLI, chat UI, evaluation)
shows the same thing in the same order: the sources as soon as retrieval ends,
then tokens (already renumbered), then the verified `Answer`.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from langchain_core.language_models.chat_models import BaseChatModel

from rag.citations import Citation, Renumberer, SentenceCheck, verify
from rag.prompts import REFUSAL, answer_messages, condense_messages, format_source
from rag.retriever import RetrievalFilters, SupportsRetrieve
from rag.sources import Source, build_sources

# Words that point back into a conversation; a question without them stands alone
# and skips the condensing LLM call (~10 s on a laptop CPU).
_REFERRING = re.compile(
    r"^\s*(and|but|also|what about|how about|why)\b|\b(they|them|their|theirs|it|this|that|these|those|"
    r"there|he|she|his|her|him|the company|the plant|the same|former|latter)\b",
    re.IGNORECASE,
)
_CHARS_PER_TOKEN = 3  # conservative for English news with any tokenizer we ship
_PROMPT_OVERHEAD_TOKENS = 250


@dataclass
class Answer:
    question: str
    text: str
    refused: bool
    citations: list[Citation] = field(default_factory=list)
    sentences: list[SentenceCheck] = field(default_factory=list)
    sources: list[Source] = field(default_factory=list)
    standalone_question: str = ""
    draft: str = ""  # the model's own text, numbered as the `retrieved` sources, before verification
    timings: dict[str, float] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "question": self.question,
            "standalone_question": self.standalone_question or self.question,
            "answer": self.text,
            "refused": self.refused,
            "citations": [c.to_dict() for c in self.citations],
            "sentences": [s.to_dict() for s in self.sentences],
            "retrieved": [
                {"n": s.n, "article_id": s.article_id, "origin": s.origin, "title": s.title,
                 "source": s.source, "published_at": s.published_at, "url": s.url,
                 "chunk_ids": [c.chunk_id for p in s.passages for c in p.chunks], "score": round(s.score, 5)}
                for s in self.sources
            ],
            "draft": self.draft,
            "timings": {k: round(v, 3) for k, v in self.timings.items()},
        }


@dataclass(frozen=True)
class Retrieved:
    question: str  # the standalone question retrieval used
    sources: list[Source]


@dataclass(frozen=True)
class Token:
    text: str


@dataclass(frozen=True)
class Done:
    answer: Answer


Event = Retrieved | Token | Done


def needs_context(question: str) -> bool:
    """Does this question lean on the conversation before it?"""
    return bool(_REFERRING.search(question)) or len(question.split()) <= 4


def _fit(sources: list[Source], context_window: int, max_tokens: int) -> list[Source]:
    """Drop the lowest-ranked sources until the prompt fits the model's context."""
    budget = (context_window - max_tokens - _PROMPT_OVERHEAD_TOKENS) * _CHARS_PER_TOKEN
    kept, used = [], 0
    for source in sources:
        size = len(format_source(source))
        if kept and used + size > budget:
            break
        kept.append(source)
        used += size
    return kept


class Answerer:
    def __init__(
        self, retriever: SupportsRetrieve, chat_model: BaseChatModel, context_window: int, max_tokens: int,
        article_text: Callable[[str], str | None],
    ) -> None:
        self.retriever = retriever
        self.chat_model = chat_model
        self.context_window = context_window
        self.max_tokens = max_tokens
        self.article_text = article_text

    def condense(self, question: str, history: Sequence[tuple[str, str]]) -> str:
        """A follow-up rewritten to stand alone, so retrieval knows what "they" is."""
        if not history or not needs_context(question):
            return question
        reply = self.chat_model.invoke(condense_messages(list(history), question), max_tokens=64)
        standalone = str(reply.content).strip().splitlines()[0].strip() if str(reply.content).strip() else ""
        return standalone or question

    def stream(
        self, question: str, filters: RetrievalFilters | None = None, k: int | None = None,
        history: Sequence[tuple[str, str]] = (), query: str | None = None,
    ) -> Iterator[Event]:
        """Events for one question; `query`, if given, is what retrieval searches for instead."""
        started = time.perf_counter()
        timings: dict[str, float] = {}
        standalone = self.condense(question, history)
        if history:
            timings["condense_s"] = time.perf_counter() - started
        t0 = time.perf_counter()
        hits = self.retriever.retrieve(query or standalone, k=k, filters=filters)
        sources = _fit(build_sources(hits, self.article_text), self.context_window, self.max_tokens)
        timings["retrieval_s"] = time.perf_counter() - t0
        yield Retrieved(standalone, sources)

        answer = Answer(question, REFUSAL, refused=True, sources=sources, standalone_question=standalone)
        if not sources:
            timings["total_s"] = time.perf_counter() - started
            answer.timings = timings
            yield Token(REFUSAL)
            yield Done(answer)
            return

        renumberer = Renumberer({s.n for s in sources})
        raw: list[str] = []
        for chunk in self.chat_model.stream(answer_messages(standalone, sources)):
            if "first_token_s" not in timings:
                timings["first_token_s"] = time.perf_counter() - started
            raw.append(str(chunk.content))
            if text := renumberer.feed(raw[-1]):
                yield Token(text)
        if tail := renumberer.flush():
            yield Token(tail)
        draft = "".join(raw).strip()
        verified = verify(draft, sources, given=query or standalone)  # the plain question, not its options
        timings["total_s"] = time.perf_counter() - started
        answer.text, answer.refused = verified.text, verified.refused
        answer.citations, answer.sentences = verified.citations, verified.sentences
        answer.draft, answer.timings = draft, timings
        yield Done(answer)

    def ask(self, question: str, filters: RetrievalFilters | None = None, k: int | None = None,
            history: Sequence[tuple[str, str]] = (), query: str | None = None) -> Answer:
        for event in self.stream(question, filters, k, history, query):
            if isinstance(event, Done):
                return event.answer
        raise RuntimeError("answer stream ended without a result")
