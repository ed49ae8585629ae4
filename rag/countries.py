"""Countries a text names, for telling an answer placed in one country from a question placed in another.

"Where does BMW assemble batteries in the US?" drew "… in Parsdorf, Germany [1]" from the 1.5B: every check
passed, since nothing knew that Germany is not in the US. Without a gazetteer a finer place ("South Carolina",
"Somerset") cannot be placed in a country, but two countries never hold each other: an answer naming only
countries other than the one the question puts the thing in is about something else. The English country names
are CLDR's, through Babel (already installed with trafilatura's URL library, courlan).
"""

from __future__ import annotations

import functools
import re

# What news writes for a country besides its CLDR name; the UK's nations are in the UK.
_ALIASES = {"US": "US", "U.S.": "US", "U.S.A.": "US", "USA": "US", "UK": "GB", "U.K.": "GB", "Britain": "GB",
            "Great Britain": "GB", "England": "GB", "Scotland": "GB", "Wales": "GB", "Northern Ireland": "GB",
            "Korea": "KR", "Czech Republic": "CZ", "Holland": "NL", "UAE": "AE", "Turkey": "TR"}
# Names that news uses as often for something else: the US state, people ("Jordan Love", "Chad"), New Jersey.
_AMBIGUOUS = frozenset({"Georgia", "Jordan", "Chad", "Jersey"})
_PLACING = r"\b(?:in|inside|throughout|across)\s+(?:the\s+)?"


@functools.cache
def _names() -> dict[str, str]:
    """Country name → ISO 3166 code: CLDR's English names of two-letter territories (not "Europe", "world")."""
    from babel import Locale

    names = {name: code for code, name in Locale("en").territories.items()
             if len(code) == 2 and code.isalpha() and not re.search(r"[(&]", name) and name not in _AMBIGUOUS}
    return names | _ALIASES


@functools.cache
def _pattern(placed: bool) -> re.Pattern[str]:
    names = "|".join(re.escape(name) for name in sorted(_names(), key=len, reverse=True))
    # not "New Mexico" or "New South Wales"; "U.S." may end a sentence, but "U.S.A" is not "US"
    return re.compile(rf"{_PLACING if placed else ''}(?<![\w.])(?<!New )(?<!South )({names})(?![\w]|\.\w)")


def countries(text: str) -> set[str]:
    """ISO codes of the countries `text` names ("Parsdorf, Germany" → DE; "the US" → US)."""
    return {_names()[m.group(1)] for m in _pattern(False).finditer(text)}


def countries_placed_in(text: str) -> set[str]:
    """ISO codes of the countries `text` puts something in ("… assemble batteries in the US?" → US)."""
    return {_names()[m.group(1)] for m in _pattern(True).finditer(text)}


def in_another_country(answer: str, question: str) -> bool:
    """Does the answer name countries, none of them the one the question puts what it asks about in?"""
    asked = countries_placed_in(question)
    given = countries(answer)
    return bool(asked and given) and not asked & given
