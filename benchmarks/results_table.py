"""Print the dev-set results table from run directories (summary.json + run.json).

Usage: python benchmarks/results_table.py runs/seed-newsrag runs/seed-langchain ...
       python benchmarks/results_table.py --anatomy runs/...   (failure classes per run)
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

COLUMNS = ("hits@1", "hits@5", "hits@10", "mrr@10", "answer_accuracy", "refusal_rate", "null_refusal_rate",
           "token_f1", "citation_precision", "draft_citation_precision", "citation_recall",
           "latency_first_token_s_p50", "latency_first_token_s_p95", "latency_total_s_p50", "latency_total_s_p95")
SHORT = {"evidence_recall@10": "ev.rec@10", "answer_accuracy": "answer acc", "refusal_rate": "refusal",
         "citation_precision": "cit.prec", "draft_citation_precision": "cit.prec (model)",
         "citation_recall": "cit.rec", "latency_first_token_s_p50": "1st token p50 s",
         "latency_first_token_s_p95": "1st token p95 s", "null_refusal_rate": "null refused",
         "latency_total_s_p50": "total p50 s", "latency_total_s_p95": "total p95 s"}


def _cell(value: object) -> str:
    if value is None:
        return "–"
    return f"{value:.3f}" if isinstance(value, float) and value <= 1.0 else f"{value:.1f}" if isinstance(value, float) \
        else str(value)


def anatomy_table(directories: list[Path]) -> None:
    """Failure classes per run (eval/anatomy.py), from the stored records."""
    from eval.anatomy import CLASSES, anatomy
    from eval.runner import load_results

    print("| run | answered | correct | " + " | ".join(CLASSES) + " |")
    print("|---|---|---|" + "---|" * len(CLASSES))
    for directory in directories:
        records = [r for r in load_results(directory) if r.get("answer") is not None]
        counts = anatomy(records)
        print(f"| {directory.name} | {len(records)} | {sum(bool(r['correct']) for r in records)} | "
              + " | ".join(str(counts[c]) for c in CLASSES) + " |")


def main() -> None:
    if sys.argv[1:2] == ["--anatomy"]:
        anatomy_table([Path(d) for d in sys.argv[2:]])
        return
    print("| run | set | system | n | " + " | ".join(SHORT.get(c, c) for c in COLUMNS) + " |")
    print("|---|---|---|---|" + "---|" * len(COLUMNS))
    for directory in map(Path, sys.argv[1:]):
        from eval.metrics import summarise_by_type
        from eval.runner import load_results

        summary = summarise_by_type(load_results(directory))  # today's scoring rules, also for older runs
        config = json.loads((directory / "run.json").read_text())
        mode = config["settings"].get("answer", {}).get("mode", "draft")
        system = "LangChain textbook" if config["backend"] == "langchain" else f"newsrag ({mode})"
        system += " (retrieval only)" if config["retrieval_only"] else f" + {config['preset']} 1.5B" \
            if config["preset"] == "default" else f" + {config['preset']}"
        row = [directory.name, Path(config["gold"]).parent.name, system, str(summary["questions"])]
        print("| " + " | ".join(row + [_cell(summary.get(c)) for c in COLUMNS]) + " |")


if __name__ == "__main__":
    main()
