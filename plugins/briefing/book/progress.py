"""What the book is doing while it is made, said on a terminal or in a build's log."""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import Callable

PROGRESS_LOGGER = "mkdocs.plugins.briefing.book"


class Progress:
    """Says what the book is doing: a counter updated in place on a terminal, one line
    per stage in a log (CI)."""

    def __init__(self, log: Callable[[str], None] | None = None) -> None:
        self.log = log or logging.getLogger(PROGRESS_LOGGER).info
        self.live = sys.stderr.isatty()
        self.started = time.perf_counter()

    def stage(self, text: str) -> None:
        self.done()
        self.log(f"PDF book: {text}")

    def count(self, what: str, done: int, total: int) -> None:
        if self.live:
            sys.stderr.write(f"\r  PDF book: {what} {done} of {total}\x1b[K")
            sys.stderr.flush()
            self.counting = True

    def done(self) -> None:
        if getattr(self, "counting", False):
            sys.stderr.write("\r\x1b[K")
            sys.stderr.flush()
            self.counting = False
