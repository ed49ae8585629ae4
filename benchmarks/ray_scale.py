"""Ray scaling on this machine: ingest articles/s and an eval batch's questions/s on 1, 2 and 4 workers.

    python benchmarks/ray_scale.py                      # 300 RealTimeQA articles, 12 seed questions
    python benchmarks/ray_scale.py --articles 600 --questions 20 --workers 1 2 4

Ingest: the first N RealTimeQA articles in 8 JSONL files, each run into a fresh
index: a local ingest (embedding on every core of this process), then Ray with
1, 2 and 4 embedding actors. Ray here is one node declaring 4 CPUs, so 4 actors
can be placed on the 2 real cores; each actor computes with one thread (Ray sets
OMP_NUM_THREADS to its CPUs). Wall time counts everything a user waits for,
actors starting and loading MiniLM included. "driver commit" is the time a Ray
driver spends writing batches to SQLite (the serial part that bounds any number
of workers); a local ingest's commits overlap its embedding and are not shown.

Eval: seed questions against one llama-cpp-python OpenAI-compatible server (the
fast GGUF) that every worker shares, as a vLLM server would be shared by a
cluster: in this process, then on Ray with 1, 2 and 4 actors (each with its own
retrieval and checks; the LLM is the server).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "datasets"
RTQA = SHARED / "realtimeqa" / "corpus.jsonl"
SEED_GOLD = SHARED / "seed" / "gold_dev.jsonl"


def split_corpus(articles: int, folder: Path, files: int = 8) -> list[Path]:
    lines = RTQA.read_text(encoding="utf-8").splitlines()[:articles]
    per_file = -(-len(lines) // files)
    paths = []
    for part in range(files):
        path = folder / f"part-{part}.jsonl"
        path.write_text("\n".join(lines[part * per_file:(part + 1) * per_file]) + "\n", encoding="utf-8")
        paths.append(path)
    return paths


class CommitClock:
    """Seconds the driver spends in `Ingester._commit` (the writes to the index)."""

    def __init__(self) -> None:
        from index.ingest import Ingester

        self.seconds = 0.0
        original = Ingester._commit

        def timed(ingester, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003, ANN202
            start = time.perf_counter()
            try:
                return original(ingester, *args, **kwargs)
            finally:
                self.seconds += time.perf_counter() - start

        Ingester._commit = timed  # type: ignore[method-assign]


def ingest_rows(paths: list[Path], workers: list[int], work: Path) -> list[str]:
    from rag.pipeline import ingest
    from rag.settings import Settings

    clock = CommitClock()
    rows = []
    for label, ray_workers in [("local (2 threads)", None), *((f"Ray, {w} worker(s)", w) for w in workers)]:
        index = work / f"index-{ray_workers or 'local'}"
        clock.seconds = 0.0
        start = time.perf_counter()
        report = ingest(Settings(index=index), paths, ray=None if ray_workers is None else "", workers=ray_workers)
        wall = time.perf_counter() - start
        commit = "–" if ray_workers is None else f"{clock.seconds:.1f}"  # locally it waits for the embedding
        rows.append(f"| ingest | {label} | {report.articles} articles, {report.chunks} chunks | {wall:.1f} | "
                    f"{report.articles / wall:.1f} articles/s | {commit} |")
        print(rows[-1], flush=True)
    return rows


def eval_rows(questions: int, workers: list[int], work: Path) -> list[str]:
    from eval.command import EvalRequest, run_eval
    from rag.pipeline import ingest
    from rag.settings import Settings
    sys.path.insert(0, str(ROOT))  # the tests' llama_cpp.server starter (tests/ is not installed)
    from tests.conftest import LLAMA_SERVER_MODEL, SAMPLE, start_llama_server

    index = work / "sample-index"
    ingest(Settings(index=index), [SAMPLE])
    server, base_url = start_llama_server(work / "llama-server.log")
    settings = Settings(index=index, llm={"backend": "openai", "base_url": base_url, "model": LLAMA_SERVER_MODEL})
    rows = []
    try:
        for label, ray_workers in [("in this process", None), *((f"Ray, {w} worker(s)", w) for w in workers)]:
            out = work / f"eval-{ray_workers or 'local'}"
            start = time.perf_counter()
            _, summary = run_eval(settings, EvalRequest(SEED_GOLD, out=out, limit=questions, progress=False,
                                                        ray=None if ray_workers is None else "", workers=ray_workers))
            wall = time.perf_counter() - start
            questions = summary["questions"]
            rows.append(f"| eval, shared server | {label} | {questions} questions, accuracy "
                        f"{summary['answer_accuracy']:.2f} | {wall:.1f} | {questions / wall:.2f} q/s | – |")
            print(rows[-1], flush=True)
    finally:
        server.terminate()
        server.wait(timeout=30)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--articles", type=int, default=300)
    parser.add_argument("--questions", type=int, default=12)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2, 4])
    parser.add_argument("--skip", choices=["ingest", "eval"], help="leave one half out")
    args = parser.parse_args()

    import ray

    from index.ray_cluster import connect

    ray.init(num_cpus=max(args.workers), logging_level="ERROR", log_to_driver=False)
    connect("")  # quietens Ray Data's logs; the Ray above is already up
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        if args.skip != "ingest":
            rows += ingest_rows(split_corpus(args.articles, work), args.workers, work)
        if args.skip != "eval":
            rows += eval_rows(args.questions, args.workers, work)
    print("\n| job | run | size | wall s | throughput | driver commit s |\n|---|---|---|---|---|---|")
    print("\n".join(rows))
    print(json.dumps({"cpus_declared": max(args.workers), "articles": args.articles, "questions": args.questions}))


if __name__ == "__main__":
    main()
