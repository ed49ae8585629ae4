"""Is an answer, a quote or the articles it stands on about what the question asks?

The model may answer from the right article's line about something else: another company's plant, the
first gigafactory for the second, a time or a place that belongs to another deed, a name from an article
about another deal. These checks read the question's names and the words of what it asks in the text an
answer stands on; `rag.grounded` refuses or quotes other evidence when one fails.
"""

from __future__ import annotations

from collections.abc import Sequence, Set

from index.countries import in_another_country
from index.names import by_initials, named_keys, written_keys
from index.same_deed import deal_untold, deeds_named
from index.textrules import coded_names, content_keys, numbered_names, numbers, strip_markers, word_key
from rag.asked import (asked_thing, asks_expansion, asks_name, asks_place, asks_time, asks_time_ahead, name_kind,
                       nationality_of_what_is_asked, place_asked, places, tells_which_one, time_asked, time_clauses,
                       times)
from rag.evidence import Sentence, candidates
from rag.sources import Source

# A question naming this many companies, places or people at most is about each of them (MultiHop-RAG's report
# comparisons name 8 or more: the outlets, the people and phrases quoted).
FEW_NAMES = 4
# The share of a where-question's names an article writing the answer's place must name: half, as for a name
# asked (`name_said_of_what_is_asked`); a where-question naming one thing needs it.
_PLACED_SHARE = 0.5


def restates(answer: str, question: str) -> bool:
    """An answer that only repeats the question's words ("BMW builds batteries in Germany and the US"
    for "where in Germany and the US…"), or its names in full or as initials ("Jaguar Land Rover" for "Which
    company is JLR's partner …?"), answers nothing; its evidence may. Unless the question asks what the initials
    stand for: "ACC stands for Automotive Cells Company" answers "What does ACC stand for?"."""
    plain = strip_markers(answer)
    asked = _words_and_figures(question) | _words_and_figures(by_initials(question))
    return _words_and_figures(plain) <= asked or (not asks_expansion(question)
                                                  and _words_and_figures(by_initials(plain)) <= asked)


def _words_and_figures(text: str) -> set[str]:
    return content_keys(text) | numbers(text) | coded_names(text)


def said_of_something_else(answer: str, question: str, evidence: Sequence[Sentence], sources: Sequence[Source]
                            ) -> bool:
    """Is the time or place the answer gives that of something other than what is asked? A time is read in the
    evidence's clauses, a place in the articles the evidence comes from, which must write the question's numbered
    names ("Polestar 4") whatever it asks."""
    cited = [s for s in sources if any(e.source_n == s.n for e in evidence)]
    return (_time_said_of_something_else(answer, question, evidence)
            or _place_said_of_something_else(answer, question, cited) or not _numbered_names_written(question, cited))


def _numbered_names_written(question: str, cited: Sequence[Source]) -> bool:
    """Do the cited articles write the question's numbered names? "Which markets is the Korean-built Polestar 4
    aimed at?" is not answered by "premium EV market" from an article about the Polestar 7."""
    written = set().union(*(numbered_names(source.evidence) for source in cited))
    return numbered_names(question) <= written


def name_said_of_what_is_asked(answer: str, question: str, cited: list[Source], sources: Sequence[Source]) -> bool:
    """For a short question asking a name, do the articles of its evidence that write the answer's name name half
    of what the question names? "Which company is GM's partner in the Ohio DMAX engine plant?" is not answered by
    TDK from an article about GM's US battery plant with TDK, which names neither Ohio nor DMAX (the other article
    the 1.5B pointed at does, and names no TDK). A long question spreads its names over several reports, as for a
    verdict; the outlets a question names ("… discussed across articles from Fortune, The Verge, and TechCrunch")
    publish the articles, their text does not name them. A question naming one thing says too little to tell what
    else an article is about: "Which state became the second in the US to ban fluoride …?" is answered by "Florida
    is set to become the second state in the country to ban fluoride", which does not write "US"; nor does one
    beside an outlet ("… the service that, according to TechCrunch, … to bring blue bubble texts to Android
    users?" is answered by "Beeper Mini" from "… make Beeper Mini free for the time being")."""
    outlets = set().union(*(content_keys(s.outlet) for s in sources))
    names = named_keys(question)
    if not asks_name(question) or len(names) > FEW_NAMES or len(names - outlets) < 2:
        return True
    given = named_keys(strip_markers(answer)) - content_keys(question)
    giving = [s for s in cited if given & content_keys(s.evidence)]
    return not giving or names_subjects(question, giving, 0.5, leaving=outlets)


