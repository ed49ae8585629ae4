"""What kind of thing a question asks for, and whether an answer gives it.

"How many workers will ACC employ?" is not answered by "ACC has held the inauguration of its new gigafactory",
though every word of it is in the article: the support check says an answer is true, not that it answers. A
small model often points at the right article's wrong line, so an answer (or the evidence quoted in its stead)
must give the kind of thing asked for: a figure for "how many" (a year is none), a sum for "how much … invest",
a place for "where", a time for "when", a name for "who", "which company" or "which country". Each rule keeps
beside it the question that called for it. The question shapes other modules read too (a person or a company
asked for, which `rag.query` reads as a description of one entity through several reports) live here, in one
place.
"""

from __future__ import annotations

import re

from index.names import CORPORATE_SUFFIXES, in_title_case, initials, named_keys, nationality_keys
from index.textrules import (EVENT_COUNTERS, JOB_TITLES, MONTH_PATTERN, WEEKDAYS, WORD, amounts, content_keys,
                             counts_of, measures, money, month_number, numbers, strip_markers, undotted, word_key)
from rag.yes_no import CLAUSE_OPENS

# "Did GM invest more in Ohio than BMW in South Carolina?": a verdict that needs two amounts.
_AMOUNT_COMPARISON = re.compile(r"\b(?:more|less|fewer|larger|bigger|higher|lower|greater|smaller|cheaper|"
                                r"costlier)\b(?:\s+[\w$€£%.,'’-]+){0,6}?\s+than\b", re.IGNORECASE)
# "How many workers …?", "What percentage of …?", "What is the driving range of …?", "… capacity in GWh …?":
# answered by a figure.
_ASKS_AMOUNT = re.compile(r"\bhow (?:many|much)\b|\bwhat (?:percentage|percent|proportion|number|amount|sum)\b|"
                          r"\bwhat (?:is|was|are|were|will be) (?:the |its |their )?(?:[\w-]+ ){0,2}?(?:capacity|range|"
                          r"price|cost|value|size|population|revenue|output|budget|salary|valuation|speed|length|"
                          r"height|weight|distance|temperature|toll|rate|age)\b|\bin (?:gwh|mwh|kwh|gw|mw|km|miles|"
                          r"tonnes|tons)\b", re.IGNORECASE)
# "How much will Nissan invest …?", "What is the price of …?": answered by a sum of money. Not "How much did the
# price rise?", a change.
_ASKS_MONEY = re.compile(r"\bhow much\b.*\b(?:cost|costs|costing|pay|paid|paying|spend|spent|spending|invest\w*|"
                         r"fund\w*|fine|fined|worth|raised?|budget|salary|charge[ds]?|price[ds]?|earn\w*|loan|grant\w*|"
                         r"bail|sell for|sold for)\b|\bwhat (?:is|was|are|were|will be) (?:the |its |their )?"
                         r"(?:[\w-]+ ){0,2}?(?:price|cost|budget|salary|valuation)\b", re.IGNORECASE)
_CHANGE = re.compile(r"\b(?:rise|rose|risen|grow|grew|grown|fall|fell|fallen|increase[ds]?|decrease[ds]?|drop(?:ped)?|"
                     r"climb(?:ed)?|jump(?:ed)?|gain(?:ed)?|lose|lost)\b", re.IGNORECASE)
# "Where did ACC open …?", "… this week. Where is it located?": answered by a place something is in.
# "Which country won …?", "… in which state?": answered by a name (`asks_name`).
_PLACE_NOUN = r"(?:country|city|state|town|region|county|province|continent|island)"
_ASKS_WHERE = re.compile(rf"{CLAUSE_OPENS}where\b", re.IGNORECASE)
_ASKS_WHICH_PLACE = re.compile(rf"\b(?:which|what) ({_PLACE_NOUN})\b", re.IGNORECASE)
# "When will the Polestar 7 go on sale?", "… this week. When will it open?": answered by a time.
_ASKS_WHEN = re.compile(rf"{CLAUSE_OPENS}(?:(?:by|until|till|since)\s+)?when\b", re.IGNORECASE)  # "… JV — by when?"
# "When will …?", "When is … set to …?", "By when …?" (a deadline): a time ahead of the report, which its date line
# does not give.
_ASKS_WHEN_AHEAD = re.compile(rf"{CLAUSE_OPENS}(?:when\s+(?:will|is|are|would|could|might|should)|(?:by|until|till)\s+"
                              r"when)\b", re.IGNORECASE)
