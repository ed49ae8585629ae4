#!/usr/bin/env bash
# Reproduces the dev-set tables in docs/evaluation.md: every row is one command below
# (today's head-to-head first; HISTORY=1 also runs the earlier rows).
# Needs ../shared/datasets beside the project and an installed .venv (make install).
# LLM rows use the default preset (Qwen2.5-Coder-1.5B Q4_K_M) on this 2-core CPU;
# the multihop and RealTimeQA LLM rows use the first N questions (--limit) to fit.
set -euo pipefail
cd "$(dirname "$0")/.."
D=../shared/datasets
N=.venv/bin/newsrag
LIMIT_LLM=${LIMIT_LLM:-20}
T="env NEWSRAG_LLM__THREADS=2 $N"

# Today's head-to-head (docs/evaluation.md, "Where it stands"): newsrag and the textbook LangChain
# pipeline with the same default preset, one run at a time on a quiet machine. --corpus builds (once)
# and reuses an index under .newsrag/eval-index; the RealTimeQA one takes ~5 min, the textbook's
# in-memory index as long again.
$T eval --gold $D/seed/gold_dev.jsonl --corpus data/sample --out runs/t-seed-newsrag
$T eval --gold $D/seed/gold_dev.jsonl --corpus data/sample --baseline langchain --out runs/t-seed-langchain
$T eval --gold $D/multihop_rag/gold_dev.jsonl --corpus $D/multihop_rag/corpus.jsonl --limit 100 --out runs/t-mh-newsrag
$T eval --gold $D/multihop_rag/gold_dev.jsonl --corpus $D/multihop_rag/corpus.jsonl --limit 100 --baseline langchain \
    --out runs/t-mh-langchain
$T eval --gold $D/realtimeqa/gold_dev.jsonl --corpus $D/realtimeqa/corpus.jsonl --limit 100 --out runs/t-rtqa-newsrag
$T eval --gold $D/realtimeqa/gold_dev.jsonl --corpus $D/realtimeqa/corpus.jsonl --limit 100 --baseline langchain \
    --out runs/t-rtqa-langchain
.venv/bin/python benchmarks/results_table.py runs/t-seed-* runs/t-mh-* runs/t-rtqa-*
for set in seed mh rtqa; do $N eval --compare runs/t-$set-langchain runs/t-$set-newsrag; done

# Everything below is the history of the tables in docs/evaluation.md, as each was measured.
[ "${HISTORY:-0}" = 1 ] || exit 0

# Round 2 (evidence-first answers) was measured with one llama.cpp thread per run and two
# runs side by side (NEWSRAG_LLM__THREADS=1), so latencies compare only within that setting;
# "before" rows were run the same way from round 1's code (a git worktree of commit 007c089).
# NEWSRAG_ANSWER__MODE=draft reproduces round 1's answers with today's code.

# seed (29 questions, the whole set)
$N eval --gold $D/seed/gold_dev.jsonl --corpus data/sample --out runs/seed-evidence
$N eval --gold $D/seed/gold_dev.jsonl --corpus data/sample --out runs/seed-newsrag
$N eval --gold $D/seed/gold_dev.jsonl --corpus data/sample --preset fast --out runs/seed-newsrag-fast
$N eval --gold $D/seed/gold_dev.jsonl --corpus data/sample --baseline langchain --out runs/seed-langchain

