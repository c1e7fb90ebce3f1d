"""The PDF book: a post-build step over the site's finished HTML.

The articles, entity pages and timeline are taken from the pages MkDocs has
just written, so the book and the site come from one rendering; they are
re-arranged for paper (annotation notes become footnotes, entity mentions link
into a glossary appendix, the glossary gets a page index) and laid out by
WeasyPrint with a print stylesheet. Nothing is fetched from the network.

The page index needs to know where every mention landed, so the book is laid
out twice: the first layout tells on which page each mention anchor stands,
the second prints those page numbers into the glossary, which comes after
every article, so the articles' pages do not move.
"""

from __future__ import annotations

import datetime as dt
import functools
import gc
import logging
import re
import subprocess
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import jinja2
from bs4 import BeautifulSoup, NavigableString, Tag
from weasyprint.urls import URLFetcher

from .diagnostics import Diagnostics, Position
from .extension import KIND_LABELS
from .model import Briefing
from .pages import MAP, TIMELINE, TYPE_LABELS, GeneratedPage

PAPER_SIZES = {"a4": "A4", "letter": "letter"}
BOOK_FONTS = ("Noto Serif CJK SC", "Noto Sans CJK SC", "DejaVu Sans")
"""The fonts the print stylesheet names, in fallback order; every character of the
book must be in one of them."""


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


@dataclass
class BookResult:
    pages: int = 0
    blocked: list[str] = field(default_factory=list)
    index: dict[str, list[int]] = field(default_factory=dict)
    """Entity id -> pages that mention it."""


class LocalOnlyFetcher(URLFetcher):  # type: ignore[misc]
    """A WeasyPrint URL fetcher that reads files of the site and nothing else."""

    def __init__(self, root: Path) -> None:
        super().__init__(allowed_protocols={"file", "data"})
        self.root = root.resolve()
        self.blocked: list[str] = []

    def fetch(self, url: str, headers: Any = None) -> Any:
        parts = urlsplit(url)
        if parts.scheme == "data":
            return super().fetch(url, headers)
        if parts.scheme == "file":
            path = Path(unquote(parts.path)).resolve()
            if path.is_relative_to(self.root) or _is_font_file(path):
                return super().fetch(url, headers)
        self.blocked.append(url)
        raise ValueError(f"the PDF fetches nothing from outside the site: {url}")


def _is_font_file(path: Path) -> bool:
    return path.suffix.lower() in {".ttf", ".otf", ".ttc", ".woff", ".woff2"}


