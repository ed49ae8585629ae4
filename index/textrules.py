"""Every rule about words and sentences, in one place: stopwords, months, sentence
spans, citation markers and figures (names, built on these, are `index.names`).

Ingest (chunking, BM25 queries), question analysis, the support check, citations
and briefs must agree on what a sentence, a name or a "[2]" is; a rule kept in
two modules drifts, and then a sentence the chunker split is judged whole by the
check. Pure functions over strings, no dependencies beyond `re` and `unicodedata`.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterator

# ---- characters ----------------------------------------------------------------
# Invisible in any reader, yet inside a word they split it for every rule below, and for FTS5:
# soft hyphen ("weekend\u00adlong"), zero-width space, word joiner, a byte-order mark mid-text.
_INVISIBLE = dict.fromkeys(map(ord, "\u00ad\u200b\u2060\ufeff"))


def canonical(text: str) -> str:
    """Text as newsrag stores and reads it: Unicode NFC, without invisible word breakers.

    "é" can be one code point or "e" plus a combining accent (221 of RealTimeQA's 4,170 articles write
    the second), and every word rule below splits that form at the accent: "Mladá" typed on a keyboard
    would never meet the article's. Ingest stores text this way; questions are read this way."""
    text = text.translate(_INVISIBLE)
    return text if unicodedata.is_normalized("NFC", text) else unicodedata.normalize("NFC", text)


# ---- words ---------------------------------------------------------------------
WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)?")
# A model or product written as letters then digits in one word ("i3S", "iX3", "EV36Zero", "P7"), which WORD
# splits into letters and a figure: "i3S" would be "i", "3" and "S", so an answer "i3S" only repeated the
# question's "i3". Not a figure with its unit ("4bn", "5th"), which `numbers` reads.
CODED_NAME = re.compile(r"\b[^\W\d_]+\d[^\W_]*\b")


def coded_names(text: str) -> set[str]:
    """The letters-and-digits names a text writes, lower-cased: {"i3s"} for "the i3S"."""
    return {name.lower() for name in CODED_NAME.findall(text)}


# A model or one of a series named by a name and its number ("Polestar 4", "Title 42", "Week 13"): not a year, a
# share, a sum or an ordinal ("WCOTY 2019", "Tesla 5%", "5th").
_NUMBERED_NAME = re.compile(r"\b([A-Z][\w-]*)\s+(\d{1,3})\b(?![.,:/]?\d|\s*(?:%|percent\b|bn\b|m\b|million\b|"
                            r"billion\b))")


def numbered_names(text: str) -> set[str]:
    """The numbered names a text writes, lower-cased: {"polestar 4"} for "the fully-electric Polestar 4"."""
    return {f"{m.group(1).lower()} {m.group(2)}" for m in _NUMBERED_NAME.finditer(text)
            if m.group(1).lower() not in CLAIM_STOPWORDS and m.group(1).lower() not in MONTHS}


# Question and function words: in a BM25 OR-query they carry no evidence and rank
# chunks by how often they say "what" or "the".
SEARCH_STOPWORDS = frozenset(
    "a an and are as at be been but by did do does for from had has have how i in is it its "
    "of on or s that the their there these they this to was were what when where which who "
    "whom why will with would according articles article reported report said says".split()
)

# For judging claims, also words that every news sentence uses ("said", "plans",
# "new") and answer words ("yes"): matching them proves nothing.
CLAIM_STOPWORDS = SEARCH_STOPWORDS | frozenset(
    "about after also any before being between both can could each he here her his if into itself more most much "
    "no not one only other our over she so some such than them then those through under up very we while "
    "you your source sources reports plans plan set new yes thousand million billion trillion per cent percent"
    .split()
)

# Verbs a chat message opens with to ask for something ("Summarise …", "Give me the gist of …", "List …",
# "Remind me, what's …"): an imperative, never a name, though capitalised first.
REQUEST_VERBS = frozenset(
    "tell show give summarise summarize explain list describe name find compare outline remind recap brief walk "
    "fill catch need correct let confirm verify check looking".split()
)

# Common nouns a question writes by their initials ("the Honda / GS Yuasa JV timeline"), read as names: an article
# writes them in words ("a joint venture company") as often. Keys are lower case.
ABBREVIATED_NOUNS = {"jv": "joint venture", "ev": "electric vehicle", "oem": "original equipment manufacturer",
                     "suv": "sport utility vehicle"}

