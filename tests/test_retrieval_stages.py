"""The staged retriever on small real indexes built for each behaviour: BM25 under a
narrow filter, the recency prior, story clusters, and the schema migration."""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path

import pytest

from index.store import DATABASE, IndexStore
from rag.pipeline import ingest, open_search
from rag.retrieval.types import RetrievalFilters
from rag.settings import Settings

DATA = Path(__file__).parent / "data"


def build(tmp_path: Path, rows: list[dict], **retrieval: object) -> Settings:
    corpus = tmp_path / "corpus.jsonl"
    corpus.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    settings = Settings(index=tmp_path / "index")
    settings = settings.model_copy(update={"retrieval": settings.retrieval.model_copy(update=retrieval)})
    report = ingest(settings, [corpus])
    assert not report.problems, report.problems
    return settings


def article(i: str, text: str, outlet: str = "Wire", date: str = "2024-03-01", title: str = "") -> dict:
    return {"id": i, "title": title or f"Report {i}", "source": outlet, "published_at": date, "text": text}


def test_a_narrow_outlet_filter_still_returns_bm25_hits(tmp_path: Path) -> None:
    # 40 articles from a big outlet say "solid-state" often; one from a small outlet says it once.
    # The global BM25 top-n holds only the big outlet, so filtering after the search would find nothing.
    rows = [article(f"big{i}", f"Solid-state solid-state solid-state cells, plan {i} of the carmaker {i}.",
                    "Big Wire") for i in range(40)]
    rows += [article(f"tiny{i}", f"A council approved a bus depot, item {i}.", "Tiny Post") for i in range(20)]
    rows.append(article("tiny-hit", "Its long report on local traffic mentions solid-state batteries once, "
                        "near the end, after many words about roads and parking.", "Tiny Post"))
    settings = build(tmp_path, rows, candidates=2)
    stack = open_search(settings)
    bm25 = stack.retriever.searches[1]
    found = bm25.find("solid-state", stack.embedder.embed_query("solid-state"), RetrievalFilters(("Tiny Post",)))
    assert found.name == "bm25" and found.found, "a narrow filter must not empty the BM25 candidates"
    chunks = stack.store.get_chunks([rowid for rowid, _ in found.found])
    assert {c.source for c in chunks} == {"Tiny Post"} and chunks[0].article_id == "tiny-hit"
    unfiltered = stack.store.search_bm25("solid-state", 2)
    assert {c.source for c in stack.store.get_chunks([r for r, _ in unfiltered])} == {"Big Wire"}


def test_a_question_that_names_an_outlet_finds_its_report_among_better_matches(tmp_path: Path) -> None:
    # 30 Big Wire articles match the question's words better than Tiny Post's one report; with two
    # candidates a search, only the search within the named outlet brings Tiny Post's report in.
    places = ["Ohio", "Texas", "Nevada", "Georgia", "Ontario", "Bavaria", "Silesia", "Gujarat", "Sonora", "Jalisco",
              "Wales", "Ulster", "Kansas", "Utah", "Idaho", "Maine", "Alsace", "Brittany", "Galicia", "Murcia",
              "Saxony", "Styria", "Tyrol", "Bohemia", "Moravia", "Zealand", "Jutland", "Lapland", "Karelia", "Kent"]
    rows = [article(f"big{i}", f"In {place}, Voltline's solid-state battery plant number {i} will make "
                    f"solid-state cells for {20 + i} carmakers from {2030 + i}, its {place} managers said.",
                    "Big Wire", title=f"Voltline plant in {place}") for i, place in enumerate(places)]
    rows.append(article("tiny-hit", "A long piece on local roads ends with a line on Voltline: its battery "
                        "factory opens next spring.", "Tiny Post", title="Roads in the county"))
    question = "What did Tiny Post report about Voltline's solid-state battery plant?"
    for named, expected in ((False, False), (True, True)):
        (tmp_path / str(named)).mkdir()
        settings = build(tmp_path / str(named), rows, candidates=2, named_outlet_searches=named)
        hits = open_search(settings).retriever.retrieve(question, k=5)
        assert any(h.chunk.article_id == "tiny-hit" for h in hits) is expected, (named, hits)
    found = {h.chunk.article_id: h for h in hits}["tiny-hit"]
    assert found.found_by and all(name.endswith("within named outlets") for name in found.found_by)
    assert found.dense_score is not None, "the cosine of a chunk only the named search found is kept"
    # a filter that already chooses outlets (the user's, or one report's) is not widened or doubled
    filtered = open_search(settings).retriever.retrieve(question, k=5, filters=RetrievalFilters(("Big Wire",)))
    assert {h.chunk.outlet for h in filtered} == {"Big Wire"}


