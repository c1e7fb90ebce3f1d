"""How an entity becomes a link: the :class:`Linker` that makes every entity link of a
page (mentions, ``[[id]]`` links, a note's "About"), the ``[[id]]`` and ``[[id|text]]``
inline pattern, and the last step that makes entity links relative to the page's source.
"""

from __future__ import annotations

import functools
import posixpath
import re
import xml.etree.ElementTree as etree
from collections.abc import Callable
from dataclasses import dataclass, field
from html import escape
from typing import TYPE_CHECKING

import markdown
from markdown.inlinepatterns import InlineProcessor
from markdown.treeprocessors import Treeprocessor
from markdown.util import AtomicString

from ..core import contract as names
from ..core.context import RenderContext, Source
from ..core.contract import entity_url
from ..core.diagnostics import did_you_mean
from ..core.mentions import build_matcher
from ..core.model import Annotation, Briefing
from ..core.safety import text_title
from .hostpage import source_path

if TYPE_CHECKING:
    from .notes import RenderedNote


@dataclass
class Linker:
    """What the extension needs to know about the briefing, built once per build."""

    briefing: Briefing
    context: RenderContext
    link_mode: str = "first"
    url_for: Callable[[str], str] = entity_url
    rendered_notes: dict[Source, RenderedNote] = field(default_factory=dict, repr=False)
    """Each note as rendered the first time a page showed it (:mod:`.notes`)."""

    def __post_init__(self) -> None:
        self.matcher = build_matcher(self.briefing)

    def note_uses(self, annotation: Annotation) -> int:
        """How many pages show a note: its article's, and each of its entities'."""
        about = self.briefing.entities
        return 1 + sum(1 for entity_id in set(annotation.model.entities) if entity_id in about)

    def link(self, entity_id: str, text: str, classes: str = names.MENTION) -> etree.Element:
        entity = self.briefing.entities[entity_id]
        a = etree.Element("a")
        a.set("href", self.url_for(entity_id))
        a.set("class", classes)
        # The tree's attributes are HTML (the serializer keeps "&amp;" as it is): the
        # summary as the browser's title should hold it (text_title), escaped once.
        a.set("title", escape(text_title(entity.summary), quote=False))
        a.set("data-entity", entity_id)
        a.text = AtomicString(text)
        return a

    def repeat(self, entity_id: str, text: str) -> etree.Element:
        """A mention that is not linked (not the first on its page): marked, so that a
        reader's "link every mention" switch and the PDF's index can find it."""
        span = etree.Element("span")
        span.set("class", names.MENTION_REPEAT)
        span.set("data-entity", entity_id)
        span.text = AtomicString(text)
        return span


# --------------------------------------------------------------------------- [[id]] links

WIKI_RE = r"\[\[([^\[\]|\n]+?)(?:\|([^\[\]\n]+?))?\]\]"


class WikiLinkProcessor(InlineProcessor):
    def __init__(self, linker: Linker, md: markdown.Markdown) -> None:
        super().__init__(WIKI_RE, md)
        self.linker = linker

    def handleMatch(self, m: re.Match[str], data: str) -> tuple[etree.Element | str, int, int]:  # type: ignore[override]
        raw_id, label = m.group(1).strip(), m.group(2)
        entities = self.linker.briefing.entities
        if raw_id not in entities:
            ctx = self.linker.context
            page = ctx.page
            source = page.source if page else Source("<markdown>", 1, "")
            if raw_id not in self.linker.briefing.invalid:  # else its file's errors say it all
                ctx.diagnostics.error(
                    source.position_of(m.group(0)),
                    f"unknown entity '{raw_id}' in [[...]] link{did_you_mean(raw_id, entities)}",
                )
            span = etree.Element("span")
            span.set("class", names.UNKNOWN)
            span.text = AtomicString((label or raw_id).strip())
            return span, m.start(0), m.end(0)
        text = (label or entities[raw_id].name).strip()
        return (
            self.linker.link(raw_id, text, f"{names.MENTION} {names.EXPLICIT}"),
            m.start(0),
            m.end(0),
        )


class EntityHrefTreeprocessor(Treeprocessor):
    """Links to entities, made relative to the Markdown's own source file
    (``../glossary/sora.md``): the host (MkDocs' relpath processor, Zensical) then turns
    them into URLs of the page the HTML lands on, in a page and in a blog excerpt alike
    (whose copy of the site's config may not resolve docs-absolute links)."""

    def run(self, root: etree.Element) -> None:
        path = source_path(self.md)
        if path is None:
            return
        folder = posixpath.dirname(path) or "."
        for el in root.iter("a"):
            href = el.get("href") or ""
            if el.get("data-entity") and href.startswith("/"):
                el.set("href", _relative(href[1:], folder))


@functools.lru_cache(maxsize=4096)
def _relative(path: str, folder: str) -> str:
    """``path`` relative to ``folder`` (both docs-relative): a page links the same few
    glossary pages as the pages beside it, and ``relpath`` costs more than the lookup."""
    return posixpath.relpath(path, folder)
