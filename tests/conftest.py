"""Shared fixtures: the real pipeline on the sample corpus, built once per session."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from rag.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "sample"
SHARED = ROOT.parent / "shared" / "datasets"


def index_snapshot(index: Path) -> tuple[dict, dict, list[list[str]]]:
    """Articles, chunks (offsets, text, vector) and story clusters: what two ingests must agree on."""
    import numpy as np

    from index.store import IndexStore

    with IndexStore.open(index) as store:
        db = store._db
        articles = {r[0]: tuple(r[1:]) for r in db.execute(
            "SELECT id, origin, title, source, published_at, text, content_hash FROM articles")}
        chunks = {r[0]: (tuple(r[1:6]), np.frombuffer(r[6], dtype=np.float32)) for r in db.execute(
            "SELECT chunk_id, article_id, seq, start, end, text, embedding FROM chunks")}
        groups: dict[str, list[str]] = {}
        for article_id, story in db.execute("SELECT id, COALESCE(story_id, id) FROM articles"):
            groups.setdefault(story, []).append(article_id)
    return articles, chunks, sorted(sorted(g) for g in groups.values())


def assert_same_index(index: Path, reference: Path, tolerance: float) -> float:
    """Same articles, chunk ids, offsets, texts and stories; vectors within `tolerance` (the worst returned)."""
    got, expected = index_snapshot(index), index_snapshot(reference)
    assert got[0] and got[0] == expected[0]  # articles
    assert set(got[1]) == set(expected[1])  # chunk ids
    assert all(got[1][c][0] == expected[1][c][0] for c in expected[1])  # offsets and text
    worst = max(float(abs(got[1][c][1] - expected[1][c][1]).max()) for c in expected[1])
    assert worst < tolerance, worst
    assert got[2] == expected[2]  # the same story clusters
    return worst


def make_settings(index: Path, **overrides: object) -> Settings:
    return Settings(index=index, **overrides)


@pytest.fixture(scope="session")
def sample_dir() -> Path:
    return SAMPLE


@pytest.fixture(scope="session")
def sample_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A real index of data/sample (MiniLM + FAISS + SQLite); tests must not write to it."""
    from rag.pipeline import ingest

    index = tmp_path_factory.mktemp("sample") / "index"
    report = ingest(make_settings(index), [SAMPLE])
    assert not report.problems, report.problems
    return index


@pytest.fixture
def index_copy(sample_index: Path, tmp_path: Path) -> Path:
    """A private copy of the sample index for tests that change it."""
    target = tmp_path / "index"
    shutil.copytree(sample_index, target)
    return target


@pytest.fixture(scope="session")
def search_stack(sample_index: Path):  # noqa: ANN201
    from rag.pipeline import open_search

    return open_search(make_settings(sample_index))


@pytest.fixture(scope="session")
def cli_env() -> dict[str, str]:
    """Environment for running the installed `newsrag` as a user would."""
    env = dict(os.environ)
    env.pop("NEWSRAG_DEBUG", None)
    return env


def free_port() -> int:
    """A port nothing listens on (for servers the tests start, and for a dead endpoint)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Figures:
    """What a reliability test tried and what held, for docs/reliability.md.

    `benchmarks/reliability.py` runs `pytest -m reliability` with NEWSRAG_RELIABILITY_OUT
    set and prints the table from these records; in a plain test run they go nowhere.
    """

    def __init__(self, path: str | None) -> None:
        self.path = Path(path) if path else None

    def record(self, check: str, tried: int, held: int, detail: str) -> None:
        if self.path is None:
            return
        import json

        with self.path.open("a", encoding="utf-8") as out:
            out.write(json.dumps({"check": check, "tried": tried, "held": held, "detail": detail}) + "\n")


@pytest.fixture(scope="session")
def figures() -> Figures:
    return Figures(os.environ.get("NEWSRAG_RELIABILITY_OUT"))


def _serving(command: list[str], url: str, log: Path, what: str) -> subprocess.Popen:
    """Start `command`, a server; return once `url` answers HTTP, or fail the test with the server's log."""
    with open(log, "wb") as out:
        proc = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 180
    while True:
        try:
            urllib.request.urlopen(url, timeout=2).read()
            return proc
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                pytest.fail(f"{what} did not start: {log.read_text()[-3000:]}")
            time.sleep(1)


def start_server(args: list[str], log: Path) -> tuple[subprocess.Popen, str]:
    """`newsrag serve ARGS` on a free port, once it answers HTTP."""
    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    return _serving([sys.executable, "-m", "rag.cli", "serve", "--port", str(port), *args], url, log,
                    "newsrag serve"), url


LLAMA_SERVER_MODEL = "qwen-fast"


def start_llama_server(log: Path) -> tuple[subprocess.Popen, str]:
    """llama-cpp-python's OpenAI-compatible server with the fast preset's GGUF (model name LLAMA_SERVER_MODEL);
    returns it and its base URL. It serves one request at a time; by default a new request cuts the one
    streaming short (measured: eval accuracy 0.92 → 0.08 with 4 concurrent clients), so that is switched off."""
    from rag.llm.factory import gguf_path
    from rag.settings import LLMSettings

    port = free_port()
    base_url = f"http://127.0.0.1:{port}/v1"
    command = [sys.executable, "-m", "llama_cpp.server", "--model", str(gguf_path(LLMSettings(preset="fast"),
               Settings().cache_dir)), "--host", "127.0.0.1", "--port", str(port), "--n_ctx", "4096",
               "--model_alias", LLAMA_SERVER_MODEL, "--interrupt_requests", "False"]
    return _serving(command, f"{base_url}/models", log, "llama_cpp.server"), base_url
