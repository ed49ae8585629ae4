"""Gold sets (`gold_*.jsonl`, format in shared/datasets/README.md) and the evidence-hit rule.

A retrieval hit is a retrieved chunk of an evidence document that contains its
quote, or, for a quote longer than a chunk boundary lets through, shares most
of the quote's words in order-insensitive overlap.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from index.errors import NewsragError

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


def load_gold(path: Path) -> list[GoldQuestion]:
    questions: list[GoldQuestion] = []
    for number, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            questions.append(
                GoldQuestion(
                    id=str(row["id"]), question=row["question"], answer=row.get("answer", ""),
                    answer_aliases=tuple(row.get("answer_aliases", [])), type=row.get("type", "single"),
                    evidence=tuple(Evidence(e["doc"], e["quote"]) for e in row.get("evidence", [])),
                    date=row.get("date", "") or "", choices=tuple(row.get("choices", []) or []),
                )
            )
        except (json.JSONDecodeError, KeyError, TypeError) as exc:
            raise NewsragError(f"{path}:{number}: not a gold question ({exc!r}); see shared/datasets/README.md") from exc
    return questions


def _words(text: str) -> list[str]:
    return re.findall(r"\w+", text.lower())


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
