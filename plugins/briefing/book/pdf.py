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
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
import logging
import os
import re
import subprocess
import sys
import tempfile
import time
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NotRequired, cast
from urllib.parse import unquote, urlsplit

from bs4 import BeautifulSoup, NavigableString, Tag
from pydantic import ConfigDict, TypeAdapter, with_config
from typing_extensions import TypedDict  # pydantic reads this one before Python 3.12

from ..core.diagnostics import Diagnostics, Position, line_col, position_in_file
from ..core.model import Briefing
from ..core.pictures import measure
from ..markdown.extension import KIND_LABELS
from ..site import THEME_DIR
from ..site.pages import MAP, TIMELINE, TYPE_LABELS, GeneratedPage
from .cache import PAGES, BookCache, open_cache, scratch_cache, shown
from .layout import PICTURES_ON, Job, LayoutError, probe
from .layout import run as run_layouts
from .pdfjoin import DIGIT_BOX, Digits, JoinError
from .typeset import EMPTY_HEADING, Typeset, escape, label_name, literal

PAPER_SIZES = {"a4": "a4", "letter": "us-letter"}
"""The book's paper sizes, as Typst names them."""
BOOK_FONTS = ("Noto Serif CJK SC", "Noto Sans CJK SC", "Noto Color Emoji", "DejaVu Sans")
"""The fonts the book's template names, in fallback order; every character of the book
must be in one of them (or be one Typst sets without a glyph: ``_needs_no_glyph``)."""


@dataclass(frozen=True)
class BookPage:
    kind: str  # "article", "entity", "timeline" or "map"
    key: str  # slug, entity id, "timeline" or "map"
    html: Path  # the built page in the site folder
    source: str  # project-relative source file, for error messages
    url: str  # the page's URL in the site, relative to the site root


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


def _content_only(page: str, stops: tuple[str, ...] = ()) -> str:
    """The page's ``<article class="md-content__inner ...">`` element as text: parsing the
    whole page (the site's navigation lists every article) costs more than the rest of
    the book's preparation. The article ends early at the first of ``stops`` found (the
    parser closes what is left open)."""
    start = page.find('<article class="md-content__inner')
    end = page.rfind("</article>")
    if not 0 <= start < end:
        return page
    for stop in stops:
        found = page.find(stop, start, end)
        if found != -1:
            end = found
    return page[start:end] + "</article>"


ENTITY_TAIL = (
    '<h2 id="annotations-about-',
    '<section class="bf-neighbours"',
    '<section class="bf-mentioned-in"',
)
"""Where the book's part of an entity page ends: the notes about the entity become
footnotes of the articles, and the pages that mention it are the glossary's index
(at 200 articles these lists are nine tenths of the page)."""


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


# --------------------------------------------------------------------------- transforms


def book_content(page: BookPage, stops: tuple[str, ...] = ()) -> Tag:
    """What the book takes of a page of the site: its article, without the controls
    (and cut at the first of ``stops``, parts the book does not print)."""
    text = _content_only(page.html.read_text(encoding="utf-8"), stops)
    soup = BeautifulSoup(text, "lxml")  # libxml2: several times html.parser's speed
    content = soup.select_one("article.md-content__inner")
    if content is None:
        raise ValueError(f"{page.html}: no article content found")
    for junk in content.select(
        "a.md-content__button, a.headerlink, .md-source-file, "
        ".md-feedback, .bf-annotate-passage, script, style, .bf-figure-caption, "
        ".bf-map-filter input"
    ):
        junk.decompose()
    return content


_ENTRY_CONFIG = ConfigDict(extra="forbid", strict=True)


@with_config(_ENTRY_CONFIG)
class _ArticleEntry(TypedDict):
    key: str
    title: str
    typ: str
    images: list[str]


@with_config(_ENTRY_CONFIG)
class _EntityEntry(TypedDict):
    key: str
    name: str
    typ: str
    images: list[str]


@with_config(_ENTRY_CONFIG)
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
"""The lists of ``_Book`` that reading a page adds to (kept in the page cache)."""


