"""`newsrag eval` end to end: files, resume after interruption, compare."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from eval.command import EvalRequest, run_eval
from eval.runner import RESULTS
from eval.significance import sign_test
from tests.conftest import ROOT, make_settings

SEED_GOLD = ROOT.parent / "shared" / "datasets" / "seed" / "gold_dev.jsonl"
needs_shared = pytest.mark.skipif(not SEED_GOLD.exists(), reason="needs ../shared/datasets")


def _lines(out: Path) -> list[dict]:
    return [json.loads(line) for line in (out / RESULTS).read_text().splitlines()]


@needs_shared
def test_retrieval_run_resumes_after_interruption(sample_index: Path, tmp_path: Path) -> None:
    settings = make_settings(sample_index)
    out = tmp_path / "run"
    run_eval(settings, EvalRequest(SEED_GOLD, out=out, limit=5, retrieval_only=True, progress=False))
    first = _lines(out)
    assert [r["id"] for r in first] == ["seed-001", "seed-003", "seed-004", "seed-006", "seed-007"]
    # an interruption mid-write leaves a torn line: it is dropped and that question re-run
    with open(out / RESULTS, "a") as fh:
        fh.write('{"id": "seed-009", "type": "sing')
    out_path, summary = run_eval(settings, EvalRequest(SEED_GOLD, out=out, limit=8, retrieval_only=True, progress=False))
    records = _lines(out)
    assert [r["id"] for r in records][:5] == [r["id"] for r in first]
    assert records[:5] == first, "finished questions are not evaluated again"
    assert len(records) == 8 and summary["questions"] == 8
    assert summary["hits@5"] == 1.0
    for name in ("summary.json", "report.md", "metrics_by_type.png", "latency.png", "run.json"):
        assert (out / name).stat().st_size > 0, name
    assert "## Metrics" in (out / "report.md").read_text()
    assert summary["hits@5_ci95"] == pytest.approx([0.6756, 1.0], abs=1e-4)  # 8 of 8: Wilson, not [1, 1]
    assert "hits@5 1.000 [0.676, 1.000]" in (out / "report.md").read_text()


@needs_shared
def test_resuming_with_other_settings_is_refused(sample_index: Path, tmp_path: Path) -> None:
    from index.errors import NewsragError

    out = tmp_path / "run"
    run_eval(make_settings(sample_index), EvalRequest(SEED_GOLD, out=out, limit=1, retrieval_only=True, progress=False))
    other = make_settings(sample_index, retrieval={"k": 3})
    with pytest.raises(NewsragError, match="holds a run with other settings \\(settings\\)"):
        run_eval(other, EvalRequest(SEED_GOLD, out=out, limit=2, retrieval_only=True, progress=False))


@needs_shared
def test_compare_reports_deltas_and_flips(sample_index: Path, tmp_path: Path) -> None:
    hybrid, dense = tmp_path / "hybrid", tmp_path / "dense"
    run_eval(make_settings(sample_index), EvalRequest(SEED_GOLD, out=hybrid, retrieval_only=True, progress=False))
    run_eval(make_settings(sample_index, retrieval={"hybrid": False}),
             EvalRequest(SEED_GOLD, out=dense, retrieval_only=True, progress=False))
    run = subprocess.run([sys.executable, "-m", "rag.cli", "eval", "--compare", str(hybrid), str(dense)],
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    report = run.stdout
    assert "| hits@5 |" in report and "(29 shared questions)" in report
    a = {r["id"]: r["retrieval"] for r in _lines(hybrid) if r["retrieval"]}
    b = {r["id"]: r["retrieval"] for r in _lines(dense) if r["retrieval"]}
    flipped = [i for i in a if a[i]["hits@5"] != b[i]["hits@5"]]
    assert flipped, "hybrid and dense-only retrieval differ on the seed set"
    for question_id in flipped:
        assert f"- {question_id}: evidence in top 5" in report
    delta = sum(b[i]["hits@5"] for i in b) / len(b) - sum(a[i]["hits@5"] for i in a) / len(a)
    assert f"| {delta:+.3f} |" in report
    gained = sum(b[i]["hits@5"] > a[i]["hits@5"] for i in flipped)
    lost = len(flipped) - gained
    p = sign_test(gained, lost)
    assert f"| evidence in top 5 | {gained} | {lost} | {'< 0.001' if p < 0.001 else f'{p:.3f}'} |" in report
    assert "| answer correct | 0 | 0 | 1.000 |" in report  # retrieval-only runs: no answer to flip


@pytest.mark.slow
def test_eval_with_the_llm_writes_every_metric(sample_index: Path, tmp_path: Path, cli_env: dict[str, str]) -> None:
    gold = tmp_path / "gold_tiny.jsonl"
    rows = [
        {"id": "t1", "question": "Which company did Honda agree to collaborate with on lithium-ion batteries?",
         "answer": "GS Yuasa", "answer_aliases": ["GS Yuasa"], "type": "single",
         "evidence": [{"doc": "000_9a5092abaffa30a2.txt", "quote": "Honda and GS Yuasa look to collaborate"}]},
        {"id": "t2", "question": "What battery chemistry will Rivian use in the R2?", "answer": "",
         "answer_aliases": [], "type": "null", "evidence": []},
    ]
    gold.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    out = tmp_path / "run"
    run = subprocess.run([sys.executable, "-m", "rag.cli", "eval", "--gold", str(gold), "--index", str(sample_index),
                          "--out", str(out), "--preset", "fast"], capture_output=True, text=True, env=cli_env,
                         timeout=900)
    assert run.returncode == 0, run.stderr
    summary = json.loads((out / "summary.json").read_text())
    assert summary["questions"] == 2 and summary["hits@1"] == 1.0
    assert summary["by_type"]["null"]["answer_accuracy"] == 1.0, _lines(out)[1]["answer"]
    assert summary["by_type"]["single"]["answer_accuracy"] == 1.0, _lines(out)[0]["answer"]
    assert summary["citation_precision"] == 1.0 and summary["citation_recall"] == 1.0
    assert summary["latency_first_token_s_p50"] > 0
    record = _lines(out)[0]
    assert record["citations"][0]["article_id"] == "000_9a5092abaffa30a2.txt#19"
    assert set(record["timings"]) >= {"retrieval_s", "first_token_s", "total_s"}


@needs_shared
def test_the_textbook_baseline_retrieves_and_answers_from_its_own_chunks(sample_dir: Path, tmp_path: Path) -> None:
    # The row every table compares newsrag with: LangChain's splitter, a flat FAISS index in memory, and the
    # question as typed with one prompt (the round-1 "draft" answer), with no recency prior.
    settings = make_settings(tmp_path / "unused-index", llm={"preset": "fast"})
    out = tmp_path / "textbook"
    _, summary = run_eval(settings, EvalRequest(SEED_GOLD, corpus=sample_dir, out=out, limit=2, baseline="langchain",
                                                progress=False))
    records = _lines(out)
    assert [r["id"] for r in records] == ["seed-001", "seed-003"]
    assert all("::lc" in c["chunk_id"] for r in records for c in r["retrieved"]), "the textbook's own chunks"
    assert all(r["first_hit_rank"] is not None for r in records)
    assert all(r["mode"] == "draft" and r["answer"] for r in records), records
    assert summary["questions"] == 2 and summary["hits@5"] == 1.0
    assert not (tmp_path / "unused-index").exists(), "the textbook builds no newsrag index"
