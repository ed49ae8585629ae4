"""A question that offers its answer's options: "Polestar 4 production: South Korea or China?".

Chat users ask so, and the 1.5B answers "South Korea [1].", which named nothing the question had not named: it was
refused as the question read back. Its options are the answer's only candidates, so picking one is an answer; the
article it cites must then say it of what is asked (its other names and figures: the Polestar 4, not the 7). "Is
the Polestar 4 built in South Korea or China?" opens as a yes/no question and asks which: a "Yes" answers nothing.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

from index.names import named_keys, written_keys
from index.textrules import content_keys, numbers, strip_markers

if TYPE_CHECKING:  # rag.sources brings numpy; rag.yes_no, which reads options, is imported by every question
    from rag.sources import Source

_NAME = r"[A-Z][\w'’.&-]*(?:\s+(?:[A-Z0-9][\w'’.&-]*|of|de)){0,3}"
# Two names closing the question, "A or B?", after a space, a colon or a dash ("…: South Korea or China?",
# "… built in South Korea or China?").
_OPTIONS = re.compile(rf"(?:^|(?<=[\s:;,(\u2013\u2014-]))(?:the\s+)?({_NAME})\s*,?\s+or\s+(?:(?:in|at|by|from)\s+)?"
                      rf"(?:the\s+)?({_NAME})"
                      r"[\s?.!]*$")
# A yes/no question's own tail: "…, Yes or No?", "True or False?".
_NOT_OPTIONS = frozenset({"yes", "no", "true", "false", "not"})


def offered_options(question: str) -> tuple[str, str] | None:
    """The two names a question offers its answer from, or None ("…, yes or no?" offers none)."""
    match = _OPTIONS.search(question.strip())
    if match is None or {match.group(1).lower(), match.group(2).lower()} & _NOT_OPTIONS:
        return None
    return match.group(1), match.group(2)


def offered_keys(question: str) -> set[str]:
    """The word keys of both options: the articles need not name the one not picked."""
    return set().union(*(content_keys(option) for option in offered_options(question) or ()))


def picked_option(answer: str, question: str) -> str:
    """The one offered option the answer names ("South Korea [1]." → "South Korea"), or "" (neither, or both)."""
    options = offered_options(question)
    if options is None:
        return ""
    said = content_keys(strip_markers(answer))
    named = [option for option in options if content_keys(option) <= said]
    return named[0] if len(named) == 1 else ""


def option_said_of_what_is_asked(option: str, question: str, cited: Sequence[Source]) -> bool:
    """Does a cited article write the option and the question's other names and figures? "Polestar plans European
    production of imminent Polestar 7, moving away from China" writes China, not of the Polestar 4."""
    wanted = content_keys(option) | named_keys(question) - offered_keys(question)
    figures = numbers(question) - set().union(*(numbers(o) for o in offered_options(question) or ()))
    return any(wanted <= written_keys(question, article.evidence) and figures <= numbers(article.evidence)
               for article in cited)