# A time an answer gives: a year, a month (capitalised: not "may open"), a weekday, a season, a quarter, "next
# year", "tomorrow".
_TIME = re.compile(r"\b(?:1[5-9]|2[01])\d{2}s?\b|\b(?:today|tonight|tomorrow|yesterday|spring|summer|autumn|winter|"
                   r"decade|century|Q[1-4]|quarter)\b|\b(?:next|this|last|coming)\s+(?:year|month|week|fall)\b|"
                   rf"\b(?-i:{MONTH_PATTERN})\b|\b(?:{'|'.join(sorted(WEEKDAYS))})\b", re.IGNORECASE)
# "What will Honda and GS Yuasa's joint venture be called?", "What is the name of the storm …?"
_ASKS_CALLED = re.compile(r"\bwhat (?:is|was|will be) (?:the |its |their )?name\b|\b(?:be|is|was|are|were) "
                          r"(?:called|named)\s*\?", re.IGNORECASE)
# "What does ACC stand for?", "What is CMCC short for?": the name the initials are written for.
_ASKS_EXPANSION = re.compile(r"\b(?:stands?|stood)\s+for\b|\bshort\s+for\b|\b(?:full\s+(?:name|form)|acronym|"
                            r"abbreviation)\s+(?:of|for)\b", re.IGNORECASE)
_VERB = r"(?:is|are|was|were|will|would|did|do|does|has|have|had|can|could|should|may|might)"
# "How many jobs", "how many Delaware high schools": the last of up to three words before a function word.
_COUNTED = re.compile(rf"\bhow many\s+((?:(?!(?:{_VERB}|of|in|on|at|with|from|for|by|to|that|who|which)\b)"
                      r"[^\W\d_][\w-]*\s*){1,3})", re.IGNORECASE)
# "What battery chemistry will …", "Which models will …": the thing asked for, the last word before the verb.
_ASKED_THING = re.compile(rf"{CLAUSE_OPENS}(?:what|which)\s+((?:[\w-]+\s+){{1,3}}?){_VERB}\b", re.IGNORECASE)
# "Who …?", "Which company …?": asks for a person or another named entity (`rag.query` reads a long one as a
# description of one entity through several reports).
_WHICH = r"^\s*(?:which|what)\s+(?:[\w-]+\s+){0,2}?"  # "Which", "What tech company", "Which two-time …"
ASKS_PERSON = re.compile(rf"^\s*who\b|{_WHICH}(?:individual|person|people)\b", re.IGNORECASE)
_ENTITY_NOUN = (r"(?:company|companies|firm|team|club|platform|organi[sz]ation|entity|entities|automaker|carmaker|"
                r"brand|tool|service|app|startup|manufacturer|supplier|country|player|establishments?)")
ASKS_ENTITY = re.compile(rf"{ASKS_PERSON.pattern}|{_WHICH}({_ENTITY_NOUN})\b", re.IGNORECASE)  # group 1: the kind
# "Who is Jaguar Land Rover's engineering director …?", "ex-Tata Motors chief quoted on … — who?": a role's holder,
# a person. Not "Who's supplying REE with battery packs?", which a company answers.
_ROLE = rf"(?:{'|'.join(map(re.escape, sorted(JOB_TITLES)))})s?"
_ASKS_ROLE_HOLDER = re.compile(rf"{CLAUSE_OPENS}who\b.*\b{_ROLE}\b|\b{_ROLE}\b.*{CLAUSE_OPENS}who\b", re.IGNORECASE)

# "Which US state …?", "… on which popular European island?": a nationality describing the thing asked for.
_WHICH_NATIONALITY = re.compile(r"\b(?i:which|what)\s+(?:[a-z][\w-]*\s+)?([A-Z][\w]*)\s+(?=[a-z])")


def compares_amounts(question: str) -> bool:
    """Does the question weigh one amount against another ("more … than")? Its "Yes" or "No" is only as
    good as the two figures behind it."""
    return bool(_AMOUNT_COMPARISON.search(question))


