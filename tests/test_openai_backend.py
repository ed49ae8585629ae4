"""The OpenAI-compatible backend against a real llama_cpp.server on 127.0.0.1."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from rag.pipeline import make_answerer, open_search
from tests.conftest import LLAMA_SERVER_MODEL, free_port, make_settings, start_llama_server

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def llama_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    server, base_url = start_llama_server(tmp_path_factory.mktemp("server") / "server.log")
    try:
        yield base_url
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_openai_compatible_endpoint_answers_with_citations(sample_index: Path, llama_server: str) -> None:
    settings = make_settings(sample_index, llm={"backend": "openai", "base_url": llama_server, "model": LLAMA_SERVER_MODEL})
    answer = make_answerer(settings, open_search(settings)).ask(
        "Which company did Honda agree to collaborate with on lithium-ion batteries?"
    )
    assert not answer.refused, answer.draft
    assert "GS Yuasa" in answer.text
    assert any("GS Yuasa" in c.quote for c in answer.citations)
    assert answer.evidence, "the server's reply pointed at sentences through the JSON schema"
    assert answer.timings["first_token_s"] <= answer.timings["total_s"]


def test_unreachable_endpoint_is_one_clear_line(sample_index: Path, cli_env: dict[str, str]) -> None:
    run = subprocess.run(
        [sys.executable, "-m", "rag.cli", "ask", "Where is Kokomo?", "--index", str(sample_index),
         "--backend", "openai", "--base-url", f"http://127.0.0.1:{free_port()}/v1", "--model", "x"],
        capture_output=True, text=True, env=cli_env, timeout=300,
    )
    assert run.returncode == 2
    assert run.stderr.strip().splitlines()[-1].startswith("newsrag: error: cannot reach the LLM at http://127.0.0.1:")
    assert "Traceback" not in run.stderr
