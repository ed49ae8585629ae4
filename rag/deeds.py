"""A plan is not a deed: "Honda and GS Yuasa look to collaborate … with the goal of establishing a joint
venture" does not say that they formed one.

Analysts ask whether a plant was built, a deal signed, production started, and the trade press reports most of
these first as plans: "set to start production in the beginning of 2025", "plan to build", "announces third
gigafactory". The 1.5B model answers "Yes" to "Did Honda and GS Yuasa form a joint venture?" on the report of
the plan (its yes/no margin is 3.4, far above the fitted threshold). So when a yes/no question asks whether
something was done, and every evidence sentence gives what it asks only as a plan, an intention or a
forecast, the verdict is "No", said as "only as a plan". Lexical and local, like the support check: the word
nearest before a word of the question, in the same clause, decides whether the sentence says it as planned
("set to start production") or as done ("has started production").
"""

from __future__ import annotations

import re
from collections.abc import Sequence, Set

from index.names import named_keys, subject_keys
from index.same_deed import START_FORMS
from index.textrules import WORD, content_keys, word_key
from rag.asked import tells_which_one
from rag.query import event_order

# Words that put what follows in the future or in someone's intentions.
_PLAN_WORDS = frozenset(
    "will would could may might shall plan plans planned planning aim aims aimed aiming intend intends intended "
    "intending intention expect expects expected expecting expectation goal goals target targets targeting predict "
    "predicts predicted prediction predictions forecast forecasts propose proposes proposed proposal hope hopes "
    "hoping seek seeks seeking eyes eyeing sights announce announces announced announcing pledge pledges pledged "
    "promise promises promised potential potentially slated scheduled poised likely upcoming future prospective "
    "imminent toward towards explore explores exploring consider considers considering mull mulls mulling talks "
    "envisage envisages".split()
)
# Words that are a plan only before "to": "set to start", "look to collaborate", "is to open".
_PLAN_BEFORE_TO = frozenset("set look looks looking due going about is are was were prepare prepares preparing"
                            .split())
# An auxiliary right before the question's own verb says it is done or under way: "BMW has started
# production", "the pair are currently building a gigafactory", "launched in 2013" after "was".
_PERFECT = frozenset("has have had".split())
_BE = frozenset("is are was were".split())
_AUXILIARIES = _PERFECT | _BE | {"been"}
# A deed in the past tense: "PowerCo broke ground on its St. Thomas, Ontario gigafactory" says the building of
# it has begun, whatever an older report planned. (Not "reached", "agreed": "have reached a basic agreement toward
# collaboration … with the goal of establishing a joint venture" is a plan.)
_DEED_VERBS = frozenset("began begun started opened launched completed finished signed formed established "
                        "inaugurated produced built delivered shipped hired created acquired bought sold closed "
                        "resumed restarted broke".split())
_STARTS = START_FORMS | frozenset("open opens launch launches".split())
_ADVERBS_BETWEEN = frozenset("already currently now recently just finally officially also successfully still".split())
# What ends the stretch of words that can govern a word: "… centre which was confirmed", "announced that it has …";
# not the comma of "1,000 jobs".
_CLAUSE_END = re.compile(r",(?!\d)|[;:()\[\]]|\s[-–—]\s|\b(?:which|who|that|while|but|whereas|although|after|before|"
                         r"since|when|where|and then)\b", re.IGNORECASE)
_LOOK_BACK = 6  # words
_TOKEN = re.compile(r"[^\W_]+(?:['’][^\W\d_]+)?")  # words and figures: "Polestar 7 to be built"

# Questions asking whether something was done, not what was planned ("Did …", "Has … opened", "Is … producing").
_DEED_AUXILIARY = re.compile(r"^\s*(?:did|does|do|has|have|had)\b", re.IGNORECASE)
_STATE_AUXILIARY = re.compile(r"^\s*(?:is|are|was|were)\b", re.IGNORECASE)
# Irregular past forms, read as their verb: "Has Polestar started building the Polestar 7?" is asked of "Polestar 7
# to be built in Europe", and "Has Nissan built …?" of "plans to build".
_IRREGULAR_FORMS = dict(pair.split(":") for pair in (
    "built:build made:make began:begin begun:begin won:win sold:sell held:hold paid:pay broke:break broken:break "
    "bought:buy grew:grow grown:grow brought:bring spent:spend took:take taken:take gave:give given:give "
    "led:lead done:do shut:shut set:set").split())
