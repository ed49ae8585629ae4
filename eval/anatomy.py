"""Why each miss missed: one failure class per wrong answer, so a change can be aimed and judged.

Classes, tried in this order for an answerable question answered wrongly or refused:
- not_retrieved: no evidence in the top-10 retrieval nor in what the model read;
- not_in_prompt: retrieved, but not among the passages or sentences the model read;
- model_refused: the evidence was in the prompt and the model itself declined;
- removed_by_verification: the model's reply held a right answer, and verification
  removed or refused it (a weighed yes/no verdict is not: its reply holds the
  grammar's likelier word, which the verdict overrides by design);
- scoring_artefact: the answer says what the gold answer says in other words
  (token F1 ≥ 0.5, or every content word and figure of the gold answer is in it);
- wrong_answer: the evidence was in the prompt and the model answered wrongly.
An unanswerable (`null`) question that got an answer is `answered_unanswerable`.
Records written before the context was recorded fall back to "the evidence was in
the top k the model was given" (`first_hit_rank` ≤ k).
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from eval.metrics import matches_gold
from index.textrules import content_keys, numbers
from rag.citations import is_refusal

CLASSES = ("not_retrieved", "not_in_prompt", "model_refused", "removed_by_verification", "scoring_artefact",
           "wrong_answer", "answered_unanswerable")
_PROMPT_K = 6  # chunks the answerer was given in runs that did not record their context


def _in_prompt(record: dict[str, Any]) -> bool:
    if "evidence_in_context" in record:
        return bool(record["evidence_in_context"])
    rank = record.get("first_hit_rank")
    return rank is not None and rank <= _PROMPT_K


def _same_in_other_words(record: dict[str, Any]) -> bool:
    gold, answer = record.get("gold_answer") or "", record.get("answer") or ""
    if record.get("token_f1", 0.0) >= 0.5:
        return True
    wanted = content_keys(gold) | numbers(gold)
    return bool(wanted) and wanted <= content_keys(answer) | numbers(answer)


def classify(record: dict[str, Any]) -> str | None:
    """The failure class of one answered record, or None when it was answered correctly."""
    if record.get("answer") is None or record.get("correct"):
        return None
    if record["type"] == "null":
        return "answered_unanswerable"
    retrieved = record.get("first_hit_rank") is not None
    in_prompt = _in_prompt(record)
    aliases = record.get("answer_aliases") or [record.get("gold_answer", "")]
    weighed = record.get("verdict_margin") is not None  # the draft's "Yes" was the grammar's, not the verdict
    right_draft = not weighed and matches_gold(record.get("draft") or "", aliases)
    if not in_prompt:
        return "not_in_prompt" if retrieved else "not_retrieved"
    if record.get("refused"):
        draft = record.get("draft") or ""
        if record.get("model_refused", not draft or is_refusal(draft)):
            return "model_refused"
        return "removed_by_verification"
    if right_draft:
        return "removed_by_verification"
    if _same_in_other_words(record):
        return "scoring_artefact"
    return "wrong_answer"


def anatomy(records: list[dict[str, Any]]) -> dict[str, int]:
    counts = Counter(c for r in records if (c := classify(r)) is not None)
    return {c: counts.get(c, 0) for c in CLASSES}


def anatomy_lines(records: list[dict[str, Any]], examples: int = 2) -> list[str]:
    """Markdown: the count of each class and a few examples of it."""
    counts = anatomy(records)
    answered = sum(r.get("answer") is not None for r in records)
    lines = [f"| class | misses | share of {answered} answered |", "|---|---|---|"]
    lines += [f"| {c} | {n} | {n / answered:.3f} |" if answered else f"| {c} | {n} | – |" for c, n in counts.items()]
    for cls in CLASSES:
        shown = [r for r in records if classify(r) == cls][:examples]
        if shown:
            lines += ["", f"**{cls}**", ""]
            lines += [f"- {r['id']}: {r['question'][:160]} — gold: {r['gold_answer'] or '(none)'}; answer: "
                      f"{(r.get('answer') or '')[:200]}" for r in shown]
    return lines
