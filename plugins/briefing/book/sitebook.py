"""The PDF book of a build session: written from the finished site's pages, or only
checked (``briefing check``: what the book would refuse, found without laying it out).

The MkDocs plugin calls it after its build, ``briefing pdf --site`` and ``briefing
publish --pdf`` over a site folder any host built; all report into the session's
problems, and the book's cover and metadata come from the same options.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path

from ..core.diagnostics import Diagnostic, Diagnostics, Position
from ..site.build import BuildSession, Built
from .cache import cache_folder, check_cache
from .pdf import BookMeta, BookResult, book_check, book_pages, git_version, write_book


@dataclass(frozen=True)
class Made:
    result: BookResult
    seconds: float


def book_meta(session: BuildSession) -> BookMeta:
    """The book's cover and metadata, from the site's settings and Briefing's options."""
    briefing, settings, options = session.briefing, session.settings, session.options
    tags = sorted({t for a in briefing.articles for t in a.model.tags})
    return BookMeta(
        title=settings.name,
        subtitle=settings.description,
        author=settings.author,
        keywords=tuple(tags),
        language=settings.language,
        version=os.environ.get("GITHUB_SHA", "")[:7] or git_version(session.root),
        paper=options.paper,
        current_as_of=options.current_as_of
        or max((str(a.date) for a in briefing.articles), default=""),
    )


def missing_pages(session: BuildSession, built: Built, site: Path) -> None:
    """Report each article and entity whose page the site folder lacks: a book of
    another briefing's site would be made of the wrong pages."""
    session.problems.report(
        Diagnostic(
            Position(page.source),
            f"its page {uri.removesuffix('.md')}/ is not in {site}: was the site "
            "built from these sources?",
            "error",
        )
        for uri, page in session.generated.items()
        if (page.article or page.entity) and built(uri) is None
    )


def check_book(session: BuildSession, site_dir: Path, built: Built) -> None:
    """Report what the book would refuse (and a cache folder it may not use)."""
    pages = book_pages(session.generated, built, site_dir, session.briefing)
    problems = Diagnostics()
    book_check(pages, site_dir, book_meta(session), problems, session.root)
    check_cache(cache_folder(session.root), session.root, problems)
    session.problems.report(problems)


def book_step(session: BuildSession, site_dir: Path) -> None:
    """The book at the end of a build: written into the site (its layout engine's
    remarks and the time it took said), or only checked, as the session decided."""
    if session.book == "check":
        check_book(session, site_dir, session.built)
    if session.book != "write":
        return
    name = session.options.pdf_name
    made = make_book(session, site_dir, site_dir / name, session.built)
    for note in sorted(set(made.result.problems)):  # the layout engine's own remarks
        session.problems.say(f"PDF book: Typst: {note}")
    session.problems.say(
        f"PDF book: {name}, {made.result.pages} pages in {made.seconds:.1f} s "
        f"({made.result.laid_out} parts laid out, {made.result.cached} from the cache)"
    )


def make_book(session: BuildSession, site_dir: Path, out: Path, built: Built) -> Made:
    """Write the book of the site in ``site_dir`` (``built``: where it holds each page)
    to ``out``; its problems are reported."""
    started = time.perf_counter()
    pages = book_pages(session.generated, built, site_dir, session.briefing)
    problems = Diagnostics()
    result = write_book(
        pages,
        site_dir,
        out,
        book_meta(session),
        {e.id: e.type for e in session.briefing.entities.values()},
        problems,
        cache=cache_folder(session.root),
        root=session.root,
    )
    session.problems.report(problems)
    return Made(result, time.perf_counter() - started)
