"""Does a source passage support an answer sentence? A transparent lexical check.

A claim is supported when most of its content words occur in the cited passage
and every number it states appears there too (a wrong figure is the costliest
hallucination in news summaries). Words are compared by a 6-letter prefix, so
"manufacture" matches "manufactured" without a stemmer dependency, and the few
deeds news words several ways are one ("began" is found as "started":
index/same_deed.py). It is
deliberately simple, so that a user can predict it; eval/ measures how often it
agrees with human judgement.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from index.names import (acronym_keys, name_keys, name_runs, named_keys, opening_name, subject_keys, writes_name,
                         written_keys)
from index.percentages import used_otherwise
from index.same_deed import deed_keys, deeds_named
from index.textrules import content_keys, counted, numbers, sentence_spans, word_key
from rag.asked import counted_noun
from rag.negation import drops_negation

SUPPORT_THRESHOLD = 0.5


def support_score(claim: str, passage: str, given: str = "") -> float:
    """Share of the claim's new content words found in the passage.

    `given` is what the reader supplied (the question, a brief's topic): restating
    it is context, not a claim, so only the rest must be found in the passage.
    0 when a new figure or a new name is missing from the passage: a claim about
    a company, place or person the source never mentions is not supported by it,
    however many other words match. So is a percentage the passage gives only as
    the other kind, a change for a share ("70%" for what share of production was
    electrified, on "production soars 70%": `index/percentages.py`), or a count the
    passage gives only of other things ("three gigafactories" on "three EV models"). Nor is a claim
    naming none of the question's subjects ("fraud and conspiracy" for what Changpeng
    Zhao pleaded guilty to, GM's battery plant for where BMW's is) by a passage naming
    none of them, nor one the passage says of someone else (`borrowed_subject`), nor one that writes what the
    passage denies without its "no" or "not" (`rag/negation.py`).
    """
    claim_keys = content_keys(claim)
    # A name the passage writes by its initials is written ("GM" for the claim's "General Motors").
    passage_keys = written_keys(f"{given}\n{claim}", passage)
    # The question is context only for a sentence that adds to it (one that merely
    # restates it, "Yes, X did Y", must be supported in full), and only when the
    # passage is about the question at all: it names one of the question's subjects.
    # Otherwise "Rivian will use …" passes on an article that is about BMW.
    given_keys = content_keys(given) | numbers(given)
    subjects = named_keys(given)
    if not claim_keys - given_keys or (subjects and not subjects & passage_keys):
        given_keys = set()
    unnamed = _unnamed_subject(claim, passage, given)
    if unnamed and not unnamed & passage_keys:
        return 0.0
    new_figures = numbers(claim) - given_keys
    if not new_figures <= numbers(passage) or used_otherwise(claim, passage, given):
        return 0.0
    if new_figures and _counts_something_else(claim, passage, new_figures, given):
        return 0.0
    if not claim_keys:
        return 1.0 if numbers(claim) else 0.0
    if named_keys(claim) - passage_keys - given_keys:
        return 0.0
    if borrowed_subject(claim, passage) or drops_negation(claim, passage):
        return 0.0
    basis = (claim_keys - given_keys) or claim_keys
    missing = basis - passage_keys
    claimed_deeds = deed_keys(claim)
    if missing & claimed_deeds.keys():  # a deed the passage writes in other words is found ("began" on "started")
        written = deeds_named(passage)
        missing = {key for key in missing if claimed_deeds.get(key) not in written}
    return (len(basis) - len(missing)) / len(basis)


def _counts_something_else(claim: str, passage: str, figures: set[str], given: str) -> bool:
    """Does the passage give a figure the claim counts something with only as a count of other things?
    "Nissan plans three gigafactories in the UK" is not backed by "The carmaker will make three EV models"
    (in an article about its third gigafactory); nor is a bare "3" answering how many gigafactories
    (the noun "how many" counts in `given`). Any other bare figure ("$920m in Ohio"), and a figure the
    passage states bare, are left to the word check."""
    asked_count = counted_noun(given)
    counts = {word_key(asked_count)} if asked_count else set()
    claimed = {f: set().union(*things) or counts for f, things in counted(claim).items() if f in figures}
    if not any(claimed.values()):  # most claims count nothing: the passage is not read
        return False
    told = counted(passage)
    return any(wanted and told.get(f) and all(t and not t & wanted for t in told[f]) for f, wanted in claimed.items())


def _unnamed_subject(claim: str, passage: str, given: str) -> set[str]:
    """What the question is about (`subject_keys`: not where it is set, "Which US holiday …?"), when the claim
    names none of it. Its passage must name that: a claim leaving its subject to the question ("fraud and
    conspiracy", "Qatar", "It will be a blue carpet") says it of the question's subject, and one with a
    subject of its own answers about someone else unless its article is about the question's too ("General
    Motors has set its sights on … a new battery plant in the United States", for where BMW's US battery plant
    is, on GM's article). Empty for newsrag's own quotes."""
    about = subject_keys(given)
    if not about or about & named_keys(claim) or _quotes_passage(claim, passage):
        return set()
    return about


# A quotation in a claim: what newsrag quotes from an article, attributed to its outlet.
_QUOTATION = re.compile(r"“([^”]{12,})”")


def _quotes_passage(claim: str, passage: str) -> bool:
    """Does the claim quote the passage word for word ("Benzinga reports: “…”")? A quote says only that the
    article says it; whether it answers the question is the answer's business, not the support check's."""
    quotes = _QUOTATION.findall(claim)
    return bool(quotes) and any(" ".join(quote.split()) in " ".join(passage.split()) for quote in quotes)


def borrowed_subject(claim: str, passage: str) -> str:
    """Another subject's name, when the passage's sentence holding most of the claim is about that subject and
    never names the claim's own: "Ellison’s tenure as CEO of Alameda Research was an exercise in optics" does
    not say "Sam Bankman-Fried was the CEO of Alameda Research, and his tenure was an exercise in optics", nor
    "DeepMind, Google’s premier AI research lab, is expected to debut a next-gen chatbot, Gemini" that
    "OpenAI is developing a chatbot called Gemini", though every word is in the article. "" otherwise (the
    claim opens without a name, quotes the passage, or no sentence holds half of what it says of it)."""
    if _quotes_passage(claim, passage):
        return ""  # "TechCrunch reports: “Altman has been telling investors …”" says who said it
    capitalised = name_keys(passage)
    subject = opening_name(claim, capitalised)
    said = content_keys(claim) - content_keys(subject)
    if not subject or not said:
        return ""
    sentences = [passage[a:b] for a, b in sentence_spans(passage)]
    best = max(sentences, key=lambda sentence: len(said & content_keys(sentence)), default="")
    held = len(said & content_keys(best))
    if 2 * held < len(said):
        return ""
    other = opening_name(best, capitalised)
    if not other or content_keys(other) & content_keys(claim) or writes_name(subject, best):
        return ""
    if any(writes_name(subject, sentence) and len(said & content_keys(sentence)) * 3 >= held * 2
           for sentence in sentences):
        return ""  # a sentence naming the subject says nearly as much ("Sarah Snook won …" beside Cole Escola's)
    return other


# Where a sentence joining two articles' facts turns from one to the other ("A opened in 2019, while B …").
_CLAUSE_BREAK = re.compile(r"[,;]|\b(?:while|whereas|but)\b", re.IGNORECASE)


def joint_support(claim: str, passages: Sequence[str], given: str = "") -> float:
    """Support for a sentence joining facts from several articles ("A, while B [1][2]"): the passages
    together, provided each new figure comes from a passage that names a subject of the clause stating
    it (of the sentence, when the clause names none), and each name the clause adds to the question is
    written beside another of its names. A date from the GM article does not date the BMW partnership,
    though the two articles together hold every word of "BMW's partnership was announced on 2024-09-12";
    nor does the GM article's "US" put Tata's UK gigafactory in "GM and Tata invest in US batteries"."""
    given_numbers, asked = numbers(given), content_keys(given)
    written = [content_keys(p) | acronym_keys(p) for p in passages]
    for clause in _CLAUSE_BREAK.split(claim):
        subjects = named_keys(clause) or named_keys(claim)
        for figure in numbers(clause) - given_numbers:
            if subjects and not any(figure in numbers(p) and subjects & keys for p, keys in zip(passages, written)):
                return 0.0
        if not _names_written_together(clause, written, asked):
            return 0.0
    # A claim naming none of the question's subjects needs an article naming one and holding some of the
    # claim: "Qatar [1][2]" for "North Koreans working where have rioted?" is not Qatar's article plus another
    # naming North Koreans.
    joined = "\n".join(passages)
    unnamed, said = _unnamed_subject(claim, joined, given), content_keys(claim) | numbers(claim)
    if unnamed and not any(unnamed & keys and said & (keys | numbers(p)) for p, keys in zip(passages, written)):
        return 0.0
    return support_score(claim, joined, given)


# What joins names listed together ("GM and Tata", "Ford, Hyundai or VW"): each is said the same of.
_LISTED = re.compile(r"\s*(?:,|&|,?\s*\b(?:and|or)\b)\s*(?:the\s+)?")


def _listed_names(clause: str) -> list[list[set[str]]]:
    """The clause's names as written, grouped where a list joins them: [[GM, Tata], [US]]."""
    groups: list[list[set[str]]] = []
    end = 0
    for run in name_runs(clause):
        start = clause.find(run, end)
        if start < 0 or not (keys := content_keys(run)):
            continue
        if groups and _LISTED.fullmatch(clause[end:start]):
            groups[-1].append(keys)
        else:
            groups.append([keys])
        end = start + len(run)
    return groups


def _names_written_together(clause: str, written: Sequence[set[str]], asked: set[str]) -> bool:
    """Does every name the clause adds to the question ("Tata") come from a passage that also writes
    another name the clause says it with ("US")? Names listed together ("GM and Tata") are each said the
    same of, so need not share an article; without this, a sentence could pair any company with any place
    another article names."""
    groups = _listed_names(clause)
    for i, group in enumerate(groups):
        others = [name for other in groups[:i] + groups[i + 1:] for name in other]
        for name in group:
            naming = [keys for keys in written if name <= keys]
            if others and not name <= asked and naming and not any(o <= keys for keys in naming for o in others):
                return False
    return True


@dataclass(frozen=True)
class Span:
    start: int
    end: int
    score: float


def best_span(claim: str, passage: str, offset: int = 0) -> Span:
    """The sentence of `passage` that best supports `claim`, offsets shifted by `offset`.

    Words are weighted by how rare they are within the passage: "Wolverhampton"
    and "1,600" locate the supporting sentence, a company name repeated in every
    sentence does not.
    """
    best = Span(offset, offset + len(passage), 0.0)
    claim_keys = content_keys(claim) | numbers(claim)
    spans = sentence_spans(passage)
    if not claim_keys or not spans:
        return best
    keyed = [content_keys(passage[a:b]) | numbers(passage[a:b]) for a, b in spans]
    weight = {k: 1.0 / max(1, sum(k in keys for keys in keyed)) for k in claim_keys}
    total = sum(weight.values())
    for (start, end), keys in zip(spans, keyed, strict=True):
        score = sum(weight[k] for k in claim_keys & keys) / total
        if score > best.score:
            best = Span(offset + start, offset + end, score)
    return best
