"""Words for the same deed or thing: "When will Polestar start making the Polestar 4?" is answered by "With
production set to commence in the second half of 2025".

The checks that an answer (or the evidence quoted for it) speaks of what a question asks compare their words by
`index.textrules.word_key`, which joins "opened" and "opening" but not "start" and "commence". The trade press
writes the few deeds analysts ask about most (a plant built or bought, production started) in several words, and
a question that words them otherwise was refused on the very sentence that answers it. Whole word forms are
listed, not keys: "commence" shares its 6-letter key with "comment". The other way round, a purchase and a
partnership are the deals an answer's evidence must report as such (`deal_untold`).
"""

from __future__ import annotations

import functools
import re

from index.textrules import WORD, word_key

_GROUPS = {
    "start": "start starts started starting begin begins began begun beginning commence commences commenced "
             "commencing",
    # Apart from "build", which the trade press says of plants as often as of cars: "… profitability by 2025 with
    # Polestar 7 to be built in Europe" does not say when its production starts.
    "make": "make makes made making produce produces produced producing production manufacture manufactures "
            "manufactured manufacturing assemble assembles assembled assembling",
    "build": "build builds built building construct constructs constructed constructing construction",
    "buy": "buy buys bought buying acquire acquires acquired acquiring acquisition purchase purchases purchased "
           "purchasing takeover takeovers",
    "plant": "plant plants factory factories facility facilities gigafactory gigafactories",
    # A company or joint venture brought into being: "when do they want it set up?" is answered by "with the goal
    # of establishing a joint venture company by the end of 2023". Not "found" (of "find") nor "create" (jobs).
    "establish": "establish establishes established establishing establishment founded founding formed forming "
                 "setup",
}
_SET_UP = re.compile(r"\b(set|sets|setting)\s+up\b", re.IGNORECASE)  # "set" alone is "set to commence"
_GROUP_OF = {form: group for group, forms in _GROUPS.items() for form in forms.split()}
START_FORMS = frozenset(_GROUPS["start"].split())
# What changed hands tells a purchase too: "In 1803, the United States paid France $15 million for the Louisiana
# Territory".
_CHANGED_HANDS = frozenset("pay pays paid paying sell sells sold selling sale".split())


def deed_keys(text: str) -> dict[str, str]:
    """The `word_key` of each listed word the text writes, with its group as a key no `word_key` takes ("=make")."""
    found = {word_key(word): f"={_GROUP_OF[word.lower()]}" for word in WORD.findall(text) if word.lower() in _GROUP_OF}
    return found | {word_key(m.group(1)): "=establish" for m in _SET_UP.finditer(text)}


@functools.lru_cache(maxsize=1024)
def deeds_named(text: str) -> frozenset[str]:
    """The groups of same-meaning words the text writes ("=make", "=start"). Kept, as `content_keys` is, for the
    passages the support check reads again for every sentence."""
    return frozenset(deed_keys(text).values())


# What tells a partnership (word keys: "partnered", "collaborations"): "In partnership with TDK", "The pair are
# currently building a gigafactory in Kokomo", "BMW, Jaguar Land Rover team up", "a basic agreement toward
# collaboration", "a groundbreaking deal with … TDK".
_PARTNERED = frozenset(word_key(word) for word in "partner pair team collaborate alliance joint together deal "
                                                  "agreement venture".split())


def deal_untold(question: str, text: str) -> bool:
    """Does the question ask about a purchase or a partnership the text does not report? "Which company is Nidec's
    partner in its Serbian factories?" is not answered by "Nidec has opened two new factories in Novi Sad,
    Republic of Serbia": the names it gives are places, not a partner."""
    return purchase_untold(question, text) or partnership_untold(question, text)


# A partner asked for: "Who is BMW's partner …?", "Which company is GM partnering with …?"; not "… quoted about
# the BMW partnership?", which asks someone else.
_ASKS_PARTNER = frozenset("partner partners partnering partnered".split())


def partnership_untold(question: str, text: str) -> bool:
    """Does the question ask for a partner ("Who is BMW's partner at the Parsdorf cell centre?") the text does not
    report one of?"""
    return (bool(_ASKS_PARTNER & {word.lower() for word in WORD.findall(question)})
            and not _PARTNERED & {word_key(word) for word in WORD.findall(text)})


def purchase_untold(question: str, text: str) -> bool:
    """Does the question ask about a purchase the text does not report? A purchase is reported as one (bought,
    acquired, paid for, sold): "Tata invests £4bn in UK battery cell gigafactory to supply JLR" names a company and
    Tata's gigafactory, but not which company Tata acquired. Other deeds are told by what they made as often
    ("Nidec has opened two new factories" says it began operating them)."""
    return ("=buy" in deeds_named(question) and "=buy" not in deeds_named(text)
            and not _CHANGED_HANDS & {word.lower() for word in WORD.findall(text)})
