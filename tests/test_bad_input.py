"""Bad input, fuzzed and hand-picked: any bytes give articles or one-line problems, never a traceback.

Property-based (hypothesis) on the raw-text parser, the file loaders, gold-set
loading and settings; then the cases users hit: a 200 MB JSONL, a 50 MB line,
NUL bytes, a symlink loop, an unreadable file, a file name with a newline, a gold
file with a missing field.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from eval.gold import load_gold
from index.errors import InputProblem, NewsragError
from index.loaders import MAX_ARTICLE_BYTES, LoadedInput, load_inputs
from index.raw_text import parse_raw_text
from rag.settings import load_settings
from tests.conftest import ROOT, Figures

pytestmark = pytest.mark.reliability
EXAMPLES = 300
FUZZ = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

# Text shaped like captures: datelines, bylines, listing markers, markup, control characters.
_PIECES = st.sampled_from([
    "\n", "\n\n", " ", "By Jane Roe", "2023-12-04T19:20:00+00:00", "date 2019-06-05", "Thursday, 12 September 2024",
    "Related posts", "Subscribe", "•", "- ", "1.", "<p>", "</p>", "<!--", "-->", "\x00", "\r", "\t", "\u200b",
    "BMW builds batteries in Parsdorf.", "[1]", "{", "}", '"text":', "é", "💥", "\ufeff",
])
RAW_TEXT = st.lists(st.one_of(_PIECES, st.text(max_size=40)), max_size=60).map("".join)
JSONL_LINE = st.one_of(
    st.binary(max_size=200),
    st.dictionaries(st.sampled_from(["id", "title", "text", "source", "published_at", "url", "author", "x"]),
                    st.one_of(st.text(max_size=30), st.integers(), st.none(), st.lists(st.integers(), max_size=2),
                              st.booleans()), max_size=6).map(lambda d: json.dumps(d).encode()),
)


def _one_line(problem: InputProblem) -> bool:
    return "\n" not in str(problem) and "\r" not in str(problem)


def _check_loaded(items: list[LoadedInput | InputProblem]) -> None:
    for item in items:
        assert isinstance(item, (LoadedInput, InputProblem))
        if isinstance(item, InputProblem):
            assert _one_line(item), str(item)
        else:
            assert item.articles and all(a.text.strip() for a in item.articles)


@FUZZ
@given(RAW_TEXT)
def test_raw_text_parser_takes_any_text(text: str) -> None:
    for article in parse_raw_text(text, "capture.txt"):
        assert article.text.strip() and article.origin == "capture.txt"


@FUZZ
@given(suffix=st.sampled_from([".txt", ".html", ".jsonl"]), data=st.one_of(st.binary(max_size=600),
                                                                         RAW_TEXT.map(str.encode)))
def test_loaders_take_any_bytes(tmp_path: Path, suffix: str, data: bytes) -> None:
    path = tmp_path / f"input{suffix}"
    path.write_bytes(data)
    _check_loaded(list(load_inputs([path])))


@FUZZ
@given(st.lists(JSONL_LINE, min_size=1, max_size=8))
def test_jsonl_records_of_any_shape(tmp_path: Path, lines: list[bytes]) -> None:
    path = tmp_path / "corpus.jsonl"
    path.write_bytes(b"\n".join(lines))
    _check_loaded(list(load_inputs([path])))


@FUZZ
@given(st.lists(st.one_of(
    st.binary(max_size=120),
    st.dictionaries(st.sampled_from(["id", "question", "answer", "answer_aliases", "type", "evidence", "date",
                                     "choices", "history"]),
                    st.one_of(st.text(max_size=20), st.integers(), st.none(), st.lists(st.text(max_size=5), max_size=2),
                              st.lists(st.lists(st.one_of(st.text(max_size=5), st.integers()), max_size=3), max_size=2),
                              st.lists(st.dictionaries(st.sampled_from(["doc", "quote"]), st.text(max_size=5)),
                                       max_size=2)), max_size=8).map(lambda d: json.dumps(d).encode()),
), min_size=1, max_size=5))
def test_gold_sets_of_any_shape(tmp_path: Path, lines: list[bytes]) -> None:
    path = tmp_path / "gold_x.jsonl"
    path.write_bytes(b"\n".join(lines))
    try:
        questions = load_gold(path)
    except NewsragError as exc:
        assert "\n" not in str(exc) and str(path) in str(exc)
        return
    assert questions and all(isinstance(q.question, str) and q.id for q in questions)


@FUZZ
@given(st.one_of(
    st.binary(max_size=200),
    st.lists(st.tuples(st.sampled_from(["index", "retrieval.k", "llm.backend", "embedding.precision", "answer.mode",
                                        "llm.temperature", "retrieval.vector_index", "nope", "ingest.commit_every_chunks"]),
                       st.one_of(st.text(max_size=10), st.integers(-5, 99), st.floats(allow_nan=False),
                                 st.booleans())), max_size=4).map(
        lambda kv: "\n".join(f"[{k.rpartition('.')[0]}]\n{k.rpartition('.')[2]} = {json.dumps(v)}" if "." in k
                             else f"{k} = {json.dumps(v)}" for k, v in kv).encode()),
))
def test_settings_files_of_any_shape(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, toml: bytes) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "newsrag.toml").write_bytes(toml)
    try:
        load_settings()
    except NewsragError as exc:
        assert "\n" not in str(exc).strip()


def test_fuzz_figures(figures: Figures) -> None:
    """The fuzz tests above ran EXAMPLES generated inputs each (hypothesis fails them on any traceback)."""
    figures.record("fuzzed inputs (hypothesis): raw text, .txt/.html/.jsonl bytes, JSONL records, gold sets, "
                   "newsrag.toml", 5 * EXAMPLES, 5 * EXAMPLES, "every input gave articles or one-line problems")


# ---- the cases users hit -----------------------------------------------------------------

def test_huge_jsonl_streams_and_a_50_mb_line_is_refused_by_name(tmp_path: Path, figures: Figures) -> None:
    """200 MB of JSONL is read in constant memory; a 50 MB line is one problem naming its line."""
    corpus = tmp_path / "huge.jsonl"
    record = {"id": "", "title": "Plant", "text": "Kia builds the EV9 in West Point, Georgia. " * 50}
    with corpus.open("w", encoding="utf-8") as out:
        for i in range(95_000):
            record["id"] = f"r{i}"
            out.write(json.dumps(record) + "\n")
        out.write(json.dumps({"id": "big", "text": "x" * (50 * 1024 * 1024)}) + "\n")
        out.write(json.dumps({"id": "after", "text": "Still read after the long line."}) + "\n")
    size = corpus.stat().st_size
    assert size > 200 * 1024 * 1024
    code = ("import sys; from index.loaders import load_inputs, LoadedInput\n"
            "n = p = 0\n"
            "for item in load_inputs([__import__('pathlib').Path(sys.argv[1])]):\n"
            "    if isinstance(item, LoadedInput): n += 1\n"
            "    else: p += 1; print(item)\n"
            "peak = next(l for l in open('/proc/self/status') if l.startswith('VmHWM'))\n"
            "print(n, p, int(peak.split()[1]) // 1024)\n")  # ru_maxrss would carry pytest's across exec
    run = subprocess.run([sys.executable, "-c", code, str(corpus)], capture_output=True, text=True, cwd=ROOT,
                         timeout=600)
    assert run.returncode == 0, run.stderr
    *problems, last = run.stdout.strip().splitlines()
    loaded, problem_count, peak_mb = map(int, last.split())
    assert loaded == 95_001 and problem_count == 1
    assert f"huge.jsonl:95001: a line of {MAX_ARTICLE_BYTES // 2**20} MB or more: more than" in problems[0]
    assert peak_mb < 250, f"peak RSS {peak_mb} MB reading {size >> 20} MB"
    figures.record("200 MB JSONL with a 50 MB line", 1, 1,
                   f"{size >> 20} MB read in {peak_mb} MB peak RSS; the 50 MB line refused by line number")


def test_nul_bytes_symlink_loop_and_odd_names_give_one_line_each(tmp_path: Path, figures: Figures) -> None:
    corpus = tmp_path / "in"
    (corpus / "sub").mkdir(parents=True)
    (corpus / "sub" / "good.txt").write_text("Rivian builds the R2 in Normal, Illinois, the company said today.")
    (corpus / "nul.txt").write_bytes(b"Rivian\x00 builds\x00")
    (corpus / "nul.jsonl").write_bytes(b'{"id": "a", "text": "ok\\u0000 fine text here"}\n{"id": "b", "te\x00xt": 1}\n')
    os.symlink(corpus, corpus / "sub" / "loop")  # a folder linking to its parent
    os.symlink(corpus / "missing.txt", corpus / "dangling.txt")
    (corpus / "bad\nname.txt").write_text("Ford builds BlueOval City in Stanton, Tennessee, it said.")
    items = list(load_inputs([corpus]))
    _check_loaded(items)
    problems = {Path(p.path).name: str(p) for p in items if isinstance(p, InputProblem)}
    loaded = {i.origin for i in items if isinstance(i, LoadedInput)}
    assert "binary file" in problems["nul.txt"]
    assert "link to a folder, not followed" in problems["loop"]
    assert "broken symbolic link" in problems["dangling.txt"]
    assert "nul.jsonl:2" in problems["nul.jsonl"]
    assert {"good.txt", "a", "bad\nname.txt"} <= loaded  # a JSON-escaped NUL in text is text
    figures.record("NUL bytes, symlink loop, broken link, newline in a file name", 4, 4,
                   "one line each; the other files indexed")


def test_unreadable_file_is_named_and_skipped(tmp_path: Path, figures: Figures) -> None:
    """Root reads everything: where the suite runs as root (as in CI) the loader runs without the
    capabilities that bypass file permissions (util-linux setpriv)."""
    (tmp_path / "locked.txt").write_text("Secret plant plans.")
    (tmp_path / "locked.txt").chmod(0o000)
    (tmp_path / "open.txt").write_text("Volvo builds the EX30 in Ghent, Belgium, from next year.")
    code = ("import sys; from pathlib import Path; from index.loaders import load_inputs\n"
            "for item in load_inputs([Path(sys.argv[1])]): print(getattr(item, 'origin', None) or item)\n")
    drop = ["setpriv", "--bounding-set=-dac_override,-dac_read_search"] if os.geteuid() == 0 else []
    run = subprocess.run([*drop, sys.executable, "-c", code, str(tmp_path)], capture_output=True, text=True,
                         cwd=ROOT, timeout=120)
    assert run.returncode == 0, run.stderr
    lines = run.stdout.strip().splitlines()
    assert "open.txt" in lines
    assert any("locked.txt: cannot read (Permission denied); check its permissions" in line for line in lines), lines
    figures.record("unreadable file", 1, 1, "one line naming it; the rest indexed")


def test_gold_file_with_a_missing_field_names_line_and_field(tmp_path: Path, figures: Figures) -> None:
    gold = tmp_path / "gold_bad.jsonl"
    gold.write_text('{"id": "q1", "question": "Where?"}\n\n{"id": "q2", "answer": "Normal"}\n', encoding="utf-8")
    with pytest.raises(NewsragError, match=r"gold_bad.jsonl:3: field 'question' is missing"):
        load_gold(gold)
    run = subprocess.run([sys.executable, "-m", "rag.cli", "eval", "--gold", str(gold), "--retrieval-only",
                          "--index", str(tmp_path / "none")], capture_output=True, text=True, timeout=300)
    assert run.returncode == 2 and run.stderr.count("\n") == 1, run.stderr
    figures.record("gold file with a missing field", 1, 1, "one line: FILE:3: field 'question' is missing")

