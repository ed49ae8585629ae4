"""Names in text: the companies, places and people a question, a claim or an article is about, as written
("Jaguar Land Rover"), by initials ("JLR") or by a short form ("Epic", "Bankman-Fried"), and which of them a
question is about. Built on `index.textrules`' words and sentences; pure functions over strings."""

from __future__ import annotations

import re

from index.countries import NATIONALITIES, names_country_of
from index.textrules import (ABBREVIATED_NOUNS, CLAIM_STOPWORDS, CLAUSE_OPENERS, JOB_TITLES, MARKER, MONTHS,
                             REQUEST_VERBS, WEEKDAYS, WORD, content_keys, period_ends_sentence, undotted, word_key)

_NAME_RUN = re.compile(r"(?:[A-Z][\w&'’.-]*)(?:[ \t]+(?:[A-Z][\w&'’.-]*|of|de))*")
_CLAUSE = re.compile(r"(?:^|[.!?:;]\s+|\n)")
_NAME_CUT = re.compile(r"(?<=\w)['’]s(?:\s+|$)|(?<=\w)\.\s+")  # a possessive, or a period that may end a sentence


def name_keys(text: str) -> set[str]:
    """Keys of capitalised words not opening a sentence: the companies, places and people a claim is about."""
    found = set()
    for sentence in re.split(r"(?<=[.!?])\s+", undotted(text)):  # "the U.S. Senate": no sentence ends there
        words = WORD.findall(sentence)
        found.update(word_key(w) for w in words[1:] if w[0].isupper() and w.lower() not in CLAIM_STOPWORDS
                     and w.lower() not in MONTHS and w.lower() not in WEEKDAYS)
    return found


def named_keys(text: str) -> set[str]:
    """Keys of the names in `text`, its first word included when capitalised ("Rivian will…")."""
    first = WORD.findall(text)[:1]
    subject = (content_keys(first[0]) if first and first[0][:1].isupper() and not _is_run_on(first[0])
               and first[0].lower() not in REQUEST_VERBS else set())
    run_on = {word_key(w) for w in WORD.findall(text) if ("'" in w or "’" in w) and _is_run_on(w)}  # "I'm"
    return ((name_keys(text) - run_on) | subject) & content_keys(text)


def nationality_keys(text: str) -> set[str]:
    """Keys of the nationalities `text` writes ("US", "Europeans"), less a key that another word of it shares
    ("Germany" stays beside "German")."""
    capitalised = [w for w in WORD.findall(undotted(text)) if w[:1].isupper()]
    nationalities = {word_key(w) for w in capitalised if _is_nationality(w)}
    return nationalities - {word_key(w) for w in capitalised if not _is_nationality(w)}


def _is_nationality(word: str) -> bool:
    return bool({word.lower(), word.lower().removesuffix("s")} & NATIONALITIES)


def subject_keys(text: str) -> set[str]:
    """Keys of the names a question or topic is about: its names less the nationalities that describe them
    (`nationality_keys`), and its first word only as part of a name ("Sam Bankman-Fried was …", "BMW's", not
    "Roughly how many …")."""
    names = name_keys(text) | {key for run in name_runs(text) for key in content_keys(run)}
    return names & content_keys(text) - nationality_keys(text) - {word_key(day) for day in WEEKDAYS}


def _is_possessive(cut: re.Match[str]) -> bool:
    return cut.group().startswith(("'", "’"))


