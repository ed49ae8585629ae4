"""Ingest speed: `newsrag ingest` vs the textbook LangChain pipeline, same articles, one run.

Each side runs as its own process, one after the other, from a cold start
(imports and model load included, as a user pays them), and the table shows
articles/s, chunks, wall time and peak RSS. The textbook side is
RecursiveCharacterTextSplitter(1000/200) + MiniLM in fp32 + a flat FAISS index,
as in eval/baseline.py.

    python benchmarks/ingest_speed.py -n 400
    python benchmarks/ingest_speed.py --big-gb 1   # peak memory of a 1 GB JSONL (its articles repeat, so only
                                                   # the first copies are embedded and the rest is streamed)
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "datasets" / "realtimeqa" / "corpus.jsonl"


def _run(command: list[str], env: dict[str, str]) -> tuple[float, int, str]:
    """Wall seconds, peak RSS in MB and stdout of one child process."""
    start = time.perf_counter()
    with tempfile.TemporaryFile() as out:
        child = subprocess.Popen(command, stdout=out, stderr=subprocess.DEVNULL, env=env, cwd=ROOT)
        _, status, usage = os.wait4(child.pid, 0)
        wall = time.perf_counter() - start
        out.seek(0)
        text = out.read().decode()
    if os.waitstatus_to_exitcode(status) not in (0, 1):
        raise SystemExit(f"{command[:4]} failed with {status}: {text[-500:]}")
    return wall, usage.ru_maxrss // 1024, text


def _textbook(corpus: Path) -> None:
    """The textbook pipeline in this process; prints its chunk count."""
    from eval.baseline import TextbookRetriever
    from index.embedder import Embedder

    retriever = TextbookRetriever([corpus], Embedder("all-MiniLM-L6-v2", 32, "fp32"))
    print(json.dumps({"chunks": len(retriever.entries)}))


def _corpus(n: int, folder: Path) -> Path:
    path = folder / f"first{n}.jsonl"
    with open(CORPUS, encoding="utf-8") as src, open(path, "w", encoding="utf-8") as dst:
        for _, line in zip(range(n), src, strict=False):
            dst.write(line)
    return path


def _big_corpus(gigabytes: float, unique: int, folder: Path) -> tuple[Path, int]:
    """A JSONL of `gigabytes` whose records cycle through `unique` articles under new ids."""
    records = [json.loads(line) for _, line in zip(range(unique), open(CORPUS, encoding="utf-8"), strict=False)]
    path, written, count = folder / "big.jsonl", 0, 0
    with open(path, "w", encoding="utf-8") as out:
        while written < gigabytes * 1e9:
            record = dict(records[count % unique], id=f"big-{count}")
            line = json.dumps(record) + "\n"
            out.write(line)
            written += len(line.encode())
            count += 1
    return path, count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=400, help="articles from the RealTimeQA dev corpus")
    parser.add_argument("--big-gb", type=float, default=0.0, help="also ingest a JSONL this big and report peak RSS")
    parser.add_argument("--no-textbook", action="store_true", help="skip the textbook row")
    parser.add_argument("--textbook-only", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.textbook_only:
        _textbook(args.textbook_only)
        return

    env = dict(os.environ)
    newsrag = [str(Path(sys.executable).parent / "newsrag")]
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        corpus = _corpus(args.n, folder)
        wall, rss, out = _run([*newsrag, "ingest", str(corpus), "--index", str(folder / "index")], env)
        chunks = json.loads((folder / "index" / "manifest.json").read_text())["counts"]["chunks"]
        rows.append(("newsrag ingest", args.n, chunks, wall, rss))
        if not args.no_textbook:
            wall, rss, out = _run([sys.executable, __file__, "--textbook-only", str(corpus)], env)
            rows.append(("textbook LangChain", args.n, json.loads(out)["chunks"], wall, rss))
        if args.big_gb:
            big, records = _big_corpus(args.big_gb, args.n, folder)
            wall, rss, out = _run([*newsrag, "ingest", str(big), "--index", str(folder / "big-index")], env)
            chunks = json.loads((folder / "big-index" / "manifest.json").read_text())["counts"]["chunks"]
            rows.append((f"newsrag, {big.stat().st_size / 1e9:.2f} GB JSONL ({records} records)", records,
                         chunks, wall, rss))

    print(f"{'pipeline':<48} {'articles':>8} {'chunks':>7} {'wall s':>7} {'articles/s':>10} {'peak RSS MB':>11}")
    for name, articles, chunks, wall, rss in rows:
        print(f"{name:<48} {articles:>8} {chunks:>7} {wall:>7.1f} {articles / wall:>10.2f} {rss:>11}")
    if not args.no_textbook:
        print(f"ratio newsrag / textbook articles/s: {rows[1][3] / rows[0][3]:.2f}")


if __name__ == "__main__":
    main()
