"""Exposure: a served index needs its password for the page and the API, nothing served reads a
file outside what the UI shows, and an index directory from elsewhere (a crafted vectors.faiss,
SQLite schema or manifest) is refused or rebuilt, never crashes the process."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from index.errors import NewsragError
from index.manifest import MANIFEST
from index.store import DATABASE, IndexStore
from index.vectors_file import VECTORS
from tests.conftest import ROOT, Figures, start_server

pytestmark = pytest.mark.reliability
USER, PASSWORD = "analyst", "s3cret-Pw"
CRAFTED_FILES = 40


def _top_is_itself(store: IndexStore, rowid: int) -> bool:
    found = store.search_dense(store.vectors_of([rowid])[0], 1)
    return bool(found) and found[0][0] == rowid


def test_poisoned_vectors_file_is_refused_by_its_checksum(index_copy: Path, figures: Figures) -> None:
    """A valid FAISS file of the same size whose ids are shuffled: FAISS would load it and search would
    return the wrong chunks. The manifest's SHA-256 refuses it and the vectors are rebuilt from SQLite."""
    import faiss

    path = index_copy / VECTORS
    index = faiss.deserialize_index(np.fromfile(path, dtype=np.uint8))
    ids = faiss.vector_to_array(index.id_map)
    faiss.copy_array_to_vector(np.roll(ids, 1), index.id_map)
    poisoned = faiss.serialize_index(index).tobytes()
    assert len(poisoned) == path.stat().st_size
    path.write_bytes(poisoned)
    with IndexStore.open(index_copy) as store:
        rowids = [int(i) for i in ids[:10]]
        assert all(_top_is_itself(store, r) for r in rowids)
    figures.record("vectors.faiss poisoned (valid FAISS, same size, ids shuffled)", 1, 1,
                   "refused by the manifest's SHA-256; vectors rebuilt from SQLite, searches right")


def test_crafted_vectors_files_with_matching_manifest_never_crash(index_copy: Path, figures: Figures) -> None:
    """An attacker who also rewrites the manifest's checksum: 40 header mutations and truncations go to
    FAISS's parser in a child process, which must not die by a signal; every one is rebuilt from SQLite
    or loaded only if it agrees with the manifest's count and the embedding dimension (such a file can
    still rank wrongly: whoever can write the index decides what it says)."""
    code = r"""
import hashlib, json, random, shutil, struct, sys
from pathlib import Path
from index.store import IndexStore
source, work, n = Path(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3])
rng, clean = random.Random(7), (Path(sys.argv[1]) / "vectors.faiss").read_bytes()
outcomes = {"rebuilt": 0, "loaded": 0, "loaded_wrong": 0}
for case in range(n):
    shutil.rmtree(work, ignore_errors=True)
    shutil.copytree(source, work)
    data = bytearray(clean)
    for _ in range(rng.randint(1, 3)):
        at = rng.randrange(0, 160)
        data[at:at + 8] = struct.pack("<q", rng.choice([1 << 40, -1, 0, 1 << 31, 2**63 - 1, rng.randrange(1 << 32)]))
    if rng.random() < 0.3:
        data = data[: rng.randrange(1, len(data))]
    (work / "vectors.faiss").write_bytes(bytes(data))
    manifest = json.loads((work / "manifest.json").read_text())
    manifest["checksums"]["vectors.faiss"] = hashlib.sha256(bytes(data)).hexdigest()
    manifest["vector_index"]["bytes"] = len(data)
    (work / "manifest.json").write_text(json.dumps(manifest))
    with IndexStore.open(work) as store:
        vectors = store.vectors
        assert vectors.ntotal == store.counts()["chunks"]
        rowid = store.search_bm25("battery", 1)[0][0]
        right = store.search_dense(store.vectors_of([rowid])[0], 1)[0][0] == rowid
        if vectors.to_bytes() != bytes(data):
            assert right
            outcomes["rebuilt"] += 1
        else:
            outcomes["loaded" if right else "loaded_wrong"] += 1
print(json.dumps(outcomes))
"""
    run = subprocess.run([sys.executable, "-c", code, str(index_copy), str(index_copy.parent / "work"),
                          str(CRAFTED_FILES)], capture_output=True, text=True, cwd=ROOT, timeout=600)
    assert run.returncode == 0, run.stderr[-2000:]
    outcomes = json.loads(run.stdout.strip().splitlines()[-1])
    assert sum(outcomes.values()) == CRAFTED_FILES
    figures.record("crafted vectors.faiss with a matching manifest (header mutations, truncations)", CRAFTED_FILES,
                   CRAFTED_FILES, f"no crash; {outcomes['rebuilt']} rebuilt from SQLite; {outcomes['loaded']} loaded "
                   f"(agreeing in count and dimension) searched right, {outcomes['loaded_wrong']} loaded ranked wrongly")


