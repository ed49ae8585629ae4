"""The command line as a user meets it: fast help, layered settings, one-line errors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from rag.settings import Settings

PY = sys.executable


def _run(args: list[str], cwd: Path | None = None, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([PY, "-m", "rag.cli", *args], capture_output=True, text=True, cwd=cwd, env=env, timeout=300)


def test_help_does_not_import_torch() -> None:
    probe = ("import sys, contextlib, io\nfrom rag.cli import main\n"
             "with contextlib.redirect_stdout(io.StringIO()):\n"
             "    try:\n        main(['--help'])\n    except SystemExit:\n        pass\n"
             "print(sorted(m for m in ('torch', 'sentence_transformers', 'faiss', 'llama_cpp') if m in sys.modules))")
    run = subprocess.run([PY, "-c", probe], capture_output=True, text=True, timeout=60)
    assert run.stdout.strip() == "[]", run.stderr


def test_settings_layers_defaults_toml_env_cli(tmp_path: Path, monkeypatch) -> None:  # noqa: ANN001
    monkeypatch.chdir(tmp_path)
    assert Settings().retrieval.k == 6
    (tmp_path / "newsrag.toml").write_text('index = "from-toml"\n[retrieval]\nk = 9\nmax_chunks_per_article = 1\n')
    assert Settings().retrieval.k == 9 and Settings().index == Path("from-toml")
    monkeypatch.setenv("NEWSRAG_RETRIEVAL__K", "4")
    monkeypatch.setenv("NEWSRAG_INDEX", "from-env")
    settings = Settings()
    assert (settings.retrieval.k, settings.retrieval.max_chunks_per_article, settings.index) == (4, 1, Path("from-env"))
    assert Settings(index=Path("from-cli")).index == Path("from-cli")


def test_missing_index_is_one_line_that_says_how_to_build_it(tmp_path: Path) -> None:
    run = _run(["search", "battery", "--index", str(tmp_path / "nowhere")])
    assert run.returncode == 2
    assert run.stderr.strip() == (
        f"newsrag: error: {tmp_path / 'nowhere'}: no index here (no manifest.json); "
        f"build one with: newsrag ingest PATH --index {tmp_path / 'nowhere'}"
    )


def test_bad_setting_names_the_field(tmp_path: Path) -> None:
    (tmp_path / "newsrag.toml").write_text("[retrieval]\nk = 0\n")
    run = _run(["search", "battery"], cwd=tmp_path)
    assert run.returncode == 2
    (line,) = run.stderr.strip().splitlines()
    assert line.startswith("newsrag: error: setting retrieval.k: Input should be greater than 0")


def test_search_json_is_one_list_of_hits(sample_index: Path) -> None:
    run = _run(["search", "Kokomo Indiana", "-k", "3", "--json", "--index", str(sample_index)])
    assert run.returncode == 0, run.stderr
    hits = json.loads(run.stdout)
    assert len(hits) == 3
    assert set(hits[0]) >= {"article_id", "origin", "chunk_id", "score", "text"}
    assert hits[0]["article_id"] == "000_9a5092abaffa30a2.txt#11"


def test_ingest_without_paths_explains_itself(tmp_path: Path) -> None:
    run = _run(["ingest", "--index", str(tmp_path / "ix")])
    assert run.returncode == 2
    assert "give one or more files or folders, or --remove ORIGIN" in run.stderr


def test_a_date_bound_that_cannot_be_read_is_refused_by_name(sample_index: Path, tmp_path: Path) -> None:
    """An unreadable --since matched every article and an unreadable --until none, without a word
    ("--since yesterday" wrote a brief from all of them)."""
    index = ["--index", str(sample_index)]
    cases = [
        (["search", "BMW", "--since", "yesterday"], "--since 'yesterday': write a date as YYYY-MM-DD"),
        (["ask", "BMW?", "--until", "2023-13-01"], "--until '2023-13-01': write a date as YYYY-MM-DD"),
        (["search", "BMW", "--as-of", "2023-02-30"], "--as-of '2023-02-30': write a date as YYYY-MM-DD"),
        (["brief", "--topic", "BMW", "--since", "2024-01-01", "--until", "2023-01-01", "--out", str(tmp_path)],
         "--since 2024-01-01 is after --until 2023-01-01: no article can match"),
    ]
    for args, message in cases:
        run = _run([*args, *index])
        assert run.returncode == 2, (args, run.stderr)
        (line,) = run.stderr.strip().splitlines()
        assert line.startswith(f"newsrag: error: {message}"), line
    assert not list(tmp_path.iterdir())
    run = _run(["search", "BMW", "--since", "2023-10-01", "--until", "2023-10-31", "--json", *index])
    assert {h["article_id"] for h in json.loads(run.stdout)} == {f"000_9a5092abaffa30a2.txt#{n}" for n in (5, 6)}


def test_an_outlet_the_index_lacks_is_refused_with_those_it_has(sample_index: Path, tmp_path: Path) -> None:
    """--source Reuters on an index without Reuters matched nothing, silently ("no matching chunks"), and
    "benzinga" missed "Benzinga"."""
    index = ["--index", str(sample_index)]
    for args in (["search", "BMW", "--source", "Reuters"], ["brief", "--topic", "BMW", "--source", "Reuters",
                                                             "--out", str(tmp_path)]):
        run = _run([*args, *index])
        assert run.returncode == 2, run.stderr
        (line,) = run.stderr.strip().splitlines()
        assert line == "newsrag: error: outlet 'Reuters' is not in this index; name one it has: Benzinga", line
    run = _run(["search", "battery plant", "--source", "benzinga", "--json", *index])
    hits = json.loads(run.stdout)
    assert hits and {h["article_id"].split("#")[0] for h in hits} == {"002_fee8f80bb4d154f2.txt"}, run.stderr
