"""Crash points: where the crash-safety suite kills an ingest, named in the code they test.

`NEWSRAG_CRASH_AT=POINT:N` makes the process SIGKILL itself the Nth time it
reaches POINT (a real, uncatchable kill: no `finally`, no flush). Timed kills
from outside cannot land reliably inside a 5 ms transaction or between the
rename of vectors.faiss and the manifest; these points can. Unset (always, in
normal use) a point costs one comparison.
"""

from __future__ import annotations

import functools
import os
import signal

POINTS = (
    "embedding",  # a batch's vectors computed, nothing of it written
    "transaction",  # rows inserted, the SQLite transaction not committed
    "committed",  # a batch committed, the vectors not yet synced
    "write:vectors.faiss", "replaced:vectors.faiss",  # temp file written / renamed, manifest still old
    "write:manifest.json", "replaced:manifest.json",
)
_reached: dict[str, int] = {}


@functools.cache
def _target() -> tuple[str, int] | None:
    """NEWSRAG_CRASH_AT, read once per process."""
    value = os.environ.get("NEWSRAG_CRASH_AT", "")
    point, _, count = value.rpartition(":")
    return (point, int(count)) if point and count.isdigit() else None


def crash_point(point: str) -> None:
    """Die here by SIGKILL if NEWSRAG_CRASH_AT names this point and its count is reached."""
    target = _target()
    if target is None or target[0] != point:
        return
    _reached[point] = _reached.get(point, 0) + 1
    if _reached[point] == target[1]:
        os.kill(os.getpid(), signal.SIGKILL)
