"""Answer accuracy and latency of each embedded preset on the seed gold set.

Usage: python benchmarks/seed_answers.py [--presets default fast] [--gold FILE]
Builds (or reuses) an index of data/sample in a temporary folder and prints one
table row per preset. A correct answer contains one of the gold aliases (case-
and punctuation-insensitive); for a `null` question, correct means refused.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
from pathlib import Path

from eval.gold import load_gold, normalise
from rag.pipeline import ingest, make_answerer, open_search
from rag.settings import Settings

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--presets", nargs="+", default=["default", "fast"])
    parser.add_argument("--gold", type=Path, default=ROOT.parent / "shared/datasets/seed/gold_dev.jsonl")
    args = parser.parse_args()
    questions = load_gold(args.gold)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        index = Path(tmp) / "index"
        ingest(Settings(index=index), [ROOT / "data" / "sample"])
        for preset in args.presets:
            settings = Settings(index=index, llm={"preset": preset})
            answerer = make_answerer(settings, open_search(settings))
            correct, refused_answerable, answerable, first, total, wrong = 0, 0, 0, [], [], []
            for q in questions:
                answer = answerer.ask(q.question)
                if q.type == "null":
                    ok = answer.refused
                else:
                    answerable += 1
                    refused_answerable += answer.refused
                    ok = not answer.refused and any(normalise(a) in normalise(answer.text) for a in q.answer_aliases)
                correct += ok
                if not ok:
                    wrong.append(f"{q.id}: {answer.text[:110]!r}")
                first.append(answer.timings.get("first_token_s", 0.0))
                total.append(answer.timings["total_s"])
            rows.append((preset, correct / len(questions), refused_answerable / answerable,
                         statistics.median(first), statistics.median(total), wrong))
    print(f"\n{len(questions)} questions from {args.gold}")
    print("| preset | answer accuracy | refusal rate (answerable) | median first token s | median total s |")
    print("|---|---|---|---|---|")
    for preset, acc, refusal, ft, tt, _ in rows:
        print(f"| {preset} | {acc:.3f} | {refusal:.3f} | {ft:.1f} | {tt:.1f} |")
    for preset, *_, wrong in rows:
        print(f"\nmisses ({preset}):")
        for line in wrong:
            print("  " + line)


if __name__ == "__main__":
    main()
