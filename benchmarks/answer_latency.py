"""Time to first token and total time per question, round 1's "draft" answers vs evidence-first ones.

Same index, model, questions and machine state, one mode after the other, so the
two columns compare like with like. Also prints the prompt each mode sends (in
the model's own tokens) and, for each prompt read of an answer (first, second, ...),
how many new tokens llama.cpp read and how long that took: on a CPU, reading the prompt is most of the wait.

    python benchmarks/answer_latency.py --index .newsrag/index --gold ../shared/datasets/seed/gold_dev.jsonl -n 10
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from eval.gold import load_gold
from eval.metrics import percentile
from rag.answer import Answerer
from rag.answer_events import Done
from rag.pipeline import make_answerer, open_search
from rag.settings import AnswerSettings, Settings


def _prompt_tokens(answerer: Answerer) -> int:
    """Tokens of the last prompt llama.cpp evaluated (its cache holds prompt + reply)."""
    llama = getattr(answerer.chat_model, "llama", None)
    return int(llama.n_tokens) if llama is not None else 0


@contextmanager
def recorded_reads(answerer: Answerer) -> Iterator[list[tuple[int, float]]]:
    """(tokens, seconds) for every prompt read of more than one token (a decode step reads one), while open.

    Wraps this Llama instance's own `eval` (the one `create_completion` calls), not the class."""
    reads: list[tuple[int, float]] = []
    llama = getattr(answerer.chat_model, "llama", None)
    if llama is None:
        yield reads
        return
    evaluate: Callable[[Sequence[int]], Any] = llama.eval

    def timed(tokens: Sequence[int]) -> None:
        started = time.perf_counter()
        evaluate(tokens)
        if len(tokens) > 1:
            reads.append((len(tokens), time.perf_counter() - started))

    setattr(llama, "eval", timed)  # noqa: B010 - an instance attribute, removed below
    try:
        yield reads
    finally:
        delattr(llama, "eval")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", default=".newsrag/index")
    parser.add_argument("--gold", required=True)
    parser.add_argument("-n", type=int, default=10, help="questions (the first N answerable ones)")
    parser.add_argument("--preset", default="default", choices=["default", "fast"])
    parser.add_argument("--modes", nargs="+", default=["draft", "evidence"], choices=["draft", "evidence"])
    args = parser.parse_args()

    questions = [q for q in load_gold(Path(args.gold)) if q.type != "null"][: args.n]
    base = Settings(index=Path(args.index), llm={"preset": args.preset})
    stack = open_search(base)
    rows = []
    for mode in args.modes:
        answerer = make_answerer(base.model_copy(update={"answer": AnswerSettings(mode=mode)}), stack)
        answerer.warm_up()  # what `newsrag serve` does at start: model load, system prompts read
        first, total, tokens, stages = [], [], [], {}
        by_order: dict[int, list[tuple[int, float]]] = {}  # an answer's 1st, 2nd, ... prompt read -> them
        for q in questions:
            with recorded_reads(answerer) as reads:
                for event in answerer.stream(q.question):
                    if isinstance(event, Done):
                        first.append(event.answer.timings.get("first_token_s", event.answer.timings["total_s"]))
                        total.append(event.answer.timings["total_s"])
                        for stage, seconds in event.answer.timings.items():
                            stages.setdefault(stage, []).append(seconds)
                        tokens.append(_prompt_tokens(answerer))
            for order, read in enumerate(reads, 1):
                by_order.setdefault(order, []).append(read)
        print(f"{mode}, median seconds per stage (from the question): "
              + ", ".join(f"{k} {statistics.median(v):.2f}" for k, v in stages.items()))
        print(f"{mode}, new tokens per prompt read, median (seconds): "
              + ", ".join(f"read {o} ({len(r)} of {len(questions)} answers) {statistics.median(n for n, _ in r):.0f}"
                          f" ({statistics.median(t for _, t in r):.2f} s)" for o, r in sorted(by_order.items())))
        rows.append((mode, percentile(first, 50), percentile(first, 95), percentile(total, 50),
                     percentile(total, 95), statistics.median(tokens)))
    print(f"{len(questions)} questions from {args.gold}, preset {args.preset}, index {args.index}\n")
    print("| mode | first token p50 s | p95 s | total p50 s | p95 s | prompt+reply tokens, median |")
    print("|---|---|---|---|---|---|")
    for mode, f50, f95, t50, t95, tok in rows:
        print(f"| {mode} | {f50:.1f} | {f95:.1f} | {t50:.1f} | {t95:.1f} | {tok:.0f} |")


if __name__ == "__main__":
    main()