class _Book:
    """Turns the site's pages into one book document."""

    def __init__(self, pages: list[BookPage], site_dir: Path) -> None:
        self.pages = pages
        self.site_dir = site_dir.resolve()
        self.urls = {page.url: page for page in pages}
        self.entities: dict[str, dict[str, Any]] = {}
        self.articles: list[dict[str, Any]] = []
        self.timeline = ""
        self.timeline_images: list[str] = []
        self.map = ""
        self.blocked: list[tuple[str, str]] = []
        """(source file, address) of what the pages would have the book fetch."""
        self.texts: list[tuple[str, str]] = []
        """(source file, text) of every page read, for the glyph check."""
        self.refused: list[tuple[str, str, str]] = []
        """(source file, text to find there, message) of what the book cannot print as
        the site shows it (``Typeset.refused``)."""
        self.pictures: list[tuple[str, str, str, str]] = []
        """(key, source file, text to find there, SVG markup or "") of every picture the
        book shows: a file's key is its site path after "/", an inline SVG's its digest."""

    def found(self) -> tuple[int, ...]:
        """The lengths of what reading pages adds to, for ``entry``."""
        return tuple(len(getattr(self, name)) for name in _FOUND)

    def entry(self, page: BookPage, before: tuple[int, ...]) -> dict[str, Any]:
        """What reading ``page`` added to the book (``before``: ``found()`` before), as
        plain data for the page cache."""
        entry: dict[str, Any] = {
            name: getattr(self, name)[start:] for name, start in zip(_FOUND, before, strict=True)
        }
        if page.kind == "article":
            entry["article"] = self.articles[-1]
        elif page.kind == "entity":
            entry["entity"] = self.entities[page.key]
        elif page.kind == "map":
            entry["map"] = self.map
        else:
            entry["timeline"] = [self.timeline, self.timeline_images]
        return entry

    def restore(self, page: BookPage, entry: PageEntry) -> None:
        """Add a page to the book from its entry in the page cache (checked by
        ``_PageCache.load``: it has the page's part and nothing else)."""
        self.texts.extend(entry["texts"])
        self.blocked.extend(entry["blocked"])
        self.refused.extend(entry["refused"])
        self.pictures.extend(entry["pictures"])
        if page.kind == "article":
            self.articles.append(dict(entry["article"]))
        elif page.kind == "entity":
            self.entities[page.key] = dict(entry["entity"])
        elif page.kind == "map":
            self.map = entry["map"]
        else:
            self.timeline, self.timeline_images = entry["timeline"]

    def page_soup(self, page: BookPage, stops: tuple[str, ...] = ()) -> Tag:
        content = book_content(page, stops)
        self.texts.append((page.source, content.get_text(" ")))  # for the glyph check
        _titled_svgs(content)  # (whitespace is folded when the text is written for Typst)
        return content

    def target(self, page: BookPage, href: str) -> str | None:
        """Map a link of the site to an anchor in the book (or None to drop it)."""
        parts = urlsplit(href)
        if parts.scheme or parts.netloc:
            return href
        if not parts.path:
            return f"#{page.key}--{parts.fragment}" if parts.fragment else None
        base = urlsplit(page.url).path
        resolved = _join(base, parts.path)
        other = self.urls.get(resolved)
        if other is None:
            return None
        if other.kind == "article":
            fragment = (
                f"{other.key}--{parts.fragment}" if parts.fragment else f"article-{other.key}"
            )
            return f"#{fragment}"
        if other.kind == "entity":
            return f"#entity-{other.key}"
        return f"#{other.kind}"

    def relink(self, page: BookPage, content: Tag) -> None:
        seen_urls: set[str] = set()
        for el in content.select("[id]"):
            el["id"] = f"{page.key}--{el['id']}"
        for a in content.find_all("a", href=True):
            href = str(a["href"])
            new = self.target(page, href)
            if new is None:
                a.unwrap()
                continue
            a["href"] = new
            if new.startswith(("http:", "https:", "mailto:")):
                if new not in seen_urls and a.get_text(strip=True) != new:
                    a["class"] = " ".join([*_classes(a), "show-url"])
                seen_urls.add(new)
        for img in content.find_all("img", src=True):
            src = str(img["src"])
            if not urlsplit(src).scheme:
                img["src"] = _join(urlsplit(page.url).path, src)

    @staticmethod
    def mark_mentions(page: BookPage, content: Tag) -> None:
        """Give every mention an anchor for the index: ``m.<entity>.<article>.<n>``, numbered
        within its article so that an article's layout depends on nothing else."""
        selector = "a.bf-mention[data-entity], span.bf-mention-repeat[data-entity]"
        for n, el in enumerate(content.select(selector), 1):
            el["id"] = f"m.{el['data-entity']}.{page.key}.{n}"

    @staticmethod
    def take_title(content: Tag, default: str) -> str:
        """Remove the page's h1 (the book sets its own) and return its text."""
        title = content.find("h1")
        if title is None:
            return default
        text = title.get_text(" ", strip=True)
        title.decompose()
        return text

    def article(self, page: BookPage) -> None:
        content = self.page_soup(page)
        title_text = self.take_title(content, page.key)
        notes = {}
        for li in content.select("ol.bf-annotation-list > li"):
            key = str(li.get("id", "")).removeprefix("bf-note-")
            notes[key] = li
        for marker in content.select("a.bf-marker"):
            key = str(marker.get("id", "")).removeprefix("bf-ref-")
            item = notes.get(key)
            kind = next(
                (c.removeprefix("bf-kind-") for c in _classes(marker) if c.startswith("bf-kind-")),
                "context",
            )
            marker.replace_with(self.footnote(item, kind) if item else "")
            if item is not None:
                item.decompose()
        # The end list keeps only what could not be placed (unanchored notes).
        remaining = content.select("ol.bf-annotation-list > li")
        for el in content.select("#annotations, .bf-legend"):
            if not remaining:
                el.decompose()
        if not remaining:
            for el in content.select("ol.bf-annotation-list"):
                el.decompose()
        else:
            heading = content.select_one("#annotations")
            if heading is not None:
                heading.string = "Annotations not placed in the text"
        for link in content.select("a.bf-annotate-article"):
            previous = link.previous_sibling
            if isinstance(previous, NavigableString) and previous.rstrip().endswith("·"):
                previous.replace_with(previous.rstrip()[:-1].rstrip())
            link.decompose()
        # The entities the article names: a run-in line under its source on paper, where
        # it reads as a key to the article; at the end it spilled onto pages of its own.
        entities, source = content.select_one(".bf-in-article"), content.select_one(".bf-source")
        if entities is not None and source is not None:
            source.insert_after(entities.extract())
        self.relink(page, content)
        self.mark_mentions(page, content)
        ids = {str(el["id"]) for el in content.select("[id]")}
        for a in content.select(f'a[href^="#{page.key}--"]'):
            if str(a["href"])[1:] not in ids:  # e.g. the list of notes, now footnotes
                a.unwrap()
        typ, images = self.typeset(page, content, level=1)
        self.articles.append({"key": page.key, "title": title_text, "typ": typ, "images": images})

    def typeset(self, page: BookPage, content: Tag, level: int) -> tuple[str, list[str]]:
        """The content as Typst markup, and the site's pictures it shows."""
        out = Typeset(level=level)
        typ = out.blocks(content)
        source = page.source
        self.blocked.extend((source, url) for url in out.blocked)
        self.refused.extend((source, needle, message) for needle, message in out.refused)
        for path in sorted(out.images):
            self.pictures.append(("/" + path, source, unquote(path.rsplit("/", 1)[-1]), ""))
        self.pictures.extend((key, source, "<svg", svg) for key, svg in out.svgs.items())
        self.texts.append((source, " ".join(out.printed)))  # for the glyph check too
        return typ, sorted(out.images)

    def footnote(self, item: Tag, kind: str) -> Tag:
        soup = _factory()
        note = soup.new_tag("span", attrs={"class": f"footnote bf-kind-{kind}"})
        label = soup.new_tag("span", attrs={"class": "fn-kind"})
        label.string = KIND_LABELS.get(kind, kind)
        note.append(label)
        note.append(" ")
        verdict = item.select_one(".bf-verdict")
        if verdict is not None:  # a fact-check's finding, as on the site
            tag = soup.new_tag("span", attrs={"class": "fn-verdict"})
            tag.string = verdict.get_text()
            note.append(tag)
            note.append(" ")
        body = item.select_one(".bf-note")
        if body is not None:
            note.append(_inline(body, "fn-body"))
        for extra in item.select(".bf-sources"):
            note.append(" ")
            note.append(_inline(extra, "fn-meta"))
        return note

    def entity(self, page: BookPage) -> None:
        content = self.page_soup(page, ENTITY_TAIL)
        name = self.take_title(content, page.key)
        # The site's list of notes and of mentioning pages become footnotes and the index.
        for heading in content.select("h2"):
            ident = str(heading.get("id") or "")
            if ident.startswith("annotations-about") or ident == "bf-mentioned-title":
                for sibling in list(heading.find_next_siblings()):
                    sibling.decompose()
                heading.decompose()
        for section in content.select(".bf-mentioned-in, .bf-neighbours"):
            section.decompose()
        for heading in content.find_all(["h2", "h3"]):
            heading.name = "h4"
        self.relink(page, content)
        typ, images = self.typeset(page, content, level=3)
        self.entities[page.key] = {"key": page.key, "name": name, "typ": typ, "images": images}

    def timeline_page(self, page: BookPage) -> None:
        content = self.page_soup(page)
        self.take_title(content, "")
        self.relink(page, content)
        self.timeline, self.timeline_images = self.typeset(page, content, level=1)

    def map_page(self, page: BookPage) -> None:
        """The entity map, as a figure; its relations are the glossary's "Related"."""
        content = self.page_soup(page)
        figure = content.select_one("figure.bf-figure")
        if figure is None:
            return
        # The legend is the site's type filter; on paper it is a plain key.
        for fieldset in figure.select("fieldset.bf-map-filter"):
            fieldset.name = "p"
            fieldset["class"] = "bf-map-key"
            for legend in fieldset.select("legend"):
                legend.name = "strong"
                legend.string = "Entity types:"
            for label in fieldset.select("label"):
                label.name = "span"
                label["class"] = "bf-key-item"
        self.relink(page, figure)
        self.map, _ = self.typeset(page, figure, level=1)


