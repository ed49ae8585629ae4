"""`newsrag ask` through a running `newsrag serve`: its models are already warm.

A server announces itself in a small JSON file under the cache directory, one
per index (keyed by the index's resolved path), holding its URL, pid and the
LLM it answers with. `ask` uses it only when the process is alive, the index
and the LLM settings are the same as its own and no password is set, so the
answer is the one a local run would give; otherwise it answers locally.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from index.errors import NewsragError
from index.files import atomic_write_bytes
from rag.retrieval.types import RetrievalFilters
from rag.settings import Settings

_TIMEOUT_S = 600.0


@dataclass(frozen=True)
class Server:
    url: str
    pid: int


def _announcement(settings: Settings) -> Path:
    key = hashlib.sha256(str(Path(settings.index).resolve()).encode()).hexdigest()[:16]
    return settings.cache_dir / "servers" / f"{key}.json"


def _fingerprint(settings: Settings) -> dict[str, Any]:
    """What must match for a server's answer to equal a local one."""
    return {
        "index": str(Path(settings.index).resolve()),
        "llm": settings.llm.model_dump(mode="json", exclude={"api_key", "timeout_s", "threads"}),
        "answer": settings.answer.model_dump(mode="json"),
        "retrieval": settings.retrieval.model_dump(mode="json"),
    }


def announce(settings: Settings, url: str, has_auth: bool) -> Path:
    """Write this server's announcement; the caller removes it at exit (see `withdraw`)."""
    path = _announcement(settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    record = {"url": url, "pid": os.getpid(), "auth": has_auth, **_fingerprint(settings)}
    atomic_write_bytes(path, json.dumps(record).encode())
    return path


def withdraw(path: Path) -> None:
    with contextlib.suppress(FileNotFoundError):
        path.unlink()


def _alive(pid: int) -> bool:
    if pid <= 0:  # os.kill(0, …) would signal our own process group
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def find_server(settings: Settings) -> Server | None:
    """The running server for this index and these settings, if there is one."""
    try:
        record = json.loads(_announcement(settings).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(record, dict) or record.get("auth") or not _alive(int(record.get("pid", 0))):
        return None
    if any(record.get(key) != value for key, value in _fingerprint(settings).items()):
        return None
    return Server(str(record["url"]).rstrip("/"), int(record["pid"]))


def _post(url: str, payload: dict[str, Any]) -> dict[str, Any]:
    request = urllib.request.Request(url, json.dumps(payload).encode(), {"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=_TIMEOUT_S) as response:  # noqa: S310 - a loopback URL we wrote
        return json.loads(response.read())


def ask_server(server: Server, question: str, filters: RetrievalFilters, k: int | None) -> dict[str, Any]:
    """The `ask --json` object from the server's /ask API (Gradio's two-step call: submit, then
    read the event stream for the result)."""
    data = [question, list(filters.sources), filters.since or "", filters.until or "", k or 0]
    try:
        event = _post(f"{server.url}/gradio_api/call/ask", {"data": data})["event_id"]
        with urllib.request.urlopen(f"{server.url}/gradio_api/call/ask/{event}", timeout=_TIMEOUT_S) as stream:  # noqa: S310
            kind = ""
            for raw in stream:
                line = raw.decode("utf-8").rstrip("\n")
                if line.startswith("event: "):
                    kind = line.removeprefix("event: ")
                elif line.startswith("data: ") and kind == "complete":
                    return json.loads(line.removeprefix("data: "))[0]
                elif line.startswith("data: ") and kind == "error":
                    raise NewsragError(f"newsrag serve at {server.url}: {json.loads(line[6:]) or 'the answer failed'}")
    except (OSError, ValueError, KeyError) as exc:
        raise ConnectionError(f"newsrag serve at {server.url} did not answer ({exc})") from exc
    raise ConnectionError(f"newsrag serve at {server.url} closed the answer stream without a result")