# A question about what a report says ("Does the article suggest …") asks about the report, not the deed.
_REPORT_WORDS = frozenset("report reports reported article articles say says said suggest suggests claim claims "
                          "mention mentions state states according describe describes described characterize "
                          "characterizes characterized portray portrays portrayed write writes wrote".split())
_ADVERBS = frozenset(word_key(w) for w in "already yet now currently still".split())
_IRREGULAR_KEYS = {word_key(form): word_key(verb) for form, verb in _IRREGULAR_FORMS.items()}


def _deed_key(word: str) -> str:
    return _as_verb(word_key(word))


def _as_verb(key: str) -> str:
    """A `word_key` read as its verb: an irregular past form ("built" as "build"), and "create" as "creating"
    (`word_key` leaves the final "e" that "-ing" drops)."""
    key = _IRREGULAR_KEYS.get(key, key)
    return key[:-1] if key.endswith("e") and len(key) > 3 else key


def asks_if_done(question: str) -> bool:
    """A yes/no question about a deed: "Did Honda and GS Yuasa form a joint venture?", "Has Nissan built …?",
    "Is the Kokomo gigafactory already producing …?". Not one that speaks of plans itself ("Does GM plan to …",
    "Will …", "Did BMW announce …") or of what a report says, nor "Is Tata the owner of JLR?", a state."""
    written = WORD.findall(question)
    words = [w.lower() for w in written]
    if not words or any(map(_is_plan_word, written)) or _REPORT_WORDS & set(words) or any(
            word in _PLAN_BEFORE_TO - _BE and following == "to" for word, following in zip(words, words[1:])):
        return False  # "Is Tesla set to open …?" asks about the plan
    if event_order(question)[0]:
        return False  # "Did ACC open its gigafactory before BMW started …?" asks about an order, not a deed
    if _DEED_AUXILIARY.match(question):
        return True
    return bool(_STATE_AUXILIARY.match(question)) and any(
        w.endswith(("ing", "ed")) or w in _IRREGULAR_FORMS or w == "already" for w in words[1:])


def only_planned(question: str, evidence: Sequence[str], read: Sequence[str] = ()) -> bool:
    """Does a question asking whether something was done (`asks_if_done`) have evidence giving it only as a
    plan? At least one evidence sentence says it as planned, and none says it as done (a sentence saying
    neither, "ACC opens first gigafactory in France", leaves the verdict as it was); nor does any other sentence
    `read` that names all the question's subjects: Reuters's "Volkswagen will build its first battery cell
    gigafactory … in St. Thomas, Ontario" is not the whole story beside Electrek's later "Volkswagen's battery
    company PowerCo broke ground on its St. Thomas, Ontario gigafactory"."""
    asked = _asked(question)
    if not asks_if_done(question) or not asked:
        return False
    subjects = subject_keys(question)
    readings = [_reading(sentence, question, asked, subjects) for sentence in evidence]
    if "planned" not in readings or "done" in readings:
        return False
    return not any(subjects <= content_keys(sentence) and _reading(sentence, question, asked) == "done"
                   for sentence in read)


def reads_as_planned(question: str, sentence: str) -> bool:
    """Does this sentence give what the question asks as planned? The sentence to quote for "No, reported only
    as a plan": "with predictions of creating 1,000 jobs", not "This strategic move underscores GM's commitment"."""
    return _reading(sentence, question, _asked(question), subject_keys(question)) == "planned"


def _asked(question: str) -> set[str]:
    """The words of what the question asks, read as verbs; not its names, nor "already", "yet"."""
    return {_as_verb(key) for key in content_keys(question) - named_keys(question) - _ADVERBS}


