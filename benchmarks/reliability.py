"""Rerun the reliability suite and print the table of docs/reliability.md.

    python benchmarks/reliability.py [pytest args]

Runs `pytest -m reliability` (crash, full disk, reader during a writer, prompt
injection, fuzzing, user cases, exposure) with NEWSRAG_RELIABILITY_OUT set, so
each test records how many cases it tried and how many held, then prints them as
a Markdown table. The 2-minute load run is separate: benchmarks/load.py.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> int:
    with tempfile.TemporaryDirectory() as work:
        out = Path(work) / "figures.jsonl"
        env = {**os.environ, "NEWSRAG_RELIABILITY_OUT": str(out)}
        run = subprocess.run([sys.executable, "-m", "pytest", "-q", "-m", "reliability", "-p", "no:cacheprovider",
                              *sys.argv[1:]], cwd=ROOT, env=env)
        records = [json.loads(line) for line in out.read_text().splitlines()] if out.exists() else []
    rows: dict[str, dict] = {}  # one row per check: a parametrized test records once per case
    for record in records:
        row = rows.setdefault(record["check"], {**record, "tried": 0, "held": 0})
        row["tried"] += record["tried"]
        row["held"] += record["held"]
    print("\n| check | cases tried | held | what held |")
    print("|---|---|---|---|")
    for row in rows.values():
        print(f"| {row['check']} | {row['tried']} | {row['held']} | {row['detail']} |")
    print(f"\npytest exit status {run.returncode} ({'all passed' if run.returncode == 0 else 'FAILURES above'})")
    return run.returncode


if __name__ == "__main__":
    sys.exit(main())
