"""An analysed question → the chunks to answer from: its filters, one search per report, newest first.

- Outlets and dates the question names become filters, unless the user set their
  own (those win); a filter that finds nothing is dropped rather than refusing.
- A question about two reports ("Does The Verge … while TechCrunch …?") searches
  each report with its own outlet and date, so both reach the model even when one
  outlet's article would outrank the other's for the whole question. So does a
  question asking which of two events came first, each event on its own.
- "Most recent" questions keep the articles about as relevant as the best one and
  put the newest first.
- A date a question names is a preference, not a requirement, outside a question
  about several reports: when nothing in the period is about as relevant as the best
  article of any date, every date is searched (newer first by the recency prior).
  Questions date events, not articles ("a guilty plea from Republicans who falsely
  attested Trump won in 2020"), and an archive that misses a week often covers its
  story in an earlier article.
"""

from __future__ import annotations

from dataclasses import replace

from rag.query import Query
from rag.retrieval.types import Hit, RetrievalFilters, SupportsRetrieve

_RECENT_POOL = 3  # × k candidates for a "most recent" question
_ABOUT_AS_RELEVANT = 0.12  # cosine below the best that still counts as "about as relevant"


def combine(base: RetrievalFilters, extra: RetrievalFilters) -> RetrievalFilters:
    """Both filters at once: the narrower date range; the base's outlets unless it has none."""
    since = max((d for d in (base.since, extra.since) if d), default=None)
    until = min((d for d in (base.until, extra.until) if d), default=None)
    return RetrievalFilters(base.sources or extra.sources, since, until)


def _search(retriever: SupportsRetrieve, text: str, k: int, filters: RetrievalFilters,
            fallback: RetrievalFilters, as_of: str | None) -> list[Hit]:
    hits = retriever.retrieve(text, k=k, filters=filters, as_of=as_of)
    return hits or (retriever.retrieve(text, k=k, filters=fallback, as_of=as_of) if fallback != filters else [])


def _interleave(rankings: list[list[Hit]], k: int) -> list[Hit]:
    """Round-robin over per-report rankings, each chunk once."""
    merged: list[Hit] = []
    seen: set[str] = set()
    for rank in range(max((len(r) for r in rankings), default=0)):
        for ranking in rankings:
            if rank < len(ranking) and ranking[rank].chunk.chunk_id not in seen:
                seen.add(ranking[rank].chunk.chunk_id)
                merged.append(ranking[rank])
    return merged[:k]


def _best_dense(hits: list[Hit]) -> float | None:
    return max((h.dense_score for h in hits if h.dense_score is not None), default=None)


def _newest_first(hits: list[Hit], k: int) -> list[Hit]:
    best = _best_dense(hits)
    relevant = [h for h in hits if best is None or (h.dense_score or 0.0) >= best - _ABOUT_AS_RELEVANT] or hits
    return sorted(relevant, key=lambda h: h.chunk.published_at, reverse=True)[:k]


def retrieve(retriever: SupportsRetrieve, query: Query, k: int, user: RetrievalFilters | None) -> list[Hit]:
    """The hits to answer `query` from; `user` filters (chat controls, CLI flags, an eval's as-of) always hold."""
    user = user or RetrievalFilters()
    # Recency counts from the question's date unless the question names its own period.
    as_of = None if query.periods else (query.as_of or None)
    # The user's own outlet choice wins over outlets read from the question.
    asked = query.filters if not user.sources else replace(query.filters, sources=())
    if query.multi_report:
        per_report = max(2, k // len(query.reports))
        rankings = [
            _search(retriever, query.search, per_report, combine(user, report.filters()),
                    combine(user, RetrievalFilters(report.outlets)), as_of)
            for report in query.reports
        ]
        return _interleave(rankings, max(k, per_report * len(query.reports)))
    if query.events:  # "Which came first: A or B?": each event searched on its own, k chunks each, so an
        # event's dated article is not crowded out by the undated one beside it (or by the other event's)
        rankings = [_search(retriever, event, k, combine(user, asked), user, as_of) for event in query.events]
        return _interleave(rankings, k * len(rankings))
    if query.prefer_recent:
        pool = _search(retriever, query.search, k * _RECENT_POOL, combine(user, asked), user, as_of)
        return _newest_first(pool, k)
    if not query.periods:
        return _search(retriever, query.search, k, combine(user, asked), user, as_of)
    inside = retriever.retrieve(query.search, k=k, filters=combine(user, asked), as_of=as_of)
    undated = replace(asked, since=None, until=None)
    anywhere = _search(retriever, query.search, k, combine(user, undated), user, query.as_of or None)
    best_inside, best_anywhere = _best_dense(inside), _best_dense(anywhere)
    if inside and (best_anywhere is None or (best_inside or 0.0) >= best_anywhere - _ABOUT_AS_RELEVANT):
        return inside
    return anywhere
