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