def asks_amount(question: str) -> bool:
    """Is the answer a figure ("How many workers will ACC employ?")? A reply without one answers
    something else."""
    return bool(_ASKS_AMOUNT.search(question))


def asks_name(question: str) -> bool:
    """Is the answer a name ("Which companies are in the chipmaker joint venture …?", "Who is …?", "Which
    country won …?", "… in which state?", "What will the joint venture be called?")?"""
    return bool(ASKS_ENTITY.search(question) or _ASKS_WHICH_PLACE.search(question) or _ASKS_CALLED.search(question))


def asks_expansion(question: str) -> bool:
    """Does the question ask what initials stand for? Its answer writes the name they abbreviate."""
    return bool(_ASKS_EXPANSION.search(question))


def asks_place(question: str) -> bool:
    """Is the answer where something is ("Where will REE build its P7 platform?")? "Microvast will supply
    battery packs for REE" names no place. ("Which country …?" asks a name: `asks_name`.)"""
    return bool(_ASKS_WHERE.search(question))


def asks_time(question: str) -> bool:
    """Is the answer when something happens ("When will Tata's Somerset gigafactory start production?")?
    "… will start production in Somerset, England" gives no time."""
    return bool(_ASKS_WHEN.search(question))


def time_asked(question: str) -> str:
    """The sentence of a question that asks when: "When is the deadline to file your taxes this year?" of "The
    IRS started accepting 2022 federal income tax returns this week. When is …?"; "" if none does."""
    return _asking_part(_ASKS_WHEN, question)


def place_asked(question: str) -> str:
    """The sentence of a question that asks where: "Where does the popular music event take place annually?" of
    "Headliners were announced for the 2025 Coachella festival this week. Where does …?"; "" if none does."""
    return _asking_part(_ASKS_WHERE, question)


def _asking_part(asks: re.Pattern[str], question: str) -> str:
    found = asks.search(question)
    return question[found.start():].lstrip(" .?!:;\u2013\u2014-") if found else ""


def asks_time_ahead(question: str) -> bool:
    """Does "when" ask about a time ahead of the report ("When will …?"), which the report's own date is not?"""
    return bool(_ASKS_WHEN_AHEAD.search(question))


def times(text: str) -> set[str]:
    """The times a text writes ("2025", "june", "next year"), lower-cased."""
    return {" ".join(m.group().lower().split()) for m in _TIME.finditer(text)}


# Where a clause ends, for the clause a time is said in: at a semicolon, "while", "whereas", "but", or a comma
# before a word that goes on with something new (", moving away from China", ", solving for …"); not at the
# commas of "June 1, 2023", "in Chattanooga, Tennessee, in July 2022" or "a high-capacity, high-output …".
_GOES_ON = r"(?:in|at|on|by|from|to|for|with|of|near|after|before|during|until|since|within|around|as|the|a|an)\b"
_CLAUSE_BREAK = re.compile(rf";|,(?=\s+(?!{_GOES_ON}|[\w-]+-)[a-z])|\b(?i:while|whereas|but)\b")


def time_clauses(text: str, wanted: set[str]) -> list[str]:
    """The clauses of `text` that write one of the `wanted` times: "solving for supply chain complexities Polestar
    aims to hit profitability by 2025 with Polestar 7 to be built in Europe" of a headline that opens with
    "Polestar plans European production …"."""
    return [clause for clause in _CLAUSE_BREAK.split(text) if times(clause) & wanted]


# "second", "third": which one of several is asked about. ("first" goes unwritten as often as not: "The pair are
# currently building a gigafactory in Kokomo" is their first.)
_ORDINAL_WORDS = "first second third fourth fifth sixth seventh eighth ninth tenth".split()
_ORDINALS = frozenset(word_key(w) for w in _ORDINAL_WORDS[1:])
# An ordinal and the up to three words it counts: "first gigafactory", "second US gigafactory".
_ORDINAL_OF = re.compile(rf"\b({'|'.join(_ORDINAL_WORDS)})\b((?:\W+[\w'’-]+){{1,3}})", re.IGNORECASE)