def _titled_svgs(content: Tag) -> None:
    """Every picture in a tagged PDF needs alternative text; the book takes an SVG's from
    its ``<title>``. The map and the timeline have one; a key's swatch gets its label."""
    for svg in content.find_all("svg"):
        if svg.find("title", recursive=False) is not None:
            continue
        label = svg.get("aria-label") or (
            svg.parent.get_text(" ", strip=True) if svg.parent is not None else ""
        )
        title = _factory().new_tag("title")
        title.string = f"Key: {label}" if label else "Decoration"
        svg.insert(0, title)


@functools.cache
def _factory() -> BeautifulSoup:
    """An empty document whose ``new_tag`` makes the book's new elements (one for all:
    making a BeautifulSoup per footnote cost more than the footnotes)."""
    return BeautifulSoup("", "html.parser")


def _classes(tag: Tag) -> list[str]:
    value = tag.get("class")
    return [str(v) for v in value] if isinstance(value, list) else str(value or "").split()


def _join(base: str, relative: str) -> str:
    """Resolve a relative URL path against a page's URL path (both site-relative)."""
    parts = [p for p in base.split("/")[:-1] if p]
    for piece in relative.split("/"):
        if piece in ("", "."):
            continue
        if piece == "..":
            if parts:
                parts.pop()
        else:
            parts.append(piece)
    joined = "/".join(parts)
    return joined + "/" if relative.endswith("/") and joined else joined