# A person's role: before a name ("CEO Caroline Ellison" names "Caroline Ellison"), or asked about ("Who is JLR's
# engineering director?" asks for a person).
JOB_TITLES = frozenset("ceo cfo coo cto chief executive director founder co-founder boss chair chairman chairwoman "
                       "president spokesperson spokesman spokeswoman minister senator judge engineer analyst manager "
                       "coach governor mayor".split())

# Words that open a clause but never a name: "Unlike FTX" and "Using Caroline Ellison" name FTX and
# Caroline Ellison; "Considering the information from …" (27 MultiHop-RAG questions) and "Based on …" (3) name
# nothing. Not yet "Approximately how many …": read as a name no article writes, it refused four RealTimeQA
# questions that, without it, got wrong answers (a month's figure for last year's, 2021's share for today's).
CLAUSE_OPENERS = CLAIM_STOPWORDS | frozenset(
    "unlike like using despite amid among following including without within across against toward towards "
    "via upon during until since although though because once considering regarding concerning based".split()
)

MONTH_NAMES = ("january", "february", "march", "april", "may", "june", "july", "august", "september",
               "october", "november", "december")
WEEKDAYS = frozenset("monday tuesday wednesday thursday friday saturday sunday".split())
MONTHS = {name: number for number, name in enumerate(MONTH_NAMES, start=1)}
# "Sept." and "Oct" as well as the full names; keys are lower case.
MONTH_ABBREVIATIONS = {name[:3]: number for name, number in MONTHS.items()} | {"sept": 9}
MONTH_PATTERN = "|".join(name.capitalize() for name in MONTH_NAMES)  # for regexes over article text

# Counts written in words, as news style spells small counts out: "a five-year ban" backs "5 years"
# and "three plants" backs "3 plants". Not "one" ("one of the largest", "no one") and not ordinals.
NUMBER_WORDS = {word: number for number, word in enumerate(
    "two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen seventeen "
    "eighteen nineteen twenty".split(), start=2)} | {
    word: number for number, word in zip(range(30, 100, 10), "thirty forty fifty sixty seventy eighty ninety".split())}
_TENS = "|".join(word for word, n in NUMBER_WORDS.items() if n >= 20)
_UNITS = {"one": 1} | {word: n for word, n in NUMBER_WORDS.items() if n < 10}
_NUMBER_WORD = re.compile(rf"\b(?:({_TENS})[-\s]({'|'.join(_UNITS)})|({'|'.join(NUMBER_WORDS)}))\b", re.IGNORECASE)

_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
_SCALES = {"thousand": "k", "k": "k", "million": "m", "mn": "m", "m": "m", "billion": "b", "bn": "b",
           "trillion": "t", "tn": "t"}
_SCALED = re.compile(r"(\d+(?:[.,]\d+)*)(?:\s*(thousand|million|billion|trillion|mn|bn|tn)|(k|m))\b", re.IGNORECASE)
_KEY_PREFIX = 6
_SUFFIXES = ("ing", "ed", "es", "s")


@functools.lru_cache(maxsize=1 << 16)
def word_key(word: str) -> str:
    """A crude stem: "opened", "opens" and "opening" meet at "open"; compared by a 6-letter prefix."""
    word = word.lower().replace("’", "'")
    if word.endswith("'s"):
        word = word[:-2]
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            word = word[: -len(suffix)]
            break
    return word[:_KEY_PREFIX]


def is_content_word(word: str) -> bool:
    """Words that carry meaning: 3+ letters, or a 2-letter acronym ("US", "UK", "EV")."""
    lower = word.lower()
    return (len(word) > 2 or (len(word) == 2 and word.isupper())) and lower not in CLAIM_STOPWORDS \
        and lower not in MONTHS and lower not in NUMBER_WORDS


# "U.S.", "U.K.", "U.N.", "D.C.": news style dots the acronyms that questions and answers write "US" or "UK".
# Letter by letter they are no word at all, so a question about the US found no "US" in its articles.
_DOTTED_ACRONYM = re.compile(r"\b(?:[A-Z]\.){2,}")


