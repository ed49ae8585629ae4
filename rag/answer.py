"""Question → understood query → retrieved sources → evidence → streamed answer → verified citations.

`Answerer.stream` yields events so every front end (CLI, chat UI, evaluation)
shows the same thing in the same order: what was understood and the sources as
soon as retrieval ends, then tokens, then the verified `Answer`.

Two ways to answer, chosen by `answer.mode`:
- "evidence" (default): the model reads numbered sentences, points at the ones
  that answer (JSON, grammar-constrained), the pointers are checked, and the
  answer is built from the checked evidence only (rag/grounded.py);
- "draft": round 1's way (and the textbook's): the model writes a cited answer
  from whole chunks, then every sentence is verified.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Generator, Iterator, Sequence
from dataclasses import replace
from typing import Any

from langchain_core.language_models.chat_models import BaseChatModel

from index.textrules import canonical
from rag import evidence as evidence_mod
from rag import plan
from rag.answer_events import Answer, Done, Event, Retrieved, Token
from rag.citations import Renumberer, is_refusal, verify
from rag.evidence import Sentence, Similarity
from rag.first_reported import first_reports
from rag.follow_up import answer_read_in, needs_context, standalone_or_typed
from rag.grounded import (Grounded, ground, ground_byline, ground_first_reported, reported_as_left,
                          reported_as_planned)
from rag.llm.structured import (
    AnswerFieldStream,
    ScoresChoices,
    answer_prefix,
    answer_schema,
    evidence_schema,
    is_format_refusal,
    parse_reply,
    schema_kwargs,
)
from rag.prompts import (
    CLAIM_REPLY_PREFIX,
    REFUSAL,
    answer_messages,
    claim_messages,
    condense_messages,
    evidence_messages,
    format_source,
    from_evidence_messages,
    name_choice,
    select_messages,
    warm_up_messages,
)
from rag.query import Query, QueryAnalyzer
from rag.retrieval.types import NEWEST_ARTICLE, RetrievalFilters, SupportsRetrieve
from rag.settings import AnswerSettings
from rag.shared_names import SharedName, article_texts, leaders, naming, shared_names
from rag.sources import Source, build_sources
from rag.written_by import asks_author, described_article
from rag.yes_no import as_asked

_CHARS_PER_TOKEN = 3  # conservative for English news with any tokenizer we ship
_PROMPT_OVERHEAD_TOKENS = 250


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
        article_text: Callable[[str], str | None], settings: AnswerSettings | None = None,
        analyzer: QueryAnalyzer | None = None, similarity: Similarity | None = None,
    ) -> None:
        self.retriever = retriever
        self.chat_model = chat_model
        self.context_window = context_window
        self.max_tokens = max_tokens
        self.article_text = article_text
        self.settings = settings or AnswerSettings()
        self.analyzer = analyzer or QueryAnalyzer([])
        self.similarity = similarity

    def condense(self, question: str, history: Sequence[tuple[str, str]]) -> str:
        """A follow-up rewritten to stand alone, so retrieval knows what "they" is."""
        if not history or not needs_context(question):
            return question
        reply = self.chat_model.invoke(condense_messages(list(history), question), max_tokens=64)
        rewrite = str(reply.content).strip().splitlines()[0] if str(reply.content).strip() else ""
        rewrite = standalone_or_typed(rewrite, question)
        read = answer_read_in(question, *history[-1])
        return read if read and self._words_held(read) > self._words_held(rewrite) else rewrite

    def _words_held(self, question: str) -> float:
        """How well the articles found for this wording of a question hold its words (`evidence.words_held`)."""
        hits = self.retriever.retrieve(question)
        return evidence_mod.words_held(question, build_sources(hits, self.article_text))

    def stream(
        self, question: str, filters: RetrievalFilters | None = None, k: int | None = None,
        history: Sequence[tuple[str, str]] = (), query: str | None = None, as_of: str | None = None,
    ) -> Iterator[Event]:
        """Events for one question; `query`, if given, is what retrieval searches for instead,
        and `as_of` the day it is asked on, which relative dates ("last week") count from (None: as of the
        newest article; the answerer has no "off": a question naming its own period turns the prior off)."""
        started = time.perf_counter()
        timings: dict[str, float] = {}
        # What every later step reads, in the form ingest stores text: a pasted "Mlada\u0301" is "Mladá".
        standalone, query = canonical(self.condense(question, history)), canonical(query) if query else None
        if history:
            timings["condense_s"] = time.perf_counter() - started
        t0 = time.perf_counter()
        understood = self.analyzer.analyze(query or standalone,
                                           self.retriever.as_of_date(as_of or NEWEST_ARTICLE) or "")
        k = k or getattr(getattr(self.retriever, "settings", None), "k", 6)
        if self.settings.mode == "draft":  # round 1 and the textbook: the question as typed, user filters only
            hits = self.retriever.retrieve(understood.question, k=k, filters=filters, as_of=None)
        else:
            hits = plan.retrieve(self.retriever, understood, k, filters)
        sources = _fit(build_sources(hits, self.article_text), self.context_window, self.max_tokens)
        timings["retrieval_s"] = time.perf_counter() - t0
        yield Retrieved(standalone, sources, understood)

        answer = Answer(question, REFUSAL, refused=True, sources=sources, standalone_question=standalone,
                        query=understood)
        if not sources:
            yield from _nothing_to_answer_from(answer, timings, started)
            return
        if self.settings.mode == "draft":
            yield from self._draft(answer, standalone, query, timings, started)
        else:
            yield from self._from_evidence(answer, standalone, understood, timings, started)

    def _draft(self, answer: Answer, standalone: str, query: str | None, timings: dict[str, float],
               started: float) -> Iterator[Event]:
        sources = answer.sources
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
        answer.draft, answer.timings, answer.mode = draft, timings, "draft"
        answer.model_refused = not draft or is_refusal(draft)
        answer.context = [Sentence(0, s.n, p.start, p.end, p.text, 0.0) for s in sources for p in s.passages]
        yield Done(answer)

    def _from_evidence(self, answer: Answer, question: str, understood: Query, timings: dict[str, float],
                       started: float) -> Iterator[Event]:
        """Numbered sentences → the model points at the ones that answer (JSON) → pointers checked → the
        answer written from the checked sentences alone (a yes/no verdict comes with the pointers) → grounded."""
        sources = answer.sources
        cfg = self.settings
        asked = as_asked(question)  # what the checks read: "where …" of "Tell me where …", as the model does
        t0 = time.perf_counter()
        context = evidence_mod.read(understood, sources, self.similarity, cfg.max_sentences, cfg.max_context_chars)
        timings["evidence_select_s"] = time.perf_counter() - t0
        answer.context = context
        if not context:
            yield from _nothing_to_answer_from(answer, timings, started)
            return
        if understood.events and (dated := first_reports(understood.events, understood.asks_later, context, sources)):
            # "Which came first: A or B?" is decided by the days of the reports, not by the model.
            grounded = ground_first_reported(dated, understood.asks_later, sources, asked)
            yield from _without_the_model(answer, grounded, [r.sentence for r in dated], timings, started)
            return
        if asks_author(asked) and (article := described_article(asked, sources)) is not None:
            # "Who wrote the piece about …?" is read from the article's byline, not asked of the model.
            evidence = [s for s in context if s.source_n == article.n][:1]
            grounded = ground_byline(article, sources, asked, evidence)
            yield from _without_the_model(answer, grounded, evidence, timings, started)
            return
        form = "yes_no" if understood.yes_no else understood.kind
        numbered = evidence_mod.format_numbered(context, sources)
        ids = [s.id for s in context]
        if understood.yes_no:  # one call: the pointers, then the verdict they back
            # An either/or question is judged as the yes/no question of its first option.
            messages = evidence_messages(understood.proposition or question, numbered, form, understood.prefer_recent)
            schema = evidence_schema(ids, True, cfg.max_evidence, cfg.max_answer_chars)
        else:  # step 1: only the pointers (a few tokens)
            messages = select_messages(question, numbered, understood.prefer_recent)
            schema = evidence_schema(ids, False, cfg.max_evidence, cfg.max_answer_chars, with_answer=False)
        weighs_verdict = understood.yes_no and isinstance(self.chat_model, ScoresChoices)
        reply_text = yield from self._json_call(messages, schema, timings, started,
                                                stream_answer=understood.yes_no and not weighs_verdict)
        reply = parse_reply(reply_text) or {}
        picked = reply.get("evidence") if isinstance(reply.get("evidence"), list) else []
        checked = evidence_mod.check(picked, context, sources)
        reports = [r.outlets for r in understood.reports]
        if understood.multi_report and checked.accepted:
            checked = replace(checked, accepted=tuple(evidence_mod.cover_reports(checked.accepted, context, sources,
                                                                                 reports)))
        elif weighs_verdict and not checked.accepted and answer_prefix(reply_text) is not None:
            # A small model often gives its verdict but points at nothing: the verdict (its margin, below) is
            # shown with the best-scoring sentence of each report it is about, instead of being refused.
            everyone = [tuple({s.outlet for s in sources})]
            checked = replace(checked, accepted=tuple(evidence_mod.cover_reports((), context, sources,
                                                                                 reports or everyone)))
        # "Before A reported …, did B …?" is "No" when B's report is dated after A's, whatever the model says;
        # so is "Did BMW start production before ACC opened its gigafactory?" when BMW's article is the later.
        answer.out_of_order = misordered = evidence_mod.out_of_order(understood, checked.accepted, sources) or (
            understood.yes_no and not understood.reports
            and evidence_mod.events_out_of_order(asked, checked.accepted, sources))
        verdict_word = ""
        if weighs_verdict and (prefix := answer_prefix(reply_text)) is not None:
            # The grammar's pick is the likelier word, nearly always "Yes" for a small model: the verdict is
            # the margin against the threshold fitted for this model instead.
            answer.verdict_margin = self.chat_model.choice_margin(messages, prefix, ("Yes", "No"))
            if understood.claims:  # "Yes" only if every part holds, each judged against its own report
                answer.claim_margins = [self._claim_margin(claim, context, sources) for claim in understood.claims]
                verdict = min(answer.claim_margins) > (cfg.claim_threshold or 0.0)
            else:
                verdict = answer.verdict_margin > (cfg.yes_threshold or 0.0)
            # Nor when its evidence reports only a plan: "look to collaborate" has not formed a joint venture.
            planned = reported_as_planned(asked, checked.accepted, sources, understood.verdict_words)
            left = reported_as_left(asked, checked.accepted, understood.verdict_words)
            reply["answer"] = "Yes" if verdict and not misordered and not planned and not left else "No"
            verdict_word = understood.verdict_words[0 if reply["answer"] == "Yes" else 1]
        elif misordered and reply:
            reply["answer"] = "No"
        model_answer = str(reply.get("answer", "")) if reply else reply_text
        evidence, subject_share = checked.accepted, 0.75
        if not understood.yes_no and checked.accepted:  # step 2: the answer from the checked evidence alone
            names = self._shared_names(understood, sources, checked.accepted)
            if len(names) == 1:  # the one name most articles share is the answer; the model need not pick
                model_answer = names[0].name
                reply_text += "\n" + json.dumps({"answer": model_answer})
                timings.setdefault("first_token_s", time.perf_counter() - started)
                yield Token(model_answer)
            else:
                note = name_choice([(n.name, len(n.source_ns)) for n in names]) if names else ""
                quoted = evidence_mod.format_numbered(list(checked.accepted), sources, numbered=False)
                answer_text = yield from self._json_call(
                    from_evidence_messages(messages, reply_text, question, quoted, form, note),
                    answer_schema(False, cfg.max_answer_chars, [n.name for n in names]), timings, started,
                    stream_answer=True)
                reply_text += "\n" + answer_text
                model_answer = str((parse_reply(answer_text) or {}).get("answer", answer_text))
            if chosen := next((n for n in names if n.name == model_answer), None):
                # Each article naming it is evidence; the question's names spread over them (as for yes/no).
                evidence = tuple(naming(chosen, sources, [*checked.accepted, *context], cfg.max_evidence))
                subject_share = 0.5
        grounded = ground(model_answer, evidence, sources, asked, understood.yes_no, subject_share,
                          understood.verdict_words, understood.multi_report)
        if verdict_word:  # shown once grounded (~10 ms on): never a "Yes" that the refusal after it takes back
            timings.setdefault("first_token_s", time.perf_counter() - started)
            yield Token(REFUSAL if grounded.verified.refused else verdict_word)
        answer.draft, answer.rejected_evidence = reply_text, list(checked.rejected)
        answer.model_refused = not picked or model_answer.strip().lower().strip(" .") in ("", "unknown")
        yield Done(_settled(answer, grounded, evidence, timings, started))

    def _claim_margin(self, claim: str, context: Sequence[Sentence], sources: Sequence[Source]) -> float:
        """log P("Yes") − log P("No") for one part of a yes/no question, judged on the sentences of the
        articles from the outlets it names (all the sentences read when it names none)."""
        assert isinstance(self.chat_model, ScoresChoices)
        named = set(self.analyzer.outlets.named(claim))
        outlet_of = {s.n: s.outlet for s in sources}
        own = [s for s in context if outlet_of.get(s.source_n) in named] or list(context)
        own.sort(key=lambda s: s.source_n)  # one header per article
        sentences = evidence_mod.format_numbered(own, sources, numbered=False)
        return self.chat_model.choice_margin(claim_messages(sentences, claim), CLAIM_REPLY_PREFIX, ("Yes", "No"))

    def _shared_names(self, understood: Query, sources: list[Source], evidence: Sequence[Sentence]
                      ) -> list[SharedName]:
        """For a question describing one name through several reports, the names that most of the
        articles write (rag/shared_names.py); none for any other question."""
        if not understood.shared_name:
            return []
        texts = article_texts(sources, self.article_text)
        people = understood.shared_name == "person"
        return leaders(shared_names(texts, understood.question, self.analyzer.outlets.is_outlet, people),
                       evidence, texts, people)

    def _json_call(self, messages: list[Any], schema: dict[str, Any], timings: dict[str, float], started: float,
                   stream_answer: bool) -> Generator[Event, None, str]:
        """One schema-constrained call; streams its "answer" field as tokens; returns the whole reply."""
        options = schema_kwargs(self.chat_model, schema)
        for attempt, kwargs in enumerate(options):
            field_stream = AnswerFieldStream()
            raw: list[str] = []
            try:
                for chunk in self.chat_model.stream(messages, **kwargs):
                    timings.setdefault("first_llm_token_s", time.perf_counter() - started)
                    raw.append(str(chunk.content))
                    if stream_answer and (text := field_stream.feed(raw[-1])):
                        timings.setdefault("first_token_s", time.perf_counter() - started)
                        yield Token(text)
            except Exception as exc:  # noqa: BLE001 - servers reject formats with many error types
                if raw or attempt == len(options) - 1 or not is_format_refusal(exc):
                    raise
                continue  # this server takes another form of the schema: try the next one
            return "".join(raw).strip()
        return ""

    def warm_up(self, stop: Callable[[], bool] | None = None) -> None:
        """Load the model and read the fixed system prompts now, not on the first question: the most used
        first, and no more once `stop()` is true. A server calls it while its first question may already
        wait for the model; the prompts left are read, and kept, when a question first sends them."""
        for messages in warm_up_messages(self.settings.mode):
            if stop is not None and stop():
                return
            self.chat_model.invoke(messages, max_tokens=1)

    def ask(self, question: str, filters: RetrievalFilters | None = None, k: int | None = None,
            history: Sequence[tuple[str, str]] = (), query: str | None = None, as_of: str | None = None) -> Answer:
        for event in self.stream(question, filters, k, history, query, as_of):
            if isinstance(event, Done):
                return event.answer
        raise RuntimeError("answer stream ended without a result")


def _settled(answer: Answer, grounded: Grounded, evidence: Sequence[Sentence], timings: dict[str, float],
             started: float) -> Answer:
    """The answer as grounded, with the evidence it stands on and the time it took."""
    verified = grounded.verified
    timings["total_s"] = time.perf_counter() - started
    answer.text, answer.refused = verified.text, verified.refused
    answer.citations, answer.sentences = verified.citations, verified.sentences
    answer.timings, answer.mode, answer.evidence = timings, grounded.mode, list(evidence)
    return answer


def _without_the_model(answer: Answer, grounded: Grounded, evidence: Sequence[Sentence], timings: dict[str, float],
                       started: float) -> Iterator[Event]:
    """An answer the product reads from the articles' own dates or bylines, streamed whole."""
    timings["first_token_s"] = time.perf_counter() - started
    yield Token(grounded.verified.text)
    yield Done(_settled(answer, grounded, evidence, timings, started))


def _nothing_to_answer_from(answer: Answer, timings: dict[str, float], started: float) -> Iterator[Event]:
    """The refusal, without asking the model, when retrieval or evidence selection found nothing."""
    timings["total_s"] = time.perf_counter() - started
    answer.timings, answer.mode = timings, "refused"
    yield Token(REFUSAL)
    yield Done(answer)