def tells_which_one(question: str, text: str) -> bool:
    """Does the text hold the question's "second", "third" and figures, which say which one is asked about?
    "The pair are currently building a gigafactory in Kokomo" is their first, not the second; "Polestar has
    started production of its Polestar 3" is not about the Polestar 7. Nor does it count another one of what is
    asked: "Stellantis and Samsung plan to build second gigafactory in US" is not about their first gigafactory."""
    return (content_keys(question) & _ORDINALS <= content_keys(text) and numbers(question) <= numbers(text)
            and not _counts_another_one(question, text))


def _ordinals_of(words: str) -> list[tuple[str, set[str]]]:
    return [(word_key(m.group(1)), content_keys(m.group(2))) for m in _ORDINAL_OF.finditer(words)]


def _gives_ordinal(written: list[tuple[str, set[str]]], ordinal: str, thing: set[str], same: bool = True) -> bool:
    """Is the thing given that ordinal (`same`), or another one, in these (ordinal, thing) pairs?"""
    return any(given & thing and (given_ordinal == ordinal) == same for given_ordinal, given in written)


def counts_the_same_one(question: str, text: str) -> bool:
    """Does the text give the question's ordinal to the thing the question counts ("ACC opens first gigafactory in
    France" for "ACC's first gigafactory is in Germany?")? There is one of it."""
    written = _ordinals_of(text)
    return any(_gives_ordinal(written, ordinal, thing) for ordinal, thing in _ordinals_of(question))


def _counts_another_one(question: str, text: str) -> bool:
    """Does the text give another ordinal, and not the question's, to a thing the question counts ("second
    gigafactory" for "first gigafactory")?"""
    written = _ordinals_of(text)
    return any(_gives_ordinal(written, ordinal, thing, same=False) and not _gives_ordinal(written, ordinal, thing)
               for ordinal, thing in _ordinals_of(question))


def asks_money(question: str) -> bool:
    """Is the answer a sum of money ("How much will Tata invest …?")? A count ("three EV models") is not one."""
    return bool(_ASKS_MONEY.search(question)) and not _CHANGE.search(question)


def asked_thing(question: str) -> str:
    """What "what …" or "which …" asks for: "chemistry" in "What battery chemistry will the ACC gigafactory
    use?", "models" in "Which models will Nissan build …?", "plant" in "Which type of plant is …?"; "" for "What
    is …?", "What will BMW supply?", or a question asking a figure or a name (their own checks)."""
    found = _ASKED_THING.search(question)
    if not found or asks_amount(question) or asks_name(question):  # a figure or a name answers those
        return ""
    words = re.sub(r"^.*\b(?:type|kind|sort|form)s? of\s+", "", found.group(1), flags=re.IGNORECASE)
    return words.split(" of ")[0].split()[-1]


def counted_noun(question: str) -> str:
    """What "how many" counts: "jobs" in "How many jobs will GM's deal create?", "schools" in "How many
    Delaware high schools …"; "" when the question counts nothing ("How much …", "What is the capacity …"),
    or counts events ("How many times …": `index.textrules.EVENT_COUNTERS`)."""
    found = _COUNTED.search(question)
    noun = found.group(1).split()[-1] if found else ""
    return "" if word_key(noun) in EVENT_COUNTERS else noun


def gives_what_is_asked(answer: str, question: str) -> bool:
    """Does the answer give what the question asks for: a figure for "how many", a sum for "how much …
    invest", a place for "where", a time for "when", a name for "who" or "which company"? Questions asking
    none pass."""
    return (_gives_amount(answer, question) and _gives_place(answer, question) and _gives_name(answer, question)
            and _gives_person(answer, question)
            and (not asks_time(question) or bool(times(strip_markers(answer)) - times(question))))


def name_kind(question: str) -> str:
    """The kind of name a question asks for ("country" in "Which country is TDK from?"), "" for none. The name
    answers it: "… with Japanese company TDK" says which country without writing the word."""
    if (entity := ASKS_ENTITY.search(question)) and entity.group(1):
        return entity.group(1)
    place = _ASKS_WHICH_PLACE.search(question)
    return place.group(1) if place else ""


def nationality_of_what_is_asked(question: str) -> set[str]:
    """Keys of the nationalities describing what the question asks for ("Which US state became the 24th to
    legalise recreational marijuana?"): its article need not write them ("Ohio is the 24th state to legalize
    recreational marijuana"), as a US outlet seldom writes "US" of a US state. "In the US" stays a place asked
    about."""
    described = {word_key(m.group(1)) for m in _WHICH_NATIONALITY.finditer(undotted(question))}
    return nationality_keys(question) & described