def undotted(text: str) -> str:
    """The text with dotted acronyms written as one word: "U.S. airports" → "US airports"."""
    return _DOTTED_ACRONYM.sub(lambda m: m.group().replace(".", ""), text) if "." in text else text


def content_keys(text: str) -> set[str]:
    return set(_content_keys(text))


@functools.lru_cache(maxsize=1024)
def _content_keys(text: str) -> frozenset[str]:
    """Kept for the texts read again: the support check reads each retrieved article for every sentence."""
    return frozenset(word_key(w) for w in WORD.findall(undotted(text)) if is_content_word(w))


def _figure(digits: str) -> str:
    return digits.replace(",", "").lstrip("0") or "0"


# A date written in figures: ISO 2024-06-01 (also leading a timestamp; not 2011-12, a season as often as a
# month) or m/d/yyyy (d/m/yyyy where the first part cannot be a month).
_NUMERIC_DATE = re.compile(r"\b(\d{4})-(\d{1,2})-(\d{1,2})(?![\d-])|\b(\d{1,2})/(\d{1,2})/(\d{4})\b")


def _month(number: str) -> str:
    return f"month:{int(number)}"


def _date_figures(match: re.Match[str]) -> set[str] | None:
    """The year, the month (as a month) and the day of a numeric date; None if no part can be a month."""
    year, month, day, first, second, slash_year = match.groups()
    if year is not None:
        return {_figure(year), _month(month), _figure(day)} if 1 <= int(month) <= 12 else None
    if 1 <= int(first) <= 12:
        return {_figure(slash_year), _month(first), _figure(second)}
    if 1 <= int(second) <= 12:
        return {_figure(slash_year), _month(second), _figure(first)}
    return None


def _in_figures(match: re.Match[str]) -> str:
    tens, unit, word = match.groups()
    if word is not None:
        return str(NUMBER_WORDS[word.lower()])
    return str(NUMBER_WORDS[tens.lower()] + _UNITS[unit.lower()])


def with_figures(text: str) -> str:
    """The text with its counts written in words as figures: "a five-year ban" → "a 5-year ban"."""
    return _NUMBER_WORD.sub(_in_figures, text)


def numbers(text: str) -> set[str]:
    """Figures, without thousands separators or leading zeros; a scaled figure also with its scale, so
    "$5 million" = "$5m" = "5mn" while "$5 billion" is another figure. Counts written in words are their
    figures ("five-year" gives "5", "twenty-five" "25"). A month is a figure of its own:
    "June", "2024-06-01" and "6/1/2024" share "month:6", which "6 plants" does not have, so a claimed
    count is never backed by a month's name. Month names and abbreviations count capitalised ("may" is a verb)."""
    figures: set[str] = set()
    text = with_figures(text)
    for match in _NUMERIC_DATE.finditer(text):
        if (found := _date_figures(match)) is not None:
            figures |= found
            text = text[: match.start()] + " " * (match.end() - match.start()) + text[match.end():]
    figures |= {_figure(n) for n in _NUMBER.findall(text)}
    figures |= {_figure(m.group(1)) + _SCALES[(m.group(2) or m.group(3)).lower()] for m in _SCALED.finditer(text)}
    return figures | {_month(str(month)) for w in WORD.findall(text) if w[0].isupper() and (month := month_number(w))}


# What a calendar writes, not an amount: "June 14, 1777" answers when, never how many stars. A year stands
# alone (not "$2025", "2025%" or "2,025"); a day sits beside its month, either side.
_MONTH_WORD = rf"(?:{MONTH_PATTERN}|{'|'.join(a.capitalize() for a in MONTH_ABBREVIATIONS)})\.?"
_CALENDAR = re.compile(rf"\b{_MONTH_WORD}\s+\d{{1,2}}(?:st|nd|rd|th)?\b(?!,\d)|\b\d{{1,2}}(?:st|nd|rd|th)?\s+"
                       rf"(?:of\s+)?{_MONTH_WORD}(?!\w)|(?<![$£€¥\d.,])\b(?:1[5-9]|20)\d{{2}}\b(?![.,]\d|\s*%)")


# A figure that says which one, not how many: "generation six batteries", "Phase 2", "Level 3 autonomy".
_LABEL = re.compile(r"\b(?:generation|gen|phase|stage|version|series|level|tier|class)\s+\d+\b(?![.,]\d)",
                    re.IGNORECASE)


