"""Errors a user can act on.

Every error the CLI shows is one line that names the file, line or field and
says what to do; these types carry that line so the CLI never prints a traceback.
"""

from __future__ import annotations

from dataclasses import dataclass


class NewsragError(Exception):
    """A failure with a message fit to show a user as it is."""


class IndexMismatchError(NewsragError):
    """The index on disk was built with other embedding or chunking settings."""


@dataclass(frozen=True)
class InputProblem:
    """One bad input that was skipped; the rest of the batch goes on."""

    path: str
    message: str
    line: int | None = None

    def __str__(self) -> str:
        path = printable(self.path)
        where = f"{path}:{self.line}" if self.line is not None else path
        return f"{where}: {self.message}"


def printable(name: str) -> str:
    """A file name fit for one line of output: control characters (a newline in a name) escaped."""
    return "".join(c if c.isprintable() else ascii(c)[1:-1] for c in name)
