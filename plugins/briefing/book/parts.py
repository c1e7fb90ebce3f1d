"""The book's parts laid out (``Layouts``), each kept in the cache folder between builds.

A part (``Part``) is a Typst document: a group of articles, the map, the timeline, the
glossary, the front matter. Each is laid out in a process of its own (``layout``) and
kept in the cache (``cache``) under a digest of everything that shapes it, with what the
book needs to know of it (``Laid``: its pages, and where its anchors are), so an
unchanged part is not laid out again. The articles are grouped into parts so that a new
article leaves the others' parts, and their cache, alone (``article_batches``).
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NotRequired

from pydantic import TypeAdapter, with_config
from typing_extensions import TypedDict  # pydantic reads this one before Python 3.12

from .cache import CACHE_FORMAT, ENTRY_CONFIG, BookCache
from .fonts import font_dirs
from .layout import Job, LayoutError
from .layout import run as run_layouts
from .progress import Progress

ARTICLES_PER_PART = 10
"""Articles laid out together, in one process: each part costs a process start and
its own subsets of the fonts (about 0.4 s with Typst), so one article a part would
spend more time on that than on pages, and editing one article lays out its part
again (about a second)."""


class BookError(Exception):
    """A part of the book that Typst could not lay out, even without its pictures."""


@dataclass(frozen=True)
class Part:
    name: str  # for progress lines: "articles", "map", "glossary", ...
    source: str
    """The part as a Typst document."""
    articles: int = 0
    """How many articles it holds."""
    images: tuple[str, ...] = ()
    """The site's pictures it shows (site paths), part of its cache key."""
    tagged: bool = True


@dataclass(frozen=True)
class Laid:
    """A part laid out: its PDF in the cache folder and what the book needs to know."""

    pdf: Path
    pages: int
    anchors: list[list[Any]]
    """Every anchor of the part as ``[name, page, x, y]`` (page from 1, points from the
    top left): mentions (``m.<entity>.<article>.<n>``, for the glossary's index), where
    each article starts (``start.<slug>``, for the contents) and every link target."""
    problems: list[str]
    """Warnings of the layout engine, as text."""
    unreadable: list[str] = field(default_factory=list)
    """Pictures Typst could not read ("site path: reason"): the part shows alt text."""

    @property
    def mentions(self) -> list[list[str]]:
        """The mention and article-start anchors on each page of the part."""
        pages: list[list[str]] = [[] for _ in range(self.pages)]
        for name, page, *_ in self.anchors:
            if str(name).startswith(("m.", "start.")) and 0 < int(page) <= self.pages:
                pages[int(page) - 1].append(str(name))
        return pages


@with_config(ENTRY_CONFIG)
class LaidEntry(TypedDict):
    """A laid-out part as the cache keeps it, beside its PDF."""

    pages: int
    anchors: list[tuple[str, int, float, float]]
    problems: list[str]
    unreadable: NotRequired[list[str]]
    seconds: NotRequired[float]
    pdf: tuple[int, str]
    """The PDF's size and SHA-256: the entry holds for that file only."""


LAID_ENTRY = TypeAdapter(LaidEntry)


