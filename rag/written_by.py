"""Who wrote an article: answered from its byline, not by the model.

"Who wrote the piece about BMW starting cell production in Parsdorf?" asks for the author of the one article the
question describes. The 1.5B reads numbered sentences, not the articles' bylines, and the answer was the report
itself, quoted (held-out chat-h8-008). The index keeps each article's author (a JSONL record's "author", an HTML
page's, a listing's "2023-10-27T14:58:00+01:00By Megan Kelly"), and a citation vouches for it as it does for the
outlet and the day (`rag.sources.Source.evidence`), so the product answers itself: the article's headline, day and
author, cited, so that the reader sees which article was taken to be the one meant.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from index.names import named_keys
from index.textrules import content_keys
from rag.sources import Source

# "Who wrote the piece about …?", "who authored that Reuters story on …", "Who is the author of the article …?",
# "whose byline is on the report …?". Not "Who wrote the Declaration of Independence?": a piece of news is asked.
_PIECE = r"(?:piece|article|story|report|column|feature|op-ed|write-up|analysis|interview|post|item|coverage)"
_ASKS_AUTHOR = re.compile(rf"\bwho(?:'s|\s+is|\s+was)?\s+(?:wrote|authored|penned|filed|(?:the\s+)?author\s+of|"
                          rf"behind)\s+(?:the|that|this|a|an)\s+(?P<which>(?:[\w'’.-]+\s+){{0,3}}?){_PIECE}\b|"
                          rf"\bwhose\s+byline\b", re.IGNORECASE)
_PIECE_WORD = re.compile(rf"\b{_PIECE}s?\b", re.IGNORECASE)


def asks_author(question: str) -> bool:
    return bool(_ASKS_AUTHOR.search(question))


def described_article(question: str, sources: Sequence[Source]) -> Source | None:
    """The best-retrieved article that is the one the question describes: it names every name the question writes
    ("BMW", "Parsdorf"; an outlet it names is the article's own) and shares a word of what the question says it
    is about. None when no article does, or the one that does has no author: the model then answers as for any
    question (and the checks refuse what no article says)."""
    # what describes the article, the words inside the asking kept: "TechCrunch" of "the TechCrunch piece on …"
    asked_about = _PIECE_WORD.sub(" ", _ASKS_AUTHOR.sub(lambda m: f" {m.group('which') or ''} ", question))
    names = named_keys(asked_about)
    about = content_keys(asked_about) - names
    for source in sources:
        keys = content_keys(source.evidence)
        if names <= keys and (about & keys or not about):
            return source if source.author.strip() else None
    return None


def byline_answer(source: Source) -> str:
    """'“<headline>” (<outlet>, <day>) is by <author> [n].', each part of it read from the cited article."""
    said = ", ".join(x for x in (source.outlet, source.published_at[:10]) if x)
    title = " ".join(source.title.split()).rstrip(" .;:,!?")
    return f"“{title}”{f' ({said})' if said else ''} is by {' '.join(source.author.split())} [{source.n}]."
