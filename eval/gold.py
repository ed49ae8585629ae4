"""Gold sets (`gold_*.jsonl`, format in shared/datasets/README.md) and the evidence-hit rule.

A retrieval hit is a retrieved chunk of an evidence document that contains its
quote, or, for a quote longer than a chunk boundary lets through, shares most
of the quote's words in order-insensitive overlap. Quote and chunk are compared
as words of NFC text with counts written in words as figures, the rule answers
are scored by too (eval/metrics.py).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from index.errors import NewsragError
from index.textrules import canonical, with_figures

_LONG_QUOTE_WORDS = 12
_LONG_QUOTE_OVERLAP = 0.8


@dataclass(frozen=True)
class Evidence:
    doc: str
    quote: str


@dataclass(frozen=True)
class GoldQuestion:
    id: str
    question: str
    answer: str
    answer_aliases: tuple[str, ...]
    type: str
    evidence: tuple[Evidence, ...]
    date: str = ""
    choices: tuple[str, ...] = field(default=())
    # The chat turns a follow-up leans on, (question, answer) as the chat keeps them: "How much is it
    # investing?" is only a question after "Where is Tata building its gigafactory?" (a project extension)
    history: tuple[tuple[str, str], ...] = field(default=())


_REQUIRED = ("id", "question")
_STRINGS = ("answer", "type", "date")
_LISTS = ("answer_aliases", "choices", "evidence", "history")


def parse_question(row: object, where: str) -> GoldQuestion:
    """One gold question, or a NewsragError naming the line and the field that is wrong."""
    fix = "see shared/datasets/README.md for the format"
    if not isinstance(row, dict):
        raise NewsragError(f"{where}: expected a JSON object with 'id' and 'question'; {fix}")
    for key in _REQUIRED:
        if key not in row or row[key] in (None, ""):
            raise NewsragError(f"{where}: field '{key}' is missing; every gold question needs 'id' and 'question'")
    if not isinstance(row["question"], str):
        raise NewsragError(f"{where}: field 'question' must be a string")
    for key in _STRINGS:
        if row.get(key) is not None and not isinstance(row[key], str):
            raise NewsragError(f"{where}: field '{key}' must be a string; {fix}")
    for key in _LISTS:
        value = row.get(key)
        if value is not None and not isinstance(value, list):
            raise NewsragError(f"{where}: field '{key}' must be a list; {fix}")
    evidence = []
    for i, item in enumerate(row.get("evidence") or []):
        if not isinstance(item, dict) or not isinstance(item.get("doc"), str) or not isinstance(item.get("quote"), str):
            raise NewsragError(f"{where}: field 'evidence[{i}]' needs string 'doc' and 'quote'; {fix}")
        evidence.append(Evidence(item["doc"], item["quote"]))
    history = []
    for i, turn in enumerate(row.get("history") or []):
        if not (isinstance(turn, list) and len(turn) == 2 and all(isinstance(part, str) for part in turn)):
            raise NewsragError(f"{where}: field 'history[{i}]' must be a [question, answer] pair of strings")
        history.append((turn[0], turn[1]))
    return GoldQuestion(
        id=str(row["id"]), question=row["question"], answer=row.get("answer") or "",
        answer_aliases=tuple(str(a) for a in row.get("answer_aliases") or []), type=row.get("type") or "single",
        evidence=tuple(evidence), date=row.get("date") or "", choices=tuple(str(c) for c in row.get("choices") or []),
        history=tuple(history),
    )


def load_gold(path: Path) -> list[GoldQuestion]:
    """Every question of a gold file; the first bad line stops the load with one line naming it."""
    try:
        text = Path(path).read_bytes().decode("utf-8-sig")
    except OSError as exc:
        raise NewsragError(f"{path}: cannot read the gold set ({exc.strerror})") from exc
    except UnicodeDecodeError as exc:
        raise NewsragError(f"{path}: not valid UTF-8 (byte offset {exc.start}); re-save it as UTF-8") from exc
    questions: list[GoldQuestion] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise NewsragError(f"{path}:{number}: malformed JSON ({exc.msg} at column {exc.colno})") from exc
        except RecursionError as exc:
            raise NewsragError(f"{path}:{number}: JSON nested too deeply") from exc
        questions.append(parse_question(row, f"{path}:{number}"))
    if not questions:
        raise NewsragError(f"{path}: no questions in this gold set")
    return questions


def _words(text: str) -> list[str]:
    """Words of NFC text, counts written in words as figures: a quote typed "Beyoncé" is found where an
    article spells the é as e + accent, and a quote "5" where it writes "a five-year ban"."""
    return re.findall(r"\w+", with_figures(canonical(text)).lower())


def normalise(text: str) -> str:
    return " ".join(_words(text))


def quote_in_text(quote: str, text: str) -> bool:
    if normalise(quote) in normalise(text):
        return True
    words = _words(quote)
    if len(words) < _LONG_QUOTE_WORDS:
        return False
    present = set(_words(text))
    return sum(w in present for w in words) / len(words) >= _LONG_QUOTE_OVERLAP


def evidence_matches(evidence: Evidence, origin: str, article_id: str, text: str) -> bool:
    """Does a chunk (its origin, article id and text) hold this piece of evidence?"""
    return evidence.doc in (origin, article_id) and quote_in_text(evidence.quote, text)
