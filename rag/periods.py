"""Dates a text writes: the days, months, seasons and relative periods of a question, resolved to ISO.

The question analysis (rag/query.py) turns them into filters; the eval scorer reads the days an answer
writes ("June 1, 2023" is gold "2023-06-01"). One home for these rules, so both read dates alike.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta

from index.textrules import MONTH_ABBREVIATIONS, MONTHS, month_number

_MONTH_WORD = "|".join(sorted({*MONTHS, *MONTH_ABBREVIATIONS}, key=len, reverse=True))
_ISO_DATE = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")
_MONTH_DAY = re.compile(rf"\b({_MONTH_WORD})\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?\b(?:,?\s+(\d{{4}}))?", re.IGNORECASE)
_DAY_MONTH = re.compile(rf"\b(\d{{1,2}})(?:st|nd|rd|th)?\s+({_MONTH_WORD})\.?(?:,?\s+(\d{{4}}))?\b", re.IGNORECASE)
_MONTH_YEAR = re.compile(rf"\b({_MONTH_WORD})\.?\s+(?:of\s+)?(\d{{4}})\b", re.IGNORECASE)
_SEASON_YEAR = re.compile(r"\b(early|mid|late|end of|beginning of|start of)[- ]+(\d{4})\b", re.IGNORECASE)
_YEAR = re.compile(r"\b(?:in|during|of|throughout)\s+((?:19|20)\d{2})\b", re.IGNORECASE)
_RELATIVE = re.compile(r"\b(this|last|past|previous)\s+(week|month|year)\b|\b(yesterday|today)\b", re.IGNORECASE)
_SEASONS = {"early": (1, 4), "beginning of": (1, 3), "start of": (1, 3), "mid": (5, 8), "late": (9, 12),
            "end of": (10, 12)}


@dataclass(frozen=True)
class Period:
    """An inclusive ISO date range a question names, and the words that named it."""

    since: str
    until: str
    text: str
    position: int  # where in the question it was written (to pair dates with outlets)


def _iso(year: int, month: int, day: int) -> str | None:
    try:
        return date(year, month, day).isoformat()
    except ValueError:
        return None


def _month_end(year: int, month: int) -> str:
    following = date(year + (month == 12), month % 12 + 1, 1)
    return (following - timedelta(days=1)).isoformat()


def _day_window(day: str, slack: int = 1) -> tuple[str, str]:
    """A day named in a question, widened by a day either side: outlets date by their own time zone."""
    d = date.fromisoformat(day)
    return (d - timedelta(days=slack)).isoformat(), (d + timedelta(days=slack)).isoformat()


def _days(text: str, default_year: int | None) -> Iterator[tuple[re.Match[str], str | None]]:
    """Each day written in `text` ("2023-06-01", "June 1, 2023", "1 June") as ISO, None where it is no
    calendar day; a day without a year takes `default_year`, or is skipped when there is none."""
    for m in _ISO_DATE.finditer(text):
        yield m, _iso(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    for pattern, order in ((_MONTH_DAY, "md"), (_DAY_MONTH, "dm")):
        for m in pattern.finditer(text):
            month_word, day_text = (m.group(1), m.group(2)) if order == "md" else (m.group(2), m.group(1))
            year = int(m.group(3)) if m.group(3) else default_year
            if year is not None:
                yield m, _iso(year, month_number(month_word) or 0, int(day_text))


def days_written(text: str) -> set[str]:
    """The calendar days `text` writes with their year, as ISO: "June 1, 2023" → {"2023-06-01"}."""
    return {day for _, day in _days(text, None) if day}


def find_periods(question: str, as_of: str) -> list[Period]:
    """The dates and ranges a question names, resolved against `as_of` (YYYY-MM-DD) where relative."""
    today = date.fromisoformat(as_of[:10]) if as_of else None
    default_year = today.year if today else None
    taken: list[tuple[int, int]] = []
    periods: list[Period] = []

    def add(m: re.Match[str], since: str | None, until: str | None) -> None:
        if since and until and not any(a < m.end() and m.start() < b for a, b in taken):
            taken.append((m.start(), m.end()))
            periods.append(Period(since, until, m.group(0).strip(" ,"), m.start()))

    for m, day in _days(question, default_year):
        add(m, *(_day_window(day) if day else (None, None)))
    for m in _MONTH_YEAR.finditer(question):
        year, month = int(m.group(2)), month_number(m.group(1)) or 0
        add(m, _iso(year, month, 1), _month_end(year, month))
    for m in _SEASON_YEAR.finditer(question):
        first, last = _SEASONS[m.group(1).lower()]
        year = int(m.group(2))
        add(m, _iso(year, first, 1), _month_end(year, last))
    for m in _YEAR.finditer(question):
        year = int(m.group(1))
        add(m, _iso(year, 1, 1), _iso(year, 12, 31))
    if today is not None:
        for m in _RELATIVE.finditer(question):
            word, unit, single = (m.group(1) or "").lower(), (m.group(2) or "").lower(), (m.group(3) or "").lower()
            if single:
                day = today - timedelta(days=single == "yesterday")
                add(m, day.isoformat(), day.isoformat())
                continue
            span = {"week": 7, "month": 31, "year": 366}[unit]
            end = today if word in ("this", "past") else today - timedelta(days=span if unit != "week" else 0)
            start = end - timedelta(days=span)
            add(m, start.isoformat(), end.isoformat())
    return sorted(periods, key=lambda p: p.position)
