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
from index.textrules import (by_initials, canonical, content_keys, name_runs, named_keys, names_written,
                             states_something, strip_markers)
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
    as_of: str
    since: str | None = None
    until: str | None = None
    outlets: tuple[str, ...] = ()
    overview: str = ""
    developments: list[Development] = field(default_factory=list)
    sources: list[Source] = field(default_factory=list)  # numbered as on the page
    empty: bool = False

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
    """The article names every subject of the topic (by its initials too: "GM" for "General Motors"), or,
    for a topic without names, all its words but one in four: one shared word in two ("battery" of
    "battery recycling") is what every article in this field has."""
    subjects = named_keys(topic)
    if subjects:
        return names_written(topic, text) == subjects
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

    def _facts(self, topic: str, event: list[Source]) -> list[Checked]:
        reply = str(self.chat_model.invoke(brief_map_messages(topic, event)).content).strip()
        if not reply or reply.upper().startswith(NONE) or is_refusal(reply):
            return []
        reply = _ECHOED_DATE.sub("", reply)  # small models echo the "(2023-10-27)" of the source header
        reply = _LEAD_IN.sub("", reply)  # "The articles report that solid-state batteries are…"
        reply = reply[:1].upper() + reply[1:]
        facts, seen = [], set()
        for fact in check_sentences(reply, event, given=topic):
            said = " ".join(sorted(content_keys(fact.text)))
            if fact.backed and fact.cited and said not in seen and states_something(fact.text):
                seen.add(said)
                facts.append(fact)
        return facts[:FACTS_PER_EVENT]

    def write(self, request: BriefRequest) -> Brief:
        topic = validate_topic(request.topic)
        brief = Brief(topic=topic, as_of=request.as_of, since=request.since, until=request.until,
                      outlets=request.outlets)
        sources = self._gather(request, topic)
        facts_by_event = [(event, self._facts(topic, event)) for event in _events(sources)]
        facts_by_event = [(event, facts) for event, facts in facts_by_event if facts]
        if not facts_by_event:
            brief.empty = True
            return brief
        all_facts = [f for _, facts in facts_by_event for f in facts]
        overview = self._overview(topic, all_facts, sources)
        renumber = Renumberer({s.n for s in sources})
        brief.overview = renumber.rewrite(" ".join(c.text for c in overview))
        for event, facts in facts_by_event:
            text = renumber.rewrite(" ".join(f.text for f in facts))
            cited = tuple(dict.fromkeys(int(n) for n in re.findall(r"\[(\d+)\]", text)))
            date = min((s.published_at[:10] for s in event if s.published_at), default="undated")
            brief.developments.append(Development(date, text, name_runs(text), _figures(text), cited))
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
