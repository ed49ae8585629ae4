"""The one thing a yes/no question puts in a country, which its evidence puts in another.

"Correct me if I'm wrong, but ACC's first gigafactory is in Germany?" drew "Yes" from the 1.5B on "ACC opens first
gigafactory in France", and the grounding refused it: no report names ACC and Germany. There is one first
gigafactory, and the report puts it in France: the answer is "No", quoting it. Only for a thing counted by an
ordinal the report gives it too ("first", "second"): of a thing that can be many ("Is ACC building a gigafactory in
Germany?") a report of one in France says nothing of one in Germany.
"""

from __future__ import annotations

from collections.abc import Sequence

from index.countries import countries_placed_in
from index.names import named_keys, names_written
from rag.asked import counts_the_same_one, placed_in


def placed_elsewhere(question: str, evidence: Sequence[str]) -> bool:
    """Does a sentence of the evidence, naming what the question names, put the question's "first …" (or second
    …) in a country other than the one the question puts it in?"""
    asked = countries_placed_in(question)
    subjects = named_keys(question) - placed_in(question)
    return bool(asked and subjects) and any(
        counts_the_same_one(question, text) and subjects <= names_written(question, text)
        and (placed := countries_placed_in(text)) and not placed & asked
        for text in evidence)
