"""What an answer stream yields (`rag.answer.Answerer.stream`): the sources as soon as retrieval ends,
the answer's tokens, then the verified `Answer`, the record every front end shows and `newsrag eval` stores.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from rag.citations import Citation, SentenceCheck
from rag.evidence import Sentence, sentence_dict
from rag.query import Query
from rag.sources import Source


@dataclass
class Answer:
    question: str
    text: str
    refused: bool
    citations: list[Citation] = field(default_factory=list)
    sentences: list[SentenceCheck] = field(default_factory=list)
    sources: list[Source] = field(default_factory=list)
    standalone_question: str = ""
    draft: str = ""  # the model's own text, numbered as the `retrieved` sources, before verification
    timings: dict[str, float] = field(default_factory=dict)
    query: Query | None = None
    context: list[Sentence] = field(default_factory=list)  # the numbered sentences the model read
    evidence: list[Sentence] = field(default_factory=list)  # what it pointed at, after the check
    rejected_evidence: list[str] = field(default_factory=list)  # pointers or quotes not in the sources
    mode: str = ""  # how it was built: answer, yes_no, quoted, first_reported, byline, refused, draft
    model_refused: bool = False  # the model itself declined (before any verification)
    verdict_margin: float | None = None  # yes/no: log P("Yes") − log P("No"), where the backend gives it
    claim_margins: list[float] = field(default_factory=list)  # the same margin for each part (Query.claims)
    out_of_order: bool = False  # yes/no: the reports' dates contradict the order asked about (Query.order)

    def to_dict(self) -> dict[str, Any]:
        return {
            "question": self.question,
            "standalone_question": self.standalone_question or self.question,
            "answer": self.text,
            "refused": self.refused,
            "citations": [c.to_dict() for c in self.citations],
            "sentences": [s.to_dict() for s in self.sentences],
            "retrieved": [
                {"n": s.n, "article_id": s.article_id, "origin": s.origin, "title": s.title,
                 "outlet": s.outlet, "also_reported_by": [o.to_dict() for o in s.also_reported_by], "published_at": s.published_at, "url": s.url,
                 "chunk_ids": [c.chunk_id for p in s.passages for c in p.chunks], "score": round(s.score, 5)}
                for s in self.sources
            ],
            "draft": self.draft,
            "timings": {k: round(v, 3) for k, v in self.timings.items()},
            "query": self.query.to_dict() if self.query else None,
            "evidence": [sentence_dict(s, self.sources) for s in self.evidence],
            "rejected_evidence": self.rejected_evidence,
            "context": [sentence_dict(s, self.sources) for s in self.context],
            "mode": self.mode,
            "model_refused": self.model_refused,
            "verdict_margin": None if self.verdict_margin is None else round(self.verdict_margin, 3),
            "claim_margins": [round(m, 3) for m in self.claim_margins],
            "out_of_order": self.out_of_order,
        }



@dataclass(frozen=True)
class Retrieved:
    question: str  # the standalone question retrieval used
    sources: list[Source]
    query: Query | None = None


@dataclass(frozen=True)
class Token:
    text: str


@dataclass(frozen=True)
class Done:
    answer: Answer


Event = Retrieved | Token | Done
