"""One brief: a pure function of (topic, index snapshot, settings) → `Brief`.

Retrieve broadly (the topic and sub-queries), keep articles that name the
topic's subjects, group near-identical stories into events, then map (facts per
event, checked against that event's articles) and reduce (an overview from the
checked facts, checked again). Only sentences an article supports reach the page.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from langchain_core.language_models.chat_models import BaseChatModel

from index.errors import NewsragError
from index.names import by_initials, name_keys, name_runs, named_keys, names_written, writes_name
from index.textrules import (CLAUSE_OPENERS, WORD, canonical, content_keys, sentence_spans, states_something,
                             strip_markers, word_key)
from rag.citations import Checked, Renumberer, check_sentences, is_refusal
from rag.prompts import NONE, brief_map_messages, brief_reduce_messages
from rag.retrieval.types import NEWEST_ARTICLE, Hit, RetrievalFilters, SupportsRetrieve
from rag.sources import Passage, Source, build_sources

SUB_QUERIES = ("{topic}", "{topic} plant factory site", "{topic} investment production capacity",
               "{topic} partnership agreement")
_FIGURE = re.compile(r"[$€£]\s?\d[\d,.]*\s?(?:bn|m|billion|million|k)?|\d[\d,.]*(?:-[a-z]+|\s?(?:%|per cent|GWh|MWh|"
                     r"bn|m\b|billion|million|jobs|wafers|steps|people|units|vehicles|cars))", re.IGNORECASE)
_ECHOED_DATE = re.compile(r"\s*\(\d{4}-\d{2}-\d{2}[^)]*\)")
_LEAD_IN = re.compile(r"^(?:the|these|this) (?:articles?|reports?) (?:reports?|says?|states?|notes?)(?: that)?,?\s+",
                      re.IGNORECASE)
FACTS_PER_EVENT = 2
# Capitalised, but neither a company nor a place: the brief's table of names leaves them out.
_COMMON_ABBREVIATIONS = frozenset("EV EVs BEV BEVs PHEV PHEVs HEV JV AI IPO SUV SUVs".split())
_LONGEST_NAME = 5  # words; a longer capitalised run is a headline in title case ("Ford Insider Reveals Insane …")
_ADJECTIVE_COMPOUND = re.compile(r"-[a-z]+$")  # "US-made" (the table keeps "US"), "Lithium-ion"


@dataclass(frozen=True)
class BriefRequest:
    topic: str
    as_of: str = ""
    since: str | None = None
    until: str | None = None
    outlets: tuple[str, ...] = ()


@dataclass(frozen=True)
class Development:
    date: str
    text: str  # numbered as on the page
    names: tuple[str, ...]
    figures: tuple[str, ...]
    citations: tuple[int, ...]


@dataclass
class Brief:
    topic: str
    request: BriefRequest  # what it was asked to read: the index's date and the filters
    overview: str = ""
    developments: list[Development] = field(default_factory=list)
    sources: list[Source] = field(default_factory=list)  # numbered as on the page
    empty: bool = False
    unconfirmed: list[Source] = field(default_factory=list)  # when empty: articles whose statements failed the check

    @property
    def date_range(self) -> tuple[str, str]:
        dates = sorted(s.published_at[:10] for s in self.sources if s.published_at)
        return (dates[0], dates[-1]) if dates else ("", "")


def validate_topic(topic: str) -> str:
    topic = " ".join(canonical(topic).split())
    if not topic:
        raise NewsragError("topic is empty; give a company, place or subject, e.g. 'BMW battery production'")
    if len(topic) > 200:
        raise NewsragError(f"topic {topic[:40]!r}… is {len(topic)} characters; keep a topic under 200")
    if not content_keys(topic):
        raise NewsragError(f"topic {topic!r} has no searchable words; name a company, place or subject")
    return topic


def _relevant(topic: str, text: str) -> bool:
    """The article names every subject of the topic (by its initials too: "GM" for "General Motors"; by a
    short form: "Epic" for "Epic Games", "Bankman-Fried" for "Sam Bankman-Fried"), or, for a topic without
    names, all its words but one in four: one shared word in two ("battery" of "battery recycling") is what
    every article in this field has."""
    subjects = named_keys(topic)
    if subjects:
        if names_written(topic, text) == subjects:
            return True
        names = name_runs(topic)  # where each subject is a word of a whole name, a short form may write it
        return subjects <= {key for name in names for key in content_keys(name)} and all(
            writes_name(name, text) for name in names)
    wanted = content_keys(topic)
    return len(wanted & content_keys(text)) >= len(wanted) - len(wanted) // 4


def _events(sources: list[Source]) -> list[list[Source]]:
    """Stories told twice (same day, similar headline) become one event."""
    events: list[list[Source]] = []
    for source in sources:
        title = content_keys(source.title)
        for event in events:
            other = event[0]
            similar = len(title & content_keys(other.title)) / max(1, len(title | content_keys(other.title)))
            if similar >= 0.5 or (similar >= 0.3 and source.published_at[:10] == other.published_at[:10] != ""):
                event.append(source)
                break
        else:
            events.append([source])
    return events


def _table_names(text: str, event: list[Source]) -> tuple[str, ...]:
    """The development's names for the brief's table. A sentence's first word is one when its articles write
    it capitalised mid-sentence ("Microvast will supply…", "Google is…": the subject, which `name_runs`
    cannot tell from "Working…" or "Digitalisation…"). Not "EV" (the most listed "name" in the sample briefs)
    or "Lithium-ion" ("US" of "US-made"), and not a name a longer one in the row contains ("Cell Manufacturing
    Competence Centre" beside "German Cell Manufacturing Competence Centre")."""
    capitalised = name_keys("\n".join(s.text for s in event))
    plain = strip_markers(text)
    openers = [word for a, b in sentence_spans(plain) for word in WORD.findall(plain[a:b])[:1]]
    subjects = [w for w in openers if w[:1].isupper() and w.lower() not in CLAUSE_OPENERS
                and word_key(w) in capitalised]
    names: list[str] = []
    for name in [*subjects, *name_runs(text)]:
        if _ADJECTIVE_COMPOUND.search(name):
            name = name.rsplit("-", 1)[0] if name.rsplit("-", 1)[0].isupper() else ""
        if name and name not in _COMMON_ABBREVIATIONS and name not in names and len(name.split()) <= _LONGEST_NAME:
            names.append(name)
    return tuple(n for n in names if not any(n != longer and f" {n} " in f" {longer} " for longer in names))


def _figures(text: str) -> tuple[str, ...]:
    return tuple(dict.fromkeys(m.group().strip() for m in _FIGURE.finditer(re.sub(r"\[\d+\]", "", text))))


class BriefWriter:
    def __init__(self, retriever: SupportsRetrieve, chat_model: BaseChatModel,
                 article_text: Callable[[str], str | None], max_articles: int = 10, k_per_query: int = 12) -> None:
        self.retriever = retriever
        self.chat_model = chat_model
        self.article_text = article_text
        self.max_articles = max_articles
        self.k_per_query = k_per_query
        self._retrieval_lock = threading.Lock()  # one SQLite connection: workers take turns

    def _gather(self, request: BriefRequest, topic: str) -> list[Source]:
        filters = RetrievalFilters(request.outlets, request.since, request.until)
        best: dict[str, Hit] = {}
        chunks: dict[str, list[Hit]] = {}
        with self._retrieval_lock:
            queries = [template.format(topic=topic) for template in SUB_QUERIES]
            if by_initials(topic) != topic:  # "JLR goes electric" is not found by "Jaguar Land Rover"
                queries.append(by_initials(topic))
            for query in queries:
                for hit in self.retriever.retrieve(query, k=self.k_per_query, filters=filters,
                                                   as_of=request.as_of or NEWEST_ARTICLE):
                    article = hit.chunk.article_id
                    if article not in best or hit.score > best[article].score:
                        best[article] = hit
                    if all(h.chunk.chunk_id != hit.chunk.chunk_id for h in chunks.get(article, [])):
                        chunks.setdefault(article, []).append(hit)
            ranked = sorted(best, key=lambda a: -best[a].score)
            hits = [h for a in ranked for h in chunks[a][:2]]
            sources = build_sources(hits, self.article_text)
        relevant = [s for s in sources if _relevant(topic, f"{s.title}\n{s.text}")][: self.max_articles]
        relevant.sort(key=lambda s: (s.published_at[:10] or "9999", s.title))  # chronological numbering
        return [replace(s, n=i) for i, s in enumerate(relevant, start=1)]

    def _facts(self, topic: str, event: list[Source]) -> list[Checked] | None:
        """The event's checked facts on the topic; None when the model finds nothing on it there."""
        reply = str(self.chat_model.invoke(brief_map_messages(topic, event)).content).strip()
        if not reply or reply.upper().startswith(NONE) or is_refusal(reply):
            return None
        reply = _ECHOED_DATE.sub("", reply)  # small models echo the "(2023-10-27)" of the source header
        reply = _LEAD_IN.sub("", reply)  # "The articles report that solid-state batteries are…"
        reply = reply[:1].upper() + reply[1:]
        facts, seen = [], set()
        for fact in check_sentences(reply, _as_asserted(event), given=topic):
            said = " ".join(sorted(content_keys(fact.text)))
            if fact.backed and fact.cited and said not in seen and states_something(fact.text):
                seen.add(said)
                facts.append(fact)
        return facts[:FACTS_PER_EVENT]

    def write(self, request: BriefRequest) -> Brief:
        topic = validate_topic(request.topic)
        brief = Brief(topic=topic, request=request)
        sources = self._gather(request, topic)
        read = [(event, self._facts(topic, event)) for event in _events(sources)]
        facts_by_event = [(event, facts) for event, facts in read if facts]
        if not facts_by_event:  # "nothing in the index" only if no article reported on it, checked or not
            brief.empty = True
            brief.unconfirmed = [s for event, facts in read if facts is not None for s in event]
            return brief
        all_facts = [f for _, facts in facts_by_event for f in facts]
        overview = self._overview(topic, all_facts, sources)
        renumber = Renumberer({s.n for s in sources})
        brief.overview = renumber.rewrite(" ".join(c.text for c in overview))
        for event, facts in facts_by_event:
            text = renumber.rewrite(" ".join(f.text for f in facts))
            cited = tuple(dict.fromkeys(int(n) for n in re.findall(r"\[(\d+)\]", text)))
            date = min((s.published_at[:10] for s in event if s.published_at), default="undated")
            brief.developments.append(Development(date, text, _table_names(text, event), _figures(text), cited))
        brief.developments.sort(key=lambda d: d.date)
        by_n = {s.n: s for s in sources}
        brief.sources = [replace(by_n[model], n=shown) for model, shown in
                         sorted(renumber.mapping.items(), key=lambda item: item[1])]
        return brief

    def _overview(self, topic: str, facts: list[Checked], sources: list[Source]) -> list[Checked]:
        reply = str(self.chat_model.invoke(brief_reduce_messages(topic, [f.text for f in facts])).content).strip()
        stated = _as_stated(facts, sources)
        checked = [c for c in check_sentences(reply, stated, given=topic) if c.backed and c.cited] if reply else []
        return checked[:5] if checked else facts[:3]  # no supported overview: lead with the facts themselves


def _as_asserted(event: list[Source]) -> list[Source]:
    """The event's articles as evidence for a fact, without a headline that asks a question: a question
    asserts nothing. On MultiHop-RAG the 1.5B turned "Is Sam Bankman-Fried a bad 'man' or a good 'boy'?"
    into "Sam Bankman-Fried is a bad 'man' or a good 'boy' [2]" and "WTF is going on at OpenAI? We have
    theories" into "OpenAI is a giant tech company that is working on theories [5]"; both passed on the
    headline's words. Declarative headlines stay: without any headline, 26 of 68 facts on ten MultiHop-RAG
    topics failed, 15 of them true (docs/evaluation.md, "Briefs on long articles")."""
    return [replace(s, title="") if "?" in s.title else s for s in event]


def _as_stated(facts: list[Checked], sources: list[Source]) -> list[Source]:
    """Each cited article cut down to the checked facts that cite it. The overview may only restate those
    facts; checked against whole articles, it passed one story's claim joined to another's names ("A novel
    electric motor design … is being developed by Jaguar Land Rover and BMW [1]": the design was EVR Motors',
    and BMW and JLR's article shares its words)."""
    said: dict[int, list[str]] = {}
    for fact in facts:
        for n in fact.cited:
            said.setdefault(n, []).append(strip_markers(fact.text))
    return [replace(s, title="", passages=(Passage(0, len(text), text, ()),))  # the facts, not the headline
            for s in sources if (text := " ".join(said.get(s.n, ())))]
