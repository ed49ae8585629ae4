"""HTML for the sources panel. Every piece of article text passes through `html.escape`.

Articles come from the open web: a headline holding `<img src=x onerror=…>` must
show those characters, never run them. So this module builds markup from
escaped strings only, and highlights a cited span by slicing the raw text
*before* escaping each part.
"""

from __future__ import annotations

from html import escape

from rag.citations import Citation
from rag.sources import Source

PANEL_CSS = """
.nr-source { border: 1px solid #d0d7de; border-radius: 6px; padding: 8px 10px; margin: 0 0 8px 0; }
.nr-source .nr-meta { color: #57606a; font-size: 0.85em; }
.nr-source .nr-n { font-weight: 700; margin-right: 4px; }
.nr-passage { white-space: pre-wrap; font-size: 0.92em; margin-top: 6px; }
.nr-passage mark { background: #fff3a3; padding: 0 1px; }
.nr-flag { color: #9a6700; font-size: 0.85em; }
"""


def _meta(outlet: str, published_at: str, origin: str) -> str:
    parts = [p for p in (outlet, published_at[:10], origin) if p]
    return " · ".join(escape(p) for p in parts)


def _link(url: str) -> str:
    if url.startswith(("http://", "https://")):
        return f' · <a href="{escape(url, quote=True)}" target="_blank" rel="noopener noreferrer">link</a>'
    return ""


def highlighted_passage(source: Source, start: int, end: int, context: int | None = None) -> str:
    """The passage of `source` holding article offsets [start, end), with that span marked.

    With `context`, only that many characters either side of the span are shown.
    """
    passage = next((p for p in source.passages if p.start <= start < p.end), source.passages[0])
    text = passage.text
    a = max(0, start - passage.start)
    b = max(a, min(len(text), end - passage.start))
    before, after = text[:a], text[b:]
    if context is not None:
        before = ("…" if len(before) > context else "") + before[-context:]
        after = after[:context] + ("…" if len(after) > context else "")
    return f"{escape(before)}<mark>{escape(text[a:b])}</mark>{escape(after)}"


def sources_panel(sources: list[Source], citations: list[Citation] | None = None, status: str = "") -> str:
    """Cited articles first (with their supporting span), or the retrieved ones while waiting."""
    blocks = [f'<p class="nr-meta">{escape(status)}</p>'] if status else []
    if citations:
        by_id = {s.article_id: s for s in sources}
        for c in citations:
            source = by_id.get(c.article_id)
            body = highlighted_passage(source, c.start, c.end, context=240) if source else escape(c.quote)
            blocks.append(
                f'<div class="nr-source" id="nr-cite-{c.n}"><span class="nr-n">[{c.n}]</span>'
                f"<b>{escape(c.title or c.article_id)}</b>"
                f'<div class="nr-meta">{_meta(c.source, c.published_at, c.origin)}{_link(c.url)}</div>'
                f'<div class="nr-passage">{body}</div></div>'
            )
        return "\n".join(blocks)
    for s in sources:
        first = s.passages[0].text if s.passages else ""
        snippet = first[:400] + ("…" if len(first) > 400 else "")
        blocks.append(
            f'<div class="nr-source"><b>{escape(s.title or s.article_id)}</b>'
            f'<div class="nr-meta">{_meta(s.source, s.published_at, s.origin)}{_link(s.url)}</div>'
            f'<div class="nr-passage">{escape(snippet)}</div></div>'
        )
    return "\n".join(blocks)


def citation_detail(sources: list[Source], citation: Citation) -> str:
    """One citation's full passage, for the "show citation" selector."""
    source = next((s for s in sources if s.article_id == citation.article_id), None)
    body = highlighted_passage(source, citation.start, citation.end) if source else escape(citation.quote)
    return (
        f'<div class="nr-source"><span class="nr-n">[{citation.n}]</span><b>{escape(citation.title)}</b>'
        f'<div class="nr-meta">{_meta(citation.source, citation.published_at, citation.origin)}{_link(citation.url)}'
        f" · chunk {escape(citation.chunk_id)} · chars {citation.start}–{citation.end}</div>"
        f'<div class="nr-passage">{body}</div></div>'
    )
