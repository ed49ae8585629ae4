"""A place a yes/no question puts something in, which its evidence names only as the place being left.

"Will Polestar build the Polestar 7 in China?" drew "Yes" from the 1.5B's verdict margin on "Polestar plans
European production of imminent Polestar 7, moving away from China …, exiting China in regionalisation move":
every word of the question is in that sentence, China too, but as where production goes from. A "Yes" that
stands only on such mentions is a "No". Only for a question about now or later ("Will …", "Is …"): "Did Polestar
build the Polestar 2 in China?" may be "Yes" on the same sentence, which says it was there before.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from index.textrules import word_key
from rag.asked import placed_in
from rag.yes_no import yes_no_auxiliary

# The words before a place that say it is left, not where something is or goes ("moving away from China",
# "exiting China", "instead of in Germany", "pulling production out of Mexico").
_LEAVING = re.compile(r"\b(?:away\s+from|out\s+of|exit(?:s|ed|ing)?|leav(?:e|es|ing)|left|quit(?:s|ting)?|"
                      r"instead\s+of(?:\s+in)?|rather\s+than(?:\s+in)?|withdr[ae]w(?:s|n|ing)?\s+from|"
                      r"(?:mov|shift|relocat)(?:e|es|ed|ing|s)?\s+(?:\w+\s+)?from|no\s+longer\s+in|not\s+in)\s+"
                      r"(?:(?:the|its|their|mainland)\s+)?$", re.IGNORECASE)
_NOW_OR_LATER = frozenset("is are will does do can could would should has have".split())
_NAME = re.compile(r"[A-Z][\w'’.-]*")


def only_left(question: str, evidence: Sequence[str]) -> bool:
    """Does a question about now or later put something in a place its evidence names only as left?"""
    return yes_no_auxiliary(question) in _NOW_OR_LATER and names_only_as_left(question, evidence)


def names_only_as_left(question: str, evidence: Sequence[str]) -> bool:
    """Does the evidence name a place the question puts something in ("… in China?") and every time as a place
    left ("moving away from China")? False when it never names the place: that is for the other checks."""
    for place in placed_in(question):
        mentions = [(text, m.start()) for text in evidence for m in _NAME.finditer(text)
                    if word_key(m.group()) == place]
        if mentions and all(_LEAVING.search(text[max(0, start - 40):start]) for text, start in mentions):
            return True
    return False
