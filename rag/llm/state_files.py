"""The system prompts' KV states kept on disk, so a new process does not read them again.

A cold `newsrag ask` (and a `newsrag serve` warming up) used to read each fixed system
prompt before its first question: ~220 tokens, 1.7 s on the 1.5B model and 0.5 s on the
0.5B on a 2-core Zen 5, ~1.9 s on the 1.5B on the AMX Xeon. Written back from a file,
the same cells take under a millisecond.

A state is only the model's own computation if the model file, the llama.cpp build and
the context size are the ones that made it, so those name the directory a state lives
in (a new build or model file starts a new one), and the prompt's tokens name the file.
Each file carries a SHA-256 of its bytes; one that does not match is deleted and the
prompt read again. Files are written whole under a temporary name and renamed, so two
processes that save the same state at once cannot leave half of one.
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
from collections.abc import Sequence
from pathlib import Path

import numpy as np

log = logging.getLogger(__name__)

_MAGIC = b"newsrag kv state 1\n"
_DIGEST = 32  # bytes of SHA-256


def build_identity(model_path: str, n_ctx: int) -> str:
    """What a saved state depends on: the model file, llama.cpp's version and libraries, and the context size."""
    import llama_cpp

    parts = [llama_cpp.__version__, f"n_ctx={n_ctx}", llama_cpp.llama_print_system_info().decode(errors="replace")]
    libraries = Path(llama_cpp.__file__).parent / "lib"  # libllama, libggml*: .so, .dylib or .dll
    for path in [Path(model_path).resolve(), *sorted(libraries.glob("*"))]:
        try:
            stat = path.stat()
        except OSError:  # a dangling link among the libraries: nothing of the build to tell apart
            continue
        parts.append(f"{path.name}:{stat.st_size}:{stat.st_mtime_ns}")
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:16]


class StateFiles:
    """Saved states of one model and build: a directory of `<hash of the tokens>.kv` files."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    @classmethod
    def for_model(cls, root: Path, model_path: str, n_ctx: int) -> StateFiles:
        return cls(root / f"{Path(model_path).stem}-{build_identity(model_path, n_ctx)}")

    def _path(self, tokens: Sequence[int]) -> Path:
        return self.directory / (hashlib.sha256(np.asarray(tokens, dtype="<i4").tobytes()).hexdigest()[:32] + ".kv")

    def load(self, tokens: Sequence[int]) -> bytes | None:
        """The saved state of exactly these tokens, or None (none saved, unreadable, or damaged: then removed)."""
        path = self._path(tokens)
        try:
            data = path.read_bytes()
        except OSError:
            return None
        head = len(_MAGIC) + _DIGEST
        if data[: len(_MAGIC)] == _MAGIC and hashlib.sha256(data[head:]).digest() == data[len(_MAGIC):head]:
            return data[head:]
        log.warning("%s: a damaged saved KV state; removed, the prompt is read again", path)
        self.discard(tokens)
        return None

    def save(self, tokens: Sequence[int], state: bytes) -> None:
        """Best effort: a cache that cannot be written (read-only, full) costs only the time it would save."""
        temporary = None
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            fd, temporary = tempfile.mkstemp(dir=self.directory, suffix=".tmp")
            with os.fdopen(fd, "wb") as out:
                out.write(_MAGIC + hashlib.sha256(state).digest() + state)
            os.replace(temporary, self._path(tokens))
        except OSError as exc:
            if temporary is not None:
                Path(temporary).unlink(missing_ok=True)
            log.warning("could not keep a KV state in %s (%s); the next process reads its prompt again",
                        self.directory, exc)

    def discard(self, tokens: Sequence[int]) -> None:
        self._path(tokens).unlink(missing_ok=True)
