"""What rendering recorded that the open data publishes: each article's text as a
reader sees it and where its quotes stand in it (:class:`Anchoring`), the notes' HTML,
which pages mention which entity; and each note as the documents publish it (HTML
through the site's allow-list, plain text, Markdown with plain links).

The notes come from untrusted files: every piece of HTML that leaves here went through
:func:`~briefing.core.safety.sanitize`.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from html import unescape
from html.parser import HTMLParser

import markdown

from ...core.anchoring import BLOCK_TAGS, fold_whitespace
from ...core.context import RenderContext
from ...core.model import Annotation, Article, Briefing
from ...core.safety import sanitize
from ...markdown.extension import WIKI_RE
from .site import Site, attribute


@dataclass(frozen=True)
class Anchoring:
    """What rendering found for one article: its text as a reader sees it, and where
    each annotation's quote starts in it (absent: unanchored)."""

    text: str = ""
    starts: Mapping[int, int] = field(default_factory=dict)
    numbers: Mapping[int, int] = field(default_factory=dict)
    """Annotation index -> the number a reader sees."""
    notes: Mapping[int, str] = field(default_factory=dict)
    """Annotation index -> its note's HTML as the article's page rendered it."""


def anchorings(context: RenderContext) -> dict[str, Anchoring]:
    """What rendering recorded about each article's annotations."""
    return {
        slug: Anchoring(
            context.article_text.get(slug, ""),
            {r.index: r.start for r in results if r.anchored and r.start >= 0},
            {r.index: r.number for r in results},
            {
                r.index: context.notes[key]
                for r in results
                if (key := f"{slug}-{r.index + 1}") in context.notes
            },
        )
        for slug, results in context.annotations.items()
    }


def mentioned_on(context: RenderContext) -> dict[str, list[str]]:
    """Entity id -> the pages (``src_uri``) that mention it."""
    out: dict[str, list[str]] = {}
    for page, entities in sorted(context.page_entities.items()):
        for entity_id in entities:
            out.setdefault(entity_id, []).append(page)
    return out


def in_reading_order(article: Article, anchoring: Anchoring | None) -> list[Annotation]:
    """The article's annotations in the order a reader numbers them."""
    numbers = anchoring.numbers if anchoring else {}
    return sorted(article.annotations, key=lambda a: (numbers.get(a.index, 10**9), a.index))


# --------------------------------------------------------------------------- notes


def note_markdown(note: str, site: Site, briefing: Briefing) -> str:
    """The note's Markdown with ``[[id]]`` links made plain Markdown links."""

    def link(m: re.Match[str]) -> str:
        entity_id, label = m.group(1).strip(), m.group(2)
        entity = briefing.entities.get(entity_id)
        if entity is None:
            return label or entity_id
        return f"[{label or entity.name}](<{site.entity(entity_id)}>)"

    return re.sub(WIKI_RE, link, note)


def note_html(
    annotation: Annotation, site: Site, briefing: Briefing, anchoring: Anchoring | None
) -> str:
    """The note as sanitised HTML (the site's allow-list), links absolute when the site
    has a URL: the HTML its article's page rendered, else (open data made from the
    sources alone) the note rendered here."""
    rendered = anchoring.notes.get(annotation.index) if anchoring is not None else None
    if rendered is None:
        return _render(note_markdown(annotation.model.note, site, briefing))
    return _published(rendered, site)


_ENTITY_HREF = re.compile(r'href="/glossary/([^"/]+)\.md"')


@functools.lru_cache(maxsize=4096)  # the feed and the collection publish each note
def _published(rendered: str, site: Site) -> str:
    """A note's HTML from its page, entity links made the site's, through the allow-list."""
    linked = _ENTITY_HREF.sub(lambda m: f'href="{attribute(site.entity(m.group(1)))}"', rendered)
    return sanitize(linked)


@functools.cache
def _markdown() -> markdown.Markdown:
    return markdown.Markdown(extensions=["extra"])


# Bounded: under `mkdocs serve` the module lives across builds. The feed and the
# collection render each note once between them.
@functools.lru_cache(maxsize=4096)
def _render(text: str) -> str:
    return sanitize(_markdown().reset().convert(text))


class _Words(HTMLParser):
    """The text of a piece of HTML: blocks apart, inline markup joining its words."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in BLOCK_TAGS:
            self.parts.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag in BLOCK_TAGS:
            self.parts.append(" ")

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


_TAG = re.compile(r"""<(/?)([A-Za-z][^\t\n\f\r />]*)(?:[^>"']|"[^"]*"|'[^']*')*>""")
"""A start or end tag as the allow-list writes it (names in lower case, values quoted)."""


@functools.lru_cache(maxsize=4096)
def plain_text(html_text: str) -> str:
    """The words of a piece of HTML, whitespace folded. A note's HTML comes from the
    allow-list (:func:`~briefing.core.safety.sanitize`): text with every ``<`` escaped,
    between tags. That is read by a regular expression, four times faster than
    :class:`HTMLParser` (4,000 notes at 1,000 articles); anything else (a comment, a
    script's or a style's raw text, a ``<`` no tag begins) by the parser."""
    parts: list[str] = []
    position = 0
    for tag in _TAG.finditer(html_text):
        text = html_text[position : tag.start()]
        name = tag.group(2).lower()
        if "<" in text or name in ("script", "style"):
            return _parsed_words(html_text)
        parts.append(unescape(text))
        if name in BLOCK_TAGS:
            parts.append(" ")
        position = tag.end()
    text = html_text[position:]
    if "<" in text:
        return _parsed_words(html_text)
    parts.append(unescape(text))
    return fold_whitespace("".join(parts))


def _parsed_words(html_text: str) -> str:
    parser = _Words()
    parser.feed(html_text)
    parser.close()
    return fold_whitespace("".join(parser.parts))
