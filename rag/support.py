"""Does a source passage support an answer sentence? A transparent lexical check.

A claim is supported when most of its content words occur in the cited passage
and every number it states appears there too (a wrong figure is the costliest
hallucination in news summaries). Words are compared by a 6-letter prefix, so
"manufacture" matches "manufactured" without a stemmer dependency. It is
deliberately simple, so that a user can predict it; eval/ measures how often it
agrees with human judgement.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from index.chunker import sentence_spans

SUPPORT_THRESHOLD = 0.5
_PREFIX = 6
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)?")
_STOP = frozenset(
    "a about after also an and any are as at be been before being between both but by can could did do "
    "does each for from had has have he her here his how if in into is it its itself more most much no "
    "not of on one only or other our over she so some such than that the their them then there these "
    "they this those through to under up very was we were what when where which while who whom why will "
    "with would you your according article articles source sources report reported reports said says "
    "plans plan set also new yes".split()
)


_MONTHS = {m: str(i) for i, m in enumerate(
    "january february march april may june july august september october november december".split(), start=1)}
_SUFFIXES = ("ing", "ed", "es", "s")


def _key(word: str) -> str:
    word = word.lower().replace("’", "'")
    if word.endswith("'s"):
        word = word[:-2]
    for suffix in _SUFFIXES:  # "opened" and "opens" meet at "open"
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            word = word[: -len(suffix)]
            break
    return word[:_PREFIX]


def _is_content(word: str) -> bool:
    """Words that carry meaning: 3+ letters, or a 2-letter acronym ("US", "UK", "EV")."""
    return (len(word) > 2 or (len(word) == 2 and word.isupper())) and word.lower() not in _STOP \
        and word.lower() not in _MONTHS


def content_keys(text: str) -> set[str]:
    return {_key(w) for w in _WORD.findall(text) if _is_content(w)}


def numbers(text: str) -> set[str]:
    """Figures, without thousands separators or leading zeros ("06" = "6" = "June")."""
    figures = {n.replace(",", "").lstrip("0") or "0" for n in _NUMBER.findall(text)}
    return figures | {_MONTHS[w.lower()] for w in _WORD.findall(text) if w.lower() in _MONTHS}


def names(text: str) -> set[str]:
    """Capitalised words not opening a sentence: the companies, places and people a claim is about."""
    found = set()
    for sentence in re.split(r"(?<=[.!?])\s+", text):
        words = _WORD.findall(sentence)
        found.update(_key(w) for w in words[1:]
                     if w[0].isupper() and w.lower() not in _STOP and w.lower() not in _MONTHS)
    return found


def named_keys(text: str) -> set[str]:
    """Keys of the names in `text`, its first word included when capitalised ("Rivian will…")."""
    first = _WORD.findall(text)[:1]
    subject = content_keys(first[0]) if first and first[0][:1].isupper() else set()
    return (names(text) | subject) & content_keys(text)


def _acronyms(text: str) -> set[str]:
    """Initials of runs of capitalised words: "Jaguar Land Rover" also answers to "JLR"."""
    found = set()
    for run in re.findall(r"(?:[A-Z][\w'’-]*\s+){1,4}[A-Z][\w'’-]*", text):
        words = run.split()
        for i in range(len(words)):
            for j in range(i + 2, len(words) + 1):
                found.add(_key("".join(w[0] for w in words[i:j])))
    return found


def support_score(claim: str, passage: str, given: str = "") -> float:
    """Share of the claim's new content words found in the passage.

    `given` is what the reader supplied (the question, a brief's topic): restating
    it is context, not a claim, so only the rest must be found in the passage.
    0 when a new figure or a new name is missing from the passage: a claim about
    a company, place or person the source never mentions is not supported by it,
    however many other words match.
    """
    claim_keys = content_keys(claim)
    passage_keys = content_keys(passage)
    # The question is context only for a sentence that adds to it (one that merely
    # restates it, "Yes, X did Y", must be supported in full), and only when the
    # passage is about the question at all: it names one of the question's subjects.
    # Otherwise "Rivian will use …" passes on an article that is about BMW.
    given_keys = content_keys(given) | numbers(given)
    subjects = named_keys(given)
    if not claim_keys - given_keys or (subjects and not subjects & passage_keys):
        given_keys = set()
    if not (numbers(claim) - given_keys) <= numbers(passage):
        return 0.0
    if not claim_keys:
        return 1.0 if numbers(claim) else 0.0
    missing = named_keys(claim) - passage_keys - given_keys
    if missing and not missing <= _acronyms(passage):
        return 0.0
    basis = (claim_keys - given_keys) or claim_keys
    return len(basis & passage_keys) / len(basis)


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
