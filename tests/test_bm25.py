"""The in-memory BM25 (index.bm25) against FTS5's own bm25() on real indexes: same chunks, same scores."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from index import fts
from index.errors import NewsragError
from index.store import DATABASE, IndexStore
from rag.pipeline import ingest, remove
from tests.conftest import SAMPLE, make_settings

QUESTIONS = [
    "Where does Polestar plan to build the Polestar 7?",
    "battery gigafactory jobs in Europe",
    "Which carmaker's electric vehicle sales rose?",
    "solid-state batteries Toyota 2027",
    "Tesla Berlin Grünheide expansion",  # diacritics: FTS5 folds "ü"
    "chargers charging charged",  # three words, one Porter stem: three phrases to FTS5, counted three times
    "zzzz no such word",
]


def _titles() -> list[str]:
    return [line.split("\n", 1)[0] for line in (p.read_text(encoding="utf-8") for p in sorted(SAMPLE.glob("*.txt")))]


def _assert_same(got: list[tuple[int, float]], expected: list[tuple[int, float]]) -> None:
    assert [score for _, score in got] == pytest.approx([score for _, score in expected], rel=1e-9, abs=1e-12)
    # chunks of equal score may come in either order
    assert {(rowid, round(score, 9)) for rowid, score in got} == {(rowid, round(score, 9)) for rowid, score in expected}


def test_the_in_memory_bm25_gives_fts5s_chunks_and_scores(sample_index: Path) -> None:
    with IndexStore.open(sample_index) as store:
        catalog, matrix = store.bm25.matrix()
        assert matrix is not None, "a small index is searched in memory"
        latest = store.latest_date()
        outlet = store.sources()[0]
        compared = 0
        for question in QUESTIONS + _titles()[:15]:
            terms = store.bm25.tokenizer.terms(fts.query_words(question))
            for weight in (0.0, 1.0, 3.0):
                for n in (1, 5, 60):
                    expected = fts.search(store._db, None, question, n, weight)
                    _assert_same(matrix.search(terms, n, weight), expected)
                    compared += bool(expected)
                filters = [((), None, latest[:8] + "01"), ((outlet,), None, None), ((), latest, None)]
                for sources, since, until in filters:
                    expected = fts.search(store._db, catalog, question, 10, weight, sources, since, until)
                    _assert_same(store.search_bm25(question, 10, weight, sources, since, until), expected)
        assert compared > 50
        assert matrix.search(store.bm25.tokenizer.terms(["zzzz"]), 5, 1.0) == []


def test_the_counts_follow_articles_added_replaced_and_removed(index_copy: Path, tmp_path: Path) -> None:
    feed = tmp_path / "feed.jsonl"

    def write_feed(text: str) -> None:
        record = {"id": "zx-1", "title": "Zephyrion Motors picks Ohio", "text": text, "source": "Wire",
                  "published_at": "2024-05-02"}
        feed.write_text(json.dumps(record) + "\n", encoding="utf-8")

    def found(word: str) -> list[int]:
        with IndexStore.open(index_copy) as store:
            got = store.search_bm25(word, 5)
            assert store.bm25.matrix()[1] is not None
            _assert_same(got, fts.search(store._db, None, word, 5, 1.0))
            return [rowid for rowid, _ in got]

    write_feed("Zephyrion Motors will build a quorvantic cell plant in Ohio, hiring 900 people.")
    assert not ingest(make_settings(index_copy), [feed]).problems
    assert found("quorvantic") and found("zephyrion")
    write_feed("Zephyrion Motors will build a dravelline cell plant in Ohio instead.")
    ingest(make_settings(index_copy), [feed])
    assert found("quorvantic") == [] and found("dravelline")
    assert remove(make_settings(index_copy), "zx-1") == 1
    assert found("dravelline") == [] and found("zephyrion") == []
    with IndexStore.open(index_copy) as store:
        chunks = store.counts()["chunks"]
        assert store._db.execute("SELECT COUNT(*) FROM chunk_terms").fetchone()[0] == chunks


def test_a_reader_sees_the_counts_of_a_commit_made_after_it_opened(index_copy: Path, tmp_path: Path) -> None:
    """A server keeps its store open while an ingest adds articles: the matrix is rebuilt for the new generation."""
    feed = tmp_path / "late.jsonl"
    feed.write_text(json.dumps({"id": "late-1", "title": "Late news", "text": "The Wexmoor battery line opened.",
                                "source": "Wire", "published_at": "2024-06-01"}) + "\n", encoding="utf-8")
    with IndexStore.open(index_copy) as reader:
        assert reader.search_bm25("wexmoor", 3) == []
        ingest(make_settings(index_copy), [feed])
        assert reader.search_bm25("wexmoor", 3)


def test_counts_edited_from_outside_are_refused_in_one_line_and_recounted_by_the_next_writer(index_copy: Path) -> None:
    db = sqlite3.connect(index_copy / DATABASE)
    with db:
        db.execute("DELETE FROM chunk_terms WHERE id = (SELECT MIN(id) FROM chunk_terms)")
        db.execute("INSERT INTO chunk_terms(id, counts) VALUES (999999, x'')")
    db.close()
    with IndexStore.open(index_copy) as store, pytest.raises(NewsragError, match="term counts do not match the chunks; "
                                                                         "run newsrag ingest on this index"):
        store.search_bm25("battery", 5)
    report = ingest(make_settings(index_copy), [SAMPLE])
    assert not report.problems and report.chunks_embedded == 0, "every input unchanged: only the counts are redone"
    with IndexStore.open(index_copy) as store:
        _assert_same(store.search_bm25("battery gigafactory", 10), fts.search(store._db, None, "battery gigafactory", 10, 1.0))
        assert store._db.execute("SELECT COUNT(*) FROM chunk_terms").fetchone()[0] == store.counts()["chunks"]


def test_a_second_store_of_the_index_shares_the_matrix_while_it_is_current(index_copy: Path, tmp_path: Path) -> None:
    """The Search tab's store borrows the chat's matrix instead of building and holding its own."""
    with IndexStore.open(index_copy) as chat, IndexStore.open(index_copy) as search, \
            IndexStore.open(index_copy) as alone:
        chat_matrix = chat.bm25.matrix()[1]  # built by the chat's warm-up
        search.bm25.share_of(chat.bm25)
        assert search.bm25.matrix()[1] is chat_matrix
        assert alone.bm25.matrix()[1] is not chat_matrix
        feed = tmp_path / "more.jsonl"
        feed.write_text(json.dumps({"id": "m-1", "text": "The Quillmont cell line opened.", "source": "Wire"}) + "\n",
                        encoding="utf-8")
        ingest(make_settings(index_copy), [feed])
        assert search.search_bm25("quillmont", 3), "a newer generation: its own matrix, not the chat's stale one"
        assert search.bm25.matrix()[1] is not chat_matrix