# MultiHop-RAG (250 questions): retrieval on all, answers on the first $LIMIT_LLM
$N eval --gold $D/multihop_rag/gold_dev.jsonl --corpus $D/multihop_rag/corpus.jsonl --retrieval-only --out runs/multihop-newsrag-retrieval
$N eval --gold $D/multihop_rag/gold_dev.jsonl --corpus $D/multihop_rag/corpus.jsonl --retrieval-only --baseline langchain --out runs/multihop-langchain-retrieval
$N eval --gold $D/multihop_rag/gold_dev.jsonl --corpus $D/multihop_rag/corpus.jsonl --limit 100 --out runs/multihop-evidence
# the yes/no threshold of the default preset (rag/llm/gguf.py) is fitted on questions 101-250 and
# reported on the first 100 (multihop-verdict); both ran with 2 threads, alone on the machine
$N eval --gold $D/multihop_rag/gold_dev.jsonl --corpus $D/multihop_rag/corpus.jsonl --limit 100 --out runs/multihop-verdict
tail -n +101 $D/multihop_rag/gold_dev.jsonl | grep -iE '"answer": *"(yes|no)"' > runs/multihop-fit-questions.jsonl
$N eval --gold runs/multihop-fit-questions.jsonl --corpus $D/multihop_rag/corpus.jsonl --out runs/multihop-verdict-fit
.venv/bin/python -m eval.fit_verdict runs/multihop-verdict-fit
# shared names (docs/evaluation.md, "A name described through several reports"): the first 100 again,
# and the inference questions of dev 101-250 (runs/mh-inf-held.jsonl) with this code and with f770a31
$N eval --gold $D/multihop_rag/gold_dev.jsonl --corpus $D/multihop_rag/corpus.jsonl --limit 100 --out runs/multihop-shared
tail -n +101 $D/multihop_rag/gold_dev.jsonl | grep '"type": *"inference"' > runs/mh-inf-held.jsonl
$N eval --gold runs/mh-inf-held.jsonl --corpus $D/multihop_rag/corpus.jsonl --out runs/mh-inf-held-shared2
$N eval --gold $D/seed/gold_dev.jsonl --corpus data/sample --out runs/seed-shared
# yes/no questions in parts (docs/evaluation.md): claim_threshold fitted on those of dev 101-250, then the first 100
.venv/bin/python - <<'PY'
import json
from rag.query import QueryAnalyzer
parts = QueryAnalyzer([]).analyze
rows = [json.loads(line) for line in open("../shared/datasets/multihop_rag/gold_dev.jsonl")]
with open("runs/mh-claims-fit.jsonl", "w") as out:
    for row in rows[100:]:
        if parts(row["question"]).claims and row["answer"].lower() in ("yes", "no"):
            out.write(json.dumps(row) + "\n")
PY
$N eval --gold runs/mh-claims-fit.jsonl --corpus $D/multihop_rag/corpus.jsonl --out runs/mh-claims-fit
.venv/bin/python -m eval.fit_verdict --claims runs/mh-claims-fit
$N eval --gold $D/multihop_rag/gold_dev.jsonl --corpus $D/multihop_rag/corpus.jsonl --limit 100 --out runs/mh-claims-100
$N eval --gold $D/multihop_rag/gold_dev.jsonl --corpus $D/multihop_rag/corpus.jsonl --limit "$LIMIT_LLM" --out runs/multihop-newsrag
$N eval --gold $D/multihop_rag/gold_dev.jsonl --corpus $D/multihop_rag/corpus.jsonl --limit "$LIMIT_LLM" --baseline langchain --out runs/multihop-langchain

# RealTimeQA (500 questions over 4,170 articles; ingesting them takes ~50 min on 2 cores):
# retrieval on all 500, answers on the first 10; retrieval is restricted to articles
# published on or before each question's date (as_of)
$N eval --gold $D/realtimeqa/gold_dev.jsonl --corpus $D/realtimeqa/corpus.jsonl --retrieval-only --out runs/realtimeqa-newsrag-retrieval
$N eval --gold $D/realtimeqa/gold_dev.jsonl --corpus $D/realtimeqa/corpus.jsonl --limit 10 --out runs/realtimeqa-newsrag
# round 2: first 100 questions, before (rtqa-evidence) and after (rtqa-verdict) named periods became preferences
$N eval --gold $D/realtimeqa/gold_dev.jsonl --corpus $D/realtimeqa/corpus.jsonl --limit 100 --out runs/rtqa-verdict

