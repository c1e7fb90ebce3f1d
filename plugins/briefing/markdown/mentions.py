"""Entity mentions in a page's text become links: the first a reader sees of each entity
(or every one, with ``link_mode: all``), the others marked as repeats; every mention is
recorded with its sentence for "Mentioned in".

The matcher itself is :mod:`briefing.core.mentions`; this module walks the tree for the
text it may look in (not code, links, headings, controls, nor text that raw HTML around
it excludes), as Python-Markdown's ``abbr`` does.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as etree
from typing import NamedTuple

import markdown
from markdown.treeprocessors import Treeprocessor
from markdown.util import HTML_PLACEHOLDER_RE, AtomicString

from ..core.anchoring import fold_whitespace, replace_slot
from ..core.mentions import Match
from .hidden import OUT_OF_SIGHT, hidden_parts
from .hostpage import placement
from .linker import Linker
from .sentences import sentence_in, shown_text

SKIP_TAGS = frozenset(
    [
        # code, links and headings (headings act as titles; toc copies them)
        "a",
        "code",
        "pre",
        "kbd",
        "samp",
        "script",
        "style",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        # controls: a link inside one would take its click (a tab's label opens the
        # glossary instead of the tab; a <summary> would not fold its details)
        "button",
        "label",
        "summary",
        "select",
        "option",
        "textarea",
        # a word the abbreviation extension marked keeps its <abbr> and stays unlinked,
        # wherever it stands, so the page reads the same with or without Briefing
        "abbr",
        # icons and math: markup, not words
        "svg",
        "math",
    ]
)
SKIP_CLASSES = frozenset(
    [
        "no-autolink",
        "admonition-title",  # admonition titles act as headings
        "tabbed-labels",  # pymdownx.tabbed's alternate style: the row of tab labels
        "arithmatex",  # pymdownx.arithmatex: TeX source
        "twemoji",  # Material's icons and emoji
        "emojione",
        "gemoji",
    ]
)
NO_AUTOLINK = "no-autolink"
_BLOCKS = frozenset(["p", "li", "td", "th", "dd", "dt", "blockquote", "figcaption", "div"])


class MentionTreeprocessor(Treeprocessor):
    def __init__(self, linker: Linker, md: markdown.Markdown) -> None:
        super().__init__(md)
        self.linker = linker

    def run(self, root: etree.Element) -> None:
        ctx = self.linker.context
        page, where, secondary = placement(self.md, ctx)
        if page is None or not page.autolink:
            return
        # A secondary pass (an excerpt on the blog's index) links only what the page it
        # lands on has not linked yet, and records nothing: "Mentioned in" credits the
        # page where the sentence really is, which its own render recorded.
        linked: set[str] = set(ctx.linked_on.get(where, ())) if secondary else set()
        blocks: list[tuple[etree.Element, str, str]] = []
        explicit: dict[str, bool] = {}  # [[id]] links on the page: seen on load?
        stash = [str(raw) for raw in self.md.htmlStash.rawHtmlBlocks]
        slots = _text_slots(root, explicit, blocks, stash)
        linked |= {entity for entity, seen in explicit.items() if seen}
        raw = _RawHtmlGuard(self.md)
        found: list[tuple[Slot, list[Match]]] = []
        for slot in slots:
            text = getattr(slot.el, slot.attr)
            protected = raw.protected(text)
            matches = [
                m
                for m in self.linker.matcher.find(text)
                if m.entity != page.entity
                and not any(a < m.end and m.start < b for a, b in protected)
            ]
            if matches:
                found.append((slot, matches))
        chosen = self._first_links(found, linked, set(explicit))
        linked |= set(chosen)
        for i, (slot, matches) in enumerate(found):
            el, attr, parent, block = slot.el, slot.attr, slot.parent, slot.block
            text = getattr(el, attr)
            pieces: list[etree.Element] = []
            lead = ""
            position = 0
            for j, match in enumerate(matches):
                term = text[match.start : match.end]
                gap = text[position : match.start]
                if pieces:
                    pieces[-1].tail = gap
                else:
                    lead = gap
                blocks.append((block, match.entity, term))
                if self.linker.link_mode == "all" or chosen.get(match.entity) == (i, j):
                    pieces.append(self.linker.link(match.entity, term))
                else:
                    pieces.append(self.linker.repeat(match.entity, term))
                position = match.end
            pieces[-1].tail = text[position:]
            replace_slot(el, attr, parent, lead, pieces)
        if self.linker.link_mode == "first":
            ctx.set_linked(where, linked)
        if secondary:
            return
        # One text per block, one sentence per block and term: 10,000 mentions in one
        # paragraph would otherwise re-read the whole paragraph 10,000 times.
        texts: dict[int, str] = {}
        sentences: dict[tuple[int, str], str] = {}
        for block, entity, term in blocks:
            key = (id(block), term)
            if key not in sentences:
                if key[0] not in texts:
                    texts[key[0]] = fold_whitespace(shown_text(block, stash))
                sentences[key] = sentence_in(texts[key[0]], term)
            ctx.record(entity, sentences[key], " ".join(term.split()))

    def _first_links(
        self, found: list[tuple[Slot, list[Match]]], linked: set[str], explicit: set[str]
    ) -> dict[str, tuple[int, int]]:
        """Entity -> the mention (its slot among ``found``, its place among the slot's
        matches) that becomes the page's link: the first a reader sees on load; when
        every mention is out of sight (unselected tabs, closed details, table headers,
        captions), the first of them, so that opening the tab still finds the link,
        unless an [[id]] link out of sight already gives one."""
        if self.linker.link_mode == "all":
            return {}
        first_seen: dict[str, tuple[int, int]] = {}
        first_any: dict[str, tuple[int, int]] = {}
        for i, (slot, matches) in enumerate(found):
            for j, match in enumerate(matches):
                if match.entity in linked:
                    continue
                first_any.setdefault(match.entity, (i, j))
                if slot.seen:
                    first_seen.setdefault(match.entity, (i, j))
        return {
            entity: first_seen.get(entity, place)
            for entity, place in first_any.items()
            if entity in first_seen or entity not in explicit
        }


_OPEN_TAG = re.compile(r"<\s*([a-zA-Z][a-zA-Z0-9]*+)([^>]*)>")
"""(The name possessive: ``<aaa...`` with no ``>`` gave each shorter name a try, in
quadratic time.)"""
_CLOSE_TAG = re.compile(r"<\s*/\s*([a-zA-Z][a-zA-Z0-9]*)\s*>")


class _RawHtmlGuard:
    """Inline raw HTML (``<kbd>Sora</kbd>``) reaches the tree as stash placeholders around
    ordinary text; keep mentions out of text that such a raw element excludes."""

    def __init__(self, md: markdown.Markdown) -> None:
        self.md = md
        self.open: list[str] = []

    def protected(self, text: str) -> list[tuple[int, int]]:
        if not self.open and "\x02" not in text:  # no raw HTML around or in this text
            return []
        ranges: list[tuple[int, int]] = []
        start = 0 if self.open else None
        for m in HTML_PLACEHOLDER_RE.finditer(text):
            blocks = self.md.htmlStash.rawHtmlBlocks
            index = int(m.group(1))
            html = str(blocks[index]) if index < len(blocks) else ""
            opening = _OPEN_TAG.fullmatch(html.strip())
            closing = _CLOSE_TAG.fullmatch(html.strip())
            if opening and not opening.group(2).rstrip().endswith("/"):
                tag, attrs = opening.group(1).lower(), opening.group(2)
                if self.open or tag in SKIP_TAGS or any(c in attrs for c in SKIP_CLASSES):
                    if not self.open:
                        start = m.end()
                    self.open.append(tag)
            elif closing and self.open and closing.group(1).lower() == self.open[-1]:
                self.open.pop()
                if not self.open and start is not None:
                    ranges.append((start, m.start()))
                    start = None
        if self.open and start is not None:
            ranges.append((start, len(text)))
        return ranges


class Slot(NamedTuple):
    """A text or tail that may hold mentions (a tuple: made for every text of a page)."""

    el: etree.Element
    attr: str
    """"text" or "tail"."""
    parent: etree.Element | None
    block: etree.Element
    """The enclosing block (for "Mentioned in"'s sentence)."""
    seen: bool
    """Does a reader see it when the page loads? Not in an unselected content tab, a
    closed ``details``, a table header, a figure caption or a list of Material's
    annotations (see :mod:`briefing.markdown.hidden`)."""


def _text_slots(
    root: etree.Element,
    explicit: dict[str, bool],
    links: list[tuple[etree.Element, str, str]],
    stash: list[str],
) -> list[Slot]:
    """Every text or tail that may hold a mention, in document order (all found before
    any is changed); records explicit ``[[id]]`` links met on the way in ``explicit``
    (id -> whether one is seen on load) and ``links``. ``stash`` is the page's stashed
    raw HTML (its code blocks)."""

    hidden = hidden_parts(root, stash)
    slots: list[Slot] = []

    def visit(
        el: etree.Element, parent: etree.Element | None, block: etree.Element, seen: bool
    ) -> None:
        if el.tag == "a" and el.get("data-entity"):
            entity = el.get("data-entity", "")
            explicit[entity] = explicit.get(entity, False) or seen
            links.append((block, entity, "".join(el.itertext())))
        if el.tag in SKIP_TAGS or not SKIP_CLASSES.isdisjoint((el.get("class") or "").split()):
            return
        inner = el if el.tag in _BLOCKS else block
        inside = (
            seen
            and el.tag not in OUT_OF_SIGHT
            and "hidden" not in el.attrib
            and id(el) not in hidden
        )
        if el.text and not isinstance(el.text, AtomicString):
            slots.append(Slot(el, "text", parent, inner, inside))
        for child in el:
            visit(child, el, inner, inside)
            if child.tail and not isinstance(child.tail, AtomicString):
                slots.append(Slot(child, "tail", el, inner, inside))

    visit(root, None, root, True)
    return slots
