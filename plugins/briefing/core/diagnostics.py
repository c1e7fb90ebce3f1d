"""Problems found in a briefing's sources, each tied to ``path:line:col``.

The loader, the Markdown extension, the MkDocs plugin and the ``briefing check``
command all report through :class:`Diagnostics`, so they never disagree on what
is wrong or on how it is worded.
"""

from __future__ import annotations

import difflib
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

Severity = Literal["error", "warning", "info"]
"""``info``: a suggestion. It fails nothing: the build logs it at INFO, ``briefing check``
prints it as a ``note:`` line (GitHub: a notice)."""
_SHOWN = {"error": "error", "warning": "warning", "info": "note"}
_GITHUB = {"error": "error", "warning": "warning", "info": "notice"}


@dataclass(frozen=True, order=True)
class Position:
    """A place in a source file; ``line`` and ``col`` count from 1."""

    path: str
    line: int = 1
    col: int = 1

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.col}"


@dataclass(frozen=True, order=True)
class Diagnostic:
    position: Position
    message: str
    severity: Severity = "error"

    def format(self, style: Literal["text", "github"] = "text") -> str:
        """One line: ``path:line:col: error: message`` (``warning:``, ``note:``), or a
        GitHub workflow command, its data and properties escaped as GitHub documents
        them. Control and format characters of file names and quoted text show as
        ``\\uXXXX``: nothing a pull request writes can start a line, a command or an
        annotation of its own."""
        p = self.position
        path, message = printable(p.path), printable(self.message)
        if style == "github":
            where = f"file={_property(path)},line={p.line},col={p.col}"
            return f"::{_GITHUB[self.severity]} {where}::{_data(message)}"
        return f"{path}:{p.line}:{p.col}: {_SHOWN[self.severity]}: {message}"

    @property
    def fails(self) -> bool:
        """Does it fail a strict build (and ``briefing check``)? Every problem but a
        suggestion does."""
        return self.severity != "info"

    def __str__(self) -> str:
        return self.format()


def line_col(text: str, offset: int) -> tuple[int, int]:
    """Line and column (from 1) of ``offset`` in ``text``."""
    return text.count("\n", 0, offset) + 1, offset - (text.rfind("\n", 0, offset) + 1) + 1


def position_in_file(root: Path, path: str, needle: str) -> Position:
    """Where ``needle`` first occurs in the file ``path`` (relative to ``root``); its
    first line when it does not, or the file cannot be read."""
    try:
        text = (root / path).read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError):
        return Position(path)
    at = text.find(needle) if needle else -1
    if at < 0:
        return Position(path)
    return Position(path, *line_col(text, at))


def printable(text: str) -> str:
    """``text`` with control, format and line-separator characters as ``\\uXXXX``."""
    if text.isprintable():
        return text
    return "".join(
        f"\\u{ord(c):04x}" if unicodedata.category(c) in UNPRINTABLE else c for c in text
    )


UNPRINTABLE = frozenset({"Cc", "Cf", "Zl", "Zp"})


def _data(text: str) -> str:
    """A workflow command's data (GitHub's ``escapeData``)."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _property(text: str) -> str:
    """A workflow command's property value (GitHub's ``escapeProperty``)."""
    return _data(text).replace(":", "%3A").replace(",", "%2C")


@dataclass
class Diagnostics:
    """An ordered, de-duplicated collection of problems."""

    items: list[Diagnostic] = field(default_factory=list)
    _seen: set[Diagnostic] = field(default_factory=set, repr=False, compare=False)

    def error(self, position: Position, message: str) -> None:
        self.add(Diagnostic(position, message, "error"))

    def warning(self, position: Position, message: str) -> None:
        self.add(Diagnostic(position, message, "warning"))

    def add(self, diagnostic: Diagnostic) -> None:
        if diagnostic not in self._seen:  # a set: 20,000 problems cost no 20,000²
            self._seen.add(diagnostic)
            self.items.append(diagnostic)

    def extend(self, other: Iterable[Diagnostic]) -> None:
        for item in other:
            self.add(item)

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.items if d.severity == "error"]

    @property
    def failures(self) -> list[Diagnostic]:
        """The problems that fail a strict build: all but the suggestions."""
        return [d for d in self.items if d.fails]

    def sorted(self) -> list[Diagnostic]:
        return sorted(self.items)

    def __iter__(self) -> Iterator[Diagnostic]:
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)

    def __bool__(self) -> bool:
        return bool(self.items)


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """Return ``" (did you mean 'x'?)"`` for the closest choice, or ``""``."""
    close = difflib.get_close_matches(word, sorted(set(choices)), n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""
