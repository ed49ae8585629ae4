"""Ingest, evaluation and briefs on a real multi-node Ray cluster (a head and two worker nodes on this machine)."""

from __future__ import annotations

import json
import re
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from eval.command import EvalRequest, run_eval
from eval.report import compare
from eval.runner import RESULTS
from rag.pipeline import ingest, open_search
from tests.conftest import SAMPLE, SHARED, assert_same_index, free_port, make_settings

pytestmark = pytest.mark.slow

MULTIHOP = SHARED / "multihop_rag" / "corpus.jsonl"
SEED_GOLD = SHARED / "seed" / "gold_dev.jsonl"
FAST = {"preset": "fast"}
FP32 = {"precision": "fp32"}  # batch composition differs between the two ingests; fp32 keeps vectors within 1e-5


@pytest.fixture(scope="module")
def cluster() -> Iterator[object]:
    import ray  # newsrag[ray] is part of the test install
    from ray.cluster_utils import Cluster

    cluster = Cluster(initialize_head=True, head_node_args={"num_cpus": 0})
    workers = [cluster.add_node(num_cpus=1) for _ in range(2)]
    cluster.wait_for_nodes()
    ray.init(address=cluster.address, logging_level="ERROR", log_to_driver=False)
    cluster.workers = workers
    yield cluster
    ray.shutdown()
    cluster.shutdown()


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """The sample corpus plus 200 MultiHop-RAG articles, one JSONL file of 50 records each (4 files, 4 tasks)."""
    folder = tmp_path_factory.mktemp("ray-corpus")
    lines = MULTIHOP.read_text(encoding="utf-8").splitlines()[:200]
    for part in range(4):
        (folder / f"multihop-{part}.jsonl").write_text("\n".join(lines[part * 50:(part + 1) * 50]) + "\n",
                                                       encoding="utf-8")
    return [SAMPLE, folder]


@pytest.fixture(scope="module")
def local_index(corpus: list[Path], tmp_path_factory: pytest.TempPathFactory) -> Path:
    index = tmp_path_factory.mktemp("local") / "index"
    report = ingest(make_settings(index, embedding=FP32), corpus)
    assert not report.problems
    return index


def _committed_chunks(index: Path) -> int:
    try:
        db = sqlite3.connect(f"file:{index / 'chunks.sqlite'}?mode=ro", uri=True, timeout=30)
        try:
            return db.execute("SELECT count(*) FROM chunks").fetchone()[0]
        finally:
            db.close()
    except sqlite3.Error:  # not created yet
        return 0


def _wait_for(condition: Callable[[], bool], alive: Callable[[], bool], what: str) -> None:
    while alive() and not condition():
        time.sleep(0.2)
    assert alive(), f"the run ended before {what}"


def _remove_a_node_while(cluster, run: Callable[[], object], started: Callable[[], bool]) -> object:  # noqa: ANN001
    """Run `run` in a thread; once `started()`, remove a worker node (a new one is added after, for later tests)."""
    outcome: dict[str, object] = {}
    runner = threading.Thread(target=lambda: outcome.update(result=run()))
    runner.start()
    _wait_for(started, runner.is_alive, "a node could be removed")
    cluster.remove_node(cluster.workers.pop())
    runner.join(timeout=600)
    cluster.workers.append(cluster.add_node(num_cpus=1))
    assert "result" in outcome, "the run failed (its traceback is above)"
    return outcome["result"]


def test_ray_ingest_on_two_nodes_equals_a_local_ingest(cluster, corpus: list[Path], local_index: Path,  # noqa: ANN001
                                                        tmp_path: Path) -> None:
    index = tmp_path / "index"
    report = ingest(make_settings(index, embedding=FP32), corpus, ray=cluster.address, workers=2)
    assert not report.problems and len(report.added) == 205 and report.chunks_embedded == report.chunks
    assert_same_index(index, local_index, tolerance=1e-5)
    again = ingest(make_settings(index, embedding=FP32), corpus, ray=cluster.address, workers=2)
    assert len(again.unchanged) == 205 and not again.added and again.chunks_embedded == 0


def test_a_node_removed_mid_ingest_loses_and_duplicates_nothing(cluster, corpus: list[Path],  # noqa: ANN001
                                                                 local_index: Path, tmp_path: Path) -> None:
    index = tmp_path / "index"
    settings = make_settings(index, embedding=FP32, ingest={"commit_every_chunks": 16})
    report = _remove_a_node_while(cluster, lambda: ingest(settings, corpus, ray=cluster.address, workers=2),
                                  lambda: _committed_chunks(index) > 0)  # actors up, the first batches written
    assert not report.problems and len(report.added) == 205
    assert_same_index(index, local_index, tolerance=1e-5)


