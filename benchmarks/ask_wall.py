"""Wall time of the whole `newsrag ask` command: cold (in-process) vs through a running `newsrag serve`
(and the first call to a server just started, which waits for its models to load).

    python benchmarks/ask_wall.py [--index .newsrag/index] [--preset default] [-n 5]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

from ui_latency import FIRST, QUESTIONS, serve  # the browser benchmark's questions and server start

NEWSRAG = [sys.executable, "-m", "rag.cli"]


def _ask(index: Path, preset: str, question: str, local: bool) -> tuple[float, bool]:
    start = time.perf_counter()
    run = subprocess.run([*NEWSRAG, "ask", "--index", str(index), "--preset", preset, question,
                          *(["--local"] if local else [])], capture_output=True, text=True, check=True)
    return time.perf_counter() - start, "answered by the newsrag serve" in run.stderr


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", type=Path, default=Path(".newsrag/index"))
    parser.add_argument("--preset", default="default", choices=["default", "fast"])
    parser.add_argument("-n", type=int, default=5)
    args = parser.parse_args()
    questions = QUESTIONS[: args.n]
    cold = [_ask(args.index, args.preset, q, local=True)[0] for q in questions]
    server, _ = serve(args.index, args.preset)
    try:
        # the first call after start: the server answers HTTP while it still loads its models
        first, _ = _ask(args.index, args.preset, FIRST, local=False)
        served = [_ask(args.index, args.preset, q, local=False) for q in questions]
    finally:
        server.terminate()
        server.wait(timeout=30)
    if not all(through for _, through in served):
        raise SystemExit("some questions were not answered by the server")
    print(f"{len(questions)} questions, preset {args.preset}, whole `newsrag ask` command, seconds")
    print("| how | p50 | max |")
    print("|---|---|---|")
    print(f"| cold, in-process (--local) | {statistics.median(cold):.1f} | {max(cold):.1f} |")
    times = [t for t, _ in served]
    print(f"| through a running newsrag serve | {statistics.median(times):.1f} | {max(times):.1f} |")
    print(f"| through newsrag serve, first call as soon as it answers HTTP | {first:.1f} | – |")


if __name__ == "__main__":
    main()
