"""The name several retrieved reports share: the answer to "Which company, reported by A and B, …?".

Such a question describes one entity through several reports and never names it. Reading their
sentences, a 1.5B model often answers with a name from just one of them ("Epic Games" where every
report is about Google). The entity the description is about is named across the reports, so the
product counts, for every name in the retrieved articles, the articles that write it: the name most
of them write is the answer, and the model chooses (grammar-constrained) only between names tied on
that count.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache

from index.names import name_runs
from index.textrules import CLAIM_STOPWORDS, CLAUSE_OPENERS, MONTHS, WEEKDAYS
from rag.evidence import Sentence, candidates
from rag.sources import Source
from rag.untrusted import blank_untrusted, readable

_DESCRIBING = re.compile(r"\w-[a-z]")  # "AI-powered", "Arkansas-based": a description, not a name
_WORD = re.compile(r"[^\W\d_][\w'’-]*")
_PHRASE_END = re.compile(r"\n|:\s|\s[|–—-]\s")


@dataclass(frozen=True)
class SharedName:
    name: str  # as the articles write it, in full ("Sam Bankman-Fried", not "Bankman-Fried")
    source_ns: tuple[int, ...]  # the articles naming it, by `Source.n`


def _mentions(name: str) -> re.Pattern[str]:
    return re.compile(rf"(?<![\w-]){re.escape(name)}(?![\w-])")


def _is_name(name: str, question: str, is_outlet: Callable[[str], bool]) -> bool:
    """A name worth offering: not a word the question already uses, an outlet, a date or a stopword."""
    first = name.split()[0].lower()
    return (len(name) >= 3 and not _DESCRIBING.search(name) and not is_outlet(name)
            and not _mentions(name.lower()).search(question.lower())
            and first not in MONTHS and first not in WEEKDAYS
            and not (" " not in name and name.lower() in CLAIM_STOPWORDS))


def _prose(text: str) -> str:
    """The text less its title-case phrases (headlines and section heads, up to a colon or a dash):
    "Fantasy Football QB Rankings Week 14: Who to start" has a heading, not a name."""
    def heading(phrase: str) -> bool:
        words = _WORD.findall(phrase)
        return len(words) >= 3 and sum(w[0].isupper() for w in words) >= 0.7 * len(words)

    return "\n".join(phrase for phrase in _PHRASE_END.split(text) if not heading(phrase))


def _without_lead_words(name: str, names: set[str], lower_words: set[str]) -> str:
    """`name` less leading words that open a clause or that the texts also write in lower case, where
    what remains is a name of its own: "Unlike FTX" is "FTX", "The Vikings" "Vikings"; "General
    Motors" stays, for no text names "Motors" alone."""
    words = name.split()
    while (len(words) > 1 and (words[0].lower() in CLAUSE_OPENERS or words[0].lower() in lower_words)
           and " ".join(words[1:]) in names):
        words = words[1:]
    return " ".join(words)


def _full_form(name: str, by_word: dict[str, list[str]], said: Callable[[str], int]) -> str:
    """The name in full: the longest name that ends with `name` (a surname stands for the person it
    belongs to), else a longer name starting with it that the texts write in at least half of its
    mentions (`said`: a name's mentions; "Caesars" → "Caesars Sportsbook"; "Google" stays, though
    "Google Search" occurs). `by_word`: the names by each of their words, so only names sharing the
    first or last word are compared."""
    words = name.split()
    ending = [n for n in by_word[words[-1]] if n != name and n.endswith(" " + name)]
    if ending:
        return max(ending, key=len)
    starting = [(said(n), n) for n in by_word[words[0]] if n.startswith(name + " ")]
    most, longer = max(starting, default=(0, name))
    return longer if starting and 2 * most >= said(name) else name


def article_texts(sources: Sequence[Source], article_text: Callable[[str], str | None]) -> dict[int, str]:
    """Each article's headline and whole text (its retrieved passages where the text is not at hand),
    as a model may read them: the article names an entity anywhere, not only in what was retrieved."""
    return {s.n: readable(s.title) + "\n" + blank_untrusted(article_text(s.article_id) or s.text) for s in sources}


def shared_names(texts: dict[int, str], question: str, is_outlet: Callable[[str], bool],
                 people: bool = False, at_most: int = 6) -> list[SharedName]:
    """Names written in at least two of the articles (`texts`, by `Source.n`), most articles first;
    with `people` (a "who" question), only names of two words or more: a person, not a company.

    An article counts for a name when it writes it anywhere, also inside a longer name ("Google" in
    "Google Search"), so a short name is not split across its longer forms.
    """
    written = list(dict.fromkeys(n for t in texts.values() for n in name_runs(_prose(t))))
    whole = "\n".join(texts.values())
    lower_words = {w for w in _WORD.findall(whole) if w.islower()}
    runs = set(written)
    names = list(dict.fromkeys(_without_lead_words(n, runs, lower_words) for n in written))
    by_word: dict[str, list[str]] = defaultdict(list)
    for name in names:
        for word in {name.split()[0], name.split()[-1]}:
            by_word[word].append(name)
    said = cache(lambda name: len(_mentions(name).findall(whole)))  # each name's text scanned once
    counted: dict[str, set[int]] = {}
    for name in names:
        if not _is_name(name, question, is_outlet) or (" " not in name and name.lower() in lower_words):
            continue  # one word the texts also write in lower case ("Week 14", "Sleepers"): a noun
        pattern = _mentions(name)  # `in` first: a plain substring test is far cheaper than the pattern
        articles = {n for n, t in texts.items() if name in t and pattern.search(t)}
        counted.setdefault(_full_form(name, by_word, said), set()).update(articles)
    ranked = sorted(((name, ns) for name, ns in counted.items() if len(ns) >= 2 and (" " in name or not people)),
                    key=lambda item: (-len(item[1]), -len(item[0]), item[0]))
    return [SharedName(name, tuple(sorted(ns))) for name, ns in ranked[:at_most]]


def naming(name: SharedName, sources: Sequence[Source], preferred: Sequence[Sentence],
           at_most: int) -> list[Sentence]:
    """The evidence for a chosen name: per article naming it, the preferred sentence (checked evidence,
    then the shown context) that writes it, else the article's first one that does."""
    pattern = _mentions(name.name.split()[-1])
    pool = candidates(sources)
    chosen: list[Sentence] = []
    for n in name.source_ns:
        if len(chosen) == at_most:
            break
        if sentence := next((s for s in (*preferred, *pool) if s.source_n == n and pattern.search(s.text)), None):
            chosen.append(sentence)
    return chosen


def leaders(names: Sequence[SharedName], evidence: Sequence[Sentence], texts: dict[int, str],
            people: bool) -> list[SharedName]:
    """The names written in the most articles: the answer is one of them. A 1.5B model offered a
    longer list picks a name from one report about as often as the shared one (Apple, named in 2 of
    6 Google articles, over Google, named in 4). Ties go to the person whose surname the articles
    write most often (the one they are about is named again and again), then to the names the
    sentences the model chose as evidence write most often."""
    top = [n for n in names if len(n.source_ns) == len(names[0].source_ns)] if names else []
    if people and len(top) > 1:
        said = {n.name: sum(len(_mentions(n.name.split()[-1]).findall(t)) for t in texts.values()) for n in top}
        top = [n for n in top if said[n.name] == max(said.values())]
    written = {n.name: sum(bool(_mentions(n.name).search(s.text)) for s in evidence) for n in top}
    return [n for n in top if written[n.name] == max(written.values())]