# Dotted acronyms (docs/evaluation.md, 2026-12-03): this code ("after") against a worktree of c29f9a4
# ("before": git worktree add /tmp/before c29f9a4), on the first 100 / all of seed and on the RealTimeQA dev
# questions 101-500 that name US, UK, UN, EU or DC. Paths are absolute: "before" runs from the worktree.
# Each set is ingested once into runs/idx-SET; answers are read from those indexes.
DA=$(cd $D && pwd)
for set in realtimeqa:rtqa multihop_rag:mh; do
  [ -d runs/idx-${set#*:} ] || $N ingest $DA/${set%:*}/corpus.jsonl --index runs/idx-${set#*:}
done
[ -d runs/idx-seed ] || $N ingest data/sample --index runs/idx-seed
grep -nE '"question": "[^"]*\b(US|UK|UN|EU|DC|U\.S\.|U\.K\.|U\.N\.)' $DA/realtimeqa/gold_dev.jsonl \
    | awk -F: '$1 > 100' | cut -d: -f2- > runs/rtqa-acronym-held.jsonl
for who in after before; do
  X="env NEWSRAG_LLM__THREADS=2 $PWD/.venv/bin/newsrag"
  [ $who = before ] && X="env -C /tmp/before PYTHONPATH=/tmp/before $X"
  $X eval --gold $DA/realtimeqa/gold_dev.jsonl --index $PWD/runs/idx-rtqa --limit 100 --out $PWD/runs/$who-rtqa
  $X eval --gold $PWD/runs/rtqa-acronym-held.jsonl --index $PWD/runs/idx-rtqa --out $PWD/runs/$who-rtqa-acronym-held
  $X eval --gold $DA/seed/gold_dev.jsonl --index $PWD/runs/idx-seed --out $PWD/runs/$who-seed
  $X eval --gold $DA/multihop_rag/gold_dev.jsonl --index $PWD/runs/idx-mh --limit 100 --out $PWD/runs/$who-mh
done
for set in rtqa rtqa-acronym-held seed mh; do $N eval --compare runs/before-$set runs/after-$set; done

# Whole sentences read once (docs/evaluation.md, 2026-12-03): this code ("after") against a worktree of 338c0a0
# ("before": git worktree add /tmp/before 338c0a0) on the indexes above. The held set is the first 80 of the
# RealTimeQA dev questions 101-500 whose sentences read differ between the two.
env -C /tmp/before PYTHONPATH=/tmp/before $PWD/.venv/bin/python $PWD/benchmarks/plan_recall.py \
    --gold $DA/realtimeqa/gold_dev.jsonl --index $PWD/runs/idx-rtqa --skip 100 --read-out $PWD/runs/read-before.jsonl
$PWD/.venv/bin/python benchmarks/plan_recall.py --gold $DA/realtimeqa/gold_dev.jsonl --index runs/idx-rtqa \
    --skip 100 --unlike runs/read-before.jsonl --held-out runs/rtqa-read-held.jsonl --held 80
for who in after before; do
  X="env NEWSRAG_LLM__THREADS=2 $PWD/.venv/bin/newsrag"
  [ $who = before ] && X="env -C /tmp/before PYTHONPATH=/tmp/before $X"
  $X eval --gold $DA/realtimeqa/gold_dev.jsonl --index $PWD/runs/idx-rtqa --limit 100 --out $PWD/runs/read-$who-rtqa
  $X eval --gold $PWD/runs/rtqa-read-held.jsonl --index $PWD/runs/idx-rtqa --out $PWD/runs/read-$who-rtqa-held
  $X eval --gold $DA/seed/gold_dev.jsonl --index $PWD/runs/idx-seed --out $PWD/runs/read-$who-seed
  $X eval --gold $DA/multihop_rag/gold_dev.jsonl --index $PWD/runs/idx-mh --limit 100 --out $PWD/runs/read-$who-mh
done
for set in rtqa rtqa-held seed mh; do $N eval --compare runs/read-before-$set runs/read-after-$set; done
