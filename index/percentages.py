"""A percentage is a share or a change, and an answer must use it as its article does.

"Electrified vehicle production in UK soars 70% in first half of 2023" gives a change; the same article's
"representing more than a third of all cars made in the UK" gives the share. Asked "What share of UK car
production was electrified …?", the 1.5B answered "70%": every word and figure of it is in the headline, so the
word-overlap support check passed it. Trade-press numbers are full of such pairs (sales up 12%, a 12% market
share), and mixing them up is the costliest kind of wrong figure. Read locally, like the rest of the support
check: the words right before or after a percentage say which it is; most say neither.
"""

from __future__ import annotations

import re

from index.textrules import numbers

_PERCENT = re.compile(r"(?<![\w.])(\d[\d,]*(?:\.\d+)?)\s*(?:%|per\s?cent\b|percent\b)", re.IGNORECASE)
_BEFORE = 40  # characters read before a percentage
_AFTER = 30  # and after it
# What may stand between a word and its percentage: "about 5%", "more than 30%", "a 12%".
_ROUGHLY = r"(?:\s+(?:around|about|nearly|almost|more than|over|some|just|roughly|an?))?\s*$"
# "soars 70%", "rose by about 5%", "up 12%", "doubled … 100%": a change.
_CHANGE_BEFORE = re.compile(
    r"\b(?:soar|surg|jump|ris|rose|grow|grew|climb|increas|decreas|declin|fall|fell|drop|slump|plung|gain|up|"
    r"down|boost|cut|leap|spik|tumbl|slid|slip|swell|swoll|doubl|tripl|shrank|shrink|shrunk|lift|rais)\w*"
    r"(?:\s+(?:by|of))?" + _ROUGHLY, re.IGNORECASE)
# "a 70% rise", "12% higher", "5% year-on-year": a change.
_CHANGE_AFTER = re.compile(r"^\s*(?:rise|increase|jump|growth|gain|drop|decline|fall|surge|leap|higher|lower|"
                           r"more|less|up|down|year[- ]on[- ]year|year over year|on the year)\b", re.IGNORECASE)
# "accounting for 30%", "a share of 30%", "30% of all cars", "a 30% share": a share.
_SHARE_BEFORE = re.compile(r"\b(?:share|proportion|account\w*\s+for|represent\w*|make\s+up|made\s+up|"
                           r"makes\s+up|comprise\w*)(?:\s+(?:of|for|at))?" + _ROUGHLY, re.IGNORECASE)
_SHARE_AFTER = re.compile(r"^\s*(?:of\b|share\b|stake\b|market share\b)", re.IGNORECASE)
# "What share of UK car production …?", "What percentage of …?", "How much of …?"
_ASKS_SHARE = re.compile(r"\b(?:share|proportion|percentage|per\s?cent(?:age)?|fraction)\s+of\b|"
                         r"\bwhat\s+(?:per\s?cent|percent)\b|\bhow\s+much\s+of\b", re.IGNORECASE)


def percentage_roles(text: str) -> dict[str, set[str]]:
    """Each percentage the text states (as `numbers` writes it), with how it is said each time: "change",
    "share", or "" for neither."""
    roles: dict[str, set[str]] = {}
    for match in _PERCENT.finditer(text):
        before, after = text[max(0, match.start() - _BEFORE):match.start()], text[match.end():match.end() + _AFTER]
        if _SHARE_BEFORE.search(before) or _SHARE_AFTER.match(after):  # before "up": "made up 30%"
            role = "share"
        elif _CHANGE_BEFORE.search(before) or _CHANGE_AFTER.match(after):
            role = "change"
        else:
            role = ""
        for figure in numbers(match.group(1)):
            roles.setdefault(figure, set()).add(role)
    return roles


def asks_share(question: str) -> bool:
    """Does the question ask what part of a whole something is ("What share of UK car production …")?"""
    return bool(_ASKS_SHARE.search(question))


def used_otherwise(claim: str, passage: str, question: str = "") -> str:
    """A percentage of the claim that the passage gives only as the other kind ("" if none): the claim says a
    share (or answers a question asking one with a bare "70%") where the passage says a change, or the other way
    round. A percentage said as neither, on either side, is left to the word check."""
    claimed = percentage_roles(claim)
    given = percentage_roles(passage) if claimed else {}  # most claims state none: the article is not read
    for figure, said in claimed.items():
        if said == {""} and asks_share(question):
            said = {"share"}
        told = given.get(figure, set())
        if ("share" in said and told == {"change"}) or ("change" in said and told == {"share"}):
            return figure
    return ""


def gives_only_changes(question: str, text: str) -> bool:
    """Does a text answer a question asking a share only with changes? "Electrified vehicle production in UK soars
    70%" does not say what share of production was electrified."""
    roles = percentage_roles(text)
    return asks_share(question) and bool(roles) and all(said == {"change"} for said in roles.values())