def _place_said_of_something_else(answer: str, question: str, cited: Sequence[Source]) -> bool:
    """For a question asking where, is the answer's place that of another one? "Where will Stellantis and Samsung
    build their second US gigafactory?" is not answered by Kokomo from "The pair are currently building a
    gigafactory in Kokomo, Indiana" (their first), nor "Where will Polestar build the Polestar 5?" by the
    Polestar 3's Ridgeville: a sentence of the cited articles that writes the place must say which one is asked
    about (`tells_which_one`), as for a time, in an article naming what the question names. Nor is a place in one
    country the answer to where in another."""
    if not asks_place(question):
        return False
    if in_another_country(answer, question):  # "… in Parsdorf, Germany" for where BMW assembles in the US
        return True
    given = places(answer, question)
    placing = [s for s in candidates(cited) if given & content_keys(s.text)]
    # … and the article writing it must name what is asked about: "Stellantis and Samsung plan to build second
    # gigafactory in US" says which one (a second), but not Nissan's (held-out probe wo-002).
    naming = {source.n for source in cited if names_subjects(question, [source], _PLACED_SHARE)}
    about = [s.text for s in placing if s.source_n in naming]
    return bool(placing) and not any(tells_which_one(place_asked(question), text) for text in about)


def _time_said_of_something_else(answer: str, question: str, evidence: Sequence[Sentence]) -> bool:
    """For a question asking when, is the answer's time about something else? "When will the Polestar 7 go
    into production?" is not answered by 2025 from "Polestar plans European production of imminent Polestar
    7, …, Polestar aims to hit profitability by 2025 …": the clause that writes the time must share a word of
    what is asked beyond its names (as must the evidence, when it does not write the time), and its sentence
    must say which one is asked about (the second gigafactory, the Polestar 7: `tells_which_one`). Nor is "When will
    the chipmaker JV's plant begin production?" answered by "… in 2023" on the headline "Chipmaker JV to build
    €10 bn semiconductor plant in Germany": a time ahead of the report must be written in its evidence, not
    taken from the report's own date. A report's date may answer "When did …?"."""
    if not asks_time(question):
        return False
    if not on_topic(question, evidence):
        return True
    answered = times(strip_markers(answer)) - times(question)
    placed = [(s.text, clause) for s in evidence for clause in time_clauses(s.text, answered)]
    if placed:
        asked = time_asked(question)  # not a figure of the question's lead-in ("… accepting 2022 returns …")
        return not any(says_what_is_asked(question, clause) and tells_which_one(asked, sentence)
                       for sentence, clause in placed)
    return asks_time_ahead(question)


def on_topic(question: str, sentences: Sequence[Sentence]) -> bool:
    """Do these sentences say something of what the question asks beyond its names? "What is the capital
    of France?" is not answered by quoting a French gigafactory's opening, which names France but no
    capital; a question that is only names ("Tesla in Berlin?") asks nothing more. Where the question says
    what it asks for ("What battery chemistry will the ACC gigafactory use?"), the quote must say it: the
    opening "… to produce batteries for electric vehicles" shares "battery" and names no chemistry."""
    return says_what_is_asked(question, " ".join(s.text for s in sentences))


def says_what_is_asked(question: str, text: str) -> bool:
    """`on_topic` for one text: a clause as well as the sentences of a quote. The kind of name asked for is not
    looked for ("Which country is TDK from?" is answered by "… with Japanese company TDK"), and a deed may be
    written in other words ("start making" as "production set to commence": `index.same_deed`), but a purchase
    or a partner asked about must be reported as one."""
    if deal_untold(question, text):
        return False
    asked = content_keys(question) - named_keys(question) - content_keys(name_kind(question))
    said = content_keys(text) | deeds_named(text)
    thing = asked_thing(question)
    if thing and word_key(thing) in asked and not ({word_key(thing)} | deeds_named(thing)) & said:
        return False
    return not asked or bool((asked | deeds_named(question)) & said)


def names_subjects(question: str, sources: list[Source], share: float = 1.0, leaving: Set[str] = frozenset()
                    ) -> bool:
    """Do these articles name (at least `share` of, and at least one of) the companies, places and people
    the question names ("Tesla", "Giga Berlin"), `leaving` out some (word keys) and the nationality of what is
    asked ("Which US state …?": `nationality_of_what_is_asked`)?"""
    leaving = leaving | nationality_of_what_is_asked(question)
    subjects = named_keys(question) - leaving
    text = "\n".join(s.evidence for s in sources)
    named = subjects & written_keys(question, text)
    return not subjects or (bool(named) and len(named) >= share * len(subjects))
