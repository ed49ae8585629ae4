"""What the chat UI does, without Gradio: open the index lazily, answer, explain failures.

The UI must come up even when the index is missing or the LLM endpoint is down,
and say so in the chat as one line; so nothing here is opened until the first
question, and every failure becomes a `NewsragError` with a readable message.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator, Sequence
from typing import Any

from index.dates import date_range
from index.errors import NewsragError
from rag.answer import Answerer
from rag.answer_events import Done, Event
from rag.llm.factory import describe, explain_llm_error
from rag.pipeline import SearchStack, make_answerer, open_search
from rag.retrieval.types import RetrievalFilters
from rag.settings import Settings

log = logging.getLogger(__name__)


class ChatService:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._stack: SearchStack | None = None
        self._answerers: dict[str, Answerer] = {}
        self._lock = threading.Lock()
        self._asked = threading.Event()  # a question has come: the warm-up stops reading system prompts

    def stack(self) -> SearchStack:
        with self._lock:
            if self._stack is None:
                self._stack = open_search(self.settings)
            return self._stack

    def answerer(self, preset: str | None = None) -> Answerer:
        preset = preset or self.settings.llm.preset
        stack = self.stack()
        with self._lock:
            if preset not in self._answerers:
                llm = self.settings.llm.model_copy(update={"preset": preset})
                self._answerers[preset] = make_answerer(self.settings.model_copy(update={"llm": llm}), stack)
            return self._answerers[preset]

    def warm_up(self) -> None:
        """Open the index, load the embedder, the BM25 matrix and the LLM, and read the system prompts, so the
        first question pays none of it; a failure here is only logged (the chat explains it).

        A question that came while this ran used to wait for every system prompt (one sent as soon as the
        server answered HTTP: 11.0 s to its first token, 6.0 s now); the warm-up stops after the prompt it
        is reading, and reads the most used one first."""
        started = time.perf_counter()
        try:
            stack = self.stack()
            stack.embedder.embed_query("warm up")
            stack.store.bm25.matrix()
            self.answerer().warm_up(stop=self._asked.is_set)
        except Exception:  # noqa: BLE001 - the first question reports the same failure as one line
            log.warning("warm-up failed; the first question will retry and explain", exc_info=True)
            return
        log.info("models loaded in %.1f s (system prompts read: all unless a question came first)",
                 time.perf_counter() - started)

    def info_line(self) -> str:
        try:
            counts = self.stack().store.counts()
        except NewsragError as exc:
            return f"⚠ {exc}"
        return (
            f"Index {self.settings.index}: {counts['articles']} articles · {counts['chunks']} chunks · "
            f"embeddings {self.settings.embedding.model} · LLM {describe(self.settings.llm)}"
        )

    def outlets(self) -> list[str]:
        try:
            return self.stack().store.sources()
        except NewsragError:
            return []

    def stream(
        self, question: str, history: Sequence[tuple[str, str]] = (), outlets: Sequence[str] = (),
        since: str | None = None, until: str | None = None, k: int | None = None, preset: str | None = None,
    ) -> Iterator[Event]:
        """Answer events; any failure arrives as a NewsragError with one readable line."""
        filters = RetrievalFilters(tuple(outlets or ()), *date_range(since, until, ("since", "until")))
        self._asked.set()
        try:
            yield from self.answerer(preset).stream(question, filters=filters, k=k, history=history)
        except NewsragError:
            raise
        except Exception as exc:  # noqa: BLE001 - a chat shows one line, the log keeps the trace
            log.exception("answer failed")
            message = explain_llm_error(exc, self.settings.llm) or f"{exc.__class__.__name__}: {exc}"
            raise NewsragError(message) from exc

    def ask_json(self, question: str, outlets: Sequence[str] = (), since: str | None = None,
                 until: str | None = None, k: int | None = None) -> dict[str, Any]:
        """The `newsrag ask --json` object, for the /ask API."""
        for event in self.stream(question, (), outlets, since, until, k):
            if isinstance(event, Done):
                return event.answer.to_dict()
        raise NewsragError("the answer stream ended without a result")
