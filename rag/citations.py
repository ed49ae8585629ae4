"""From the model's `[n]` markers to verified, structured citations.

The model numbers sources in retrieval order; readers want numbers in order of
first use, one per article. `Renumberer` rewrites markers as text streams in
(holding back only an unfinished "[12"), so the streamed text and the final
answer agree. `verify` then finds, for each cited sentence, the span of the
article that supports it and flags sentences whose source does not.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from index.textrules import (
    MARKER,
    OPEN_MARKER,
    cited_numbers,
    content_keys,
    marker_numbers,
    numbers,
    sentence_spans,
)
from rag.prompts import REFUSAL
from rag.retrieval.types import OtherReport
from rag.sources import Source
from rag.support import SUPPORT_THRESHOLD, best_span, joint_support, support_score

_REFUSAL_PATTERNS = re.compile(
    r"(do(?:es)? not|don't|doesn't) (contain|mention|include|provide|say|specify|state)"
    r"|no information|not (mentioned|provided|specified|stated|available)|cannot (be )?(determined|answer)",
    re.IGNORECASE,
)


class Renumberer:
    """Rewrites model source numbers to display numbers in order of first use."""

    def __init__(self, valid: set[int]) -> None:
        self.valid = valid
        self.mapping: dict[int, int] = {}  # model number → display number
        self._pending = ""

    def _replace(self, match: re.Match[str]) -> str:
        shown: list[int] = []
        for number in marker_numbers(match):
            if number not in self.valid:
                continue  # a source the model invented: drop the marker
            display = self.mapping.setdefault(number, len(self.mapping) + 1)
            if display not in shown:
                shown.append(display)
        return "".join(f"[{d}]" for d in shown)

    def rewrite(self, text: str) -> str:
        return MARKER.sub(self._replace, text)

    def feed(self, delta: str) -> str:
        """Text safe to show now; an unfinished marker waits for the next delta."""
        self._pending += delta
        hold = OPEN_MARKER.search(self._pending)
        cut = hold.start() if hold and len(self._pending) - hold.start() < 16 else len(self._pending)
        ready, self._pending = self._pending[:cut], self._pending[cut:]
        return self.rewrite(ready)

    def flush(self) -> str:
        ready, self._pending = self._pending, ""
        return self.rewrite(ready)


@dataclass(frozen=True)
class Citation:
    n: int
    article_id: str
    origin: str
    title: str
    outlet: str
    published_at: str
    url: str
    chunk_id: str
    start: int  # the supporting span, as offsets into the article text
    end: int
    quote: str
    support: float
    spans: tuple[tuple[int, int], ...] = ()  # every evidence sentence of this article, for highlighting
    also_reported_by: tuple[OtherReport, ...] = ()  # other outlets' copies of the cited story

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class SentenceCheck:
    text: str
    citations: tuple[int, ...]
    support: float
    flag: str | None  # None (supported as cited), "corrected", "attributed", "unsupported", "uncited"

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Verified:
    text: str
    refused: bool
    citations: list[Citation] = field(default_factory=list)
    sentences: list[SentenceCheck] = field(default_factory=list)


def is_refusal(text: str) -> bool:
    return not MARKER.search(text) and bool(_REFUSAL_PATTERNS.search(text) or REFUSAL.lower() in text.lower())


def citation_for(display: int, source: Source, claim: str, support: float) -> Citation:
    """Citation number `display` of `source`, pointing at the span that best supports `claim`."""
    spans = [best_span(claim, p.text, p.start) for p in source.passages]
    best_index = max(range(len(spans)), key=lambda i: spans[i].score)
    span, passage = spans[best_index], source.passages[best_index]
    chunk = passage.chunk_at(span.start)
    quote = passage.text[span.start - passage.start : span.end - passage.start]
    return Citation(
        n=display, article_id=source.article_id, origin=source.origin, title=source.title,
        outlet=source.outlet, published_at=source.published_at, url=source.url, chunk_id=chunk.chunk_id,
        start=span.start, end=span.end, quote=quote, support=round(support, 3),
        also_reported_by=source.also_reported_by,
    )


def answer_sentences(text: str) -> list[tuple[int, int]]:
    """Sentence spans, with trailing bits that hold only markers ("… Wolverhampton. [1]") joined on."""
    spans: list[tuple[int, int]] = []
    for start, end in sentence_spans(text):
        claim = MARKER.sub("", text[start:end])
        if spans and not content_keys(claim) and not numbers(claim):
            spans[-1] = (spans[-1][0], end)
        else:
            spans.append((start, end))
    return spans


def _cited(sentence: str, valid: set[int]) -> list[int]:
    return [n for n in cited_numbers(sentence) if n in valid]


def _check(sentence: str, sources: dict[int, Source], given: str) -> tuple[str, list[int], float, str | None]:
    """The sentence with its markers repaired, the sources it now cites, its support and its flag.

    A sentence supported by the source it cites keeps it. One whose cited source does
    not support it, but another retrieved source does, is re-pointed there ("corrected");
    an uncited one that a source supports gets that source ("attributed"). What no
    source supports keeps its markers and is flagged.
    """
    claim = MARKER.sub("", sentence).strip()
    cited = _cited(sentence, set(sources))
    scores = {n: support_score(claim, sources[n].evidence, given) for n in sources}
    backed = [n for n in cited if scores[n] >= SUPPORT_THRESHOLD]
    if not backed and len(cited) > 1:  # a sentence joining facts from several articles
        together = joint_support(claim, [sources[n].evidence for n in cited], given)
        if together >= SUPPORT_THRESHOLD:
            return place_markers(claim, cited), cited, together, None
    if backed:
        return place_markers(claim, backed), backed, max(scores[n] for n in backed), None
    best = max(scores, key=lambda n: (scores[n], -n))
    if scores[best] < SUPPORT_THRESHOLD:
        return sentence, cited, max((scores[n] for n in cited), default=0.0), "unsupported" if cited else "uncited"
    return place_markers(claim, [best]), [best], scores[best], "corrected" if cited else "attributed"


def place_markers(claim: str, cited: Sequence[int]) -> str:
    """'Claim text [1][2].': markers before the closing punctuation, stray words after it dropped."""
    end = re.search(r"[.!?]", claim)
    while end and not content_keys(claim[end.end():]) and not numbers(claim[end.end():]):
        claim = claim[: end.start()]  # "… articles. and" → "… articles"
        end = re.search(r"[.!?]", claim)
    body = claim.rstrip(" .!?")
    closing = re.search(r"[.!?]+$", claim.rstrip())
    return body + " " + "".join(f"[{n}]" for n in cited) + (closing.group() if closing else ".")


@dataclass(frozen=True)
class Checked:
    """One sentence after the support check, still in the model's source numbering."""

    text: str
    cited: tuple[int, ...]
    support: float
    flag: str | None

    @property
    def backed(self) -> bool:
        return self.flag in (None, "corrected", "attributed")


