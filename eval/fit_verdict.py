"""Fit where a yes/no verdict turns "Yes" (`yes_threshold` of a packaged model, rag/llm/gguf.py).

    python -m eval.fit_verdict [--claims] runs/DIR [runs/DIR …]

Reads evaluation runs (`newsrag eval`, any gold set with "yes"/"no" answers) whose
records carry `verdict_margin` (log P("Yes") − log P("No") where the model gave its
verdict) and prints, for the yes/no questions: how well the margin separates the
answers (ROC AUC), the accuracy of taking the likelier word (threshold 0) and of
the best threshold, and a leave-one-out accuracy (each question judged with the
threshold fitted on the others), which is the honest estimate for new questions.
With --claims it fits `claim_threshold` instead: questions in parts ("Does A suggest X,
while B reports Y?") are "Yes" when the least likely part (min of `claim_margins`,
each part judged on its own report) clears it.
Fit on questions you will not report: docs/evaluation.md fits on MultiHop-RAG dev
questions 101-250 and reports on the first 100.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from eval.runner import load_results


def load(run_dirs: list[Path], claims: bool = False) -> list[tuple[float, bool]]:
    """(margin, gold is "yes") for every yes/no question with a margin in these runs; with `claims`, the
    least margin of its parts for every question in parts."""
    pairs = []
    for record in (r for run_dir in run_dirs for r in load_results(run_dir)):
        gold = str(record.get("gold_answer") or "").strip().lower()
        if gold not in ("yes", "no"):
            continue
        if claims and record.get("claim_margins"):
            pairs.append((min(float(m) for m in record["claim_margins"]), gold == "yes"))
        elif not claims and record.get("verdict_margin") is not None:
            pairs.append((float(record["verdict_margin"]), gold == "yes"))
    return pairs


def accuracy(pairs: list[tuple[float, bool]], threshold: float) -> float:
    return sum((margin > threshold) == yes for margin, yes in pairs) / len(pairs)


def best_threshold(pairs: list[tuple[float, bool]]) -> float:
    """The midpoint between neighbouring margins that judges the most questions right (the middle one of
    equally good runs, so the threshold sits away from both classes)."""
    margins = sorted({m for m, _ in pairs})
    cuts = [margins[0] - 1.0] + [(a + b) / 2 for a, b in zip(margins, margins[1:], strict=False)] + [margins[-1] + 1.0]
    scores = [accuracy(pairs, cut) for cut in cuts]
    best = [cut for cut, score in zip(cuts, scores, strict=True) if score == max(scores)]
    return best[len(best) // 2]


def auc(pairs: list[tuple[float, bool]]) -> float:
    yes = [m for m, y in pairs if y]
    no = [m for m, y in pairs if not y]
    if not yes or not no:
        return float("nan")
    return sum((a > b) + 0.5 * (a == b) for a in yes for b in no) / (len(yes) * len(no))


def leave_one_out(pairs: list[tuple[float, bool]]) -> float:
    right = 0
    for i, (margin, yes) in enumerate(pairs):
        threshold = best_threshold(pairs[:i] + pairs[i + 1:])
        right += (margin > threshold) == yes
    return right / len(pairs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("runs", nargs="+", type=Path, help="run directories of `newsrag eval`")
    parser.add_argument("--claims", action="store_true", help="fit claim_threshold on the questions in parts")
    args = parser.parse_args()
    pairs = load(args.runs, args.claims)
    if len(pairs) < 2:
        field = "claim_margins" if args.claims else "a verdict_margin"
        raise SystemExit(f"fewer than two yes/no questions with {field} in these runs")
    threshold = best_threshold(pairs)
    print(f"| yes/no questions | gold 'yes' | ROC AUC | acc. at 0 (likelier word) | best threshold | acc. there "
          f"| leave-one-out acc. |\n|---|---|---|---|---|---|---|\n"
          f"| {len(pairs)} | {sum(y for _, y in pairs)} | {auc(pairs):.3f} | {accuracy(pairs, 0.0):.3f} "
          f"| {threshold:.2f} | {accuracy(pairs, threshold):.3f} | {leave_one_out(pairs):.3f} |")


if __name__ == "__main__":
    main()
