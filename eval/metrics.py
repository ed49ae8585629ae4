"""Metric definitions, as pure functions over one question's record or a list of them.

Definitions (also in docs/evaluation.md):
- retrieval: rank of the first retrieved chunk that holds any evidence item;
  hits@k = that rank ≤ k; mrr@10 = 1/rank within the top 10;
  evidence_recall@10 = share of a question's evidence items found in the top 10.
- answers: correct = contains an alias (case- and punctuation-insensitive, citation
  markers left out; a count written in words is its figure, "five-year" holds "5"; a gold
  day "2023-06-01" also as the answer writes it, "June 1, 2023"; a gold that lists items,
  "USC and UCLA", also by every item in any order); for a gold "yes"/"no" (or "true"/"false"),
  the first "yes" or "no" the answer writes (its verdict, not a word of a quote after it); for
  a `null` question, correct = refused; in multiple-choice mode, the gold choice and no other
  (whole words; a choice inside the gold does not count).
  token_f1 = SQuAD-style token F1 against the gold answer (0 for refusals of
  answerable questions; 1/0 for null questions by refusal).
- citations: precision = cited (sentence, article) pairs where the article's
  retrieved text supports the sentence (rag.support); recall = answer sentences
  with at least one supporting citation.
- intervals: KEY_ci95 = 95 % Wilson interval of hits@1/5/10 and answer_accuracy
  (eval/significance.py); `newsrag eval --compare` adds the exact sign test.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Any

from eval.gold import GoldQuestion, evidence_matches, normalise
from eval.significance import interval
from index.textrules import strip_markers
from rag.periods import days_written

RETRIEVAL_KS = (1, 4, 5, 10)
INTERVAL_KEYS = ("hits@1", "hits@5", "hits@10", "answer_accuracy")  # summary gains KEY_ci95: [low, high]


def first_hit_rank(question: GoldQuestion, chunks: Sequence[dict[str, Any]]) -> int | None:
    """1-based rank of the first chunk holding any evidence item, or None."""
    for rank, chunk in enumerate(chunks, start=1):
        if any(evidence_matches(ev, chunk["origin"], chunk["article_id"], chunk["text"]) for ev in question.evidence):
            return rank
    return None


def evidence_recall(question: GoldQuestion, chunks: Sequence[dict[str, Any]], k: int = 10) -> float:
    if not question.evidence:
        return 0.0
    top = chunks[:k]
    found = sum(
        any(evidence_matches(ev, c["origin"], c["article_id"], c["text"]) for c in top) for ev in question.evidence
    )
    return found / len(question.evidence)


def retrieval_metrics(rank: int | None, recall: float) -> dict[str, float]:
    scores = {f"hits@{k}": float(rank is not None and rank <= k) for k in RETRIEVAL_KS}
    scores["mrr@10"] = 1.0 / rank if rank is not None and rank <= 10 else 0.0
    scores["evidence_recall@10"] = recall
    return scores


_VERDICTS = frozenset({"yes", "no"})  # a yes/no gold is judged by the verdict word
_VERDICT_OF_GOLD = {"true": "yes", "false": "no"}  # MultiHop-RAG writes two of its yes/no golds "True"
_LIST_JOIN = re.compile(r"\s+and\s+", re.IGNORECASE)


def _answer_words(text: str) -> str:
    """Words as answers are compared: without citation markers, so a gold "1" is not the answer's "[1]"."""
    return normalise(strip_markers(text))


def contains_alias(answer: str, aliases: Iterable[str]) -> bool:
    """Whole words only: gold "no" is not found in "not" or "November". A gold day ("2023-06-01") is
    also found written in words ("June 1, 2023")."""
    text = f" {_answer_words(answer)} "
    aliases = list(aliases)
    if {alias.strip() for alias in aliases} & days_written(answer):  # days come back as ISO, as gold days are
        return True
    return any(_answer_words(alias) and f" {_answer_words(alias)} " in text for alias in aliases) or \
        any(all(f" {_answer_words(part)} " in text for part in parts) for parts in map(_listed, aliases) if parts)


def _listed(alias: str) -> list[str]:
    """The items of a gold that lists two or more ("USC and UCLA"), which an answer may give in any
    order ("UCLA and USC"); [] for a gold that lists nothing."""
    parts = [part for part in _LIST_JOIN.split(alias) if _answer_words(part)]
    return parts if len(parts) >= 2 else []


def matches_gold(answer: str, aliases: Iterable[str]) -> bool:
    """A yes/no gold is matched by the answer's verdict: "Yes: Reuters reports "there was no …"" answers
    yes, though it holds the word "no". Any other gold: an alias anywhere in the answer."""
    wanted = {_VERDICT_OF_GOLD.get(normalise(alias), normalise(alias)) for alias in aliases}
    if wanted and wanted <= _VERDICTS:
        verdict = next((word for word in normalise(answer).split() if word in _VERDICTS), None)
        return verdict in wanted
    return contains_alias(answer, aliases)