def amounts(text: str) -> set[str]:
    """The figures a text states as amounts, each once ("$920m" is one, not "920" and "920m"): no month,
    no day of a month, no year and no label. "How many stars were on the first US flag?" is not answered by
    "approved … on June 14, 1777", nor "How many battery cells will BMW make?" by "its generation six batteries"."""
    return {f for f in numbers(_without_calendar(text)) if f.replace(".", "", 1).isdigit()}


def _without_calendar(text: str) -> str:
    """The text with counts written in words as figures, and its dates and labels blanked."""
    return _LABEL.sub(" ", _CALENDAR.sub(" ", _NUMERIC_DATE.sub(" ", with_figures(text))))


# "five times", "three occasions": a count of whatever the sentence tells, not of a thing. "Led Syracuse to the
# Final Four five times" and "made five Final Four trips" give the same count.
EVENT_COUNTERS = frozenset(word_key(w) for w in ("times", "occasions", "instances"))
_COUNT_ENDS = SEARCH_STOPWORDS | (CLAUSE_OPENERS - CLAIM_STOPWORDS)  # "1,000 new jobs in", "five times during"
# A figure and the words after it, up to a function word: "1,000 new jobs in …", "20-star flag", "three EV models".
_FIGURE_AND_WORDS = re.compile(rf"(?<![\w.])({_NUMBER.pattern}(?:\s*(?:thousand|million|billion|trillion)\b)?)"
                               r"((?:(?:-|\s+)[^\W\d_]+){0,3})", re.IGNORECASE)


def counted(text: str) -> dict[str, list[frozenset[str]]]:
    """Each figure the text states as an amount, with what it counts each time it is stated (the content
    words right after it, up to a function word; empty for "$920m in Ohio" or a bare "1,000"). A year or a
    day is no count. "… make three EV models" counts models; it gives no count of gigafactories."""
    found: dict[str, list[frozenset[str]]] = {}
    for figure, after in _figures_and_words(text):
        words = WORD.findall(after)
        ends = next((i for i, w in enumerate(words) if w.lower() in _COUNT_ENDS), len(words))
        ends = min(ends, 1) if after.startswith("-") else ends  # "3,000-step battery cell …" counts steps
        things = frozenset(word_key(w) for w in words[:ends] if is_content_word(w))
        things = frozenset() if things & EVENT_COUNTERS else things
        found.setdefault(figure, []).append(things)
    return found


def measures(text: str) -> set[str]:
    """The figures a text states only joined to a word ("3,000-step process", "five-year plan"): each a measure
    of that word, never a count of what follows. "How BMW will maintain quality in its 3,000-step battery cell
    production process" does not say how many cells BMW makes."""
    joined: set[str] = set()
    loose: set[str] = set()
    for figure, after in _figures_and_words(text):
        (joined if after.startswith("-") else loose).add(figure)
    return joined - loose


def _figures_and_words(text: str) -> Iterator[tuple[str, str]]:
    """Each figure stated as an amount ("2.5m", not "2.5"), with the words right after it."""
    for m in _FIGURE_AND_WORDS.finditer(_without_calendar(text)):
        yield max(numbers(m.group(1)), key=len), m.group(2)


def counts_of(text: str, noun: str) -> set[str]:
    """The figures a text gives as counts of `noun`: "… could create 1,000 jobs" counts jobs 1000;
    "The 20-star flag …" counts stars 20."""
    key = word_key(noun)
    return {figure for figure, things in counted(text).items() if any(key in t for t in things)}


# A sum of money: "$920m", "£4bn", "US$1.5 billion", "€170 million", "5 million euros", "Rs 500 crore".
_CURRENCY_SIGN = r"(?:[A-Z]{1,2})?[$£€¥₹]|\b(?:USD|EUR|GBP|JPY|CNY|Rs\.?)\s*"
_CURRENCY_WORD = r"\s*(?:dollars?|pounds?|euros?|yen|yuan|rupees?|francs?|crore|lakh)\b"
_SCALE_WORD = r"(?:thousand|million|billion|trillion|mn|bn|tn)"
_MONEY = re.compile(rf"(?:{_CURRENCY_SIGN})\s*({_NUMBER.pattern}(?:\s*(?:{_SCALE_WORD}|k|m|b)\b)?)|"
                    rf"({_NUMBER.pattern}(?:\s*{_SCALE_WORD})?){_CURRENCY_WORD}", re.IGNORECASE)


