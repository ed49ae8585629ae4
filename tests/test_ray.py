"""Ingest on a real multi-node Ray cluster (a head and two worker nodes on this machine)."""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from rag.pipeline import ingest
from tests.conftest import SAMPLE, SHARED, assert_same_index, make_settings

pytestmark = pytest.mark.slow

MULTIHOP = SHARED / "multihop_rag" / "corpus.jsonl"
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
    outcome: dict[str, object] = {}
    runner = threading.Thread(target=lambda: outcome.update(report=ingest(settings, corpus, ray=cluster.address,
                                                                          workers=2)))
    runner.start()
    while runner.is_alive() and _committed_chunks(index) == 0:  # actors up, the first batches written
        time.sleep(0.2)
    assert runner.is_alive(), "the ingest ended before a node could be removed"
    cluster.remove_node(cluster.workers.pop())
    runner.join(timeout=600)
    cluster.workers.append(cluster.add_node(num_cpus=1))  # for the tests after this one
    report = outcome["report"]
    assert not report.problems and len(report.added) == 205
    assert_same_index(index, local_index, tolerance=1e-5)