def rescore(record: dict[str, Any]) -> dict[str, Any]:
    """A stored record with `correct` recomputed by today's rule, so runs written before a scoring fix
    stay comparable."""
    if record.get("answer") is None:
        return record
    correct = judge(record["answer"], bool(record["refused"]), record["type"],
                    record.get("answer_aliases") or [record["gold_answer"]], record.get("choices") or ())
    return {**record, "correct": correct}


def judge(answer: str, refused: bool, kind: str, aliases: Sequence[str], choices: Sequence[str] = ()) -> bool:
    """Is an answer correct: the one rule for a fresh answer and a stored one (`rescore`). With choices,
    the answer must not also name another choice (whole words, as for the gold: the gold "12" is not
    undone by a choice "1" inside it), unless that choice is part of the gold ("student loans" in
    "federal student loans")."""
    if kind == "null":
        return refused
    if refused or not matches_gold(answer, aliases):
        return False
    golds = [f" {_answer_words(alias)} " for alias in aliases]
    others = [c for c in choices if (words := _answer_words(c)) and not any(f" {words} " in g for g in golds)]
    return not any(contains_alias(answer, [other]) for other in others)


def answer_correct(question: GoldQuestion, answer: str, refused: bool, multiple_choice: bool = False) -> bool:
    """An open answer is judged by the gold aliases alone; the other choices count only where the
    question showed them (multiple-choice mode)."""
    choices = question.choices if multiple_choice else ()
    return judge(answer, refused, question.type, question.answer_aliases or (question.answer,), choices)


def token_f1(prediction: str, gold: str) -> float:
    pred, ref = normalise(prediction).split(), normalise(gold).split()
    if not pred or not ref:
        return float(pred == ref)
    common = sum((Counter(pred) & Counter(ref)).values())
    if common == 0:
        return 0.0
    precision, recall = common / len(pred), common / len(ref)
    return 2 * precision * recall / (precision + recall)


def answer_f1(question: GoldQuestion, answer: str, refused: bool) -> float:
    if question.type == "null":
        return float(refused)
    return 0.0 if refused else token_f1(answer, question.answer)


def percentile(values: Sequence[float], q: float) -> float | None:
    """Nearest-rank percentile; None for no values."""
    ordered = sorted(v for v in values if v is not None)
    if not ordered:
        return None
    index = max(0, math.ceil(q / 100 * len(ordered)) - 1)
    return ordered[index]


def _mean(values: Sequence[float]) -> float | None:
    return round(sum(values) / len(values), 4) if values else None


def summarise(records: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """The summary keys over a list of per-question records (see runner.py for their shape)."""
    with_evidence = [r for r in records if r["retrieval"] is not None]
    answered = [r for r in records if r.get("answer") is not None]
    answerable = [r for r in answered if r["type"] != "null"]
    summary: dict[str, Any] = {"questions": len(records)}
    per_question = {key: [r["retrieval"][key] for r in with_evidence]
                    for key in (*(f"hits@{k}" for k in RETRIEVAL_KS), "mrr@10", "evidence_recall@10")}
    per_question["answer_accuracy"] = [float(r["correct"]) for r in answered]
    summary.update({key: _mean(values) for key, values in per_question.items()})
    # INTERVAL_KEYS are 0/1 per question, so each is a share with a binomial interval
    summary.update({f"{key}_ci95": interval(per_question[key]) for key in INTERVAL_KEYS})
    summary["refusal_rate"] = _mean([float(r["refused"]) for r in answerable])
    summary["null_refusal_rate"] = _mean([float(r["refused"]) for r in answered if r["type"] == "null"])
    summary["token_f1"] = _mean([r["token_f1"] for r in answered])
    shown = [r for r in answered if not r["refused"]]  # a refusal shows no sentence and no citation
    pairs = [p for r in shown for p in r.get("citation_checks", [])]
    summary["citation_precision"] = _mean([float(p["supported"]) for p in pairs])
    draft_pairs = [p for r in answered for p in r.get("draft_citation_checks", [])]
    summary["draft_citation_precision"] = _mean([float(p["supported"]) for p in draft_pairs])
    sentences = [s for r in answered if not r["refused"] for s in r.get("sentence_supported", [])]
    summary["citation_recall"] = _mean([float(s) for s in sentences])
    for stage in ("retrieval_s", "first_token_s", "total_s"):
        values = [r["timings"][stage] for r in records if stage in r.get("timings", {})]
        summary[f"latency_{stage}_p50"] = percentile(values, 50)
        summary[f"latency_{stage}_p95"] = percentile(values, 95)
    return summary


def summarise_by_type(records: Sequence[dict[str, Any]]) -> dict[str, Any]:
    summary = summarise(records)
    types = sorted({r["type"] for r in records})
    summary["by_type"] = {t: summarise([r for r in records if r["type"] == t]) for t in types}
    return summary
