"""Countries a text names, for telling an answer placed in one country from a question placed in another.

"Where does BMW assemble batteries in the US?" drew "… in Parsdorf, Germany [1]" from the 1.5B: every check
passed, since nothing knew that Germany is not in the US. Without a gazetteer a finer place ("South Carolina",
"Somerset") cannot be placed in a country, but two countries never hold each other: an answer naming only
countries other than the one the question puts the thing in is about something else. The English country names
are CLDR's, through Babel (already installed with trafilatura's URL library, courlan).

Nationalities live here too, each with its country: one home for what news writes for a country, read by the
answer checks (a place in another country) and by `index.names` (an article "in France" writes "French").
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
# Nationalities, each with its country's ISO code ("" for a region's: "European"). A nationality describes what a
# question asks about ("Which US holiday …?"); listed, because suffixes also end names ("Guardian").
_NATIONALITY_CODES = dict(pair.split(":") for pair in (
    "us:US uk:GB european: american:US asian: african: arab: latin: nordic: scandinavian: baltic: chinese:CN "
    "japanese:JP korean:KR indian:IN british:GB english:GB scottish:GB welsh:GB irish:IE french:FR german:DE "
    "italian:IT spanish:ES portuguese:PT dutch:NL belgian:BE swiss:CH austrian:AT swedish:SE norwegian:NO "
    "danish:DK finnish:FI polish:PL czech:CZ slovak:SK hungarian:HU romanian:RO bulgarian:BG serbian:RS "
    "croatian:HR greek:GR turkish:TR russian:RU ukrainian:UA israeli:IL palestinian:PS lebanese:LB iranian:IR "
    "iraqi:IQ saudi:SA syrian:SY qatari:QA emirati:AE yemeni:YE egyptian:EG sudanese:SD nigerian:NG kenyan:KE "
    "ethiopian:ET canadian:CA mexican:MX brazilian:BR argentine:AR argentinian:AR chilean:CL colombian:CO "
    "venezuelan:VE peruvian:PE cuban:CU haitian:HT jamaican:JM australian:AU pakistani:PK afghan:AF "
    "bangladeshi:BD vietnamese:VN thai:TH indonesian:ID filipino:PH malaysian:MY singaporean:SG "
    "taiwanese:TW").split())
NATIONALITIES = frozenset(_NATIONALITY_CODES)
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


def names_country_of(nationality: str, text: str) -> bool:
    """Does `text` name the country of `nationality` ("French" and "… in France"; "British" and "the UK")? A
    nationality that is a country's name ("US", "UK") is looked for as written: "USA TODAY" names an outlet."""
    code = _NATIONALITY_CODES.get(nationality.lower())
    return bool(code) and nationality not in _names() and code in countries(text)


def in_another_country(answer: str, question: str) -> bool:
    """Does the answer name countries, none of them the one the question puts what it asks about in?"""
    asked = countries_placed_in(question)
    given = countries(answer)
    return bool(asked and given) and not asked & given
