"""Retrieved articles → the numbered sentences a small model reads, and the check of what it picks.

A 1.5B model reading six 200-token chunks spends ~20 s on the prompt and then
loses the one sentence that answers. So the product picks the sentences that
matter (similar to the question in meaning, sharing its rare words), keeps at
least the best one of every article (a comparison needs both reports), and
numbers them. The model answers by pointing at numbers; every pointer, or a
quote from a backend that writes quotes, is checked against the article text
exactly before anything is built on it.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from index.names import named_keys
from index.textrules import content_keys, numbers, sentence_spans
from rag.asked import asks_place, placed_in
from rag.query import Query, Report, event_order
from rag.sources import Source
from rag.untrusted import blank_untrusted, readable

# (query, texts) → cosine similarity of each text to the query
Similarity = Callable[[str, list[str]], list[float]]

_MIN_WORDS = 4
_MAX_SENTENCE_CHARS = 600
_SPACE = re.compile(r"\s+")
_NOT_WORD = re.compile(r"\W+")
_STAMP = re.compile(r"^\s*\d{4}-\d{2}-\d{2}T[\d:+-]+\s*(?:By\s+\S+(?:\s+\S+){0,3})?\s*$")  # a dateline, not a fact
# A sentence that asks is a subheading ("How many moons does Neptune have?"), not a fact: read, it takes one
# of the few slots, and as the line most like the question it puts its article first.
_ASKS = re.compile(r"\?[\s\"'”’)]*$")
# A where-question is answered by a place. Of two sentences about as near to it, the one that puts something in
# a place the question does not name ("For JLR, this will be at its engine plant in Wolverhampton") is read
# before one that names none ("JLR & BMW Will Collaborate On Electric Car Powertrains"): a few slots go to the
# best of every article, and the line that answers lost the last one to a headline (fu-008 on an AMX host).
_GIVES_PLACE = 0.1


@dataclass(frozen=True)
class Sentence:
    """A sentence of a retrieved article, as offsets into the article text."""

    id: int  # the number the model sees (0 until numbered)
    source_n: int  # the article's `Source.n`
    start: int
    end: int
    text: str
    score: float


def _flat(text: str) -> str:
    return _SPACE.sub(" ", text).strip()


def _fragment(text: str) -> bool:
    """Too short to state anything: under four words without a figure, or a lone word or figure
    (a list's "11." on a line of its own)."""
    words = len(text.split())
    return words < 2 or (words < _MIN_WORDS and not numbers(text))


def candidates(sources: Sequence[Source]) -> list[Sentence]:
    """Every sentence of the retrieved passages worth reading (not a bare caption or byline)."""
    found = []
    for source in sources:
        for passage in source.passages:
            shown = blank_untrusted(passage.text)  # same offsets, what a model may read
            for a, b in sentence_spans(shown):
                text = shown[a:b]
                if _fragment(text) or _STAMP.match(text) or _ASKS.search(text):
                    continue
                if len(text) > _MAX_SENTENCE_CHARS:  # a run-on listing line: keep its head
                    cut = text.rfind(" ", 0, _MAX_SENTENCE_CHARS)
                    b = a + (cut if cut > 0 else _MAX_SENTENCE_CHARS)
                    text = shown[a:b]
                found.append(Sentence(0, source.n, passage.start + a, passage.start + b, text, 0.0))
    return found


def _wording(text: str) -> str:
    """A sentence as a syndicated copy repeats it (case, spacing and punctuation aside): read once, it
    would only take a second slot of the few the model reads."""
    return _NOT_WORD.sub(" ", text.lower()).strip()


def _lexical(question: str, sentences: list[Sentence]) -> list[float]:
    """Share of the question's words a sentence holds, rare words (within these sentences) weighing more."""
    wanted = content_keys(question) | numbers(question)
    keyed = [content_keys(s.text) | numbers(s.text) for s in sentences]
    if not wanted or not sentences:
        return [0.0] * len(sentences)
    weight = {k: math.log(1 + len(sentences) / (1 + sum(k in keys for keys in keyed))) for k in wanted}
    total = sum(weight.values()) or 1.0
    return [sum(weight[k] for k in wanted & keys) / total for keys in keyed]


def words_held(question: str, sources: Sequence[Source]) -> float:
    """The largest share of the question's words (rare ones weighing more) that one sentence of these articles
    holds: how well they answer this wording of a question, comparable across wordings ("it" read as JLR or as
    Tata's gigafactory, `rag.follow_up.answer_read_in`)."""
    return max(_lexical(question, candidates(sources)), default=0.0)


def _answer_kind(question: str, sentences: list[Sentence]) -> list[float]:
    """What a sentence scores for giving the kind of thing asked: a place for "where" (`rag.asked`)."""
    if not asks_place(question):
        return [0.0] * len(sentences)
    named = named_keys(question)
    return [_GIVES_PLACE if placed_in(s.text) - named else 0.0 for s in sentences]


def select(
    question: str, sources: Sequence[Source], similarity: Similarity | None, max_sentences: int, max_chars: int,
) -> list[Sentence]:
    """The sentences to show the model, numbered from 1, grouped by article, most relevant first.

    Scored by meaning (`similarity`) plus rare shared words (and a place, for where); the best sentence of every
    article is kept first, then the best of the rest until `max_sentences` or `max_chars`.
    A sentence several articles share (syndicated copy) is read once, from the article it scores best in.
    """
    pool = candidates(sources)
    if not pool:
        return []
    lexical = _lexical(question, pool)
    dense = similarity(question, [s.text for s in pool]) if similarity else [0.0] * len(pool)
    kind = _answer_kind(question, pool)
    scored = [Sentence(0, s.source_n, s.start, s.end, s.text, d + lex + k)
              for s, d, lex, k in zip(pool, dense, lexical, kind, strict=True)]
    ranked = sorted(scored, key=lambda s: (-s.score, s.source_n, s.start))
    unique: list[Sentence] = []  # best-scoring copy of each wording first, as `ranked` is ordered
    wordings: set[str] = set()
    for sentence in ranked:
        if (wording := _wording(sentence.text)) not in wordings:
            wordings.add(wording)
            unique.append(sentence)
    chosen: list[Sentence] = []
    used = 0
    best_of_each = [next(s for s in unique if s.source_n == n) for n in dict.fromkeys(s.source_n for s in unique)]
    for sentence in [*best_of_each, *unique]:
        if sentence in chosen or len(chosen) >= max_sentences:
            continue
        if chosen and used + len(sentence.text) > max_chars:
            continue
        chosen.append(sentence)
        used += len(sentence.text)
    # Most relevant first: articles by their best sentence, sentences by score. Small models lean
    # on the first numbers they see; this way that bias points at the likeliest evidence.
    best: dict[int, float] = {}
    for sentence in chosen:
        best[sentence.source_n] = max(best.get(sentence.source_n, -1e9), sentence.score)
    chosen.sort(key=lambda s: (-best[s.source_n], s.source_n, -s.score, s.start))
    return [Sentence(i, s.source_n, s.start, s.end, s.text, s.score) for i, s in enumerate(chosen, start=1)]


def read(understood: Query, sources: Sequence[Source], similarity: Similarity | None, max_sentences: int,
         max_chars: int) -> list[Sentence]:
    """The sentences the model reads for a question: `select` over the articles it may answer from."""
    # "Most recent": the newest relevant article is the answer; older ones would only compete with it.
    readable = sources[:1] if understood.prefer_recent else sources
    return select(understood.search, readable, similarity, max_sentences, max_chars)


def sentence_dict(sentence: Sentence, sources: Sequence[Source]) -> dict[str, Any]:
    """A sentence as answers and evaluations record it: with the article and origin it was read from."""
    source = next((s for s in sources if s.n == sentence.source_n), None)
    return {"id": sentence.id, "article_id": source.article_id if source else None,
            "origin": source.origin if source else None, "start": sentence.start, "end": sentence.end,
            "text": sentence.text}


def format_numbered(sentences: Sequence[Sentence], sources: Sequence[Source], numbered: bool = True) -> str:
    """Article headers (headline, outlet, date) with their (numbered) sentences under them."""
    by_n = {s.n: s for s in sources}
    lines: list[str] = []
    current = None
    for sentence in sentences:
        if sentence.source_n != current:
            current = sentence.source_n
            source = by_n[current]
            meta = ", ".join(x for x in (readable(source.outlet), source.published_at[:10]) if x)
            title = _flat(readable(source.title)) or source.article_id
            lines.append(f"Article: {title}" + (f" ({meta})" if meta else ""))
        lines.append(f"  {sentence.id}. {_flat(sentence.text)}" if numbered else f"  - {_flat(sentence.text)}")
    return "\n".join(lines)


@dataclass(frozen=True)
class CheckedEvidence:
    accepted: tuple[Sentence, ...]
    rejected: tuple[str, ...]  # what the model pointed at or quoted that is not in the sources


def check(picked: Sequence[object], sentences: Sequence[Sentence], sources: Sequence[Source]) -> CheckedEvidence:
    """Keep the picks that are really in the sources: a number shown to the model, or a quote
    found verbatim (white space aside) in a retrieved passage. Anything else is rejected."""
    by_id = {s.id: s for s in sentences}
    accepted: list[Sentence] = []
    rejected: list[str] = []
    for pick in picked:
        found: Sentence | None = None
        if isinstance(pick, bool):
            pass
        elif isinstance(pick, int) or (isinstance(pick, str) and pick.strip().isdigit()):
            found = by_id.get(int(pick))
        elif isinstance(pick, str) and len(_flat(pick)) >= 8:
            found = _find_quote(_flat(pick), sentences, sources)
        if found is None:
            rejected.append(str(pick))
        elif found not in accepted:
            accepted.append(found)
    return CheckedEvidence(tuple(accepted), tuple(rejected))


def _find_quote(quote: str, sentences: Sequence[Sentence], sources: Sequence[Source]) -> Sentence | None:
    """The shown sentence holding `quote`, or a new one at the quote's exact place in a passage."""
    for sentence in sentences:
        if quote in _flat(sentence.text):
            return sentence
    pattern = re.compile(r"\s+".join(re.escape(word) for word in quote.split(" ")))
    for source in sources:
        for passage in source.passages:
            if m := pattern.search(passage.text):
                return Sentence(0, source.n, passage.start + m.start(), passage.start + m.end(), m.group(), 0.0)
    return None


def cover_reports(accepted: Sequence[Sentence], context: Sequence[Sentence], sources: Sequence[Source],
                  reports: Sequence[tuple[str, ...]]) -> list[Sentence]:
    """For a question about several reports, every report needs evidence of its own: a report (its
    outlets) the model pointed at nothing from gets its article's best-scoring shown sentence."""
    outlet_of = {s.n: s.outlet for s in sources}
    covered = list(accepted)
    for outlets in reports:
        if any(outlet_of.get(s.source_n) in outlets for s in covered):
            continue
        mine = [s for s in context if outlet_of.get(s.source_n) in outlets]
        if mine:
            covered.append(max(mine, key=lambda s: s.score))
    return covered


def out_of_order(query: Query, evidence: Sequence[Sentence], sources: Sequence[Source]) -> bool:
    """Do the reports' dates contradict the order the question asks about ("Before The New York Times
    reported on November 17, did Sporting News …?" when the Sporting News evidence is from December 5)?
    A report's dates are those the question gives it, else its evidence articles' (by day); a report
    with neither cannot break the order."""
    by_n = {s.n: s for s in sources}

    def span(report: Report) -> tuple[str, str] | None:
        if report.since and report.until:
            return report.since, report.until
        days = sorted(by_n[s.source_n].published_at[:10] for s in evidence
                      if s.source_n in by_n and by_n[s.source_n].outlet in report.outlets
                      and by_n[s.source_n].published_at)
        return (days[0], days[-1]) if days else None

    for earlier, later in query.order:
        first, second = span(query.reports[earlier]), span(query.reports[later])
        if first and second and first[0] > second[1]:
            return True
    return False


def events_out_of_order(question: str, evidence: Sequence[Sentence], sources: Sequence[Source]) -> bool:
    """Do the evidence articles' dates put the two things a question orders the other way round? "Did BMW's
    battery cell production at Parsdorf start before ACC opened its gigafactory?" got "Yes" on "BMW begins
    production …" (2023-10-27) and "ACC opens first gigafactory in France" (2023-06-01). Each side is found by
    the names only it has (BMW, Parsdorf; ACC), in evidence articles naming one of them and none of the other
    side's; an article's date stands for the deed it reports. A side without a dated article, or a side with
    no name of its own, cannot break the order."""
    earlier, later = event_order(question)
    first, second = named_keys(earlier) - named_keys(later), named_keys(later) - named_keys(earlier)
    if not first or not second:
        return False
    by_n = {s.n: s for s in sources}
    articles = {by_n[s.source_n] for s in evidence if s.source_n in by_n and by_n[s.source_n].published_at}

    def days(own: set[str], other: set[str]) -> list[str]:
        return sorted(a.published_at[:10] for a in articles
                      if own & (keys := content_keys(a.evidence)) and not other & keys)

    first_days, second_days = days(first, second), days(second, first)
    return bool(first_days and second_days) and first_days[0] > second_days[-1]