def money(text: str) -> set[str]:
    """The sums of money a text states (as `numbers` writes them): "three EV models" is none, "£4bn" is one.
    "How much will Nissan invest …?" is answered by a sum, not by a count."""
    return {figure for m in _MONEY.finditer(with_figures(text)) for figure in numbers(m.group(1) or m.group(2))}


def month_number(word: str) -> int | None:
    """1–12 for a month's name or its abbreviation ("Sept", "Dec"), any case; None for any other word."""
    lower = word.lower()
    return MONTHS.get(lower) or MONTH_ABBREVIATIONS.get(lower)


# ---- sentences -----------------------------------------------------------------
# A sentence ends at . ! ? (plus closing quotes/brackets) before white space, or at a line break.
_BOUNDARY = re.compile(r"([.!?][\"”’)\]]*)\s+|\n\s*")
# Words whose period does not end a sentence ("St. Thomas", "Dr. Jones") and initials ("U.S. officials",
# "J. K. Rowling"); a sentence that truly ends in one joins the next, the cheaper mistake.
_NO_END_WORDS = frozenset("St Mr Mrs Ms Dr Prof Sen Rep Gov Gen Lt Col Capt Sgt Jr Sr Mt Ft No vs etc".split())
_INITIALS = re.compile(r"(?:[A-Z]\.)*[A-Z]")
_SHORT_MONTHS = frozenset(MONTH_ABBREVIATIONS) - frozenset(MONTHS)  # "sept", "aug"; not "may", a whole name


def period_ends_sentence(text: str, period: int, next_start: int) -> bool:
    words = text[max(0, period - 16):period].split()
    word = words[-1].lstrip("([\"“‘'") if words else ""
    if word in _NO_END_WORDS or _INITIALS.fullmatch(word):
        return False
    # A month's abbreviation before a day ("Sept. 12", "Aug. 21, 2017", news style): cut there, the fact
    # loses its date and a "12." reads as a sentence of its own.
    return not (word[:1].isupper() and word.lower() in _SHORT_MONTHS and text[next_start:next_start + 1].isdigit())


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence or line in `text`, white space trimmed."""
    spans: list[tuple[int, int]] = []
    start = 0
    for m in _BOUNDARY.finditer(text):
        if m.group(1) and m.group(1).startswith(".") and not period_ends_sentence(text, m.start(), m.end()):
            continue
        end = m.end(1) if m.group(1) else m.start()
        if text[start:end].strip():
            spans.append((start, end))
        start = m.end()
    if text[start:].strip():
        spans.append((start, len(text.rstrip())))
    return spans


# Page furniture that scraped articles keep as text: "2023-06-28T00:14:00+01:00By Christopher Ludwig".
# It is "in the source", so a support check passes it; it states nothing.
_TIMESTAMP = re.compile(r"\b\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?")
_BYLINE = re.compile(r"(?:^\s*|(?<=\d))By\s+[A-Z][\w'’.-]*(?:\s+[A-Z][\w'’.-]*){0,3}")
_STATEMENT_WORDS = 3


def states_something(text: str) -> bool:
    """Does a sentence say anything once timestamps, bylines and citation markers are taken out?"""
    bare = _TIMESTAMP.sub(" ", _BYLINE.sub(" ", MARKER.sub(" ", text)))
    return len(content_keys(bare)) >= _STATEMENT_WORDS


# ---- citation markers ----------------------------------------------------------
MARKER = re.compile(r"\[\s*(\d+(?:\s*[,;]\s*\d+)*)\s*\]")
OPEN_MARKER = re.compile(r"\[[\d,; ]*$")  # an unfinished "[12" at the end of streamed text


def marker_numbers(marker: re.Match[str]) -> list[int]:
    return [int(n) for n in re.split(r"[,;]", marker.group(1))]


def cited_numbers(text: str) -> list[int]:
    """Source numbers cited in `text`, in order, each once ("[2] … [1, 2]" → [2, 1])."""
    return list(dict.fromkeys(n for m in MARKER.finditer(text) for n in marker_numbers(m)))


def strip_markers(text: str) -> str:
    return MARKER.sub("", text).strip()