# A year-old article that matches the question closely, and a look-alike from the week of 2024-03-12.
RECYCLING_PLANTS = [
    article("old", "Voltline said it will open a battery recycling plant in Ohio with 300 jobs, "
            "its first recycling plant in the United States.", date="2023-03-08",
            title="Voltline to open battery recycling plant in Ohio"),
    article("new", "The company Voltline picked Nevada for a second battery recycling site, "
            "expanding beyond its Ohio plant.", date="2024-03-12", title="Voltline adds Nevada battery recycling site"),
]


def test_an_as_of_date_ranks_that_weeks_article_over_a_year_old_look_alike(tmp_path: Path) -> None:
    settings = build(tmp_path, RECYCLING_PLANTS, one_slot_per_story=True)
    retriever = open_search(settings).retriever
    question = "Where will Voltline open a battery recycling plant?"
    without_prior = retriever.retrieve(question, k=2, as_of=None)
    assert without_prior[0].chunk.article_id == "old", "without a prior the closer match wins"
    hits = retriever.retrieve(question, k=2, filters=RetrievalFilters(until="2024-03-15"), as_of="2024-03-15")
    assert [h.chunk.article_id for h in hits] == ["new", "old"]


def test_a_search_without_a_date_counts_recency_from_the_newest_article_read_at_each_search(tmp_path: Path) -> None:
    # The chat, the Search tab, `newsrag search` and the eval all leave `as_of` out for an undated question;
    # the retriever reads the newest article's date each time, so an ingest while serving moves it.
    settings = build(tmp_path, RECYCLING_PLANTS, one_slot_per_story=True)
    retriever = open_search(settings).retriever
    question = "Where will Voltline open a battery recycling plant?"

    def order(**as_of: str | None) -> list[str]:
        return [h.chunk.article_id for h in retriever.retrieve(question, k=2, **as_of)]  # type: ignore[arg-type]

    assert order() == order(as_of="2024-03-12") == ["new", "old"] != order(as_of=None)
    later = tmp_path / "later.jsonl"
    later.write_text(json.dumps(article("later", "A council approved a bus depot on Main Street.",
                                        date="2026-05-01")) + "\n", encoding="utf-8")
    assert not ingest(settings, [later]).problems
    assert retriever.store.latest_date() == "2026-05-01"
    assert order() == order(as_of="2026-05-01") == ["old", "new"], "two years on, the closer match wins again"


def test_syndicated_copies_come_back_as_one_hit_with_also_reported_by(tmp_path: Path) -> None:
    body = ("Rivian will pause construction of its Georgia plant to save more than 2.25 billion dollars, "
            "the company said on Thursday, and will build the R2 at its Normal, Illinois factory instead. "
            "The Georgia site remains part of its long-term plans, executives told analysts.")
    rows = [
        article("ap", body, "AP", "2024-03-07", "Rivian pauses Georgia plant"),
        article("copy", "NORMAL, Ill. (AP) — " + body + " Shares rose 3 percent.", "Local Daily", "2024-03-07",
                "Rivian hits pause on Georgia factory"),
        article("other", "Lucid opened a factory in Saudi Arabia to assemble the Air sedan.", "AP", "2024-03-06"),
    ]
    settings = build(tmp_path, rows)
    stack = open_search(settings)
    stories = dict(sqlite3.connect(settings.index / DATABASE).execute("SELECT id, story_id FROM articles"))
    assert stories["ap"] == stories["copy"] != stories["other"]
    hits = stack.retriever.retrieve("Why did Rivian pause its Georgia plant?", k=3)
    story_hits = [h for h in hits if h.chunk.article_id in ("ap", "copy")]
    assert len(story_hits) == 1, "two copies of one story take one slot"
    also = story_hits[0].also_reported_by
    assert [o.outlet for o in also] == [{"ap": "Local Daily", "copy": "AP"}[story_hits[0].chunk.article_id]]


