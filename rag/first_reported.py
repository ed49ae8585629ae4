"""Which of two events came first, by the dates of the articles that report them.

"Which was announced first: the BMW and Jaguar Land Rover electric drive partnership or the GM and TDK battery
plant?" A 1.5B model reading "Jaguar Land Rover and BMW … announced partnership" (an article of 2019-06-05)
and "General Motors … deal with TDK" (2024-09-12) named the right event with the wrong year, or the wrong
event. The dates are in the articles' headers, so the product compares them itself: the answer is the
event whose earliest report is the earlier (or, for "Which came later", the later), quoted with both
reports and their days, so a reader sees why. As in `rag.evidence.events_out_of_order`, an article's date
stands for the deed it reports; an event with no dated report leaves the answer to the model.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from index.names import named_keys, written_keys
from index.textrules import content_keys
from rag.evidence import Sentence
from rag.sources import Source


@dataclass(frozen=True)
class DatedReport:
    """An event's earliest dated report: the day and the sentence of it that is quoted."""

    event: str
    day: str
    sentence: Sentence


def first_reports(events: Sequence[str], later: bool, sentences: Sequence[Sentence], sources: Sequence[Source]
                  ) -> tuple[DatedReport, DatedReport] | None:
    """Each event's earliest dated report among `sentences`, the answer's first: the earlier event's, or the
    later's when `later` ("Which came later: A or B?"). None when an event has no dated report or both
    fall on one day. A sentence reports an event when it names one of the names only that
    event has ("Tata" against "Nissan"; "GM" names both of "GM's $920m investment in Ohio" and "GM's deal
    with TDK", so neither) and none of the other's, and shares a word of what the event is beyond its
    names ("gigafactory", "partnership"); its article must name every name only that event has, so BMW's
    South Carolina plant does not date "BMW starting cell production at Parsdorf" (a nationality is named by
    its country: "ACC opens first gigafactory in France" dates "ACC's French gigafactory")."""
    if len(events) != 2:
        return None
    names = [named_keys(event) for event in events]
    own = [names[0] - names[1], names[1] - names[0]]
    by_n = {s.n: s for s in sources}
    found: list[DatedReport] = []
    for i, event in enumerate(events):
        other = own[1 - i]
        about = content_keys(event) - names[i]
        if not own[i] or not about:
            return None
        reports = [DatedReport(event, source.published_at[:10], sentence) for sentence in sentences
                   if (source := by_n.get(sentence.source_n)) is not None and source.published_at
                   and own[i] <= written_keys(event, source.evidence)
                   and own[i] & (keys := content_keys(sentence.text)) and not other & keys and about & keys]
        if not reports:
            return None
        found.append(min(reports, key=lambda r: (r.day, -r.sentence.score)))
    earlier, latest = sorted(found, key=lambda r: r.day)
    if earlier.day == latest.day:
        return None
    return (latest, earlier) if later else (earlier, latest)
