"""Run a gold set through the same pipeline the chat uses, one resumable record per question.

`results.jsonl` is appended and fsynced after every question, so an interrupted
run loses at most the question in flight; a re-run with the same `--out` skips
what is already there. `run.json` pins the configuration: resuming with other
settings is refused instead of mixing two systems in one table.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from eval.gold import GoldQuestion, evidence_matches
from eval.metrics import answer_correct, answer_f1, evidence_recall, first_hit_rank, rescore, retrieval_metrics
from eval.retrieval_study import as_of_filters
from index.errors import NewsragError
from index.files import atomic_write_bytes
from index.textrules import cited_numbers, strip_markers
from rag.answer import Answerer
from rag.answer_events import Answer
from rag.citations import answer_sentences
from rag.retrieval.types import SupportsRetrieve
from rag.support import SUPPORT_THRESHOLD, support_score

RESULTS, SUMMARY, RUN = "results.jsonl", "summary.json", "run.json"
RETRIEVE_K = 10


@dataclass(frozen=True)
class RunConfig:
    gold: str
    index: str
    preset: str
    backend: str
    limit: int | None
    retrieval_only: bool
    multiple_choice: bool
    as_of: bool
    settings: dict[str, Any]
    model: str = ""  # the LLM that answered, as `rag.llm.factory.describe` names it (weights included)

    def to_dict(self) -> dict[str, Any]:
        """JSON values, so a config compares equal to itself read back from run.json."""
        return json.loads(json.dumps(self.__dict__, default=str))


def citation_checks(answer: Answer, given: str) -> list[dict[str, Any]]:
    """Each (sentence, cited article) pair of the final answer, with its support verdict;
    `given` is the plain question, whose restatement needs no source."""
    by_n = {c.n: c for c in answer.citations}
    texts = {s.article_id: s.evidence for s in answer.sources}
    pairs = []
    for sentence in answer.sentences:
        for n in sentence.citations:
            citation = by_n.get(n)
            passage = texts.get(citation.article_id, "") if citation else ""
            score = support_score(strip_markers(sentence.text), passage, given)
            pairs.append({"sentence": sentence.text, "n": n, "article_id": citation.article_id if citation else None,
                          "support": round(score, 3), "supported": score >= SUPPORT_THRESHOLD})
    return pairs


def draft_citation_checks(answer: Answer, given: str) -> list[dict[str, Any]]:
    """The same check on the model's own citations, before verification corrected them."""
    by_n = {s.n: s for s in answer.sources}
    pairs: list[dict[str, Any]] = []
    if (answer.refused and not answer.sentences) or answer.mode not in ("", "draft"):
        return pairs  # evidence-mode replies cite by pointing at sentences, checked in rag/evidence.py
    for start, end in answer_sentences(answer.draft):
        sentence = answer.draft[start:end]
        for n in cited_numbers(sentence):
            source = by_n.get(n)
            score = support_score(strip_markers(sentence), source.evidence, given) if source else 0.0
            pairs.append({"sentence": sentence, "n": n, "article_id": source.article_id if source else None,
                          "support": round(score, 3), "supported": score >= SUPPORT_THRESHOLD})
    return pairs


def evidence_in(question: GoldQuestion, context: list[dict[str, Any]]) -> bool:
    """Did the model read a piece of the gold evidence (its sentences joined per article)?"""
    by_article: dict[tuple[str, str], list[str]] = {}
    for c in context:
        by_article.setdefault((c["origin"], c["article_id"]), []).append(c["text"])
    return any(evidence_matches(ev, origin, article_id, " ".join(texts))
               for ev in question.evidence for (origin, article_id), texts in by_article.items())


def _mc_question(question: GoldQuestion) -> str:
    options = "; ".join(question.choices)
    return f"{question.question}\nAnswer with one of these options: {options}."


