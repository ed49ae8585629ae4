"""Whether a question asks "yes or no", as people write one.

A yes/no question gets a verdict first and its evidence quoted (rag/grounded.py); a wh-question read as one gets
"Yes: <a headline>". Chat questions are rarely "Is …?" alone: "Hyundai's Georgia plant: is it open yet?", "And did
Tata pick Somerset?", "Tata picked Somerset, didn't it?" ask yes or no; "Do you know where Tata is building its
gigafactory?" and "Could you tell me which company …?" ask where and which; RealTimeQA's "Kirk, an activist, was
shot this week. Where did the shooting occur?" and "… a man who was trying to:" ask for a place and the rest.
"""

from __future__ import annotations

import re

from index.textrules import REQUEST_VERBS
from rag.options import offered_options

AUX = r"(?:am|is|are|was|were|do|does|did|has|have|had|can|could|will|would|should|might|must)"
WH = r"(?:which|what|who|whom|whose|where|when|how|why)"
YES_NO_START = re.compile(rf"^\s*{AUX}\b", re.IGNORECASE)
_YES_NO_CLAUSE = re.compile(rf",\s*{AUX}\s+(?:the|a|an|both|all|\w+)\b", re.IGNORECASE)
# Where a yes/no question opens: at the start, after a lead-in ("… a gigafactory. Is it …?", "Hyundai's plant: is
# it open?", "… — did it …?"), after "And", "So" …; after a full stop with a capital ("U.S. is" opens none).
_YES_NO_OPENING = re.compile(rf"(?:^\s*|(?<=[;:—–])\s*|\s-\s+|[.!?]\s+(?=(?-i:[A-Z])))(?:(?:and|but|so|also|"
                             rf"then|ok|okay)\b,?\s+)?(?P<aux>{AUX})(?:n['’]t)?\b", re.IGNORECASE)
# "…, didn't it?", "…, isn't that so?", "…, right?", "…, yeah?", "…. True?": a statement put for a yes or a
# no.
_YES_NO_TAG = re.compile(rf"[,.;:\u2013\u2014-]\s*(?:{AUX}n['’]t\s+\w+(?:\s+so)?|"
                         rf"(?:is\s+(?:that|it)\s+)?(?:right|correct|true)|yes|yeah|yep|no|eh|"
                         rf"true\s+or\s+false)\s*\?\s*$", re.IGNORECASE)
# Where a question's own clause opens: at the start, after a lead-in sentence ("Kirk was shot. Where …?"), after a
# colon or semicolon ("Stellantis + Samsung: where's …?"), or after a dash ("Looking for the Honda / GS Yuasa JV
# timeline - when do they want it set up?", "ex-Tata Motors chief quoted on … — who?").
CLAUSE_OPENS = r"(?:^|[.?!]\s+|\s[-\u2013\u2014]\s+|[:;]\s*)"
# A wh-word opening the question or a clause of it; after a comma or "and" too ("Is X, which …?").
_WH_CLAUSE = re.compile(rf"(?:{CLAUSE_OPENS}|,\s*|\b(?:and|but)\s+){WH}\b", re.IGNORECASE)
_TO_COMPLETE = re.compile(r":\s*$")  # "… was started by a man who was trying to:" asks for the rest
# A question asked through a request: "Do you know where …?", "Can you remind me if …?", "Any idea which …?" ask
# what follows; "Do you know the name of …?" asks for it, "What do you know about …?" (left as "about …?") for a
# summary; "Could you summarise …?", "Can you list …?" ask what the verb does. ("Do you know of …?" stays as asked.)
_YOU = r"(?:you|u)"  # "could u tell me where …"
_YOU_KNOW = rf"(?:(?:do|did|would|could|can)\s+{_YOU}\s+(?:happen\s+to\s+)?know|does\s+any(?:one|body)\s+know)"
_REQUEST = re.compile(rf"^\s*(?:please\s+)?(?:(?:(?:can|could|would|will)\s+{_YOU}\s+(?:please\s+)?)?"
                      rf"(?:tell|show|remind)\s+me|let\s+me\s+know|i(?:'d|\s+would)\s+like\s+to\s+know|"
                      rf"i\s+(?:want|need)\s+to\s+know|i\s+wonder|i'm\s+wondering|"
                      rf"(?:do\s+{_YOU}\s+(?:have\s+)?|have\s+{_YOU}\s+(?:got\s+)?)?any\s+idea|"
                      rf"{_YOU_KNOW})\s*,?\s*(?=(?:if|whether|{WH})\b)|"
                      rf"^\s*(?:please\s+)?(?:what\s+)?{_YOU_KNOW}\s+(?:anything\s+)?(?=about\b)|"
                      rf"^\s*(?:please\s+)?{_YOU_KNOW}\s+(?!(?:of|about|anything)\b)(?=\w)|"
                      rf"^\s*(?:please\s+)?(?:can|could|would|will)\s+{_YOU}\s+(?:please\s+)?"
                      rf"(?=(?:{'|'.join(sorted(REQUEST_VERBS))})\b)", re.IGNORECASE)
