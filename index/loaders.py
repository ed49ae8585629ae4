"""Read what a user points ingestion at: folders, .txt captures, .jsonl corpora, .html pages.

Each input becomes a `LoadedInput` (one origin, its articles and a hash of what
was read) or an `InputProblem` (one line naming the file and line); a bad input
never stops the rest of the batch.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from index.article import Article
from index.dates import normalise_date
from index.errors import InputProblem
from index.raw_text import parse_raw_text
from index.textrules import canonical

# Bump when parsing changes, so unchanged files are re-read with the new rules.
PARSER_VERSION = "3"  # 2: publication dates normalised to ISO 8601; 3: text in Unicode NFC
SUPPORTED = (".txt", ".jsonl", ".html", ".htm")
_JSONL_FIELDS = ("title", "source", "author", "published_at", "url")
# The longest article newsrag reads in one piece (a long feature is ~100 KB); more is a dump, not an article.
MAX_ARTICLE_BYTES = 10 * 1024 * 1024
_TOO_LONG = f"more than the {MAX_ARTICLE_BYTES // (1024 * 1024)} MB newsrag reads as one article; split it into articles"


@dataclass(frozen=True)
class LoadedInput:
    origin: str
    input_hash: str
    articles: list[Article]
    # what was wrong but did not stop the input (an unparseable date: indexed without one)
    warnings: tuple[InputProblem, ...] = ()


def _hash(*parts: bytes) -> str:
    digest = hashlib.sha256(PARSER_VERSION.encode())
    for part in parts:
        digest.update(part)
    return digest.hexdigest()


def _decode(path: Path, data: bytes, line: int | None = None) -> str | InputProblem:
    """UTF-8 text, or the problem that stops it being text."""
    if b"\x00" in data[:8192]:
        return InputProblem(str(path), "binary file, not text; newsrag reads UTF-8 .txt, .jsonl and .html", line)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        return InputProblem(
            str(path),
            f"not valid UTF-8 (byte 0x{data[exc.start]:02x} at offset {exc.start}); re-save it as UTF-8",
            line,
        )


def _read(path: Path) -> bytes | InputProblem:
    try:
        size = path.stat().st_size
        if size > MAX_ARTICLE_BYTES:
            return InputProblem(str(path), f"{size / 1e6:.0f} MB: {_TOO_LONG}")
        data = path.read_bytes()
    except OSError as exc:
        return InputProblem(str(path), f"cannot read ({exc.strerror}); check its permissions")
    if not data.strip():
        return InputProblem(str(path), "empty file; nothing to index")
    return data


def _load_txt(path: Path) -> Iterator[LoadedInput | InputProblem]:
    data = _read(path)
    if isinstance(data, InputProblem):
        yield data
        return
    text = _decode(path, data)
    if isinstance(text, InputProblem):
        yield text
        return
    articles = parse_raw_text(canonical(text), path.name)
    if not articles:
        yield InputProblem(str(path), "no article text found after removing page furniture")
        return
    yield LoadedInput(path.name, _hash(data), articles)


def _load_html(path: Path) -> Iterator[LoadedInput | InputProblem]:
    import trafilatura

    data = _read(path)
    if isinstance(data, InputProblem):
        yield data
        return
    html = _decode(path, data)
    if isinstance(html, InputProblem):
        yield html
        return
    extracted = trafilatura.extract(html, output_format="json", with_metadata=True, include_comments=False)
    record = json.loads(extracted) if extracted else {}
    record |= {key: canonical(record.get(key) or "") for key in ("text", "title", "sitename", "hostname", "author")}
    text = (record.get("text") or "").strip()
    if not text:
        yield InputProblem(str(path), "no main article text found in this HTML page")
        return
    article = Article(
        id=path.name, origin=path.name, text=text, title=record.get("title") or "",
        source=record.get("sitename") or record.get("hostname") or "", author=record.get("author") or "",
        published_at=normalise_date(record.get("date") or "") or "", url=record.get("source") or record.get("url") or "",
    )
    yield LoadedInput(path.name, _hash(data), [article])


def _jsonl_record(path: Path, raw: bytes, number: int) -> LoadedInput | InputProblem:
    if len(raw) > MAX_ARTICLE_BYTES:
        return InputProblem(str(path), f"a line of {MAX_ARTICLE_BYTES // (1024 * 1024)} MB or more: {_TOO_LONG}", number)
    line = _decode(path, raw, number)
    if isinstance(line, InputProblem):
        return line
    try:
        record = json.loads(line)
    except json.JSONDecodeError as exc:
        return InputProblem(str(path), f"malformed JSON ({exc.msg} at column {exc.colno}); fix or delete the line", number)
    except RecursionError:
        return InputProblem(str(path), "JSON nested too deeply to be an article; fix or delete the line", number)
    if not isinstance(record, dict):
        return InputProblem(str(path), "expected a JSON object with a 'text' field", number)
    # Text fields in NFC (one spelling of each accented letter); the id and url stay as written: gold sets and
    # earlier ingests name articles by id.
    text = record.get("text")
    if isinstance(text, str):
        text = canonical(text)
    if not isinstance(text, str) or not text.strip():
        return InputProblem(str(path), "missing or empty 'text' field; every record needs the article text", number)
    origin = str(record.get("id") or f"{path.name}#{number}")
    fields = {f: str(record.get(f) or "") for f in _JSONL_FIELDS}
    fields |= {f: canonical(fields[f]) for f in ("title", "source", "author")}
    published = normalise_date(fields["published_at"])
    warnings: tuple[InputProblem, ...] = ()
    if published is None:
        warnings = (InputProblem(str(path), f"published_at {fields['published_at'][:40]!r} is not a date; "
                                 "indexed without one (write ISO 8601, e.g. 2024-05-01)", number),)
    fields["published_at"] = published or ""
    article = Article(id=origin, origin=origin, text=text.strip(), **fields)
    return LoadedInput(origin, _hash(json.dumps(record, sort_keys=True).encode("utf-8")), [article], warnings)


def _lines(handle: BinaryIO) -> Iterator[bytes]:
    """The file's lines; one longer than MAX_ARTICLE_BYTES comes back as its first MAX_ARTICLE_BYTES + 1
    bytes (enough to refuse it), the rest skipped unread into memory."""
    while raw := handle.readline(MAX_ARTICLE_BYTES + 1):
        if len(raw) > MAX_ARTICLE_BYTES and not raw.endswith(b"\n"):
            while (rest := handle.readline(1 << 20)) and not rest.endswith(b"\n"):
                pass
        yield raw


def _load_jsonl(path: Path) -> Iterator[LoadedInput | InputProblem]:
    """One record per line, read as a stream: memory follows the longest line, not the file."""
    try:
        handle = open(path, "rb")
    except OSError as exc:
        yield InputProblem(str(path), f"cannot read ({exc.strerror}); check its permissions")
        return
    records = 0
    with handle:
        for number, raw in enumerate(_lines(handle), start=1):
            if raw.strip():
                records += 1
                yield _jsonl_record(path, raw.rstrip(b"\r\n"), number)
    if not records:
        yield InputProblem(str(path), "empty file; nothing to index")


_LOADERS = {".txt": _load_txt, ".jsonl": _load_jsonl, ".html": _load_html, ".htm": _load_html}


def _files(path: Path) -> Iterator[Path | InputProblem]:
    if path.is_dir():
        for child in sorted(path.rglob("*")):  # rglob does not follow links to folders: no loops
            if any(part.startswith(".") for part in child.relative_to(path).parts):
                continue
            if child.is_symlink() and not child.exists():
                yield InputProblem(str(child), "broken symbolic link; nothing to read")
            elif child.is_symlink() and child.is_dir():
                yield InputProblem(str(child), "link to a folder, not followed (it could loop); "
                                   "give the folder it points to as a path of its own")
            elif child.is_file():
                if child.suffix.lower() in SUPPORTED:
                    yield child
                else:
                    yield InputProblem(str(child), f"skipped: newsrag reads {', '.join(SUPPORTED)} files")
    elif path.is_file():
        yield path
    else:
        yield InputProblem(str(path), "no such file or folder")


def input_files(paths: list[Path]) -> Iterator[Path | InputProblem]:
    """Every file under `paths` that newsrag reads, or the problem with it, in a stable order."""
    for root in paths:
        yield from _files(Path(root))


def load_file(path: Path) -> Iterator[LoadedInput | InputProblem]:
    """The origins in one file (one, or one per JSONL record), or the problems with them."""
    loader = _LOADERS.get(path.suffix.lower())
    if loader is None:
        yield InputProblem(str(path), f"unsupported file type; newsrag reads {', '.join(SUPPORTED)}")
        return
    yield from loader(path)


def load_inputs(paths: list[Path]) -> Iterator[LoadedInput | InputProblem]:
    """Every origin found under `paths`, or the problem with it, in a stable order."""
    for item in input_files(paths):
        if isinstance(item, InputProblem):
            yield item
        else:
            yield from load_file(item)


def count_inputs(paths: list[Path]) -> int:
    """How many origins `load_inputs` will yield, about (for a progress bar's total):
    a JSONL file counts its non-blank lines, read in blocks; any other file counts one."""
    total = 0
    for item in input_files(paths):
        if isinstance(item, InputProblem):
            continue
        if item.suffix.lower() != ".jsonl":
            total += 1
            continue
        with contextlib.suppress(OSError), open(item, "rb") as handle:
            total += sum(1 for line in handle if line.strip())
    return total