class EvalRunner:
    def __init__(self, retriever: SupportsRetrieve, answerer: Answerer | None, config: RunConfig) -> None:
        self.retriever = retriever
        self.answerer = answerer
        self.config = config

    def evaluate(self, question: GoldQuestion) -> dict[str, Any]:
        filters, as_of = as_of_filters(question, self.config.as_of)
        asked, condense_s = question.question, 0.0
        if question.history and self.answerer is not None:
            # A follow-up is searched and answered as the chat does: rewritten to stand alone from its history
            # (without a model, `--retrieval-only`, it is searched as typed).
            t0 = time.perf_counter()
            asked = self.answerer.condense(question.question, question.history)
            condense_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        hits = self.retriever.retrieve(asked, k=RETRIEVE_K, filters=filters, as_of=as_of)
        retrieval_s = time.perf_counter() - t0
        chunks = [{"article_id": h.chunk.article_id, "origin": h.chunk.origin, "chunk_id": h.chunk.chunk_id,
                   "title": h.chunk.title, "published_at": h.chunk.published_at, "score": round(h.score, 6),
                   "text": h.chunk.text} for h in hits]
        rank = first_hit_rank(question, chunks) if question.evidence else None
        record: dict[str, Any] = {
            "id": question.id, "type": question.type, "question": question.question,
            "gold_answer": question.answer, "answer_aliases": list(question.answer_aliases),
            "choices": list(question.choices) if self.config.multiple_choice else [],
            "first_hit_rank": rank,
            "retrieval": retrieval_metrics(rank, evidence_recall(question, chunks)) if question.evidence else None,
            "retrieved": [{k: v for k, v in c.items() if k != "text"} for c in chunks],
            "timings": {"retrieval_s": round(retrieval_s, 4)},
        }
        if self.answerer is None:
            record["answer"] = None
            return record
        mc = self.config.multiple_choice and bool(question.choices)
        answer = self.answerer.ask(_mc_question(question) if mc else asked, filters=filters, query=asked, as_of=as_of)
        checks = citation_checks(answer, asked)
        context = [{"article_id": c["article_id"], "origin": c["origin"], "text": c["text"]}
                   for c in answer.to_dict()["context"]]
        record.update({
            "answer": answer.text, "refused": answer.refused, "draft": answer.draft,
            **({"history": [list(turn) for turn in question.history], "standalone": asked} if question.history else {}),
            "correct": answer_correct(question, answer.text, answer.refused, mc),
            "token_f1": round(answer_f1(question, answer.text, answer.refused), 4),
            "citations": [c.to_dict() for c in answer.citations],
            "sentences": [s.to_dict() for s in answer.sentences],
            "citation_checks": checks,
            "draft_citation_checks": draft_citation_checks(answer, asked),
            "sentence_supported": [] if answer.refused else [
                any(p["supported"] for p in checks if p["sentence"] == s.text) for s in answer.sentences
            ],
            "timings": {k: round(v, 4) for k, v in answer.timings.items()} | (
                {"condense_s": round(condense_s, 4)} if question.history else {}),
            "mode": answer.mode,
            "model_refused": answer.model_refused,
            "verdict_margin": answer.verdict_margin,
            "claim_margins": answer.claim_margins,
            "out_of_order": answer.out_of_order,
            "query": answer.query.to_dict() if answer.query else None,
            "context": context,
            "evidence": [{"origin": c["origin"], "text": c["text"]} for c in answer.to_dict()["evidence"]],
            "rejected_evidence": answer.rejected_evidence,
            "evidence_in_context": evidence_in(question, context),
        })
        return record


def load_results(out: Path) -> list[dict[str, Any]]:
    """Complete records of a run, scored by today's rule; a line torn by an interruption is dropped."""
    path = out / RESULTS
    records = []
    if path.exists():
        for line in path.read_text(encoding="utf-8").splitlines():
            try:
                records.append(rescore(json.loads(line)))
            except json.JSONDecodeError:
                break
    return records


def prepare_out(out: Path, config: RunConfig) -> list[dict[str, Any]]:
    """Create or resume a run directory; returns the records already done."""
    out.mkdir(parents=True, exist_ok=True)
    run_file = out / RUN
    if run_file.exists():
        previous = json.loads(run_file.read_text(encoding="utf-8"))
        # --limit only says how far to go: a larger one extends the same run.
        changed = sorted(k for k, v in config.to_dict().items() if k != "limit" and previous.get(k) != v)
        if changed:
            raise NewsragError(
                f"{out}: holds a run with other settings ({', '.join(changed)}); use another --out to start a new run"
            )
    run_file.write_text(json.dumps(config.to_dict(), indent=2), encoding="utf-8")
    records = load_results(out)
    write_results(out, records)  # without a torn tail, so appends start on a clean line
    return records


def write_results(out: Path, records: list[dict[str, Any]]) -> None:
    atomic_write_bytes(out / RESULTS, "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records).encode())


def append_result(out: Path, record: dict[str, Any]) -> None:
    with open(out / RESULTS, "a", encoding="utf-8") as fh:
        fh.write(json.dumps(record, ensure_ascii=False) + "\n")
        fh.flush()
        os.fsync(fh.fileno())


Evaluate = Callable[[list[GoldQuestion]], Iterator[dict[str, Any]]]


def in_process(runner: EvalRunner) -> Evaluate:
    """Questions one after another in this process (a Ray run fans them out instead: eval/on_ray.py)."""
    return lambda questions: (runner.evaluate(q) for q in questions)


def run(evaluate: Evaluate, config: RunConfig, questions: list[GoldQuestion], out: Path,
        progress: bool = True) -> list[dict[str, Any]]:
    """Evaluate what is not done yet; returns all records of the run, in gold order.

    Records are appended as they finish (in any order, from any worker); a record
    for a question already done (a job Ray re-ran) is dropped. At the end
    results.jsonl is rewritten in gold order, so a local run and a Ray run of the
    same system give the same file.
    """
    from tqdm import tqdm

    done = {r["id"]: r for r in prepare_out(out, config)}
    todo = [q for q in questions if q.id not in done]
    with tqdm(total=len(questions), initial=len(questions) - len(todo), disable=not progress,
              desc="eval", unit="q") as bar:
        for record in evaluate(todo):
            if record["id"] in done:
                continue
            append_result(out, record)
            done[record["id"]] = record
            bar.update()
    order = {q.id: i for i, q in enumerate(questions)}
    records = sorted(done.values(), key=lambda r: order.get(r["id"], len(order)))
    write_results(out, records)
    return [r for r in records if r["id"] in order]