def _inline(block: Tag, cls: str) -> Tag:
    """Block content made inline (a footnote lives inside a paragraph)."""
    out = _factory().new_tag("span", attrs={"class": cls})
    for child in list(block.children):
        if isinstance(child, Tag) and child.name in ("p", "div", "ul", "ol", "li", "blockquote"):
            span = _inline(child, "fn-p")
            out.append(span)
            out.append(" ")
        elif isinstance(child, Tag):
            out.append(child)
        elif isinstance(child, NavigableString):
            out.append(str(child))
    return out


# --------------------------------------------------------------------------- glyphs


def _font_file(family: str) -> str | None:
    """The font file fontconfig finds for ``family`` (Typst is given its folder)."""
    try:
        done = subprocess.run(
            ["fc-match", "--format=%{file}", family],
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    path = done.stdout.strip()
    return path if path and Path(path).is_file() else None


@functools.cache
def _font_cmaps(families: tuple[str, ...]) -> list[tuple[str, frozenset[int]]]:
    from fontTools.ttLib import TTFont

    cmaps = []
    for family in families:
        path = _font_file(family)
        if path is None:
            continue
        try:
            font = TTFont(path, fontNumber=0, lazy=True)
            cmaps.append((family, frozenset(font.getBestCmap() or {})))
        except Exception:
            continue
    return cmaps


@functools.cache
def digit_advances(family: str, size: float) -> tuple[float, ...]:
    """The advance width in points of the digits 0-9 of ``family`` at ``size`` points,
    to set the page numbers digit by digit (0.6 em each if the font cannot be read)."""
    from fontTools.ttLib import TTFont

    path = _font_file(family)
    try:
        if path is None:
            raise ValueError(family)
        font = TTFont(path, fontNumber=0, lazy=True)
        cmap, metrics = font.getBestCmap(), font["hmtx"]
        em = font["head"].unitsPerEm
        return tuple(metrics[cmap[ord(d)]][0] / em * size for d in "0123456789")
    except Exception:
        return (0.6 * size,) * 10


def missing_glyphs(texts: Iterable[tuple[str, str]]) -> list[tuple[str, str, str]]:
    """(source, text) pairs -> (source, character, excerpt) for the characters the book
    cannot print: those no book font covers, but for the ones Typst sets without a glyph,
    and U+FEFF, which PDF/UA-1 forbids in text."""
    cmaps = _font_cmaps(BOOK_FONTS)
    covered: set[int] = set()
    for _, cmap in cmaps:
        covered |= cmap
    covered.discard(0xFEFF)
    problems = []
    reported: set[str] = set()
    for source, text in texts:
        for i, ch in enumerate(text):
            if ord(ch) in covered or ch in reported or _needs_no_glyph(ch):
                continue
            reported.add(ch)
            excerpt = " ".join(text[max(0, i - 25) : i + 25].split())
            problems.append((source, ch, excerpt))
    return problems


_IGNORABLE = (
    (0x00AD, 0x00AD), (0x034F, 0x034F), (0x061C, 0x061C), (0x115F, 0x1160),
    (0x17B4, 0x17B5), (0x180B, 0x180F), (0x200B, 0x200F), (0x202A, 0x202E),
    (0x2060, 0x206F), (0x3164, 0x3164), (0xFE00, 0xFE0F), (0xFFA0, 0xFFA0),
    (0xFFF0, 0xFFF8), (0x1BCA0, 0x1BCA3), (0x1D173, 0x1D17A), (0xE0000, 0xE0FFF),
)  # fmt: skip
"""Unicode's default-ignorable code points (DerivedCoreProperties.txt) but U+FEFF:
Typst's shaper sets them invisibly, with no glyph (zero-width joiners, variation
selectors, direction marks, the tags of flag emoji)."""


def _needs_no_glyph(ch: str) -> bool:
    """Whether Typst sets ``ch`` without a glyph of the fonts: spaces and line breaks (a
    C0 control is written as a space), and the default-ignorable characters. Tried on
    every control, format and space character with Typst 0.15: the others (C1 controls
    such as a pasted U+0092, visible format marks such as U+0600, unassigned code points
    and noncharacters, U+FEFF) make it refuse the book under PDF/UA-1."""
    code = ord(ch)
    if unicodedata.category(ch)[0] == "Z" or code < 0x20 or code == 0x7F:
        return True
    return any(low <= code <= high for low, high in _IGNORABLE)


_KINDS = {
    "Cc": "control character",
    "Cf": "format character",
    "Co": "private-use character",
    "Cs": "surrogate",
    "Cn": "unassigned code point",
}


def _glyph_message(ch: str, excerpt: str) -> str:
    code = ord(ch)
    kind = _KINDS.get(unicodedata.category(ch))
    if code == 0xFEFF:
        kind = "byte-order mark (PDF/UA-1 forbids it in text)"
    elif (code & 0xFFFE) == 0xFFFE or 0xFDD0 <= code <= 0xFDEF:
        kind = "noncharacter"
    if kind is None:
        return (
            f'no font for the PDF has the character {ch!r} (U+{code:04X}) in "{excerpt}"; '
            "install a font that covers it (the book uses: " + ", ".join(BOOK_FONTS) + ")"
        )
    return (
        f'the PDF book cannot print the {kind} U+{code:04X} in "{excerpt}" (no font draws '
        "it, and PDF/UA-1 allows no character without a glyph); remove it"
    )


def _check_glyphs(
    texts: list[tuple[str, str]], meta: BookMeta, diagnostics: Diagnostics, root: Path | None
) -> set[str]:
    """Characters the book cannot print, each at its first place in its source file
    (under ``root``, the project); returns them."""
    texts = [*texts, ("mkdocs.yml", f"{meta.title} {meta.subtitle} {meta.author}")]
    missing = missing_glyphs(texts)
    for source, ch, excerpt in missing:
        diagnostics.error(_place(root, source, ch), _glyph_message(ch, excerpt))
    return {ch for _, ch, _ in missing}


def _place(root: Path | None, source: str, needle: str) -> Position:
    return position_in_file(root, source, needle) if root is not None else Position(source)


def book_check(
    pages: list[BookPage],
    site_dir: Path,
    meta: BookMeta,
    diagnostics: Diagnostics,
    root: Path | None = None,
) -> None:
    """What ``briefing check`` checks of the book, without laying it out: the pages are
    read and written for Typst as for the book, and what the book would refuse is
    reported with the build's messages (``refusals``)."""
    refusals(transform(pages, site_dir), site_dir, meta, diagnostics, root)


def refusals(
    book: _Book, site_dir: Path, meta: BookMeta, diagnostics: Diagnostics, root: Path | None
) -> tuple[dict[int, str], frozenset[str]]:
    """Report what the book cannot print as the site shows it, each at its place in its
    source: characters no font has, headings without text, addresses too long to link,
    pictures it would fetch from elsewhere, and pictures it cannot show (measured, then
    tried with Typst, before any layout). Returns how the book prints them instead: the
    characters to write as U+FFFD, and the pictures to print as their alternative text."""
    missing = {ord(ch): "\ufffd" for ch in _check_glyphs(book.texts, meta, diagnostics, root)}
    headings: dict[str, list[Position]] = {}
    for source, needle, message in book.refused:
        if needle == EMPTY_HEADING:
            places = headings.setdefault(source, _empty_headings(root, source))
            where = places.pop(0) if len(places) > 1 else places[0]
        else:
            where = _place(root, source, needle)
        diagnostics.error(where, message)
    for source, url in book.blocked:
        diagnostics.error(
            _place(root, source, url),
            f"the PDF does not fetch {url}; it prints the picture's alternative text",
        )
    return missing, _vet_pictures(book, site_dir, diagnostics, root)


_EMPTY_HEADING = re.compile(
    r"^[ \t>]*#{1,6}(?:[ \t]+(?:[ \t#]|&nbsp;|<[^>\n]*>)*)?$"
    r"|<h[1-6][^>]*>(?:\s|&nbsp;|<[^>]*>)*</h[1-6]>",
    re.MULTILINE | re.IGNORECASE,
)
"""A heading with no words, as Markdown (``#``, ``## <span></span>``) or HTML writes it."""


def _empty_headings(root: Path | None, source: str) -> list[Position]:
    """Where the source's headings without words are (its first line if none is found)."""
    try:
        text = (root / source).read_text("utf-8-sig") if root is not None else ""
    except (OSError, UnicodeDecodeError):
        text = ""
    found = [Position(source, *line_col(text, m.start())) for m in _EMPTY_HEADING.finditer(text)]
    return found or [Position(source)]


def _vet_pictures(
    book: _Book, site_dir: Path, diagnostics: Diagnostics, root: Path | None
) -> frozenset[str]:
    """The pictures the book cannot show (their keys), each reported where it is shown
    first: a file is measured from its header (``core.pictures``), never decoded past
    the limits; what passes, and every inline SVG, is tried with Typst, in a process of
    its own. A missing file is not reported here (MkDocs reports the link to it)."""
    site = site_dir.resolve()
    places: dict[str, tuple[str, str]] = {}
    trial: dict[str, str] = {}
    pixels: dict[str, int] = {}
    broken: set[str] = set()
    found: dict[str, str] = {}
    for key, source, needle, svg in book.pictures:
        if key in places:
            continue
        places[key] = (source, needle)
        if svg:
            trial[key] = svg
            continue
        file = site / key.lstrip("/")
        try:
            exists = file.resolve().is_relative_to(site) and file.is_file()
        except (OSError, ValueError):  # a name longer than the file system allows
            exists = False
        if not exists:
            broken.add(key)
            continue
        measured = measure(file)
        if measured.problem is not None:
            found[key] = measured.problem
        else:
            trial[key.lstrip("/")] = ""
            pixels[key.lstrip("/")] = measured.pixels
    tried = probe(trial, str(site), _font_dirs(), pixels)
    found.update((key if key in places else "/" + key, why) for key, why in tried.items())
    for key, reason in found.items():
        source, needle = places[key]
        what = "an inline SVG picture" if key.startswith("svg:") else f"the picture {key[1:]}"
        diagnostics.warning(
            _place(root, source, needle),
            f"the PDF book cannot show {what} ({reason}); it prints its alternative text instead",
        )
    return frozenset(broken | set(found))


def _picture_warnings(
    unreadable: Iterable[str], diagnostics: Diagnostics, root: Path | None
) -> None:
    """Pictures of a part that Typst could not lay out though they passed the trial
    (``refusals``): the part was laid out with every picture as its alternative text."""
    for picture in dict.fromkeys(unreadable):
        path, _, reason = picture.partition(": ")
        if not path:  # no picture of the part was to blame
            diagnostics.warning(
                Position("mkdocs.yml"),
                f"the PDF book printed a part's pictures as their alternative text ({reason})",
            )
            continue
        docs = f"docs/{path}"
        where = Position(docs) if root is not None and (root / docs).is_file() else None
        diagnostics.warning(
            where or Position("mkdocs.yml"),
            f"the PDF book cannot show the picture {path} ({reason}); it prints its "
            "alternative text instead",
        )


# --------------------------------------------------------------------------- the book


def transform(pages: list[BookPage], site_dir: Path, cache: BookCache | None = None) -> _Book:
    """Read and rearrange the site's pages for the book (done once per book). With a
    ``cache``, a page whose HTML, place in the book and the book's other pages are as
    they were is taken from there instead (``pages/``, one entry a page)."""
    book = _Book(pages, site_dir)
    store = _PageCache(cache, pages) if cache is not None else None
    for page in pages:
        key = store.key(page) if store is not None else ""
        entry = store.load(key, page) if store is not None else None
        if entry is not None:
            book.restore(page, entry)
            continue
        before = book.found()
        if page.kind == "article":
            book.article(page)
        elif page.kind == "entity":
            book.entity(page)
        elif page.kind == "map":
            book.map_page(page)
        else:
            book.timeline_page(page)
        if store is not None:
            store.save(key, book.entry(page, before))
    return book


class _PageCache:
    """The book's reading of each page of the site, kept between builds under a digest
    of everything it depends on: the page's HTML, its place in the book, the pages the
    book has (links are made from them) and the code that reads it."""

    def __init__(self, cache: BookCache, pages: list[BookPage]) -> None:
        self.cache = cache
        code = hashlib.sha256(CACHE_FORMAT.encode())
        for module in ("pdf.py", "typeset.py"):
            code.update((Path(__file__).parent / module).read_bytes())
        code.update(json.dumps(sorted((p.url, p.kind, p.key) for p in pages)).encode())
        self.base = code.digest()

    def key(self, page: BookPage) -> str:
        digest = hashlib.sha256(self.base)
        digest.update(json.dumps([page.kind, page.key, page.url, page.source]).encode())
        # What the book reads of the page: not its navigation, nor an entity page's lists
        # of mentions and notes, which change with every article.
        stops = ENTITY_TAIL if page.kind == "entity" else ()
        digest.update(_content_only(page.html.read_text("utf-8"), stops).encode())
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


def _groups(book: _Book, entity_types: Mapping[str, str]) -> list[tuple[str, list[Any]]]:
    groups: list[tuple[str, list[dict[str, Any]]]] = []
    for kind, (_, plural) in TYPE_LABELS.items():
        members = sorted(
            (e for key, e in book.entities.items() if entity_types.get(key) == kind),
            key=lambda e: str(e["name"]).casefold(),
        )
        if members:
            groups.append((plural, members))
    return groups


@functools.cache
def _kinds() -> str:
    """The annotation kinds' colours as a Typst dictionary, read from the site's
    ``kinds.css`` (light scheme), so that the book and the site agree."""
    css = (THEME_DIR / "assets/briefing/kinds.css").read_text("utf-8")
    light = css.split("}", 1)[0]
    colours = dict(re.findall(r"--bf-([a-z-]+):\s*(#[0-9a-fA-F]{6})", light))
    entries = [
        f'"{kind}": (fg: rgb("{colours[kind]}"), bg: rgb("{colours[kind + "-bg"]}"))'
        for kind in [*KIND_LABELS, "article"]
        if kind in colours and kind + "-bg" in colours
    ]
    return "(" + ", ".join(entries) + ")"


@functools.cache
def _preamble() -> str:
    return (Path(__file__).parent / "typst_templates/book.typ").read_text("utf-8")


def _head(meta: BookMeta, running: str, flipped: bool = False, broken: Iterable[str] = ()) -> str:
    """What every part starts with: the book's metadata and page design (``broken``:
    the pictures of the part it prints as their alternative text)."""
    keywords = "".join(f"{literal(k)}, " for k in meta.keywords)
    lang = meta.language.split("-")[0].lower()
    lang = lang if re.fullmatch(r"[a-z]{2,3}", lang) else "en"
    return (
        f"#let meta = (title: {literal(meta.title)}, author: {literal(meta.author)}, "
        f"subtitle: {literal(meta.subtitle)}, keywords: ({keywords}), lang: {literal(lang)})\n"
        f"#let paper = {literal(PAPER_SIZES.get(meta.paper, 'a4'))}\n"
        f"#let kinds = {_kinds()}\n"
        f"#let running = {literal(running)}\n"
        f"{PICTURES_ON}\n#let broken = ({''.join(literal(k) + ', ' for k in broken)})\n"
        + _preamble()
        + ("\n#set page(flipped: true)\n" if flipped else "\n")
    )


def _link(name: str, body: str) -> str:
    return f"#link({literal('bf:' + label_name(name))})[{body}]"


def _front(meta: BookMeta, contents: list[dict[str, Any]], total_pages: int) -> str:
    """The cover, the contents (with the page of every part) and how to read the book."""
    built = meta.date.strftime("%-d %B %Y")
    version = f" · version {meta.version}" if meta.version else ""
    author = f"#linebreak(){escape(meta.author)}" if meta.author else ""
    subtitle = (
        f"#block(width: 140mm, text(size: 14pt)[{escape(meta.subtitle)}])" if meta.subtitle else ""
    )
    cover = (
        "#page(fill: navy, margin: (top: 70mm, x: 24mm, bottom: 20mm), header: none)[\n"
        "#set text(fill: white)\n#set par(justify: false)\n"
        '#text(font: sans, size: 10pt, weight: 700, tracking: 0.2em, fill: rgb("#b9c3f5"))'
        "[ANNOTATED BRIEFING]\n\n"
        "#block(above: 6mm, below: 8mm, text(font: sans, size: 30pt, weight: 700)"
        f"[{escape(meta.title)}])\n\n{subtitle}\n\n"
        "#block(above: 10mm, text(font: sans, size: 11pt, weight: 700)"
        f"[Current as of {escape(meta.current_as_of_text)}])\n\n"
        '#block(above: 40mm, text(font: sans, size: 9pt, fill: rgb("#d5dbf7"))'
        f"[Built {escape(built + version)} · {total_pages} pages{author}])\n]\n"
    )
    lines = []
    for entry in contents:
        title = escape(entry["title"])
        row = _link(entry["anchor"], f"{title} #box(width: 1fr, repeat[.#h(2pt)]) {entry['page']}")
        weight = ", weight: 700" if entry.get("part") else ""
        above = "5mm" if entry.get("part") else "2.5mm"
        lines.append(f"#block(above: {above}, below: 0pt, text(font: sans{weight})[{row}])")
    chips = " ".join(f"#bfkind({literal(k)})[{escape(v)}]" for k, v in KIND_LABELS.items())
    return (
        cover
        + '#bfa("contents")\n'
        + "#heading(level: 1, outlined: false, bookmarked: false)[Contents]\n"
        + "\n".join(lines)
        + "\n\n#v(14mm)\n#text(size: 9pt)[\n"
        "#heading(level: 2, outlined: false, bookmarked: false)[How to read this book]\n\n"
        "Highlighted passages carry an editor\\'s note, printed as a footnote on the same "
        "page; its label says what kind of note it is:\n\n"
        f"{chips}\n\n"
        "Names that are #bfname[underlined with dots] are entries of the glossary at the "
        "end, which also lists the pages that mention each one. Web addresses are printed "
        "after their link the first time it appears in an article.\n]\n"
    )


def _articles(articles: list[dict[str, Any]]) -> str:
    return "\n\n".join(
        f"#bfarticle({literal(a['title'])}, {literal(label_name('article-' + a['key']))}, "
        f"{literal(label_name('start.' + a['key']))})\n\n{a['typ']}"
        for a in articles
    )


INDEX_PAGES = 40
"""Pages the glossary's index lists for one entity; past that it says how many more
(at 1,000 articles an entity such as China is on some 1,800 pages: a list of that
length helps no reader, and its links made the glossary the book's largest part)."""


def _glossary(groups: list[tuple[str, list[Any]]], index: Mapping[str, list[Any]]) -> str:
    out = ['#bfparttitle("Glossary", "glossary")']
    for plural, members in groups:
        out.append(f"#heading(level: 2, outlined: false, bookmarked: false)[{escape(plural)}]")
        for entity in members:
            pages = index.get(entity["key"])
            if pages:
                numbers = ", ".join(
                    _link(anchor, f"#bfpagenumber[{number}]")
                    for number, anchor in pages[:INDEX_PAGES]
                )
                line = f"Mentioned on page{'s' if len(pages) > 1 else ''} {numbers}"
                more = len(pages) - INDEX_PAGES
                line += f", and on {more:,} more pages." if more > 0 else "."
            else:
                line = "Not mentioned in the articles."
            anchor = literal(label_name("entity-" + entity["key"]))
            out.append(
                f"#bfentry({literal(entity['name'])}, {anchor})"
                f"\n\n{entity['typ']}\n\n#bfindex[{line}]"
            )
    return "\n\n".join(out)


MAP_INTRO = (
    "Who is connected to whom: a line joins two entities when one lists the other as "
    "related (dark) or when the same article mentions both (light, thicker for more "
    "articles). Colour is the kind of entity, size how often the articles mention it; "
    "each entity's glossary entry lists its related entities."
)


def part_source(meta: BookMeta, part: str, broken: Iterable[str] = (), **context: Any) -> str:
    """One part of the book ("front", "articles", "glossary", "map" or "timeline") as a
    Typst document of its own; the pictures of ``broken`` it shows print as their
    alternative text."""
    running, flipped = "", False
    if part == "front":
        body = _front(meta, context["contents"], context["total_pages"])
    elif part == "articles":
        body, running = _articles(context["articles"]), "Articles"
    elif part == "glossary":
        body, running = _glossary(context["groups"], context["index"]), "Glossary"
    elif part == "map":
        body = (
            '#bfparttitle("Entity map", "map")\n\n'
            f"#text(size: 8.5pt)[{escape(MAP_INTRO)}\n\n{context['entity_map']}]"
        )
        running, flipped = "Entity map", True
    else:
        body = '#bfparttitle("Timeline", "timeline")\n\n' + context["timeline"]
        running = "Timeline"
    shown = sorted(key for key in broken if literal(key) in body)
    return _head(meta, running, flipped, shown) + body + "\n\n#bfwhere()\n"


def book_pages(
    generated: Mapping[str, GeneratedPage],
    built: Callable[[str], tuple[str, str] | None],
    site_dir: Path,
    briefing: Briefing,
) -> list[BookPage]:
    """The generated pages that make the book, in its order: articles as the briefing
    orders them, then the glossary entries, the map and the timeline. ``built`` gives
    a page's file and URL in the site (None: not built)."""
    pages = []
    for uri, page in generated.items():
        where = built(uri)
        kind = "article" if page.article else "entity" if page.entity else None
        kind = kind or {TIMELINE: "timeline", MAP: "map"}.get(uri)
        if where is None or kind is None:
            continue
        key = page.article or page.entity or kind
        pages.append(BookPage(kind, key, site_dir / where[0], page.source, where[1]))
    order = {a.slug: i for i, a in enumerate(briefing.articles)}
    pages.sort(key=lambda p: (p.kind != "article", order.get(p.key, 0), p.key))
    return pages


# --------------------------------------------------------------------------- layout

CACHE_FORMAT = "2"
"""Part of every cache key: bump it when what a cached layout holds changes."""
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


@functools.cache
def _font_dirs() -> tuple[str, ...]:
    """The folders of the book's fonts: Typst reads these and nothing else (the same
    fonts on every machine that has them, and no time spent scanning the rest)."""
    dirs = {str(Path(file).parent) for family in BOOK_FONTS if (file := _font_file(family))}
    return tuple(sorted(dirs))


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
            sys.stderr.write(f"\\r  PDF book: {what} {done} of {total}\\x1b[K")
            sys.stderr.flush()
            self.counting = True

    def done(self) -> None:
        if getattr(self, "counting", False):
            sys.stderr.write("\\r\\x1b[K")
            sys.stderr.flush()
            self.counting = False


@with_config(_ENTRY_CONFIG)
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
        fonts = "\0".join(_font_dirs())
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
            run_layouts(jobs, str(self.site_dir), _font_dirs(), self.jobs, finished)
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


def _jobs() -> int:
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


NUMBER_FONT = ("Noto Sans CJK SC", 8.0)
"""Family and size (pt) of the page numbers."""


def _digits_source() -> str:
    """Ten pages, the digits 0-9, each at the left edge of its page: the join sets every
    page number from them."""
    width, height = (f"{v:.2f}pt" for v in DIGIT_BOX)
    family, size = NUMBER_FONT
    pages = "\n#pagebreak()\n".join(f"#align(horizon)[{n}]" for n in range(10))
    return (
        f"#set page(width: {width}, height: {height}, margin: 0pt)\n"
        f'#set text(font: {literal(family)}, size: {size}pt, fill: rgb("#5b5b5b"))\n'
        f"#set par(justify: false)\n{pages}\n#metadata(())<bf-where>\n"
    )


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
                layouts = Layouts(site_dir, parts, incoming, progress, _jobs())
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
    _picture_warnings(result.unreadable, diagnostics, root)
    return result


def _lay_out_book(
    book: _Book,
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
    bodies.append(Part("page numbers", _digits_source(), tagged=False))
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