def name_runs(text: str) -> tuple[str, ...]:
    """Whole names as written ("Jaguar Land Rover", "BMW"): runs of capitalised words, where a
    clause-initial single word counts only if it is an acronym ("BMW", not "Collaboration") or
    possessive ("Tesla’s"). A run is cut where a sentence ends and at a possessive ("OpenAI’s GPT-4"
    is two names), and loses a clause-initial function word ("When Google" is "Google"), job titles
    ("CEO Caroline Ellison") and a dangling "of"."""
    text = MARKER.sub("", text)
    starts = {m.end() for m in _CLAUSE.finditer(text)}
    found = []
    for match in _NAME_RUN.finditer(text):
        at = match.start()
        cuts = [m for m in _NAME_CUT.finditer(match.group())
                if _is_possessive(m) or period_ends_sentence(text, at + m.start(), at + m.end())]
        bounds = [0, *(x for m in cuts for x in (m.start(), m.end())), len(match.group())]
        for a, b, cut in zip(bounds[::2], bounds[1::2], [*cuts, None], strict=True):
            words = match.group()[a:b].strip(" .'’").split()
            at_start = match.start() + a in starts
            if at_start and len(words) > 1 and (words[0].lower() in CLAUSE_OPENERS or _is_run_on(words[0])):
                words, at_start = words[1:], False
            while len(words) > 1 and (words[0].lower() in JOB_TITLES or words[0] in ("of", "de")):
                words = words[1:]
            while words and words[-1] in ("of", "de"):
                words.pop()
            name = " ".join(words)
            possessive = cut is not None and _is_possessive(cut)
            if " " not in name and (possessive or "'" in name or "’" in name) and _is_run_on(name):
                continue
            if (len(name) < 2 or name.lower() in JOB_TITLES
                    or (at_start and " " not in name and not name.isupper() and not possessive)):
                continue
            found.append(name)
    return tuple(dict.fromkeys(found))


# Words that a name writes in lower case ("Republic of Serbia") and a headline in title case capitalises.
_TITLE_CASED = frozenset("a an and as at by for from in is of on or the to will with".split())


def in_title_case(text: str) -> bool:
    """Is the text a headline in title case ("JLR & BMW Will Collaborate On Electric Car Powertrains")? Its
    capitalised words are not all names, as those of "Novi Sad, Republic of Serbia" are."""
    return any(m.group().lower() in _TITLE_CASED and m.group()[:1].isupper()
               and not re.search(r"(?:^|[.!?:;“\"‘(])\W*$", text[:m.start()]) for m in WORD.finditer(text))


def _is_run_on(word: str) -> bool:
    """"What's", "Here's", "I'm" (or the word before its "'s"), "Isn't", "Didn't": a function word with a verb or
    a "not" run on, never a name or a name's possessive."""
    lower = word.lower()
    return re.split(r"['’]", lower)[0] in CLAUSE_OPENERS or bool(re.fullmatch(r"[a-z]+n['’]t", lower))


def acronym_keys(text: str) -> set[str]:
    """Initials of runs of capitalised words: "Jaguar Land Rover" also answers to "JLR"."""
    found = set()
    for run in re.findall(r"(?:[A-Z][\w'’-]*\s+){1,4}[A-Z][\w'’-]*", text):
        words = run.split()
        for i in range(len(words)):
            for j in range(i + 2, len(words) + 1):
                found.add(word_key("".join(w[0] for w in words[i:j])))
    return found


def names_written(names_of: str, text: str) -> set[str]:
    """The name keys of `names_of` that `text` writes capitalised (its "electric motor" is not "General
    Motors"), a name's initials standing for all its words ("GM" in `text` writes "General Motors"), and
    `text`'s names for their initials ("Jaguar Land Rover" writes "JLR"). A common noun's initials are written by
    its words ("joint venture" writes "JV": `ABBREVIATED_NOUNS`), a nationality by its country ("France" writes
    "French")."""
    keys = {word_key(w) for w in WORD.findall(undotted(text)) if w[:1].isupper()} | acronym_keys(text)
    wanted = named_keys(names_of)
    found = wanted & keys
    for name in name_runs(names_of):
        if initials(name) and word_key(initials(name)) in keys:
            found |= wanted & content_keys(name)
    for key in wanted - found:
        words = ABBREVIATED_NOUNS.get(key) or ABBREVIATED_NOUNS.get(key.removesuffix("s"))  # "EVs"
        if words and re.search(rf"\b{words}", text, re.IGNORECASE):
            found.add(key)
    for word in WORD.findall(names_of):  # the nationality as written: "Britishvolt" shares the key of "British"
        if word_key(word) in wanted - found and names_country_of(word, text):
            found.add(word_key(word))
    return found


