"""User text → a safe SQLite FTS5 MATCH expression for BM25 ranking."""

from __future__ import annotations

import re

# Question words carry no evidence; left in an OR query they rank chunks by how
# many times they say "what" or "the".
_STOPWORDS = frozenset(
    "a an and are as at be been but by did do does for from had has have how i in is it its "
    "of on or s that the their there these they this to was were what when where which who "
    "whom why will with would according articles article reported report said says".split()
)


def fts_query(text: str) -> str:
    """A safe FTS5 MATCH expression: every content word quoted, joined by OR."""
    words = re.findall(r"\w+", text.lower())
    return " OR ".join(f'"{w}"' for w in dict.fromkeys(words) if w not in _STOPWORDS)
