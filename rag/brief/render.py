"""A `Brief` as Markdown and as one self-contained HTML page (inline CSS, print-ready).

Headlines and extracted names come from the open web: in HTML every string is
escaped; in Markdown, characters a renderer would treat as markup are too.
"""

from __future__ import annotations

import re
from html import escape

from rag.brief.job import Brief, BriefRequest
from rag.sources import Source

_CSS = """
body { font: 15px/1.45 Georgia, 'Times New Roman', serif; color: #1b1f23; max-width: 46rem; margin: 2rem auto;
       padding: 0 1rem; }
h1 { font-size: 1.5rem; margin: 0 0 .2rem; } h2 { font-size: 1.05rem; margin: 1.2rem 0 .4rem;
     border-bottom: 1px solid #d0d7de; }
.meta { color: #57606a; font-size: .9rem; } ul { padding-left: 1.2rem; } li { margin: .2rem 0; }
table { border-collapse: collapse; width: 100%; font-size: .88rem; } th, td { border: 1px solid #d0d7de;
        padding: .25rem .4rem; text-align: left; vertical-align: top; }
ol.sources { font-size: .88rem; } a { color: #0b57d0; }
@media print { body { margin: 0; max-width: none; font-size: 11pt; } a { color: inherit; text-decoration: none; }
               h2 { break-after: avoid; } table, li { break-inside: avoid; } }
"""


def slugify(topic: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", topic.lower()).strip("-")
    return slug[:80] or "topic"


def _md(text: str) -> str:
    """Text safe inside Markdown: no raw HTML, no accidental emphasis or table breaks."""
    text = text.replace("<", "&lt;").replace(">", "&gt;")
    return re.sub(r"([\\`*_|])", r"\\\1", text)


def _source_parts(source: Source) -> tuple[str, str, str]:
    """(outlet — headline (date)) as plain text, and the origin file when the outlet is unknown."""
    date = source.published_at[:10] or "undated"
    line = f"{source.title or source.article_id} ({date})"
    if source.outlet:
        return f"{source.outlet} — {line}", "", date
    return f"Outlet unknown — {line}", source.origin, date


def scope(request: BriefRequest) -> str:
    """What the brief was asked to read: the index's date and the filters. A batch re-run rewrites a brief
    whose scope differs (another --since, a grown index) instead of skipping it as already written."""
    parts = [f"As of {request.as_of or 'the current index'}"]
    if request.outlets:
        parts.append("from " + ", ".join(sorted(request.outlets)))
    if request.since:
        parts.append(f"since {request.since}")
    if request.until:
        parts.append(f"until {request.until}")
    return " · ".join(parts)


def written_for(markdown: str, request: BriefRequest) -> bool:
    """Whether a brief's Markdown was written with `request`'s scope (its third line, as `to_markdown` puts it)."""
    lines = markdown.splitlines()
    wanted = f"*{_md(scope(request))}*"
    return len(lines) > 2 and (lines[2] == wanted or lines[2].startswith(f"{wanted} · "))


def _no_brief(brief: Brief) -> str:
    if not brief.unconfirmed:
        return f"The indexed articles contain nothing on “{brief.topic}”. No brief was written."
    one = len(brief.unconfirmed) == 1
    articles = "1 indexed article mentions" if one else f"{len(brief.unconfirmed)} indexed articles mention"
    it, its = ("it", "its") if one else ("them", "their")
    return (f"{articles} “{brief.topic}”, but no statement drawn from {it} passed the check against {its} text, "
            f"so no brief was written. Read {it}:")


def _covers(brief: Brief) -> str:
    first, last = brief.date_range
    dates = ("covers " + (first if first == last else f"{first} to {last}")) if first else "articles undated"
    count = len(brief.sources)
    return f"{dates} · {count} source{'' if count == 1 else 's'}"


def _md_source(source: Source) -> str:
    line, origin, _ = _source_parts(source)
    link = f", <{source.url}>" if source.url.startswith(("http://", "https://")) else ""
    return f"{_md(line)}{link}" + (f" · {_md(origin)}" if origin else "")


def to_markdown(brief: Brief) -> str:
    lines = [f"# Brief: {_md(brief.topic)}", ""]
    if brief.empty:
        lines += [f"*{_md(scope(brief.request))}*", "", _md(_no_brief(brief)), ""]
        lines += [f"- {_md_source(s)}" for s in brief.unconfirmed]
        return "\n".join(lines) + ("\n" if brief.unconfirmed else "")
    lines += [f"*{_md(scope(brief.request))}* · {_covers(brief)}", "",
              "## Overview", "", _md(brief.overview), "", "## Key developments", ""]
    lines += [f"- **{d.date}** — {_md(d.text)}" for d in brief.developments]
    lines += ["", "## Companies, places and figures", "", "| Date | Companies and places | Figures | Sources |",
              "|---|---|---|---|"]
    for d in brief.developments:
        cites = "".join(f"[{n}]" for n in d.citations)
        lines.append(f"| {d.date} | {_md('; '.join(d.names)) or '–'} | {_md('; '.join(d.figures)) or '–'} | {cites} |")
    lines += ["", "## Sources", ""]
    lines += [f"{s.n}. {_md_source(s)}" for s in brief.sources]
    return "\n".join(lines) + "\n"


def _link(url: str) -> str:
    if url.startswith(("http://", "https://")):
        return f' · <a href="{escape(url, quote=True)}">{escape(url)}</a>'
    return ""


def to_html(brief: Brief) -> str:
    title = f"Brief: {brief.topic}"
    parts = ["<!doctype html>", '<html lang="en"><head><meta charset="utf-8">',
             f"<title>{escape(title)}</title><style>{_CSS}</style></head><body>", f"<h1>{escape(title)}</h1>"]
    if brief.empty:
        parts += [f'<p class="meta">{escape(scope(brief.request))}</p>', f"<p>{escape(_no_brief(brief))}</p>"]
        if brief.unconfirmed:
            parts += ["<ul>", *(f"<li>{escape(_source_parts(s)[0])}{_link(s.url)}</li>" for s in brief.unconfirmed),
                      "</ul>"]
        return "\n".join(parts + ["</body></html>"]) + "\n"
    parts += [f'<p class="meta">{escape(scope(brief.request))} · {escape(_covers(brief))}</p>',
              "<h2>Overview</h2>", f"<p>{escape(brief.overview)}</p>", "<h2>Key developments</h2>", "<ul>"]
    parts += [f"<li><b>{escape(d.date)}</b> — {escape(d.text)}</li>" for d in brief.developments]
    parts += ["</ul>", "<h2>Companies, places and figures</h2>",
              "<table><tr><th>Date</th><th>Companies and places</th><th>Figures</th><th>Sources</th></tr>"]
    for d in brief.developments:
        parts.append(f"<tr><td>{escape(d.date)}</td><td>{escape('; '.join(d.names)) or '–'}</td>"
                     f"<td>{escape('; '.join(d.figures)) or '–'}</td>"
                     f"<td>{''.join(f'[{n}]' for n in d.citations)}</td></tr>")
    parts += ["</table>", "<h2>Sources</h2>", '<ol class="sources">']
    for s in brief.sources:
        line, origin, _ = _source_parts(s)
        from_file = f' · <span class="meta">{escape(origin)}</span>' if origin else ""
        parts.append(f'<li value="{s.n}">{escape(line)}{_link(s.url)}{from_file}</li>')
    parts += ["</ol>", "</body></html>"]
    return "\n".join(parts) + "\n"
