"""The PDF book: a post-build step over the site's finished HTML.

The articles, entity pages and timeline are taken from the pages MkDocs has
just written, so the book and the site come from one rendering; they are
re-arranged for paper (annotation notes become footnotes, entity mentions link
into a glossary appendix, the glossary gets a page index), written as Typst markup
(``typeset``) and laid out by Typst with the book's page design
(``typst_templates/book.typ``). Nothing is fetched from the network, and no file
outside the site folder is read.

Every article starts on a new page, so the book is laid out in parts: each article,
the map and the timeline on its own (in worker processes, and kept in a cache folder
so that an unchanged article is not laid out again: ``cache``, whose entries are signed
and checked, never an input), then the glossary, whose index prints the page of every
mention, and the front matter, whose contents print the page of every part, once those
pages are known. ``pdfjoin`` joins the parts into one tagged PDF (PDF/UA-1) and stamps
the page numbers.

This module is the order of that work (``write_book``) and the book's entry point for the
hosts; the work is done in the rooms it names:

- ``pages``: which pages of the site make the book, and each read and rearranged for
  paper; ``pagecache``: that reading kept between builds;
- ``checks``: what the book cannot print, reported before any layout (``book_check``
  for ``briefing check``); ``fonts``: the book's fonts and what they cover;
- ``documents``: each part as a Typst document; ``parts``: the parts laid out, and kept;
- ``pdfjoin``: the join, writing through ``pdfwrite``; ``pagenumbers``: the numbers;
- ``meta``: what the book says about itself; ``progress``: what it says while made.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..core.diagnostics import Diagnostics, Position
from ..site.pages import TYPE_LABELS
from .cache import open_cache, scratch_cache, shown
from .checks import book_check, picture_warnings, refusals
from .documents import part_source
from .fonts import digit_advances
from .meta import BookMeta, git_version
from .pagecache import transform
from .pagenumbers import NUMBER_FONT, Digits, digits_source
from .pages import Book, BookPage, book_pages
from .parts import ARTICLES_PER_PART, BookError, Layouts, Part, article_batches, layout_jobs
from .pdfwrite import JoinError
from .progress import PROGRESS_LOGGER, Progress

# The book's entry points for the hosts and the tests, wherever they are made.
__all__ = [
    "PROGRESS_LOGGER",
    "BookMeta",
    "BookPage",
    "BookResult",
    "Progress",
    "book_check",
    "book_pages",
    "git_version",
    "part_source",
    "write_book",
]


@dataclass
class BookResult:
    pages: int = 0
    blocked: list[str] = field(default_factory=list)
    index: dict[str, list[int]] = field(default_factory=dict)
    """Entity id -> pages that mention it."""
    problems: list[str] = field(default_factory=list)
    """Warnings of the layout engine."""
    cached: int = 0
    """Parts taken from the cache folder."""
    unreadable: list[str] = field(default_factory=list)
    """Pictures Typst could not read ("site path: reason"), shown as their alt text."""
    laid_out: int = 0
    """Parts laid out by this build."""


def write_book(
    pages: list[BookPage],
    site_dir: Path,
    out: Path,
    meta: BookMeta,
    entity_types: dict[str, str],
    diagnostics: Diagnostics,
    cache: Path | None = None,
    progress: Progress | None = None,
    root: Path | None = None,
) -> BookResult:
    """Lay out the book and write it to ``out``. Problems go to ``diagnostics``. ``cache``
    is the cache folder (``cache.cache_folder``) of the project at ``root`` (both are
    needed to use one).

    The articles, the map and the timeline are laid out first, each on its own; then,
    their page counts known, the glossary (with the page of every mention) and the
    front matter (with the contents' page numbers); the parts are joined at last."""
    progress = progress or Progress()
    result = BookResult()
    store = open_cache(cache, root, diagnostics) if cache and root else None
    where = shown(store.folder, root) if store is not None and root is not None else ""
    if store is not None and store.note:
        progress.stage(f"the cache {where}: {store.note}")
    progress.stage(f"reading {len(pages)} pages of the site")
    book = transform(pages, site_dir, store)
    # What the book cannot print is an error or a warning (as in ``briefing check``); it
    # shows U+FFFD for a character no font has, the alternative text of a picture.
    missing, broken = refusals(book, site_dir, meta, diagnostics, root)

    def typst_part(part: str, **context: Any) -> str:
        return part_source(meta, part, broken, **context).translate(missing)

    result.blocked.extend(dict.fromkeys(url for _, url in book.blocked))
    try:
        with tempfile.TemporaryDirectory(prefix="briefing-pdf-") as scratch:
            parts = store or scratch_cache(Path(scratch))
            with parts.incoming() as incoming:
                layouts = Layouts(site_dir, parts, incoming, progress, layout_jobs())
                _lay_out_book(book, typst_part, out, meta, entity_types, progress, result, layouts)
            parts.prune()
    except (BookError, JoinError) as error:
        diagnostics.error(Position("mkdocs.yml"), f"the PDF book was not made: {error}")
    progress.done()
    if store is not None and store.rejected:
        progress.stage(
            f"{store.rejected} entries of the cache {where} not used: not written by this "
            "machine's Briefing, or damaged"
        )
    picture_warnings(result.unreadable, diagnostics, root)
    return result


def _lay_out_book(
    book: Book,
    typst_part: Callable[..., str],
    out: Path,
    meta: BookMeta,
    entity_types: dict[str, str],
    progress: Progress,
    result: BookResult,
    layouts: Layouts,
) -> None:
    """Lay out the parts (the articles, the figures; then the glossary and the front
    matter, once the pages they print are known) and join them into ``out``."""
    from pikepdf import __version__ as pikepdf_version

    from .pdfjoin import JoinPart, join

    batches = article_batches(book.articles, ARTICLES_PER_PART)
    bodies = [
        Part(
            "articles",
            typst_part("articles", articles=b),
            len(b),
            tuple(sorted({image for a in b for image in a["images"]})),
        )
        for b in batches
    ]
    if book.map:
        bodies.append(Part("map", typst_part("map", entity_map=book.map)))
    bodies.append(
        Part(
            "timeline",
            typst_part("timeline", timeline=book.timeline),
            images=tuple(book.timeline_images),
        )
    )
    bodies.append(Part("page numbers", digits_source(), tagged=False))
    for article in book.articles:  # in its part's source now: memory for the rest
        article["typ"] = ""
    laid = layouts.run(bodies)
    del bodies
    articles, figures, digits = laid[: len(batches)], laid[len(batches) : -1], laid[-1]
    groups = _groups(book, entity_types)

    def contents(page: int, glossary_pages: int, number: int | None = None) -> list[Any]:
        """The contents' entries, the articles starting where ``starts`` says (or all
        on page ``number``, to measure the contents before the numbers are known)."""
        entries = [
            {
                "anchor": f"article-{a['key']}",
                "title": a["title"],
                "page": number or starts[a["key"]],
            }
            for a in book.articles
        ]
        for anchor, title, pages in (
            ("glossary", "Glossary", glossary_pages),
            ("map", "Entity map", figures[0].pages if book.map else 0),
            ("timeline", "Timeline", figures[-1].pages),
        ):
            if anchor != "map" or book.map:
                entries.append(
                    {"anchor": anchor, "title": title, "page": number or page, "part": True}
                )
            page += pages
        return entries

    # How long the contents are: laid out with numbers as wide as the real ones can
    # get, so that the glossary, whose index prints page numbers, is laid out once.
    widest = int("9" * len(str(2 * (4 + sum(p.pages for p in laid)))))
    (probe,) = layouts.run(
        [
            Part(
                "cover and contents, to count their pages",
                typst_part("front", contents=contents(0, 0, widest), total_pages=widest),
            )
        ]
    )
    front_pages = probe.pages
    for _ in range(4):  # the numbers hardly change the contents' length: one round
        starts: dict[str, int] = {}  # article -> its first page
        index: dict[str, list[tuple[int, str]]] = {}
        page = front_pages + 1
        for part in articles:
            for anchors in part.mentions:
                for anchor in anchors:
                    if anchor.startswith("start."):
                        starts[anchor.removeprefix("start.")] = page
                        continue
                    entries = index.setdefault(anchor.split(".")[1], [])
                    if not entries or entries[-1][0] != page:
                        entries.append((page, anchor))
                page += 1
        glossary_source = typst_part("glossary", groups=groups, index=index)
        images = tuple(sorted({i for e in book.entities.values() for i in e["images"]}))
        (glossary,) = layouts.run([Part("glossary", glossary_source, images=images)])
        total = page + glossary.pages + sum(f.pages for f in figures) - 1
        front_source = typst_part(
            "front", contents=contents(page, glossary.pages), total_pages=total
        )
        (front,) = layouts.run([Part("cover and contents", front_source)])
        if front.pages == front_pages:
            break
        front_pages = front.pages
    order = [front, *articles, glossary, *figures]
    progress.stage(f"writing {total} pages to {out.name}")
    out.parent.mkdir(parents=True, exist_ok=True)
    info = {
        "Title": meta.title,
        "Author": meta.author,
        "Subject": meta.subtitle,
        "Keywords": ", ".join(meta.keywords),
        "Creator": "Briefing",
        "Producer": f"{layouts.engine}, joined by pikepdf {pikepdf_version}",
        "CreationDate": meta.date.strftime("D:%Y%m%d"),
        "CurrentAsOf": meta.current_as_of,
    }
    result.pages = join(
        [JoinPart(p.pdf, p.anchors) for p in order],
        out,
        Digits(digits.pdf, digit_advances(*NUMBER_FONT)),
        {k: v for k, v in info.items() if v},
        meta.language,
    )
    result.cached = layouts.hits
    result.laid_out = layouts.misses
    result.index = {k: [n for n, _ in v] for k, v in index.items()}
    for part in order:
        result.problems.extend(part.problems)
        result.unreadable.extend(part.unreadable)


def _groups(book: Book, entity_types: Mapping[str, str]) -> list[tuple[str, list[Any]]]:
    groups: list[tuple[str, list[dict[str, Any]]]] = []
    for kind, (_, plural) in TYPE_LABELS.items():
        members = sorted(
            (e for key, e in book.entities.items() if entity_types.get(key) == kind),
            key=lambda e: str(e["name"]).casefold(),
        )
        if members:
            groups.append((plural, members))
    return groups
