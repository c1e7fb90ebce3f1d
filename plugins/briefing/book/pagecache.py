"""The site's pages read for the book (``transform``), each reading kept between builds.

Reading a page for paper (``pages``) is most of the book's preparation, and most pages
are as they were in the last build: the book's reading of each page is kept in the cache
folder (``cache``, under ``pages/``) under a digest of everything it depends on, and a
page whose digest is unchanged is taken from there instead of read again.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any, NotRequired, cast

from pydantic import TypeAdapter, with_config
from typing_extensions import TypedDict  # pydantic reads this one before Python 3.12

from .cache import CACHE_FORMAT, ENTRY_CONFIG, PAGES, BookCache
from .pages import ENTITY_TAIL, Book, BookPage, content_only


@with_config(ENTRY_CONFIG)
class _ArticleEntry(TypedDict):
    key: str
    title: str
    typ: str
    images: list[str]


@with_config(ENTRY_CONFIG)
class _EntityEntry(TypedDict):
    key: str
    name: str
    typ: str
    images: list[str]


@with_config(ENTRY_CONFIG)
class PageEntry(TypedDict):
    """The book's reading of one page, as the page cache keeps it: the lists that reading
    a page adds to (``_FOUND``) and the page's part of the book."""

    texts: list[tuple[str, str]]
    blocked: list[tuple[str, str]]
    refused: list[tuple[str, str, str]]
    pictures: list[tuple[str, str, str, str]]
    article: NotRequired[_ArticleEntry]
    entity: NotRequired[_EntityEntry]
    map: NotRequired[str]
    timeline: NotRequired[tuple[str, list[str]]]


PAGE_ENTRY = TypeAdapter(PageEntry)


_FOUND = ("texts", "blocked", "refused", "pictures")
"""The lists of ``Book`` that reading a page adds to (kept in the page cache)."""
_READING = ("pages.py", "pagecache.py", "typeset.py")
"""The modules that read a page for the book: part of every page's key."""


def transform(pages: list[BookPage], site_dir: Path, cache: BookCache | None = None) -> Book:
    """Read and rearrange the site's pages for the book (done once per book). With a
    ``cache``, a page whose HTML, place in the book and the book's other pages are as
    they were is taken from there instead (``pages/``, one entry a page)."""
    book = Book(pages, site_dir)
    store = _PageCache(cache, pages) if cache is not None else None
    for page in pages:
        key = store.key(page) if store is not None else ""
        entry = store.load(key, page) if store is not None else None
        if entry is not None:
            _restore(book, page, entry)
            continue
        before = _found(book)
        if page.kind == "article":
            book.article(page)
        elif page.kind == "entity":
            book.entity(page)
        elif page.kind == "map":
            book.map_page(page)
        else:
            book.timeline_page(page)
        if store is not None:
            store.save(key, _entry(book, page, before))
    return book


class _PageCache:
    """The book's reading of each page of the site, kept between builds under a digest
    of everything it depends on: the page's HTML, its place in the book, the pages the
    book has (links are made from them) and the code that reads it."""

    def __init__(self, cache: BookCache, pages: list[BookPage]) -> None:
        self.cache = cache
        code = hashlib.sha256(CACHE_FORMAT.encode())
        for module in _READING:
            code.update((Path(__file__).parent / module).read_bytes())
        code.update(json.dumps(sorted((p.url, p.kind, p.key) for p in pages)).encode())
        self.base = code.digest()

    def key(self, page: BookPage) -> str:
        digest = hashlib.sha256(self.base)
        digest.update(json.dumps([page.kind, page.key, page.url, page.source]).encode())
        # What the book reads of the page: not its navigation, nor an entity page's lists
        # of mentions and notes, which change with every article.
        stops = ENTITY_TAIL if page.kind == "entity" else ()
        digest.update(content_only(page.html.read_text("utf-8"), stops).encode())
        return digest.hexdigest()[:32]

    def load(self, key: str, page: BookPage) -> PageEntry | None:
        """The page's entry, if this machine wrote it and it holds the page's part of
        the book and nothing else (a miss otherwise)."""
        entry = self.cache.load(f"{PAGES}/{key}.json", PAGE_ENTRY)
        if entry is None:
            return None
        part: Any = cast(dict[str, Any], entry).get(page.kind)
        if set(entry) != {*_FOUND, page.kind} or (
            page.kind in ("article", "entity") and part["key"] != page.key
        ):
            self.cache.rejected += 1
            return None
        return entry

    def save(self, key: str, entry: dict[str, Any]) -> None:
        self.cache.write(f"{PAGES}/{key}.json", json.dumps(entry).encode())


def _found(book: Book) -> tuple[int, ...]:
    """The lengths of what reading pages adds to, for ``_entry``."""
    return tuple(len(getattr(book, name)) for name in _FOUND)


def _entry(book: Book, page: BookPage, before: tuple[int, ...]) -> dict[str, Any]:
    """What reading ``page`` added to the book (``before``: ``_found`` before), as plain
    data for the page cache."""
    entry: dict[str, Any] = {
        name: getattr(book, name)[start:] for name, start in zip(_FOUND, before, strict=True)
    }
    if page.kind == "article":
        entry["article"] = book.articles[-1]
    elif page.kind == "entity":
        entry["entity"] = book.entities[page.key]
    elif page.kind == "map":
        entry["map"] = book.map
    else:
        entry["timeline"] = [book.timeline, book.timeline_images]
    return entry


def _restore(book: Book, page: BookPage, entry: PageEntry) -> None:
    """Add a page to the book from its entry in the page cache (checked by
    ``_PageCache.load``: it has the page's part and nothing else)."""
    book.texts.extend(entry["texts"])
    book.blocked.extend(entry["blocked"])
    book.refused.extend(entry["refused"])
    book.pictures.extend(entry["pictures"])
    if page.kind == "article":
        book.articles.append(dict(entry["article"]))
    elif page.kind == "entity":
        book.entities[page.key] = dict(entry["entity"])
    elif page.kind == "map":
        book.map = entry["map"]
    else:
        book.timeline, book.timeline_images = entry["timeline"]