_WHETHER = re.compile(r"^(?:if|whether)\b", re.IGNORECASE)
# What a chat message may open with that asks nothing: "Hey, which …?", "And where …?", "hmm, did …?", "Quick
# question: where is …?", "Quick one — who's …?". A noun opens nothing only with its stop: "Question marks over
# Tata's plant" puts its own question.
_FILLER_STOP = r"[,:;!.\u2013\u2014-]"
_FILLER = re.compile(rf"^\s*(?:(?:(?:hey|hi|hello|ok|okay|and|but|so|also|btw|by the way|sorry|please|pls|plz|"
                     rf"out of curiosity|just curious|fyi|hmm+|um+|uh+|erm)\b\s*{_FILLER_STOP}*|"
                     rf"(?:quick (?:question|one|q)|question|one (?:more|last) (?:thing|question))\s*{_FILLER_STOP}+)"
                     rf"\s*)+(?=\w)",
                     re.IGNORECASE)
# "Pls confirm: the Polestar 3 is made in South Carolina?", "Can you confirm that …", "Just checking, …", "Correct me
# if I'm wrong, but …": the statement after it is put for a yes or a no ("Can you confirm where …?" still asks where).
_TO_CONFIRM = re.compile(rf"^\s*(?:(?:can|could)\s+{_YOU}\s+)?(?:confirm|verify|double[-\s]check|just\s+checking|"
                         r"just\s+to\s+confirm|correct\s+me\s+if\s+i['’]?m\s+wrong(?:\s*,?\s*but)?)\b"
                         r"(?:\s+(?:that|whether|if)\b)?\s*[,:\u2013\u2014-]?\s*(?=\w)",
                         re.IGNORECASE)
# "I heard ACC opened a gigafactory in Germany. True?": what was heard is the question; "I heard" is no evidence.
_HEARD = re.compile(r"^\s*(?:i(?:'ve|\s+have)?\s+(?:heard|read|seen)|(?:someone|somebody)\s+(?:told\s+me|said))"
                    r"(?:\s+that)?\b\s*[,:]?\s*(?=\w)", re.IGNORECASE)


# Question words as typed in a hurry ("wher does JLR build its electric drive units"), spelt out so the question is
# read for what it asks (a place).
# Not "wat" or "wen", which are names too ("Wen Jiabao").
_MISSPELT = {"wher": "where", "whr": "where", "wht": "what", "whats": "what's", "whos": "who's", "hw": "how",
             "whn": "when"}
_MISSPELT_WORD = re.compile(rf"\b(?:{'|'.join(_MISSPELT)})\b", re.IGNORECASE)


def _unfilled(question: str) -> str:
    respelt = _MISSPELT_WORD.sub(lambda m: _MISSPELT[m.group().lower()], question)
    return _FILLER.sub("", respelt, count=1)


def as_asked(question: str) -> str:
    """The question without the request it is put in: "where Tata is building …?" for "Do you know where Tata is
    building …?", "list the UK gigafactories?" for "Can you list the UK gigafactories?", "where is ACC's first
    gigafactory?" for "Quick question: where is …?"."""
    statement = _HEARD.sub("", _TO_CONFIRM.sub("", _unfilled(question), count=1), count=1)
    return _REQUEST.sub("", statement, count=1)


def is_yes_no(question: str) -> bool:
    """"Does …?", "Is …?", "After the report …, did TechCrunch …?", "Can you tell me if …?", not "…, which …?": a
    wh-word opening the question before any yes/no opening makes a wh-question ("Is X, which …?" stays yes/no)."""
    if offered_options(question):  # "Is the Polestar 4 built in South Korea or China?" asks which
        return False
    asked = as_asked(question)
    # a request's "if …" or "whether …" (not a leading "If Tata builds in Somerset, how many jobs …?")
    if asked != question and _WHETHER.match(asked):
        return True
    if _TO_CONFIRM.match(_unfilled(question)) and not _WH_CLAUSE.search(asked):
        return True
    if _TO_COMPLETE.search(asked):
        return False
    opening, wh = _YES_NO_OPENING.search(asked), _WH_CLAUSE.search(asked)
    if wh and (opening is None or wh.start() < opening.start()):
        return False
    return bool(opening or _YES_NO_CLAUSE.search(asked) or _YES_NO_TAG.search(asked))


def yes_no_auxiliary(question: str) -> str:
    """"will" for "And will Polestar build …?": the auxiliary a yes/no question opens with ("" if none, as for
    "Do you know if Polestar built …?", whose "do" is the request's)."""
    return m.group("aux").lower() if (m := _YES_NO_OPENING.search(as_asked(question))) else ""