def check_sentences(draft: str, sources: list[Source], given: str = "") -> list[Checked]:
    """Every sentence of `draft` checked against the sources it cites, citations repaired.

    `given` (the question) is context the sentence may restate without a source.
    """
    by_n = {s.n: s for s in sources}
    return [Checked(text, tuple(cited), score, flag)
            for text, cited, score, flag in (_check(draft[a:b], by_n, given) for a, b in answer_sentences(draft))]


def verify(draft: str, sources: list[Source], given: str = "", drop_unsupported: bool = False) -> Verified:
    """Check each sentence of an answer (in the model's numbering) against the sources.

    Returns the final text renumbered in order of first use, one citation per article
    pointing at the span that supports it, and a check per sentence. With
    `drop_unsupported`, sentences no article supports leave the text and stay listed,
    flagged "removed"; otherwise they stay in the text, flagged.
    """
    draft = draft.strip()
    if not draft or is_refusal(draft):
        return Verified(REFUSAL, refused=True)
    by_n = {s.n: s for s in sources}
    checked = check_sentences(draft, sources, given)
    if not any(c.backed for c in checked):
        # Nothing the model wrote is backed by a retrieved article: make no claim.
        return Verified(REFUSAL, refused=True, sentences=[
            SentenceCheck(c.text, c.cited, round(c.support, 3), c.flag) for c in checked
        ])
    removed = [c for c in checked if drop_unsupported and not c.backed]
    checked = [c for c in checked if c not in removed]
    renumberer = Renumberer(set(by_n))
    text = renumberer.rewrite(" ".join(c.text for c in checked))
    citations: dict[int, Citation] = {}
    checks: list[SentenceCheck] = []
    for c in checked:
        shown = tuple(renumberer.mapping[n] for n in c.cited)
        checks.append(SentenceCheck(renumberer.rewrite(c.text), shown, round(c.support, 3), c.flag))
        claim = MARKER.sub("", c.text).strip()
        for n, display in zip(c.cited, shown, strict=True):
            support = support_score(claim, by_n[n].evidence, given)
            if display not in citations or support > citations[display].support:
                citations[display] = citation_for(display, by_n[n], claim, support)
    checks += [SentenceCheck(c.text, c.cited, round(c.support, 3), "removed") for c in removed]
    return Verified(text, refused=False, citations=[citations[d] for d in sorted(citations)], sentences=checks)