def git_version(root: Path) -> str:
    try:
        done = subprocess.run(
            ["git", "describe", "--always", "--dirty", "--tags"],
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


class _Book:
    """Turns the site's pages into one book document."""

    def __init__(self, pages: list[BookPage], site_dir: Path) -> None:
        self.pages = pages
        self.site_dir = site_dir.resolve()
        self.urls = {page.url: page for page in pages}
        self.mention_count = 0
        self.entities: dict[str, dict[str, Any]] = {}
        self.articles: list[dict[str, Any]] = []
        self.timeline = ""
        self.map = ""
        self.texts: list[tuple[str, str]] = []
        """(source file, text) of every page read, for the glyph check."""

    def page_soup(self, page: BookPage) -> Tag:
        soup = BeautifulSoup(page.html.read_text(encoding="utf-8"), "html.parser")
        content = soup.select_one("article.md-content__inner")
        if content is None:
            raise ValueError(f"{page.html}: no article content found")
        for junk in content.select(
            "a.md-content__button, a.headerlink, .md-source-file, "
            ".md-feedback, .bf-annotate-passage, script, style, .bf-figure-caption, "
            ".bf-map-filter input"
        ):
            junk.decompose()
        self.texts.append((page.source, content.get_text(" ")))  # for the glyph check
        # Source line breaks are spaces to a reader; WeasyPrint sometimes keeps them.
        for text in content.find_all(string=True):
            if not text.find_parent(["pre", "code"]) and "\n" in text:
                text.replace_with(re.sub(r"\s*\n\s*", " ", str(text)))
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
                file = (self.site_dir / _join(urlsplit(page.url).path, src)).resolve()
                img["src"] = file.as_uri()

    def mark_mentions(self, content: Tag) -> None:
        for el in content.select("a.bf-mention[data-entity], span.bf-mention-repeat[data-entity]"):
            self.mention_count += 1
            el["id"] = f"m-{el['data-entity']}-{self.mention_count}"

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
        self.relink(page, content)
        self.mark_mentions(content)
        ids = {str(el["id"]) for el in content.select("[id]")}
        for a in content.select(f'a[href^="#{page.key}--"]'):
            if str(a["href"])[1:] not in ids:  # e.g. the list of notes, now footnotes
                a.unwrap()
        self.articles.append({"key": page.key, "title": title_text, "html": str(content)})

    def footnote(self, item: Tag, kind: str) -> Tag:
        soup = BeautifulSoup("", "html.parser")
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
        # Line breaks inside a footnote's inline text trip WeasyPrint's line splitting.
        for text in note.find_all(string=True):
            text.replace_with(re.sub(r"\s+", " ", str(text)))
        return note

    def entity(self, page: BookPage) -> None:
        content = self.page_soup(page)
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
        self.entities[page.key] = {"key": page.key, "name": name, "html": str(content)}

    def timeline_page(self, page: BookPage) -> None:
        content = self.page_soup(page)
        self.take_title(content, "")
        for heading in content.find_all("h2"):
            heading.name = "h3"
        self.relink(page, content)
        self.timeline = str(content)

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
        self.map = str(figure)


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
    soup = BeautifulSoup("", "html.parser")
    out = soup.new_tag("span", attrs={"class": cls})
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


@functools.cache
def _font_cmaps(families: tuple[str, ...]) -> list[tuple[str, frozenset[int]]]:
    from fontTools.ttLib import TTFont

    cmaps = []
    for family in families:
        try:
            done = subprocess.run(
                ["fc-match", "--format=%{file}", f"{family}"],
                capture_output=True,
                text=True,
                timeout=10,
                check=False,
            )
        except (OSError, subprocess.SubprocessError):
            continue
        path = done.stdout.strip()
        if not path or not Path(path).is_file():
            continue
        try:
            font = TTFont(path, fontNumber=0, lazy=True)
            cmaps.append((family, frozenset(font.getBestCmap() or {})))
        except Exception:
            continue
    return cmaps


def missing_glyphs(texts: Iterable[tuple[str, str]]) -> list[tuple[str, str, str]]:
    """(source, text) pairs -> (source, character, excerpt) for characters no book
    font covers."""
    cmaps = _font_cmaps(BOOK_FONTS)
    covered: set[int] = set()
    for _, cmap in cmaps:
        covered |= cmap
    problems = []
    reported: set[str] = set()
    for source, text in texts:
        for i, ch in enumerate(text):
            if ord(ch) in covered or ch in reported:
                continue
            if unicodedata.category(ch)[0] in ("Z", "C"):
                continue
            reported.add(ch)
            excerpt = " ".join(text[max(0, i - 25) : i + 25].split())
            problems.append((source, ch, excerpt))
    return problems


# --------------------------------------------------------------------------- the book


@functools.cache
def _templates() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("briefing", "pdf_templates"),
        autoescape=jinja2.select_autoescape(["html", "j2"], default=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )


def transform(pages: list[BookPage], site_dir: Path) -> _Book:
    """Read and rearrange the site's pages for the book (done once per book)."""
    book = _Book(pages, site_dir)
    for page in pages:
        if page.kind == "article":
            book.article(page)
        elif page.kind == "entity":
            book.entity(page)
        elif page.kind == "map":
            book.map_page(page)
        else:
            book.timeline_page(page)
    return book


def book_html(
    book: _Book,
    meta: BookMeta,
    entity_types: dict[str, str],
    index: dict[str, list[tuple[int, str]]] | None = None,
    articles_only: bool = False,
) -> str:
    """The whole book as one HTML document. ``articles_only`` leaves out the appendices
    (for the layout that only finds the pages of the mentions: they come first)."""
    groups: list[tuple[str, list[dict[str, Any]]]] = []
    for kind, (_, plural) in TYPE_LABELS.items():
        members = sorted(
            (e for key, e in book.entities.items() if entity_types.get(key) == kind),
            key=lambda e: str(e["name"]).casefold(),
        )
        if members:
            groups.append((plural, members))
    here = Path(__file__).parent
    css = (here / "theme/assets/briefing/kinds.css").read_text("utf-8") + (
        here / "pdf_templates/book.css"
    ).read_text("utf-8")
    return (
        _templates()
        .get_template("book.html.j2")
        .render(
            meta=meta,
            paper=PAPER_SIZES.get(meta.paper, "A4"),
            css=css,
            articles=book.articles,
            groups=[] if articles_only else groups,
            timeline="" if articles_only else book.timeline,
            entity_map="" if articles_only else book.map,
            has_map=bool(book.map),  # in the contents of both layouts: pages must not move
            appendices=not articles_only,
            index=index,
            kinds=KIND_LABELS,
        )
    )


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


def write_book(
    pages: list[BookPage],
    site_dir: Path,
    out: Path,
    meta: BookMeta,
    entity_types: dict[str, str],
    diagnostics: Diagnostics,
) -> BookResult:
    """Lay out the book and write it to ``out``. Problems go to ``diagnostics``."""
    from weasyprint import HTML

    result = BookResult()
    book = transform(pages, site_dir)
    texts = [*book.texts, ("mkdocs.yml", f"{meta.title} {meta.subtitle} {meta.author}")]
    for source, ch, excerpt in missing_glyphs(texts):
        diagnostics.error(
            Position(source),
            f'no font for the PDF has the character {ch!r} (U+{ord(ch):04X}) in "{excerpt}"; '
            "install a font that covers it (the book uses: " + ", ".join(BOOK_FONTS) + ")",
        )
    fetcher = LocalOnlyFetcher(site_dir)
    base = str(site_dir) + "/"
    # Layout 1, front matter and articles only: on which page does each mention stand?
    html = book_html(book, meta, entity_types, articles_only=True)
    quiet = logging.getLogger("weasyprint")
    level = quiet.level
    quiet.setLevel(logging.ERROR)  # the contents' links to the appendices dangle here
    try:
        first = HTML(string=html, base_url=base, url_fetcher=fetcher).render()
    finally:
        quiet.setLevel(level)
    where: dict[str, list[tuple[int, str]]] = {}
    for number, page in enumerate(first.pages, 1):
        for anchor in page.anchors:
            found = re.fullmatch(r"m-(.+)-(\d+)", anchor)
            if found:
                entries = where.setdefault(found.group(1), [])
                if not entries or entries[-1][0] != number:
                    entries.append((number, anchor))
    del first, html  # a layout holds hundreds of megabytes; free it before the next
    gc.collect()
    # Layout 2, the whole book, the index printed with those page numbers.
    html = book_html(book, meta, entity_types, index=where)
    final = HTML(string=html, base_url=base, url_fetcher=fetcher).render()
    out.parent.mkdir(parents=True, exist_ok=True)
    final.write_pdf(out)
    result.pages = len(final.pages)
    result.blocked = fetcher.blocked
    result.index = {k: sorted({n for n, _ in v}) for k, v in where.items()}
    for url in fetcher.blocked:
        diagnostics.error(Position("mkdocs.yml"), f"the PDF does not fetch {url}")
    return result
