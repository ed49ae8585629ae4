"""User text → a safe SQLite FTS5 MATCH expression for BM25 ranking."""

from __future__ import annotations

import re

from index.textrules import SEARCH_STOPWORDS


def fts_query(text: str) -> str:
    """A safe FTS5 MATCH expression: every content word quoted, joined by OR."""
    words = re.findall(r"\w+", text.lower())
    return " OR ".join(f'"{w}"' for w in dict.fromkeys(words) if w not in SEARCH_STOPWORDS)
