"""Question → a typed query: what to search for, what kind of answer, which outlets and dates.

A small model answers badly when it must also work out that "according to The
Verge" is a filter, that "in late 2023" is a date range, or that "Does A suggest
X while B suggests Y?" wants "Yes" or "No" about two separate reports. These are
rules, cheap and predictable, checked against the index's own list of outlets;
the user sees what was understood ("searched for …; outlets …; dates …").
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Literal

from index.names import name_runs, named_keys
from index.textrules import MONTHS
from rag.asked import ASKS_ENTITY, ASKS_PERSON
from rag.periods import Period, find_periods
from rag.retrieval.types import RetrievalFilters
from rag.yes_no import AUX, YES_NO_START, as_asked, is_yes_no

QuestionKind = Literal["fact", "comparison", "temporal", "list", "summary"]

_COMPARISON = re.compile(r"\b(?:compare|compared|comparison|both|similar|similarly|different|differ|same|"
                         r"consistent|consistency|while|whereas|as well as|unlike|than)\b", re.IGNORECASE)
_TEMPORAL = re.compile(r"\b(?:before|after|earlier|later|first|last|prior|subsequent|following|order|"
                       r"sequence|when|since|until|most recent|latest|newest|recently|change|changed)\b",
                       re.IGNORECASE)
# A plural that a verb follows ("Which companies are …", "Which models will …"), not a verb or an adjective
# ending in "s" ("What is …", "Which US agency …", "Which tennis player …": one item each).
_LIST = re.compile(r"^\s*(?:which|what)\s+(?:are|were|(?:[\w-]+\s+)?\w+s\s+(?:are|were|have|had|did|do|does|will|"
                   r"would|could|can|should|may|might)\b)|^\s*(?:list|name)\b|\bwhat are the\b", re.IGNORECASE)
_SUMMARY = re.compile(r"^\s*(?:summari[sz]e|give (?:me )?an overview|overview|tell me (?:more )?about|what happened|"
                      r"what is happening|what(?:'s| is) the latest|what are the latest|what(?:'s| is) new|"
                      r"any(?:thing)? (?:news|new|updates?|developments?)\b|about (?!how|what|\d)|"
                      r"(?:give|get) me (?:the|a) (?:gist|rundown|summary|recap|overview|quick take)|(?:the )?gist of|"
                      r"(?:a )?(?:rundown|recap) (?:of|on)|fill me in|catch me up|brief me|walk me through)\b", re.IGNORECASE)
# "Which company, reported by TechCrunch and The Verge, …?": an entity described, never named, through
# several reports. A description that long (or naming two outlets) spans articles; a short "Who is the
# anchor client of …?" is answered by one article and is not one of these.
_DESCRIPTION_WORDS = 25
# "Does A suggest X, while B reports Y?" asks two things at once: "Yes" only if each part holds.
_CLAIM_JOIN = re.compile(rf",?\s+(?:while|whereas|in contrast to)\s+|,\s+and\s+{AUX}\s+(?=the\b|it\b|\w+'s\b)",
                         re.IGNORECASE)
_CLAIM_WORDS = 4
# "Is the stance consistent or inconsistent?", "…, or do these articles present different reasons?": the
# answer is one of the two, not "Yes". Words are opposites by this table or by a negating prefix.
_OPPOSITES = frozenset({("similar", "different"), ("same", "different"), ("change", "consistency"),
                        ("changed", "consistent"), ("increase", "decrease"), ("increased", "decreased"),
                        ("higher", "lower"), ("more", "less"), ("better", "worse"), ("positive", "negative"),
                        ("earlier", "later"), ("before", "after"), ("rise", "fall"), ("support", "oppose")})
_NEGATING_PREFIXES = ("in", "un", "dis", "non", "non-", "im", "ir", "il")
_WORD_ALTERNATIVE = re.compile(r"\b([a-z][a-z-]+)\s+or\s+([a-z][a-z-]+)\b", re.IGNORECASE)
_CLAUSE_ALTERNATIVE = re.compile(rf",\s*or\s+(?:{AUX}|whether)\b.*$", re.IGNORECASE)
# "Before The New York Times reported … on November 17, did Sporting News …?", "Did CBSSports.com report …
# before Sporting News mentioned …?": the reports' dates must fall in that order for a "Yes".
_LEADING_ORDER = re.compile(rf"^(before|after)\b.*?,\s*(?={AUX}\b)", re.IGNORECASE)
_ORDER_WORD = re.compile(r"\b(before|after)\b", re.IGNORECASE)
# What may stand between "before" and the second outlet: nothing but an article, or a clause that ends in
# "was reported by" ("before Tate McRae's performance was reported by The Age"); not "after a head injury".
_ORDER_GAP = re.compile(r"(?:the|an?)?\W*|(?!and\b|or\b)[^,]*\b(?:reported|published|mentioned|covered|discussed|"
                        r"written)\s+(?:by|in)(?:\s+the)?\W*", re.IGNORECASE)
# Asks for the newest report ("the latest data", "which country currently leads"): answered from the newest
# relevant article alone. Not "recently" or "lately", which date the event ("which airline recently posted
# record revenue"): the recency prior from the question's date already favours recent reports, and reading
# only the newest relevant one answered 10 of RealTimeQA's 19 such dev questions, against 15 reading all
# retrieved articles (docs/evaluation.md, "Recently is not latest").
_NEWEST = re.compile(r"\b(?:most recent(?:ly)?|latest|newest|current(?:ly)?)\b", re.IGNORECASE)
# "Which was announced first: A or B?", "Which came later, A or B?": one of two events, told apart by when
# they were reported. A short head, then the two events after a colon, comma or dash.
_WHICH_FIRST = re.compile(r"^\s*(?:which|what)\b[^:,;?]{0,40}?\b(?:(first|earlier|sooner)|(later|last|"
                          r"more recently))\s*[:,;\u2013\u2014-]\s*(.+?)[\s?]*$", re.IGNORECASE)


@dataclass(frozen=True)
class Report:
    """One report a question refers to: its outlet(s) and, if given, its date range."""

    outlets: tuple[str, ...]
    since: str | None = None
    until: str | None = None
    mention: str = ""

    def filters(self) -> RetrievalFilters:
        return RetrievalFilters(self.outlets, self.since, self.until)


@dataclass(frozen=True)
class Query:
    question: str
    search: str  # the text retrieval searches for
    kind: QuestionKind
    yes_no: bool  # the answer starts with "Yes" or "No"
    entities: tuple[str, ...]
    outlets: tuple[str, ...]  # index outlets the question names
    periods: tuple[Period, ...]
    reports: tuple[Report, ...] = field(default=())  # ≥ 2 for a question about separate reports
    prefer_recent: bool = False
    as_of: str = ""
    shared_name: Literal["", "name", "person"] = ""  # the one name several reports share (rag.asked.ASKS_ENTITY)
    claims: tuple[str, ...] = ()  # a yes/no question's parts, each to hold for a "Yes" (_CLAIM_JOIN)
    alternatives: tuple[str, ...] = ()  # ("Consistent", "Inconsistent"): the words a "Yes" and a "No" answer with
    proposition: str = ""  # the yes/no question judged for an either/or one: the question without its second option
    order: tuple[tuple[int, int], ...] = ()  # (earlier, later) pairs of `reports` a "Yes" needs in that date order
    events: tuple[str, ...] = ()  # "Which came first: A or B?" → (A, B)
    asks_later: bool = False  # … and "Which came later: A or B?" wants the later of `events`

    @property
    def verdict_words(self) -> tuple[str, str]:
        """What a yes/no answer opens with: "Yes"/"No", or the question's own two options."""
        return (self.alternatives[0], self.alternatives[1]) if self.alternatives else ("Yes", "No")

    @property
    def filters(self) -> RetrievalFilters:
        """Outlets and dates as one filter: every named outlet, the span of every named period."""
        since = min((p.since for p in self.periods), default=None)
        until = max((p.until for p in self.periods), default=None)
        return RetrievalFilters(self.outlets, since, until)

    @property
    def multi_report(self) -> bool:
        return len(self.reports) >= 2

    def describe(self) -> str:
        """What was understood, in words, for the UI and `ask --json`."""
        parts = [f"searched for: {self.search}", f"kind: {self.kind}" + (" (yes/no)" if self.yes_no else "")]
        if self.outlets:
            parts.append("outlets: " + ", ".join(self.outlets))
        if self.periods:
            parts.append("dates: " + ", ".join(f"{p.text} = {p.since}…{p.until}" for p in self.periods)
                         + ("" if self.multi_report else " (preferred: all dates when nothing in them matches)"))
        if self.multi_report:
            parts.append(f"{len(self.reports)} reports searched separately")
        if self.shared_name:
            parts.append(f"answer: the {self.shared_name} several of the articles name")
        if self.claims:
            parts.append(f"yes only if all {len(self.claims)} parts hold")
        if self.order:
            parts.append("yes only if " + " and ".join(
                f"{' / '.join(self.reports[a].outlets)} reported before {' / '.join(self.reports[b].outlets)}"
                for a, b in self.order))
        if self.alternatives:
            parts.append(f"answer: {' or '.join(self.alternatives)} (judged as: {self.proposition})")
        if self.events:
            parts.append(f"answer: the {'later' if self.asks_later else 'earlier'} reported of "
                         + " or ".join(f"“{event}”" for event in self.events))
        if self.prefer_recent:
            parts.append(f"most recent first (as of {self.as_of or 'the newest article'})")
        return "; ".join(parts)

    def to_dict(self) -> dict[str, Any]:
        filters = self.filters
        return {
            "search": self.search, "kind": self.kind, "yes_no": self.yes_no, "entities": list(self.entities),
            "outlets": list(self.outlets),
            "dates": [{"text": p.text, "since": p.since, "until": p.until} for p in self.periods],
            "filters": {"sources": list(filters.sources), "since": filters.since, "until": filters.until},
            "reports": [{"outlets": list(r.outlets), "since": r.since, "until": r.until, "mention": r.mention}
                        for r in self.reports],
            "shared_name": self.shared_name, "claims": list(self.claims),
            "alternatives": list(self.alternatives), "proposition": self.proposition,
            "order": [list(pair) for pair in self.order], "events": list(self.events),
            "asks_later": self.asks_later, "prefer_recent": self.prefer_recent,
            "as_of": self.as_of,
            "understood": self.describe(),
        }