def test_an_index_of_the_previous_schema_is_migrated_in_place_and_keeps_its_articles(tmp_path: Path) -> None:
    index = tmp_path / "index"
    shutil.copytree(DATA / "index-v1", index)  # written by round 1's newsrag (schema 1)
    db = sqlite3.connect(index / DATABASE)
    assert db.execute("PRAGMA user_version").fetchone()[0] == 1
    before = db.execute("SELECT id, text FROM articles ORDER BY id").fetchall()
    db.close()

    stack = open_search(Settings(index=index))  # a reader upgrades it under the writer's lock
    db = sqlite3.connect(index / DATABASE)
    assert db.execute("PRAGMA user_version").fetchone()[0] == 3
    chunk_ids = [r[0] for r in db.execute("SELECT id FROM chunks ORDER BY id")]
    assert [r[0] for r in db.execute("SELECT id FROM chunk_terms ORDER BY id")] == chunk_ids, "every chunk has its counts"
    assert db.execute("SELECT id, text FROM articles ORDER BY id").fetchall() == before
    rows = dict(db.execute("SELECT id, published_at FROM articles"))
    assert rows["v1-b"] == "2023-11-03", "dates round 1 kept as given are ISO now"
    stories = dict(db.execute("SELECT id, story_id FROM articles"))
    assert stories["v1-b"] == stories["v1-c"] != stories["v1-a"]
    hits = stack.retriever.retrieve("Sunderland gigafactory jobs", k=3)
    assert hits[0].chunk.article_id in ("v1-b", "v1-c") and len(hits[0].also_reported_by) == 1
    # the headline is searchable now: "Georgia" is only in v1-a's text, "Kia" in its headline and text
    assert stack.store.search_bm25("EV plant Georgia", 1)
    assert stack.store.spec.embedding_input == "chunk", "the index keeps the recipe it was built with"

    more = tmp_path / "more.jsonl"
    more.write_text(json.dumps(article("v2-d", "Hyundai opened its Georgia Metaplant.", "AP", "2024-10-03")) + "\n")
    report = ingest(Settings(index=index), [more])
    assert report.added == ["v2-d"] and IndexStore.open(index).counts()["articles"] == 4


def test_an_index_from_a_newer_newsrag_is_refused_with_a_clear_line(tmp_path: Path) -> None:
    index = tmp_path / "index"
    shutil.copytree(DATA / "index-v1", index)
    db = sqlite3.connect(index / DATABASE)
    db.execute("PRAGMA user_version = 9")
    db.commit()
    db.close()
    from index.errors import NewsragError

    with pytest.raises(NewsragError, match="schema version 9, this newsrag reads 1 to 3; upgrade newsrag"):
        IndexStore.open(index)


def test_unparseable_publication_dates_are_reported_and_the_article_kept(tmp_path: Path) -> None:
    rows = [article("ok", "Tesla cut prices in China.", date="Fri, 17 Feb 2023 10:00:00 GMT"),
            article("bad", "BYD opened a plant in Hungary.", date="sometime in spring")]
    corpus = tmp_path / "c.jsonl"
    corpus.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    report = ingest(Settings(index=tmp_path / "index"), [corpus])
    assert [str(w) for w in report.warnings] == [
        f"{corpus}:2: published_at 'sometime in spring' is not a date; indexed without one (write ISO 8601, "
        "e.g. 2024-05-01)"]
    store = IndexStore.open(tmp_path / "index")
    assert store.get_article("ok").published_at == "2023-02-17T10:00:00+00:00"
    assert store.get_article("bad").published_at == ""
