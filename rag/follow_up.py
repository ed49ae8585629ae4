"""A follow-up question, and the standalone question it is rewritten into before anything is searched.

An analyst's second question leans on the first: "Where is Tata building its gigafactory?", then "How much
did the centre cost?" or "For which of REE's platforms?". Only a question that leans on the conversation is
sent to the model to be rewritten (a second model call); the rest stand alone as typed. The rewrite
(rag/prompts.py, CONDENSE_SYSTEM) is not always a question: before its examples, the 1.5B model answered "Which
country is that company from?" with "TDK is from Japan." and another with "Stirling [2].", and searched for
those. Leading the follow-up in with the turn before it instead made the model answer that turn's question
(docs/evaluation.md, "Follow-up questions"). A rewrite that is not a question is dropped for the follow-up as
typed: it may find nothing to answer from, but it is the question asked.

A pronoun after an answer that is a name may stand for that name or for what the question before was about:
after "Who is the anchor client of Tata's UK battery gigafactory? JLR", "Where will it make the electric drive
units it is developing with BMW?" means JLR, "How many cells will it buy each year?" the gigafactory. The 1.5B
reads both as the gigafactory. So the follow-up is also read with the answer's name for its pronouns
(`answer_read_in`), and the answerer searches the reading whose words its articles hold best.
"""

from __future__ import annotations

import re

from index.names import name_runs, named_keys
from index.textrules import strip_markers
from rag.asked import asks_name

# Words that point back into a conversation.
_REFERRING = re.compile(
    r"^\s*(and|but|also|what about|how about|why)\b|\b(they|them|their|theirs|it|this|that|these|those|"
    r"there|he|she|his|her|him|the company|the plant|the same|former|latter)\b",
    re.IGNORECASE,
)
# "For which of REE's platforms?", "By when?": a question that opens on a preposition continues another.
_CONTINUING = re.compile(r"^\s*(for|in|at|by|from|since|until|to|with|on)\s+(which|what|when|where|whom|how)\b",
                         re.IGNORECASE)
_SHORT_WORDS = 4
_GENERIC_NAME_CHARS = 2  # "EV", "US", "UK": written in capitals, naming no one in particular


def needs_context(question: str) -> bool:
    """Does this question lean on the conversation before it? One that names nothing of its own ("How much
    did the centre cost?", "Which plant's EV production will its batteries power?") does: news questions
    name what they are about."""
    return (bool(_REFERRING.search(question) or _CONTINUING.search(question))
            or len(question.split()) <= _SHORT_WORDS
            or all(len(name) <= _GENERIC_NAME_CHARS for name in name_runs(question)))


def standalone_or_typed(rewrite: str, follow_up: str) -> str:
    """The model's rewrite if it is a question; otherwise the follow-up as typed, which may find nothing
    to answer from, but is the question asked."""
    rewrite = rewrite.strip()
    return rewrite if rewrite.endswith("?") else follow_up


# Pronouns an answer's name can stand in for, with what follows the name ("its" → "JLR's"): a list of names for
# "they", one name for "it" or "he".
_ONE = {"it": "", "its": "'s", "he": "", "him": "", "his": "'s", "she": ""}
_SEVERAL = {"they": "", "them": "", "their": "'s"}
_POINTER = re.compile(rf"\b({'|'.join([*_ONE, *_SEVERAL])})\b", re.IGNORECASE)
_LIST = re.compile(r",|\band\b|&")
_NAME_WORDS = 6  # "Automotive Cells Company (ACC)"; a longer answer is a sentence, not a name


def answer_read_in(follow_up: str, last_question: str, last_answer: str) -> str:
    """The follow-up with the last answer's name for its pronouns: "Where will JLR make the electric drive units JLR
    is developing with BMW?". "" when the last question asked no name, its answer is not one, or no pronoun
    could stand for it ("they" for one company)."""
    name = strip_markers(last_answer).strip().rstrip(".").strip()
    if not asks_name(last_question) or not named_keys(name) or len(name.split()) > _NAME_WORDS:
        return ""
    forms = _SEVERAL if _LIST.search(name) else _ONE
    read = _POINTER.sub(lambda m: name + forms[m.group(1).lower()] if m.group(1).lower() in forms else m.group(0),
                        follow_up)
    return "" if read == follow_up else read
