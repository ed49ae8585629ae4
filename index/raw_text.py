"""Turn a raw text capture of a news page into articles with metadata.

Captures arrive as the browser copied them: title, date and byline sit inside
the text, listing pages hold many items, and site furniture (newsletter
prompts, "Related posts") is mixed in. A citation must point at the item a
claim came from, with its date, so listing pages become one article per item.
The article text stays a faithful copy of the capture (only furniture lines are
dropped), so quotes and dates in it can be found again verbatim.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from index.article import Article
from index.textrules import MONTH_PATTERN

_ISO = r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2})?(?:Z|[+-]\d{2}:?\d{2})?"
_NAME = r"[A-Z][\w.'’-]+(?:\s+[A-Z][\w.'’-]+){0,3}"
_MONTHS = MONTH_PATTERN

# "2023-11-28T12:18:00+00:00By Megan Kelly": the timestamp-and-byline line of a listing item.
_STAMP_BYLINE = re.compile(rf"^\s*({_ISO})\s*By\s+({_NAME})\s*$")
_ISO_ANYWHERE = re.compile(rf"\b({_ISO})")
_DATE_WORD = re.compile(r"\bdate\s+(\d{4}-\d{2}-\d{2})\b", re.IGNORECASE)
_LONG_DATE = re.compile(
    rf"\b(?:(?:Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day,\s+)?(\d{{1,2}})\s+({_MONTHS})\s+(\d{{4}})"
    r"(?:,?\s+(\d{1,2}):(\d{2}))?"
)
_US_DATE = re.compile(rf"\b({_MONTHS})\s+(\d{{1,2}}),\s+(\d{{4}})")
_BYLINE = re.compile(rf"(?:^|\s)By\s+({_NAME})\s*$")
# A listing line ends "...sentence. Author Name".
_TRAILING_AUTHOR = re.compile(
    r"(?:[.!?’”)]|\s[a-z][\w'’-]*)\s+([A-Z][\w'’-]+(?:\s+[A-Z][\w'’-]+){1,2})\s*$"
)

_BOILERPLATE = re.compile(
    r"^\s*(?:related posts?|related articles?|related stories|latest news|newsletter|subscribe"
    r"|subscribe to our newsletter.*|sign up (?:for|to) .*|share this(?: article)?|advertisement"
    r"|read more|click here.*|follow us.*|this article was prepared using information from open sources.*)"
    r"\s*$",
    re.IGNORECASE,
)

_HEAD_LINES = 15  # metadata (title, date, byline) lives at the top of a page


@dataclass(frozen=True)
class _Line:
    start: int
    end: int
    text: str

    @property
    def blank(self) -> bool:
        return not self.text.strip()


def _lines(text: str) -> list[_Line]:
    out, pos = [], 0
    for raw in text.split("\n"):
        out.append(_Line(pos, pos + len(raw), raw))
        pos += len(raw) + 1
    return out


def parse_date(text: str) -> str:
    """The first publication date written in `text`, as ISO 8601, or ""."""
    candidates: list[tuple[int, str]] = []
    if m := _ISO_ANYWHERE.search(text):
        candidates.append((m.start(), m.group(1)))
    if m := _DATE_WORD.search(text):
        candidates.append((m.start(), m.group(1)))
    if m := _LONG_DATE.search(text):
        day, month, year, hour, minute = m.groups()
        fmt = datetime.strptime(f"{day} {month} {year}", "%d %B %Y")
        if hour is not None:
            fmt = fmt.replace(hour=int(hour), minute=int(minute))
            candidates.append((m.start(), fmt.isoformat()))
        else:
            candidates.append((m.start(), fmt.date().isoformat()))
    if m := _US_DATE.search(text):
        month, day, year = m.groups()
        when = datetime.strptime(f"{day} {month} {year}", "%d %B %Y").date().isoformat()
        candidates.append((m.start(), when))
    return min(candidates)[1] if candidates else ""


def _first_sentence(text: str, limit: int = 120) -> str:
    flat = " ".join(text.split())
    m = re.search(r"[.!?](?=\s|$)", flat)
    sentence = flat[: m.end()] if m else flat
    if len(sentence) > limit:
        sentence = sentence[:limit].rsplit(" ", 1)[0] + "…"
    return sentence


def _strip_leading_date(line: str) -> str:
    """A first line like ' date 2019-06-05 Collaboration is…' holds no title of its own."""
    return _DATE_WORD.sub("", line, count=1).strip()


def _is_dateline(line: str) -> bool:
    stripped = line.strip()
    return bool(stripped) and len(parse_date(stripped)) > 0 and len(stripped) <= 40


def _clean_text(kept: list[str]) -> str:
    text = "\n".join(kept).strip()
    return re.sub(r"\n{3,}", "\n\n", text)


def _single_article(text: str, origin: str) -> Article | None:
    lines = [ln.text for ln in _lines(text)]
    non_blank = [ln for ln in lines if ln.strip()]
    if not non_blank:
        return None
    first = non_blank[0].strip()
    title = first
    if _DATE_WORD.search(first) or _is_dateline(first):
        title = _first_sentence(_strip_leading_date(first))
    elif len(first) > 160:
        title = _first_sentence(first)

    head = "\n".join(non_blank[:_HEAD_LINES])
    published_at = parse_date(head)
    author = ""
    for ln in non_blank[:_HEAD_LINES]:
        if m := _BYLINE.search(ln.strip()):
            author = m.group(1)
            break

    kept: list[str] = []
    source = ""
    for i, ln in enumerate(lines):
        if _BOILERPLATE.match(ln):
            continue
        if i > 0 and ln.strip() == first and ln.strip() == title:
            # A title repeated under a short outlet line ("Benzinga"): the outlet
            # is the source, and neither line is article text.
            prev = kept[-1].strip() if kept else ""
            if prev and len(prev.split()) <= 3 and not prev.endswith("."):
                source = prev
                kept.pop()
            continue
        kept.append(ln)
    body = _clean_text(kept)
    if not body:
        return None
    return Article(
        id=origin, origin=origin, text=body, title=title, source=source,
        author=author, published_at=published_at,
    )


def _split_stamped_listing(text: str, origin: str) -> list[Article]:
    """Items shaped [caption] / headline / 'ISO-stampBy Author' / summary."""
    lines = _lines(text)
    stamps = [i for i, ln in enumerate(lines) if _STAMP_BYLINE.match(ln.text)]
    articles: list[Article] = []
    for k, i in enumerate(stamps):
        headline = next((j for j in range(i - 1, -1, -1) if not lines[j].blank), None)
        summary = next((j for j in range(i + 1, len(lines)) if not lines[j].blank), None)
        if headline is None:
            continue
        if summary is not None and (summary in stamps or _is_next_headline(lines, summary, stamps)):
            summary = None
        end_line = summary if summary is not None else i
        m = _STAMP_BYLINE.match(lines[i].text)
        assert m is not None
        body = text[lines[headline].start : lines[end_line].end].strip()
        articles.append(
            Article(
                id=f"{origin}#{k + 1}", origin=origin, text=body,
                title=lines[headline].text.strip(), author=m.group(2),
                published_at=m.group(1),
            )
        )
    return articles


def _is_next_headline(lines: list[_Line], j: int, stamps: list[int]) -> bool:
    following = next((x for x in range(j + 1, len(lines)) if not lines[x].blank), None)
    return following in stamps


def _split_line_listing(text: str, origin: str) -> list[Article]:
    """Items written one per line: 'Headline Summary sentence. Author Name'."""
    articles: list[Article] = []
    for ln in _lines(text):
        if ln.blank or _BOILERPLATE.match(ln.text):
            continue
        body, author = ln.text.strip(), ""
        if m := _TRAILING_AUTHOR.search(body):
            author = m.group(1)
            body = body[: m.start(1)].rstrip()
        articles.append(
            Article(
                id=f"{origin}#{len(articles) + 1}", origin=origin, text=body,
                title=_first_sentence(body, limit=100), author=author,
                published_at=parse_date(body[:200]) if _is_dateline(body[:40]) else "",
            )
        )
    return articles


def _looks_like_line_listing(text: str) -> bool:
    rows = [ln.text.strip() for ln in _lines(text) if not ln.blank]
    if len(rows) < 5:
        return False
    with_author = sum(1 for r in rows if _TRAILING_AUTHOR.search(r) and len(r) > 80)
    return with_author >= 0.8 * len(rows) and not any(_STAMP_BYLINE.match(r) for r in rows)


def parse_raw_text(text: str, origin: str) -> list[Article]:
    """Articles found in one raw capture: one, or one per listing item."""
    if sum(1 for ln in _lines(text) if _STAMP_BYLINE.match(ln.text)) >= 2:
        return _split_stamped_listing(text, origin)
    if _looks_like_line_listing(text):
        return _split_line_listing(text, origin)
    article = _single_article(text, origin)
    return [article] if article else []
