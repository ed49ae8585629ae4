"""A claim that restates what its passage denies: the passage's "no" or "not" dropped.

The support check counts shared words, and "not" is a stopword there, so "unidentified objects have been observed
flying over the United States by the Pentagon" passed on "no unidentified objects have been observed flying over
the United States by the Pentagon the last few days" (RealTimeQA 401–500, rt-20241220_20): every word is in the
passage, and the claim says the opposite of it. A claim is read as dropping a negation when a clause of it writes
the words a passage sentence negates (the first two content words after its "no", "not", "never" …) and holds no
negation of its own, neither a negating word nor a verb that denies ("declined", "failed", "ruled out"): the model
may put "did not" as "failed to". A negation whose words the claim does not write ("The plant, which did not exist
in 2020, will open in 2025" for "The plant will open in 2025") is not the claim's.
"""

from __future__ import annotations

import functools
import re

from index.textrules import WORD, content_keys, is_content_word, sentence_spans, undotted, word_key

# Words that deny what follows them. "n't" is matched on its own: WORD reads "didn't" as one word.
_NEGATOR = re.compile(r"\b(?:not|no|never|none|nothing|nobody|neither|nor|cannot|without)\b|n['’]t\b", re.IGNORECASE)
# Phrases opening with a negator that deny nothing: "not only … but", "no doubt", "none other than".
_NOT_DENYING = re.compile(r"\b(?:not\s+(?:only|just|least|yet\s+clear)|no\s+(?:doubt|matter)|nothing\s+but|"
                          r"none\s+other|never\s+before)\b", re.IGNORECASE)
# A claim's own ways of denying, by word key: "declined to endorse" says what "did not endorse" says.
_DENYING_KEYS = frozenset(word_key(w) for w in (
    "deny denied declined refused failed rejected ruled halted stopped lacks lacked absent cancelled canceled "
    "scrapped dropped ended abandoned barred banned unable".split()))
# A claim's clauses, each judged on its own ("A opened, while B did not …"); a negation reaches to the end of its
# clause, or of a "though" or "because" inside it.
_JOINS = r"but|while|whereas|although|and"
_CLAUSE = re.compile(rf"[,;:]|\b(?:{_JOINS})\b", re.IGNORECASE)
_SCOPE_END = re.compile(rf"[,;:.!?()\"“”]|\b(?:{_JOINS}|though|because)\b", re.IGNORECASE)
_SCOPE_WORDS = 2
# A negation that only bounds a time ("not … until 2026" says when) or a condition ("not … unless") denies nothing
# the claim drops; "no longer" denies what follows "longer".
_BOUNDING = re.compile(r"\b(?:until|unless|till)\b", re.IGNORECASE)
_LONGER = re.compile(r"^\s*longer\b", re.IGNORECASE)


def _negated_words(sentence: str) -> list[frozenset[str]]:
    """For each negation in the sentence, the keys of the first content words it denies ("no unidentified objects
    have been …" → {unidentified, object})."""
    found = []
    for match in _NEGATOR.finditer(sentence):
        if _NOT_DENYING.match(sentence, match.start()):
            continue
        rest = _LONGER.sub("", sentence[match.end():])
        end = _SCOPE_END.search(rest)
        scope = rest[: end.start() if end else len(rest)]
        words = [word_key(w) for w in WORD.findall(undotted(scope)) if is_content_word(w)]
        if words and not _BOUNDING.search(scope):
            found.append(frozenset(words[:_SCOPE_WORDS]))
    return found


def drops_negation(claim: str, passage: str) -> bool:
    """Does a clause of the claim write what a sentence of the passage negates, without negating it?"""
    if not _NEGATOR.search(passage):
        return False
    negated, written = _denials(passage)
    if not any(negated):
        return False
    for clause in _CLAUSE.split(claim):
        keys = content_keys(clause)
        if not keys or keys & _DENYING_KEYS or _NEGATOR.search(clause):  # the clause denies something itself
            continue
        # The clause rests on the sentences writing most of it; what one of them denies, the clause may not say.
        overlap = [len(keys & sentence_keys) for sentence_keys in written]
        best = [i for i, shared in enumerate(overlap) if shared == max(overlap)]
        if all(any(words <= keys for words in negated[i]) for i in best):
            return True
    return False


@functools.lru_cache(maxsize=256)
def _denials(passage: str) -> tuple[tuple[list[frozenset[str]], ...], tuple[set[str], ...]]:
    """Per sentence of the passage, what its negations deny and the words it writes. Cached: the support check
    reads each retrieved article again for every sentence of an answer."""
    sentences = [passage[start:end] for start, end in sentence_spans(passage)]
    return (tuple(_negated_words(sentence) for sentence in sentences),
            tuple(content_keys(sentence) for sentence in sentences))