def _outlet_aliases(outlet: str) -> set[str]:
    """"The Independent - Life and Style" is also "The Independent" and "Independent"."""
    head = re.split(r"\s+[-|:]\s+|\s*\|\s*", outlet)[0].strip()
    aliases = {outlet.strip(), head}
    aliases |= {re.sub(r"^the\s+", "", a, flags=re.IGNORECASE) for a in aliases}
    aliases |= {re.sub(r"\.(com|co\.uk|org|net)$", "", a, flags=re.IGNORECASE) for a in aliases}
    return {a for a in aliases if len(a) >= 3}


def is_outlet_name(name: str, outlet: str) -> bool:
    """Is `name`, as a whole, this outlet, however it is written ("USA Today" for usatoday.com, "The Verge")?"""
    said = _letters(re.sub(r"^\s*the\s+", "", name, flags=re.IGNORECASE))
    return bool(said) and any(said == _letters(alias) for alias in _outlet_aliases(outlet))


def _letters(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", text.lower())


class OutletMatcher:
    """Finds the index's outlets in a question ("according to The Verge", "'TechCrunch'", "CNN")."""

    def __init__(self, outlets: list[str]) -> None:
        self._by_alias: dict[str, list[str]] = {}
        for outlet in outlets:
            for alias in _outlet_aliases(outlet):
                self._by_alias.setdefault(alias.lower(), []).append(outlet)
        aliases = sorted(self._by_alias, key=len, reverse=True)
        self._pattern = re.compile(
            r"(?<![\w-])(?:the\s+)?(" + "|".join(re.escape(a) for a in aliases) + r")(?![\w-])", re.IGNORECASE
        ) if aliases else None

    def is_outlet(self, name: str) -> bool:
        """Is `name`, as a whole, one of the index's outlets ("TechCrunch", "The Verge")?"""
        return bool(self._pattern and self._pattern.fullmatch(name))

    def find(self, question: str) -> list[tuple[int, str, tuple[str, ...]]]:
        """(position, words, outlets) for each mention, in order. A mention must be capitalised
        as written, so "a fortune" is not the outlet Fortune."""
        if self._pattern is None:
            return []
        found = []
        for m in self._pattern.finditer(question):
            if not m.group(1)[:1].isupper():
                continue
            found.append((m.start(), m.group(0), tuple(self._by_alias[m.group(1).lower()])))
        return found

    def named(self, text: str) -> tuple[str, ...]:
        """Every outlet `text` names, once each, in the order first named."""
        return tuple(dict.fromkeys(o for _, _, outlets in self.find(" ".join(text.split())) for o in outlets))


def _reports(mentions: list[tuple[int, str, tuple[str, ...]]], periods: list[Period]) -> list[Report]:
    """One report per outlet mention, with the dates written between it and the next mention
    (or, before the first mention, the dates that lead into it)."""
    reports = []
    for i, (position, words, outlets) in enumerate(mentions):
        end = mentions[i + 1][0] if i + 1 < len(mentions) else 10**9
        start = position if i else -1
        own = [p for p in periods if start <= p.position < end] or \
              [p for p in periods if i == 0 and p.position < position]
        reports.append(Report(outlets, min((p.since for p in own), default=None),
                              max((p.until for p in own), default=None), words))
    # Two dates for one outlet ("TechCrunch's November 6 … and December 15 articles") are two reports.
    if len(reports) == 1 and len(periods) >= 2:
        return [Report(reports[0].outlets, p.since, p.until, f"{reports[0].mention} {p.text}") for p in periods]
    return reports


class QueryAnalyzer:
    """Turns a standalone question into a `Query`, knowing the index's outlets."""

    def __init__(self, outlets: list[str]) -> None:
        self.outlets = OutletMatcher(outlets)

    def analyze(self, question: str, as_of: str = "") -> Query:
        question = " ".join(question.split())
        mentions = self.outlets.find(question)
        named = self.outlets.named(question)
        periods = find_periods(question, as_of)
        yes_no = is_yes_no(question)
        alternatives, proposition = _alternatives(question) if yes_no else ((), "")
        reports = _reports(mentions, periods)
        distinct_reports = {(r.outlets, r.since, r.until) for r in reports}
        asked = as_asked(question)  # "Can you list …?" lists, "Do you know where …?" searches for "where …?"
        if _SUMMARY.search(asked):
            kind: QuestionKind = "summary"
        elif len(distinct_reports) >= 2 and (yes_no or _COMPARISON.search(question) or
                                             re.search(r"\bbetween\b", question, re.IGNORECASE)):
            kind = "temporal" if _TEMPORAL.search(question) and not _COMPARISON.search(question) else "comparison"
        elif _TEMPORAL.search(question) and (periods or re.search(r"\b(first|before|after|most recent|latest)\b",
                                                                  question, re.IGNORECASE)):
            kind = "temporal"
        elif _LIST.search(asked) and not yes_no:
            kind = "list"
        else:
            kind = "fact"
        outlet_words = {w.lower() for _, words, _ in mentions for w in words.split()}
        entities = tuple(n for n in name_runs(question) if n.lower() not in outlet_words
                         and n.split()[0].lower() not in MONTHS and not re.fullmatch(AUX, n, re.IGNORECASE))
        separate = kind in ("comparison", "temporal") and len(distinct_reports) >= 2
        events, asks_later = which_first(question)
        return Query(
            question=question, search=asked, kind=kind, yes_no=yes_no, entities=entities, outlets=named,
            periods=tuple(periods),
            reports=tuple(reports) if separate else (),
            order=_order(question, mentions, reports) if separate and yes_no else (),
            prefer_recent=bool(_NEWEST.search(question)) and not periods, as_of=as_of[:10],
            shared_name=_shared_name(question, yes_no, len(named)),
            claims=_claims(proposition or question) if yes_no else (),
            alternatives=alternatives, proposition=proposition, events=events, asks_later=asks_later,
        )


def _order(question: str, mentions: list[tuple[int, str, tuple[str, ...]]], reports: list[Report]
           ) -> tuple[tuple[int, int], ...]:
    """(earlier, later) pairs of reports (one per outlet mention) a yes/no question asks to be in that
    order: "Before A …, did B …?" puts B before A; "Did A … before B …?" A before B. Reports of one
    outlet are told apart by nothing but their dates, so they are not paired."""
    if len(reports) != len(mentions):  # one outlet's dates split into reports: no mention to place
        return ()
    if lead := _LEADING_ORDER.match(question):
        anchor = [i for i, (position, _, _) in enumerate(mentions) if position < lead.end()]
        asked = [i for i, (position, _, _) in enumerate(mentions) if position >= lead.end()]
        pairs = [(a, b) if lead.group(1).lower() == "before" else (b, a) for a in asked for b in anchor]
    elif len(mentions) == 2 and len(words := list(_ORDER_WORD.finditer(question))) == 1 and \
            mentions[0][0] < words[0].start() < words[0].end() <= mentions[1][0] and \
            _ORDER_GAP.fullmatch(question[words[0].end():mentions[1][0]].strip()):
        pairs = [(0, 1) if words[0].group(1).lower() == "before" else (1, 0)]
    else:
        return ()
    return tuple((a, b) for a, b in pairs if not set(reports[a].outlets) & set(reports[b].outlets))


def event_order(question: str) -> tuple[str, str]:
    """The two parts of a yes/no question that asks whether one thing came before the other, earlier first:
    "Did BMW start production at Parsdorf before ACC opened its gigafactory?" → ("Did BMW start production at
    Parsdorf", "ACC opened its gigafactory?"); "After B, did A …?" → (B, A). ("", "") for any other question."""
    if lead := _LEADING_ORDER.match(question):
        anchor, asked = question[len(lead.group(1)):lead.end()], question[lead.end():]
        return (asked, anchor) if lead.group(1).lower() == "before" else (anchor, asked)
    words = list(_ORDER_WORD.finditer(question))
    if len(words) != 1 or not YES_NO_START.match(question):
        return "", ""
    first, second = question[:words[0].start()], question[words[0].end():]
    return (first, second) if words[0].group(1).lower() == "before" else (second, first)


def which_first(question: str) -> tuple[tuple[str, ...], bool]:
    """The two events of "Which was announced first: A or B?" and whether the later is wanted: ((A, B), False);
    "Which came later, A or B?" → ((A, B), True); ((), False) for any other question. The last "or" parts
    them ("Tata's UK gigafactory or Stellantis and Samsung's"); an event must name something."""
    if not (match := _WHICH_FIRST.match(question)):
        return (), False
    body = match.group(3)
    joins = list(re.finditer(r",?\s+or\s+", body))
    if not joins:
        return (), False
    events = (body[:joins[-1].start()].strip(" ,"), body[joins[-1].end():].strip(" ,"))
    if not all(named_keys(event) for event in events):
        return (), False
    return events, match.group(2) is not None


def _opposite(first: str, second: str) -> bool:
    a, b = first.lower(), second.lower()
    return (a, b) in _OPPOSITES or (b, a) in _OPPOSITES or any(b == p + a or a == p + b for p in _NEGATING_PREFIXES)


def _alternatives(question: str) -> tuple[tuple[str, ...], str]:
    """For an either/or question, its two options (the one a "Yes" to the rest of the question picks
    first) and that yes/no question; ((), "") for any other. "…, consistent or inconsistent?" →
    ("Consistent", "Inconsistent"); "Does A suggest X in a similar way to B, or do they present different
    reasons?" → ("Similar", "Different"), judged as "Does A suggest X in a similar way to B?"."""
    if clause := _CLAUSE_ALTERNATIVE.search(question):
        head, tail = question[:clause.start()], clause.group(0)
        tail_words = re.findall(r"[a-z-]+", tail.lower())
        for word in re.findall(r"[a-z-]+", head.lower()):
            if partner := next((t for t in tail_words if _opposite(word, t)), None):
                return (word.capitalize(), partner.capitalize()), head.rstrip(" ,") + "?"
    for match in reversed(list(_WORD_ALTERNATIVE.finditer(question))):
        first, second = match.groups()
        if _opposite(first, second):
            return (first.capitalize(), second.capitalize()), question[:match.end(1)] + question[match.end(2):]
    return (), ""


def _claims(question: str) -> tuple[str, ...]:
    """The parts of "Does A suggest X, while B reports Y?" ("A suggest X", "B reports Y"), each a statement
    to check on its own; none for a question that asks one thing."""
    body = YES_NO_START.sub("", question, count=1).strip().rstrip("?").strip()
    parts = tuple(p.strip(" ,") for p in _CLAIM_JOIN.split(body))
    if len(parts) < 2 or any(len(p.split()) < _CLAIM_WORDS for p in parts):
        return ()
    return parts


def _shared_name(question: str, yes_no: bool, outlets_named: int) -> Literal["", "name", "person"]:
    """"person" or "name" for a question describing one entity through several reports, else ""."""
    if yes_no or not ASKS_ENTITY.search(question):
        return ""
    if len(question.split()) < _DESCRIPTION_WORDS and outlets_named < 2:
        return ""
    return "person" if ASKS_PERSON.search(question) else "name"