class Layouts:
    """Lays out parts, in worker processes when there are several, keeping each in the
    cache under a digest of everything that shapes it: an unchanged part is not laid out
    again. A new part is made in ``incoming`` (the build's own folder) and then moved
    into the cache."""

    def __init__(
        self, site_dir: Path, cache: BookCache, incoming: Path, progress: Progress, jobs: int
    ) -> None:
        from importlib.metadata import version

        self.site_dir = site_dir.resolve()
        self.cache = cache
        self.incoming = incoming
        self.progress = progress
        self.jobs = jobs
        self.engine = f"Typst (typst-py {version('typst')})"
        self.hits = 0
        self.misses = 0

    def digest(self, part: Part) -> str:
        fonts = "\0".join(font_dirs())
        key = hashlib.sha256(
            f"{CACHE_FORMAT}\0{self.engine}\0{fonts}\0{part.tagged}\0{part.source}".encode()
        )
        for src in part.images:
            file = (self.site_dir / src).resolve()
            if file.is_relative_to(self.site_dir) and file.is_file():
                key.update(src.encode() + b"\0" + file.read_bytes())
        return key.hexdigest()[:32]

    def run(self, parts: list[Part]) -> list[Laid]:
        """Lay out ``parts`` (those not in the cache), saying what it does."""
        names = [self.digest(part) for part in parts]
        results: dict[int, Laid] = {}
        todo = []
        for i, name in enumerate(names):
            found = self._load(name)
            if found is None:
                todo.append(i)
            else:
                results[i] = found
        self.hits += len(parts) - len(todo)
        self.misses += len(todo)
        total = sum(part.articles for part in parts)
        articles = sum(parts[i].articles for i in todo)
        pieces = [f"the {parts[i].name}" for i in todo if not parts[i].articles]
        if articles:
            pieces.insert(0, f"{articles} of {total} articles")
        if pieces:
            self.progress.stage("laying out " + ", ".join(pieces))
        elif total:
            self.progress.stage(f"all {total} articles unchanged, from the cache")
        done = 0

        def finished(i: int, laid: dict[str, Any]) -> None:
            nonlocal done
            results[i] = self._keep(names[i], laid)
            done += parts[i].articles
            self.progress.count("laying out articles", done, articles)

        jobs = [
            (
                i,
                Job(
                    parts[i].source,
                    str(self.incoming / f"{names[i]}.pdf"),
                    parts[i].images,
                    parts[i].tagged,
                ),
            )
            for i in todo
        ]
        try:
            run_layouts(jobs, str(self.site_dir), font_dirs(), self.jobs, finished)
        except LayoutError as error:
            i, message = error.args
            raise BookError(f"Typst could not lay out the {parts[i].name}: {message}") from error
        self.progress.done()
        return [results[i] for i in range(len(parts))]

    def _load(self, name: str) -> Laid | None:
        """The part ``name`` from the cache: its entry signed by this machine, of the right
        shape, and its PDF the file the entry describes (a miss otherwise)."""
        entry = self.cache.load(f"{name}.json", LAID_ENTRY)
        if entry is None:
            return None
        size, sha256 = entry["pdf"]
        if not self.cache.matches(f"{name}.pdf", size, sha256):
            return None
        return Laid(
            self.cache.folder / f"{name}.pdf",
            entry["pages"],
            [list(anchor) for anchor in entry["anchors"]],
            entry["problems"],
            entry.get("unreadable", []),
        )

    def _keep(self, name: str, laid: dict[str, Any]) -> Laid:
        """A part just laid out (its PDF in ``incoming``), moved into the cache with its
        signed entry (left where it is if it cannot be)."""
        made = self.incoming / f"{name}.pdf"
        data = made.read_bytes()
        pdf = made
        if self.cache.place(made, f"{name}.pdf"):
            pdf = self.cache.folder / f"{name}.pdf"
            entry = {**laid, "pdf": [len(data), hashlib.sha256(data).hexdigest()]}
            self.cache.write(f"{name}.json", json.dumps(entry).encode())
        return Laid(
            pdf, laid["pages"], laid["anchors"], laid["problems"], laid.get("unreadable", [])
        )


def layout_jobs() -> int:
    """How many parts are laid out at once: ``BRIEFING_PDF_JOBS``, else one a core, up
    to four."""
    wanted = os.environ.get("BRIEFING_PDF_JOBS", "")
    if wanted.isdigit() and int(wanted) > 0:
        return int(wanted)
    return max(1, min(4, len(os.sched_getaffinity(0))))


def article_batches(articles: list[dict[str, Any]], size: int) -> list[list[dict[str, Any]]]:
    """The articles (newest first) in parts of up to ``size``, counted from the oldest:
    a new article joins the newest part and leaves the others, and their cache, alone."""
    batches: dict[int, list[dict[str, Any]]] = {}
    for i, article in enumerate(articles):
        batches.setdefault((len(articles) - 1 - i) // size, []).append(article)
    return [batches[key] for key in sorted(batches, reverse=True)]
