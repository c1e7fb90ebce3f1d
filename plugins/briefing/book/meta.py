"""What the book says about itself: its title, author, version and dates (``BookMeta``,
printed on the cover and written into the PDF's metadata), and the project's version as
git describes it."""

from __future__ import annotations

import datetime as dt
import subprocess
from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class BookMeta:
    title: str
    subtitle: str = ""
    author: str = ""
    keywords: tuple[str, ...] = ()
    language: str = "en"
    version: str = ""
    date: dt.date = field(default_factory=dt.date.today)
    paper: str = "a4"
    current_as_of: str = ""
    """ISO date the briefing is current as of (shown on the cover and in the metadata)."""

    @property
    def current_as_of_text(self) -> str:
        try:
            return dt.date.fromisoformat(self.current_as_of).strftime("%-d %B %Y")
        except ValueError:
            return self.current_as_of or self.date.strftime("%-d %B %Y")


def git_version(root: Path) -> str:
    try:
        done = subprocess.run(
            # No fsmonitor: a .git/config shipped in an archive could name a program for it.
            ["git", "-c", "core.fsmonitor=false", "describe", "--always", "--dirty", "--tags"],
            cwd=root,
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return ""
    return done.stdout.strip() if done.returncode == 0 else ""