def written_keys(names_of: str, text: str) -> set[str]:
    """The keys `text` writes, in words or as `names_written` reads `names_of`'s names in it (by initials, a
    nationality by its country): what a question's or claim's names are looked up in."""
    return content_keys(text) | names_written(names_of, text)


# A company's name without these still names it ("Epic" for "Epic Games", "Tata" for "Tata Group").
CORPORATE_SUFFIXES = frozenset("group games automotive motors motor inc corp corporation company co holdings "
                               "technologies technology industries ltd limited ag se plc llc mobility".split())
# Too common to stand for a company alone ("General" of "General Motors"), or the head of a place's name
# ("South Carolina" is not "Carolina").
_NOT_A_SHORT_NAME = frozenset("general american national united first new global international north south east "
                              "west san los las saint st great upper lower".split())


def short_name_keys(name: str) -> list[set[str]]:
    """Keys of the shorter forms a story uses for a name after its first mention: a company's without its
    suffix ("Epic" for "Epic Games"), a person's surname ("Bankman-Fried", "Altman"). Empty for a one-word
    name, and for names whose short form would name something else ("General", "Carolina")."""
    words = name.split()
    if len(words) < 2:
        return []
    forms = []
    core = list(words)
    while core and core[-1].lower() in CORPORATE_SUFFIXES:
        core.pop()
    if core and len(core) < len(words) and not (len(core) == 1 and core[0].lower() in _NOT_A_SHORT_NAME):
        forms.append(content_keys(" ".join(core)))
    first, last = words[0].lower(), words[-1].lower()
    if len(words) == 2 and last not in CORPORATE_SUFFIXES and first not in _NOT_A_SHORT_NAME:
        forms.append(content_keys(words[-1]))
    return [form for form in forms if form]


def writes_name(name: str, text: str) -> bool:
    """Whether `text` writes the name `name`: every word capitalised, its initials, or a short form."""
    keys = named_keys(name) or content_keys(name)
    written = names_written(name, text)
    return bool(keys) and (keys <= written or any(form <= written for form in short_name_keys(name)))


_OPENING_RUN = re.compile(r"[A-Z][\w&.-]*(?:['’]s\b)?(?:[ \t]+[A-Z][\w&.-]*(?:['’]s\b)?){0,3}")
_LEADING_WORD = re.compile(r"[\W_]*([^\W\d_]+)[\s,]+")


def opening_name(sentence: str, capitalised: set[str]) -> str:
    """The name a sentence opens with, after its clause openers ("Ellison" of "Ellison’s tenure as CEO …",
    "DeepMind" of "DeepMind, Google’s premier AI lab, …"): up to four capitalised words, cut at a possessive.
    A single word counts if possessive, with a capital inside ("BMW", "DeepMind"), or in `capitalised` (keys of
    the words its text writes capitalised mid-sentence), so "Unfortunately, …" opens with none."""
    rest = sentence
    while (lead := _LEADING_WORD.match(rest)) and lead.group(1).lower() in CLAUSE_OPENERS:
        rest = rest[lead.end():]
    run = _OPENING_RUN.match(rest.lstrip(" \t\n\"'“‘("))
    if not run:
        return ""
    name, *after = re.split(r"['’]s\b", run.group(), maxsplit=1)
    name = name.strip(" .")
    if name.lower() in CLAIM_STOPWORDS:  # "Here's", "It's"
        return ""
    inner_capital = any(c.isupper() for c in name[1:])  # "DeepMind", "OpenAI", "U.S"
    if " " not in name and not (after or inner_capital or word_key(name) in capitalised):
        return ""
    return name


def initials(name: str) -> str:
    """"JLR" for "Jaguar Land Rover"; "" for a one-word name."""
    words = name.split()
    return "".join(w[0] for w in words) if len(words) > 1 else ""


def by_initials(text: str) -> str:
    """`text` with its names of several words written as initials: "General Motors plants" → "GM plants"."""
    for name in name_runs(text):
        if initials(name):
            text = text.replace(name, initials(name))
    return text
