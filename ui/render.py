"""HTML for the sources panel. Every piece of article text passes through `html.escape`.

Articles come from the open web: a headline holding `<img src=x onerror=…>` must
show those characters, never run them. So this module builds markup from
escaped strings only, and highlights a cited span by slicing the raw text
*before* escaping each part.
"""

from __future__ import annotations

from html import escape

from index.textrules import WORD, canonical, content_keys, is_content_word, word_key
from rag.citations import Citation
from rag.retrieval.types import Hit, OtherReport
from rag.sources import Source

PANEL_CSS = """
.nr-source { border: 1px solid #d0d7de; border-radius: 6px; padding: 8px 10px; margin: 0 0 8px 0; }
.nr-source .nr-meta { color: #57606a; font-size: 0.85em; }
.nr-source .nr-n { font-weight: 700; margin-right: 4px; }
.nr-passage { white-space: pre-wrap; font-size: 0.92em; margin-top: 6px; }
.nr-passage mark { background: #fff3a3; padding: 0 1px; }
.nr-flag { color: #9a6700; font-size: 0.85em; }
.nr-understood { color: #0b5394; font-size: 0.85em; margin: 0 0 6px 0; }
.nr-result .nr-rank { color: #57606a; margin-right: 6px; }
"""


def _meta(outlet: str, published_at: str, origin: str) -> str:
    parts = [p for p in (outlet, published_at[:10], origin) if p]
    return " · ".join(escape(p) for p in parts)


def _also(reports: tuple[OtherReport, ...]) -> str:
    """Other outlets that ran the same story (syndicated copies folded into this citation)."""
    if not reports:
        return ""
    outlets = ", ".join(escape(r.outlet or r.article_id) for r in reports)
    return f'<div class="nr-meta nr-also">also reported by {outlets}</div>'


def _link(url: str) -> str:
    if url.startswith(("http://", "https://")):
        return f' · <a href="{escape(url, quote=True)}" target="_blank" rel="noopener noreferrer">link</a>'
    return ""


def _marked(text: str, ranges: list[tuple[int, int]]) -> str:
    """`text` escaped piece by piece, each range (offsets into `text`) inside <mark>."""
    out, at = [], 0
    for a, b in sorted(ranges):
        a, b = max(a, at), min(b, len(text))
        if a >= b:
            continue
        out += [escape(text[at:a]), f"<mark>{escape(text[a:b])}</mark>"]
        at = b
    return "".join(out) + escape(text[at:])


def highlighted_passage(source: Source, start: int, end: int, context: int | None = None,
                        spans: tuple[tuple[int, int], ...] = ()) -> str:
    """The passage of `source` holding article offsets [start, end), with that span (and any other
    evidence `spans` in the same passage) marked.

    With `context`, only that many characters either side of the marked sentences are shown.
    """
    passage = next((p for p in source.passages if p.start <= start < p.end), source.passages[0])
    ranges = [(max(0, a - passage.start), max(0, b - passage.start))
              for a, b in {(start, end), *spans} if passage.start <= a < passage.end]
    text = passage.text
    if context is None or not ranges:
        return _marked(text, ranges)
    lo = max(0, min(a for a, _ in ranges) - context)
    hi = min(len(text), max(b for _, b in ranges) + context)
    marked = _marked(text[lo:hi], [(a - lo, b - lo) for a, b in ranges])
    return ("…" if lo > 0 else "") + marked + ("…" if hi < len(text) else "")


def sources_panel(sources: list[Source], citations: list[Citation] | None = None, status: str = "",
                  understood: str = "") -> str:
    """Cited articles first (with their evidence sentences marked), or the retrieved ones while waiting;
    `understood` says how the question was read (search text, kind, outlets, dates)."""
    blocks = [f'<p class="nr-meta">{escape(status)}</p>'] if status else []
    if understood:
        blocks.append(f'<p class="nr-understood">Understood: {escape(understood)}</p>')
    if citations:
        by_id = {s.article_id: s for s in sources}
        for c in citations:
            source = by_id.get(c.article_id)
            body = highlighted_passage(source, c.start, c.end, 240, c.spans) if source else escape(c.quote)
            blocks.append(
                f'<div class="nr-source" id="nr-cite-{c.n}"><span class="nr-n">[{c.n}]</span>'
                f"<b>{escape(c.title or c.article_id)}</b>"
                f'<div class="nr-meta">{_meta(c.outlet, c.published_at, c.origin)}{_link(c.url)}</div>'
                f'{_also(c.also_reported_by)}<div class="nr-passage">{body}</div></div>'
            )
        return "\n".join(blocks)
    for s in sources:
        first = s.passages[0].text if s.passages else ""
        snippet = first[:400] + ("…" if len(first) > 400 else "")
        blocks.append(
            f'<div class="nr-source"><b>{escape(s.title or s.article_id)}</b>'
            f'<div class="nr-meta">{_meta(s.outlet, s.published_at, s.origin)}{_link(s.url)}</div>'
            f'<div class="nr-passage">{escape(snippet)}</div></div>'
        )
    return "\n".join(blocks)


def citation_detail(sources: list[Source], citation: Citation) -> str:
    """One citation's full passage, for the "show citation" selector."""
    source = next((s for s in sources if s.article_id == citation.article_id), None)
    body = (highlighted_passage(source, citation.start, citation.end, spans=citation.spans) if source
            else escape(citation.quote))
    return (
        f'<div class="nr-source"><span class="nr-n">[{citation.n}]</span><b>{escape(citation.title)}</b>'
        f'<div class="nr-meta">{_meta(citation.outlet, citation.published_at, citation.origin)}{_link(citation.url)}'
        f" · chunk {escape(citation.chunk_id)} · chars {citation.start}–{citation.end}</div>"
        f'<div class="nr-passage">{body}</div></div>'
    )


def query_marks(text: str, query: str) -> list[tuple[int, int]]:
    """Offsets of the words of `text` that match a content word of the query (same crude stem)."""
    wanted = content_keys(canonical(query))  # a pasted "Mlada\u0301" is the stored "Mladá"
    return [m.span() for m in WORD.finditer(text) if is_content_word(m.group()) and word_key(m.group()) in wanted]


def _snippet(text: str, marks: list[tuple[int, int]], width: int = 420) -> str:
    """About `width` characters of `text` around its first matching word, the matches marked."""
    lo = max(0, (marks[0][0] if marks else 0) - width // 3)
    hi = min(len(text), lo + width)
    inside = [(a - lo, b - lo) for a, b in marks if lo <= a and b <= hi]
    return ("…" if lo > 0 else "") + _marked(text[lo:hi], inside) + ("…" if hi < len(text) else "")


def search_results(hits: list[Hit], query: str, status: str) -> str:
    """The Search tab's result list: headline, outlet, date, the passage with the query's words marked,
    and the other outlets of the same story."""
    blocks = [f'<p class="nr-meta">{escape(status)}</p>']
    for rank, hit in enumerate(hits, start=1):
        c = hit.chunk
        blocks.append(
            f'<div class="nr-source nr-result"><span class="nr-rank">{rank}.</span>'
            f"<b>{escape(c.title or c.article_id)}</b>"
            f'<div class="nr-meta">{_meta(c.outlet, c.published_at, c.origin)}{_link(c.url)}</div>'
            f'{_also(hit.also_reported_by)}<div class="nr-passage">{_snippet(c.text, query_marks(c.text, query))}</div>'
            "</div>"
        )
    return "\n".join(blocks)
