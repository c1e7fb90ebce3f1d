"""The site's pages, as the book reads them for paper.

The book is made of the generated pages MkDocs has just written (``book_pages``): the
articles, the glossary entries, the map and the timeline. Each is read from the site
folder (its article only, without the site's controls) and rearranged for paper:
annotation notes become footnotes, links into the site become links into the book,
mentions get anchors for the glossary's index. What is left is written as Typst markup
(``typeset``) and kept in a ``Book``, with what the book cannot print as the site shows
it (for ``checks``).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from bs4 import BeautifulSoup, Tag
from bs4.element import NavigableString

from ..core import contract as c
from ..core.model import Briefing
from ..site.pages import MAP, TIMELINE, GeneratedPage
from .typeset import Typeset


@dataclass(frozen=True)
class BookPage:
    kind: str  # "article", "entity", "timeline" or "map"
    key: str  # slug, entity id, "timeline" or "map"
    html: Path  # the built page in the site folder
    source: str  # project-relative source file, for error messages
    url: str  # the page's URL in the site, relative to the site root


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


def content_only(page: str, stops: tuple[str, ...] = ()) -> str:
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
    f'<section class="{c.NEIGHBOURS}"',
    f'<section class="{c.MENTIONED_IN}"',
)
"""Where the book's part of an entity page ends: the notes about the entity become
footnotes of the articles, and the pages that mention it are the glossary's index
(at 200 articles these lists are nine tenths of the page)."""


def book_content(page: BookPage, stops: tuple[str, ...] = ()) -> Tag:
    """What the book takes of a page of the site: its article, without the controls
    (and cut at the first of ``stops``, parts the book does not print)."""
    text = content_only(page.html.read_text(encoding="utf-8"), stops)
    soup = BeautifulSoup(text, "lxml")  # libxml2: several times html.parser's speed
    content = soup.select_one("article.md-content__inner")
    if content is None:
        raise ValueError(f"{page.html}: no article content found")
    for junk in content.select(
        "a.md-content__button, a.headerlink, .md-source-file, "
        f".md-feedback, .{c.ANNOTATE_PASSAGE}, script, style, .{c.FIGURE_CAPTION}, "
        f".{c.MAP_FILTER} input"
    ):
        junk.decompose()
    return content


class Book:
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
        selector = f"a.{c.MENTION}[data-entity], span.{c.MENTION_REPEAT}[data-entity]"
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
        for li in content.select(f"ol.{c.ANNOTATION_LIST} > li"):
            key = str(li.get("id", "")).removeprefix(c.NOTE_PREFIX)
            notes[key] = li
        for marker in content.select(f"a.{c.MARKER}"):
            key = str(marker.get("id", "")).removeprefix(c.REF_PREFIX)
            item = notes.get(key)
            kind = c.kind_of(_classes(marker), "context")
            marker.replace_with(self.footnote(item, kind) if item else "")
            if item is not None:
                item.decompose()
        # The end list keeps only what could not be placed (unanchored notes).
        remaining = content.select(f"ol.{c.ANNOTATION_LIST} > li")
        for el in content.select(f"#annotations, .{c.LEGEND}"):
            if not remaining:
                el.decompose()
        if not remaining:
            for el in content.select(f"ol.{c.ANNOTATION_LIST}"):
                el.decompose()
        else:
            heading = content.select_one("#annotations")
            if heading is not None:
                heading.string = "Annotations not placed in the text"
        for link in content.select(f"a.{c.ANNOTATE_ARTICLE}"):
            previous = link.previous_sibling
            if isinstance(previous, NavigableString) and previous.rstrip().endswith("·"):
                previous.replace_with(previous.rstrip()[:-1].rstrip())
            link.decompose()
        # The entities the article names: a run-in line under its source on paper, where
        # it reads as a key to the article; at the end it spilled onto pages of its own.
        entities = content.select_one(f".{c.IN_ARTICLE}")
        source = content.select_one(f".{c.SOURCE}")
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
        note = soup.new_tag("span", attrs={"class": f"footnote {c.kind_class(kind)}"})
        label = soup.new_tag("span", attrs={"class": "fn-kind"})
        label.string = c.KIND_LABELS.get(kind, kind)
        note.append(label)
        note.append(" ")
        verdict = item.select_one(f".{c.VERDICT}")
        if verdict is not None:  # a fact-check's finding, as on the site
            tag = soup.new_tag("span", attrs={"class": "fn-verdict"})
            tag.string = verdict.get_text()
            note.append(tag)
            note.append(" ")
        body = item.select_one(f".{c.NOTE}")
        if body is not None:
            note.append(_inline(body, "fn-body"))
        for extra in item.select(f".{c.SOURCES}"):
            note.append(" ")
            note.append(_inline(extra, "fn-meta"))
        return note

    def entity(self, page: BookPage) -> None:
        content = self.page_soup(page, ENTITY_TAIL)
        name = self.take_title(content, page.key)
        # The site's list of notes and of mentioning pages become footnotes and the index.
        for heading in content.select("h2"):
            ident = str(heading.get("id") or "")
            if ident.startswith("annotations-about") or ident == c.MENTIONED_TITLE:
                for sibling in list(heading.find_next_siblings()):
                    sibling.decompose()
                heading.decompose()
        for section in content.select(f".{c.MENTIONED_IN}, .{c.NEIGHBOURS}"):
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
        figure = content.select_one(f"figure.{c.FIGURE}")
        if figure is None:
            return
        # The legend is the site's type filter; on paper it is a plain key.
        for fieldset in figure.select(f"fieldset.{c.MAP_FILTER}"):
            fieldset.name = "p"
            fieldset["class"] = c.MAP_KEY
            for legend in fieldset.select("legend"):
                legend.name = "strong"
                legend.string = "Entity types:"
            for label in fieldset.select("label"):
                label.name = "span"
                label["class"] = c.KEY_ITEM
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