def _reading(sentence: str, question: str, asked: set[str], subjects: Set[str] = frozenset()) -> str:
    """"done" when a word of the question follows an auxiliary ("has started", "are currently building"), or the
    sentence holds one and a deed in the past tense ("broke ground"), else
    "planned" when a plan word is the nearest telling word before one ("set to start production"), else "".
    Also "" when the sentence leaves out the question's figures or its "second", "third": they say which one is
    asked about. "The pair are currently building a gigafactory in Kokomo" is their first, not the second;
    "Polestar has started production of its Polestar 3" is not about the Polestar 7. And a plan read in one word
    of the question is about something else when the sentence names none of the question's `subjects`:
    "Chinese vehicle makers look to international markets for growth" shares only "markets" with "Are BYD,
    Geely and Chery overhauling the foreign players in their domestic market?" ("The two companies … with the
    goal of establishing a joint venture" plans two of "Did Honda and GS Yuasa form a joint venture?")."""
    planned: set[str] = set()
    words = _TOKEN.findall(sentence)
    if not tells_which_one(question, sentence):
        return ""
    if any(_deed_key(w) in asked for w in words) and any(
            w.lower() in _DEED_VERBS and not _after_plan_word(words[max(0, i - _LOOK_BACK):i])
            for i, w in enumerate(words)):
        return "done"
    for clause in _CLAUSE_END.split(sentence):
        tokens = _TOKEN.findall(clause or "")
        for i, token in enumerate(tokens):
            if _deed_key(token) not in asked:
                continue
            before, after = tokens[max(0, i - _LOOK_BACK):i], tokens[i + 1:i + 5]
            if _follows_auxiliary(before) or _perfect_follows(after):
                return "done"
            if _after_plan_word(before) or _plan_follows(after, asked):
                planned.add(_deed_key(token))
    if len(planned) == 1 and subjects and not subjects & content_keys(sentence):
        return ""
    return "planned" if planned else ""


def _perfect_follows(after: list[str]) -> bool:
    """"production has started": the word is the subject of a perfect tense."""
    return bool(after) and after[0].lower() in _PERFECT


def _plan_follows(after: list[str], asked: set[str]) -> bool:
    """"production set to commence", "production is expected to start", "the plant will open": the word is
    the subject of a plan to start it, or to do what the question asks. Not "BMW's battery assembly plant
    will use advanced automation", which plans what the plant will do, not the plant."""
    words = [w.lower() for w in after]
    if words and words[0] in _BE:
        words = words[1:]
    if not words or not (words[0] in _PLAN_WORDS or (words[0] in _PLAN_BEFORE_TO and words[1:2] == ["to"])):
        return False
    verb = next((w for w in words[1:] if w not in ("to", "be")), "")
    return verb in _STARTS or _deed_key(verb) in asked


def _follows_auxiliary(before: list[str]) -> bool:
    """"has started", "are currently building": the word is the verb of a perfect or a continuing tense."""
    words = [w.lower() for w in before]
    while words and words[-1] in _ADVERBS_BETWEEN:
        words.pop()
    return bool(words) and words[-1] in _AUXILIARIES


def _after_plan_word(before: list[str]) -> bool:
    """Is a plan word the nearest telling word before a word ("set to start", "will make", "goal of
    establishing")? An auxiliary nearer ends the search: "plans to expand the plant it has opened"."""
    for j in range(len(before) - 1, -1, -1):
        word, lower = before[j], before[j].lower()
        if lower in _AUXILIARIES:
            return False
        if _is_plan_word(word):
            return True
        if lower == "to" and j > 0:
            previous = before[j - 1]
            # "set to start"; a headline's "Microvast to supply", "Polestar 7 to be built", "TDK to establish"
            if previous.lower() in _PLAN_BEFORE_TO or previous[0].isupper() or previous[0].isdigit():
                return True
    return False


def _is_plan_word(word: str) -> bool:
    """"will", "plans", "goal" …; "May" the month is not "may"."""
    return word.lower() in _PLAN_WORDS and not (word.lower() == "may" and word[:1].isupper())