def test_a_killed_ray_driver_leaves_an_index_that_opens_and_a_rerun_finishes(
        cluster, corpus: list[Path], local_index: Path, tmp_path: Path,  # noqa: ANN001
        cli_env: dict[str, str]) -> None:
    index = tmp_path / "index"
    settings = make_settings(index, embedding=FP32, ingest={"commit_every_chunks": 16})
    env = {**cli_env, "NEWSRAG_EMBEDDING__PRECISION": "fp32", "NEWSRAG_INGEST__COMMIT_EVERY_CHUNKS": "16"}
    driver = subprocess.Popen([sys.executable, "-m", "rag.cli", "ingest", *map(str, corpus), "--index", str(index),
                               "--ray", cluster.address, "--workers", "2"], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _wait_for(lambda: _committed_chunks(index) > 0, lambda: driver.poll() is None, "the driver could be killed")
    driver.send_signal(signal.SIGKILL)
    driver.wait(timeout=60)
    committed = _committed_chunks(index)
    stack = open_search(settings)  # the index opens and answers as it stood at the last commit
    assert stack.retriever.retrieve("battery plant", k=3)
    stack.store.close()
    report = ingest(settings, corpus, ray=cluster.address, workers=2)
    assert not report.problems and 0 < committed and len(report.added) + len(report.unchanged) == 205
    assert_same_index(index, local_index, tolerance=1e-5)


def test_ray_ingest_reports_problem_inputs_as_a_local_ingest_does(cluster, tmp_path: Path) -> None:  # noqa: ANN001
    (tmp_path / "table.csv").write_text("a,b\n1,2\n")
    (tmp_path / "feed.jsonl").write_text('{"title": "No text here"}\n')
    inputs = [tmp_path / "table.csv", tmp_path / "feed.jsonl", tmp_path / "missing.txt"]
    local = ingest(make_settings(tmp_path / "local"), inputs)
    on_ray = ingest(make_settings(tmp_path / "ray"), inputs, ray=cluster.address, workers=1)
    assert len(local.problems) == 3 and list(map(str, on_ray.problems)) == list(map(str, local.problems))


def _records(out: Path) -> list[dict]:
    """results.jsonl without the timings (the only field a second run may change)."""
    lines = (out / RESULTS).read_text(encoding="utf-8").splitlines()
    return [{k: v for k, v in json.loads(line).items() if k != "timings"} for line in lines]


def test_ray_eval_with_a_node_removed_matches_a_local_run(cluster, sample_index: Path,  # noqa: ANN001
                                                          tmp_path: Path) -> None:
    settings = make_settings(sample_index, llm=FAST)
    local, on_ray = tmp_path / "local", tmp_path / "ray"
    run_eval(settings, EvalRequest(SEED_GOLD, out=local, limit=4, progress=False))
    request = EvalRequest(SEED_GOLD, out=on_ray, limit=4, progress=False, ray=cluster.address, workers=2)
    _remove_a_node_while(cluster, lambda: run_eval(settings, request),
                         lambda: (on_ray / RESULTS).exists() and (on_ray / RESULTS).stat().st_size > 0)
    assert _records(on_ray) == _records(local)  # every question once, in gold order, with the same answer
    report = compare(local, on_ray)
    assert "(4 shared questions)" in report and "## Flipped (0)" in report, report


def test_a_ray_brief_batch_writes_the_same_files_as_a_local_one(cluster, sample_index: Path,  # noqa: ANN001
                                                                 tmp_path: Path, cli_env: dict[str, str]) -> None:
    topics = tmp_path / "topics.txt"
    topics.write_text("BMW battery production\nTesla Cybertruck recalls\nthe of and\n")
    # --since keeps BMW's brief to its 2023 reports (4 LLM calls rather than 6): the same brief machinery on
    # Ray and locally, in half the time on a 2-core CPU
    outputs = {}
    for name, extra in (("local", []), ("ray", ["--ray", cluster.address, "--workers", "2"])):
        outputs[name] = tmp_path / name
        run = subprocess.run([sys.executable, "-m", "rag.cli", "brief", "--topics", str(topics), "--index",
                              str(sample_index), "--out", str(outputs[name]), "--preset", "fast",
                              "--since", "2023-06-01", *extra],
                             capture_output=True, text=True, env=cli_env, timeout=900)
        assert run.returncode == 1 and "2 written (1 with nothing in the index), 0 skipped, 1 failed" in run.stdout, \
            run.stderr[-2000:]
    written = {p.name: p.read_text() for p in outputs["local"].iterdir()}
    assert sorted(written) == ["bmw-battery-production.html", "bmw-battery-production.md", "index.md",
                               "tesla-cybertruck-recalls.html", "tesla-cybertruck-recalls.md"]
    assert {p.name: p.read_text() for p in outputs["ray"].iterdir()} == written


def test_a_failing_llm_stops_a_ray_eval_with_one_line_naming_the_question(  # noqa: ANN001
        cluster, sample_index: Path, tmp_path: Path, cli_env: dict[str, str]) -> None:
    dead = f"http://127.0.0.1:{free_port()}/v1"
    run = subprocess.run([sys.executable, "-m", "rag.cli", "eval", "--gold", str(SEED_GOLD), "--limit", "2", "--index",
                          str(sample_index), "--out", str(tmp_path / "run"), "--backend", "openai", "--base-url", dead,
                          "--model", "x", "--ray", cluster.address, "--workers", "1"],
                         capture_output=True, text=True, env=cli_env, timeout=300)
    assert run.returncode == 2, run.stderr[-2000:]
    last = run.stderr.strip().splitlines()[-1]
    assert re.match(r"newsrag: error: question seed-00[13]: ", last), last
    assert f"cannot reach the LLM at {dead}" in last and last.endswith("run the same command again to resume)"), last


class _Unstartable:
    """An actor whose constructor fails as a worker without the index or model would (a stand-in: on one
    machine every node reads the same files)."""

    def __init__(self) -> None:
        from index.errors import NewsragError

        raise NewsragError("llm.model_path: /models/x.gguf is not a file; give the path of a .gguf model")

    def __call__(self, job: dict) -> dict:
        return job


def test_a_worker_that_cannot_start_is_one_line(cluster) -> None:  # noqa: ANN001
    from index.errors import NewsragError
    from index.ray_cluster import fan_out

    with pytest.raises(NewsragError, match=r"^a Ray worker failed: llm.model_path: /models/x.gguf is not a file"):
        list(fan_out([{"n": 1}], _Unstartable, {}, workers=1))
