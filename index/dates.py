"""Publication dates as given by an input → one ISO 8601 form, or a problem to report.

Filters, the recency prior and story clustering compare dates as strings
("2023-02-17" < "2023-03-01"), which only works when every date in the index is
ISO. JSONL corpora arrive with whatever their producer wrote ("Feb 17, 2023",
"Fri, 17 Feb 2023 10:00:00 GMT", "17/02/2023"), so each is parsed once at ingest
and anything unparseable is reported instead of silently never matching a filter.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from email.utils import parsedate_to_datetime

from index.errors import NewsragError

_EARLIEST, _LATEST = 1800, 2200  # a year outside is a typo or an epoch in the wrong unit
_DATE_ONLY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def normalise_date(value: str) -> str | None:
    """`value` as ISO 8601 ("2023-02-17", or "2023-02-17T10:00:00+00:00" when it has a time);
    "" for no date; None when it is not a date this parser can read."""
    value = value.strip()
    if not value:
        return ""
    parsed = _parse(value)
    if parsed is None or not _EARLIEST <= parsed.year <= _LATEST:
        return None
    if isinstance(parsed, datetime):
        has_time = parsed.hour or parsed.minute or parsed.second or parsed.tzinfo is not None
        return parsed.isoformat() if has_time else parsed.date().isoformat()
    return parsed.isoformat()


def date_bound(value: str | None, field: str) -> str | None:
    """A date a user gave as a filter bound, checked: one that cannot be read would otherwise match
    every article (as a start) or none (as an end) without a word. None for no bound."""
    value = (value or "").strip()
    if not value:
        return None
    if _DATE_ONLY.match(value):
        try:
            return date.fromisoformat(value).isoformat()
        except ValueError:
            pass
    raise NewsragError(f"{field} {value!r}: write a date as YYYY-MM-DD, e.g. 2023-06-01")


def date_range(since: str | None, until: str | None,
               fields: tuple[str, str] = ("--since", "--until")) -> tuple[str | None, str | None]:
    """Both bounds checked, and in order."""
    start, end = date_bound(since, fields[0]), date_bound(until, fields[1])
    if start and end and start > end:
        raise NewsragError(f"{fields[0]} {start} is after {fields[1]} {end}: no article can match; swap them")
    return start, end


def _parse(value: str) -> date | datetime | None:
    if _DATE_ONLY.match(value):
        try:
            return date.fromisoformat(value)
        except ValueError:
            return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        pass
    try:
        return parsedate_to_datetime(value)  # RFC 2822, as RSS feeds write it
    except (TypeError, ValueError, IndexError):
        pass
    import dateparser  # slow to import; only free-form dates need it

    # Day-first ambiguity ("03/04/2023") follows dateparser's locale-free default (month first).
    return dateparser.parse(value, languages=["en"], settings={"STRICT_PARSING": True,
                                                             "RETURN_AS_TIMEZONE_AWARE": False})


def day_number(iso: str) -> int:
    """Days since 0001-01-01 of an ISO date or datetime; -1 for none (sorts before every date)."""
    try:
        return date.fromisoformat(iso[:10]).toordinal() if iso else -1
    except ValueError:
        return -1
