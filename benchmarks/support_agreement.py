"""How often the citation support check agrees with a human, on a labelled sample.

Usage: python benchmarks/support_agreement.py [eval/data/support_labels.jsonl]
Each line: {"question", "sentence", "passage", "human": true|false}. The check is
recomputed as the product runs it (the question as given context), so the table
follows the current rag.support rules.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from rag.support import SUPPORT_THRESHOLD, support_score

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    path = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "eval" / "data" / "support_labels.jsonl"
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    counts = {(h, c): 0 for h in (True, False) for c in (True, False)}
    disagreements = []
    for row in rows:
        check = support_score(row["sentence"], row["passage"], row.get("question", "")) >= SUPPORT_THRESHOLD
        counts[(row["human"], check)] += 1
        if check != row["human"]:
            disagreements.append(row)
    n = len(rows)
    agree = (counts[(True, True)] + counts[(False, False)]) / n
    p_human = (counts[(True, True)] + counts[(True, False)]) / n
    p_check = (counts[(True, True)] + counts[(False, True)]) / n
    chance = p_human * p_check + (1 - p_human) * (1 - p_check)
    kappa = (agree - chance) / (1 - chance) if chance < 1 else 1.0
    precision = counts[(True, True)] / max(1, counts[(True, True)] + counts[(False, True)])
    recall = counts[(True, True)] / max(1, counts[(True, True)] + counts[(True, False)])
    print(f"{n} labelled (sentence, cited passage) pairs from {path.name}")
    print("| | check: supported | check: not supported |")
    print("|---|---|---|")
    print(f"| human: supported | {counts[(True, True)]} | {counts[(True, False)]} |")
    print(f"| human: not supported | {counts[(False, True)]} | {counts[(False, False)]} |")
    print(f"\nagreement {agree:.3f} · Cohen's kappa {kappa:.3f} · "
          f"check precision {precision:.3f} · check recall {recall:.3f}")
    for row in disagreements:
        print(f"- human {'yes' if row['human'] else 'no'}, check {'no' if row['human'] else 'yes'}: {row['sentence'][:120]}")


if __name__ == "__main__":
    main()
