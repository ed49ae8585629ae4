"""Cited answers from the real embedded LLMs (llama.cpp + the packaged GGUFs)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from rag.pipeline import make_answerer
from tests.conftest import make_settings

pytestmark = pytest.mark.slow
JLR_QUESTION = "Where will Jaguar Land Rover manufacture its electric drive units?"
JLR_ARTICLES = {"004_e8da01d87820f55e.txt", "001_f9b53cb2c1151317.txt"}  # both outlets say Wolverhampton


def _assert_wolverhampton(answer: dict) -> None:
    assert not answer["refused"], answer
    assert "Wolverhampton" in answer["answer"]
    cited = [c for c in answer["citations"] if "Wolverhampton" in c["quote"]]
    assert cited, answer["citations"]
    assert all(c["origin"] in JLR_ARTICLES for c in cited)
    for citation in answer["citations"]:
        assert f"[{citation['n']}]" in answer["answer"]
        assert set(citation) >= {"n", "article_id", "origin", "title", "outlet", "published_at", "url",
                                 "chunk_id", "start", "end", "also_reported_by"}
    assert [c["n"] for c in answer["citations"]] == list(range(1, len(answer["citations"]) + 1))


def test_cli_ask_json_answers_wolverhampton_citing_the_right_article(sample_index: Path,
                                                                     cli_env: dict[str, str]) -> None:
    run = subprocess.run(
        [sys.executable, "-m", "rag.cli", "ask", JLR_QUESTION, "--json", "--index", str(sample_index)],
        capture_output=True, text=True, env=cli_env, timeout=600,
    )
    assert run.returncode == 0, run.stderr
    (line,) = run.stdout.strip().splitlines()  # exactly one JSON object
    _assert_wolverhampton(json.loads(line))


def test_cli_ask_streams_then_lists_numbered_sources(sample_index: Path, cli_env: dict[str, str]) -> None:
    run = subprocess.run(
        [sys.executable, "-m", "rag.cli", "ask", "Which company did Honda agree to collaborate with on "
         "lithium-ion batteries?", "--index", str(sample_index), "--preset", "fast"],
        capture_output=True, text=True, env=cli_env, timeout=600,
    )
    assert run.returncode == 0, run.stderr
    answer, _, sources = run.stdout.partition("\nSources:\n")
    assert "GS Yuasa" in answer and "[1]" in answer
    assert sources.startswith("[1] Honda and GS Yuasa look to collaborate on lithium-ion batteries")
    assert "000_9a5092abaffa30a2.txt" in sources


def test_unanswerable_question_is_refused_plainly(sample_index: Path) -> None:
    settings = make_settings(sample_index)
    from rag.pipeline import open_search

    answer = make_answerer(settings, open_search(settings)).ask("What is Tesla's annual production capacity at Giga Berlin?")
    assert answer.refused
    assert answer.text == "The indexed articles do not contain the answer."
    assert answer.citations == []
    assert answer.sources, "the closest articles are still reported"