# "Group" of "Tata Group" names no one.
_SUFFIX_KEYS = frozenset(word_key(suffix) for suffix in CORPORATE_SUFFIXES)


def _gives_name(answer: str, question: str) -> bool:
    """"Which companies are in the chipmaker joint venture …?" is not answered by "The chipmaker JV is building a
    plant in Germany": a question asking who, which company or which country is answered by a name it does not
    give itself, not even by its initials ("JV"), nor by its own name with a suffix ("Tata Group" for "Which company
    did Tata acquire …?"). "Bulgaria won the 2026 Eurovision Song Contest" names one."""
    if not asks_name(question):
        return True
    words = WORD.findall(question)
    abbreviated = {word_key(initials(" ".join(words[i:i + n]))) for n in (2, 3) for i in range(len(words) - 1)}
    return bool(named_keys(strip_markers(answer)) - content_keys(question) - abbreviated - _SUFFIX_KEYS)


def _gives_person(answer: str, question: str) -> bool:
    """A role's holder is a person: "BMW" does not answer "ex-Tata Motors chief quoted on carmakers sharing EV tech —
    who?" (the 1.5B's answer; the article's "… according to Carl-Peter Forster a former chief executive of Tata
    Motors and a former BMW executive" does). A name written in capitals (initials) or a company's suffix names
    an organisation, not a person."""
    if not _ASKS_ROLE_HOLDER.search(question):
        return True
    plain = strip_markers(answer)
    new = named_keys(plain) - content_keys(question)
    return any(not word.isupper() and word.lower() not in CORPORATE_SUFFIXES
               for word in WORD.findall(plain) if word_key(word) in new)


# A place an answer puts something in: "in Kokomo, Indiana", "near Birmingham", "at its Wolverhampton-based …".
# Not "to" or "from", which name whom as often ("in a statement to USA TODAY", "a loan from Ford").
_PLACED = re.compile(r"\b(?:in|at|near|outside|into|across|on|off|inside|throughout)\s+"
                     r"(?:(?:the|its|their|his|her)\s+)?([A-Z][\w'’.-]*)")


def _gives_place(answer: str, question: str) -> bool:
    """A question asking where is answered by a place it does not name itself (`places`). "Microvast will supply
    battery packs for REE Automotive" does not say where REE will build its platform."""
    return not asks_place(question) or bool(places(answer, question))


def placed_in(text: str) -> set[str]:
    """The places (word keys) a text puts something in ("… build the Polestar 7 in China" → china), months and
    weekdays aside."""
    return {word_key(m.group(1)) for m in _PLACED.finditer(text)
            if not month_number(m.group(1)) and m.group(1).lower() not in WEEKDAYS}


def places(answer: str, question: str) -> set[str]:
    """The places (word keys) an answer gives that the question does not name: those it puts something in ("… in
    Novi Sad"), or, for an answer that is only names and the question's words ("Europe", "Kokomo, Indiana", "Idaho
    Pride event" for where the event was), its names; a headline in title case is not only names ("JLR & BMW Will
    Collaborate On Electric Car Powertrains")."""
    plain = strip_markers(answer)
    asked = named_keys(question)
    placed = placed_in(plain) - asked
    names = named_keys(plain) - asked
    if placed or in_title_case(plain) or not content_keys(plain) <= names | asked | content_keys(question):
        return placed
    return names


def _gives_amount(answer: str, question: str) -> bool:
    """A question asking how many or how much is answered by a figure it does not hold itself: "ACC has
    held the inauguration of its new gigafactory" does not say how many workers it will employ."""
    plain = strip_markers(answer)
    if asks_money(question):  # "How much will Nissan invest …?" is not answered by "three EV models"
        return bool(money(plain) - money(question))
    # Nor "How many cells will the gigafactory buy?" by "Tata invests £4bn …": a sum counts no cells, nor does
    # "its 3,000-step battery cell production process".
    noun = counted_noun(question)
    not_counts = money(plain) | (measures(plain) - counts_of(plain, noun)) if noun else set()
    return not asks_amount(question) or bool(amounts(plain) - not_counts - amounts(question))