@pytest.mark.parametrize("craft", [
    "DROP TABLE origins; CREATE VIEW origins AS SELECT randomblob(8) AS origin, '' AS input_hash",
    "CREATE TRIGGER wipe AFTER INSERT ON chunks BEGIN DELETE FROM articles; END",
    "DROP TABLE meta",
])
def test_foreign_sqlite_schema_is_refused_in_one_line(index_copy: Path, craft: str, figures: Figures) -> None:
    with sqlite3.connect(index_copy / DATABASE) as db:
        db.executescript(craft)
    for write in (False, True):
        with pytest.raises(NewsragError, match="not an index newsrag wrote") as refused:
            IndexStore.open(index_copy, write=write)
        assert "\n" not in str(refused.value)
    figures.record("crafted SQLite schema (view, trigger, missing table)", 1, 1, "refused in one line, read or write")


def test_damaged_database_and_manifest_are_one_line(index_copy: Path, figures: Figures) -> None:
    (index_copy / DATABASE).write_bytes(b"not a database at all" * 100)
    with pytest.raises(NewsragError, match="not a readable SQLite database"):
        IndexStore.open(index_copy)
    tried = 1
    for manifest in ([], {"format_version": 1, "embedding": {"model": "m", "dim": "384"}},
                     {"format_version": 1, "embedding": {"model": "m", "dim": 384}, "counts": {"chunks": "x"}},
                     {"format_version": 1, "embedding": {"model": "m", "dim": 384}, "chunking": []}):
        (index_copy / MANIFEST).write_text(json.dumps(manifest))
        with pytest.raises(NewsragError) as refused:
            IndexStore.open(index_copy)
        assert "\n" not in str(refused.value) and "manifest.json" in str(refused.value)
        tried += 1
    figures.record("damaged chunks.sqlite or manifest.json", tried, tried, "one line naming the file")


# ---- a served index ------------------------------------------------------------------------

@pytest.fixture(scope="module")
def guarded_server(sample_index: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    proc, url = start_server(["--index", str(sample_index), "--preset", "fast", "--auth", f"{USER}:{PASSWORD}"],
                       tmp_path_factory.mktemp("log") / "serve.log")
    yield url
    proc.terminate()
    proc.wait(timeout=30)


@pytest.mark.slow
def test_password_guards_the_page_and_the_ask_api(guarded_server: str, figures: Figures) -> None:
    import httpx
    from gradio_client import Client

    refused = 0
    with httpx.Client(base_url=guarded_server, timeout=30) as http:
        wrong = http.post("/login", data={"username": USER, "password": "wrong"})
        assert wrong.status_code in (400, 401), wrong.text
        refused += 1
        for path, method in (("/gradio_api/call/ask", "POST"), ("/gradio_api/info", "GET"),
                             ("/gradio_api/run/ask", "POST"), ("/config", "GET")):
            response = http.request(method, path, json={"data": ["Who builds batteries?"]})
            assert response.status_code == 401, (path, response.status_code)
            refused += 1
    with pytest.raises(Exception):  # noqa: B017 - gradio_client raises its own kinds on a refused login
        Client(guarded_server, auth=(USER, "wrong"), verbose=False)
    refused += 1
    answer = Client(guarded_server, auth=(USER, PASSWORD), verbose=False).predict(
        "Which company did Honda agree to collaborate with on lithium-ion batteries?", api_name="/ask")
    assert "GS Yuasa" in answer["answer"]
    figures.record("served with --auth: wrong password, /ask and API routes without login", refused, refused,
                   "each refused (400/401); the right password answers")


@pytest.mark.slow
def test_nothing_served_reads_a_file_outside_the_ui(guarded_server: str, sample_index: Path,
                                                    figures: Figures) -> None:
    import httpx

    secrets = [Path("/etc/passwd"), sample_index / DATABASE, sample_index / MANIFEST, ROOT / "pyproject.toml"]
    attempts = []
    for secret in secrets:
        relative = "../" * 12 + str(secret).lstrip("/")
        attempts += [f"/gradio_api/file={secret}", f"/file={secret}", f"/gradio_api/file={relative}",
                     f"/static/{relative}", f"/assets/{relative.replace('/', '%2f')}",
                     f"/gradio_api/file={str(secret).replace('/', '%2f')}"]
    with httpx.Client(base_url=guarded_server, timeout=30) as http:
        assert http.post("/login", data={"username": USER, "password": PASSWORD}).status_code == 200
        leaked = []
        for path in attempts:
            body = http.get(path).content
            if b"root:x:" in body or b"SQLite format 3" in body or b'"checksums"' in body or b"[project]" in body:
                leaked.append(path)
        info = http.get("/gradio_api/info").json()
    assert not leaked, leaked
    named = info["named_endpoints"]
    assert list(named) == ["/ask"]
    parameters = [p["parameter_name"] for p in named["/ask"]["parameters"]]
    assert parameters == ["question", "outlets", "since", "until", "k"]
    figures.record("file reads through the served UI (paths, traversal, encoded)", len(attempts), len(attempts),
                   "none returned a file; the API's one named endpoint, /ask, takes no path")

