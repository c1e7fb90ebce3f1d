"""``BriefingExtension``: the Python-Markdown side of Briefing.

* ``[[id]]`` and ``[[id|text]]`` become links to the entity's glossary page;
* entity mentions in the text become links (first mention or all), with the
  entity's summary as tooltip, and are recorded for "Mentioned in";
* on article pages, annotation quotes are highlighted with a numbered marker
  that opens the note, and the notes are listed under "Annotations".

It changes the element tree, never the Markdown text, so code blocks, links
and headings are left alone by construction. It needs no MkDocs: the plugin,
the ``briefing check`` command and the tests drive it the same way.
"""

from __future__ import annotations

import functools
import posixpath
import re
import xml.etree.ElementTree as etree
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from html import escape, unescape
from html.parser import HTMLParser
from typing import TYPE_CHECKING

import markdown
from markdown.extensions import Extension
from markdown.inlinepatterns import InlineProcessor
from markdown.postprocessors import Postprocessor
from markdown.preprocessors import Preprocessor
from markdown.serializers import RE_AMP
from markdown.treeprocessors import Treeprocessor
from markdown.util import AtomicString

if TYPE_CHECKING:
    from mkdocs.structure.files import File

from ..core.anchoring import SKIP_TAGS as TEXTLESS
from ..core.anchoring import Anchor, Span, TextIndex, highlight, locate, replace_slot
from ..core.context import AnnotationResult, PageRef, RenderContext, Source
from ..core.diagnostics import Position, did_you_mean
from ..core.mentions import Match, build_matcher
from ..core.model import VERDICT_LABELS, Annotation, Briefing
from ..core.safety import (
    TAGS,
    URL_ATTRIBUTES,
    allowed_attribute,
    close_tags,
    contain_raw_text,
    is_clean,
    safe_name,
    safe_slugify,
    safe_style,
    sanitize,
    text_title,
    tree_title,
    unsafe_url,
)

KIND_LABELS = {
    "context": "Context",
    "fact-check": "Fact-check",
    "definition": "Definition",
    "analysis": "Analysis",
    "correction": "Correction",
    "question": "Question",
    "update": "Update",
}
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
_SENTENCE_END = re.compile(r"(?<=[.!?。！？])\s+|(?<=[。！？])")
_BLOCKS = frozenset(["p", "li", "td", "th", "dd", "dt", "blockquote", "figcaption", "div"])


def entity_url(entity_id: str) -> str:
    """Where an entity's page lives, as a docs-relative path MkDocs resolves."""
    return f"/glossary/{entity_id}.md"


@dataclass
class Linker:
    """What the extension needs to know about the briefing, built once per build."""

    briefing: Briefing
    context: RenderContext
    link_mode: str = "first"
    url_for: Callable[[str], str] = entity_url

    def __post_init__(self) -> None:
        self.matcher = build_matcher(self.briefing)

    def link(self, entity_id: str, text: str, classes: str = "bf-mention") -> etree.Element:
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
        span.set("class", "bf-mention-repeat")
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
            span.set("class", "bf-unknown")
            span.text = AtomicString((label or raw_id).strip())
            return span, m.start(0), m.end(0)
        text = (label or entities[raw_id].name).strip()
        return self.linker.link(raw_id, text, "bf-mention bf-explicit"), m.start(0), m.end(0)


# --------------------------------------------------------------------------- mentions


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
        slots = list(_text_slots(root, explicit, blocks, stash))
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
            ctx.linked_on[where] = linked
        if secondary:
            return
        # One sentence per block and term: 10,000 mentions in one paragraph would
        # otherwise re-read the whole paragraph 10,000 times.
        sentences: dict[tuple[int, str], str] = {}
        for block, entity, term in blocks:
            key = (id(block), term)
            if key not in sentences:
                sentences[key] = sentence_around(block, term, stash)
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


def placement(md: markdown.Markdown, ctx: RenderContext) -> tuple[PageRef | None, str, bool]:
    """Which page's Markdown this pass renders, where its HTML lands, and whether it is
    a secondary pass (Markdown rendered again after its page, by another plugin).

    MkDocs' relpath processor knows both: its file's ``src_uri`` is the source, its
    ``url`` the page the HTML goes to (Material's blog points it at the index or
    archive page for each excerpt). A secondary pass without one is left alone."""
    file = _relpath_file(md)
    if ctx.page is not None:
        return ctx.page, file.url if file is not None else ctx.page.uri, False
    if file is None:
        return None, "", True
    return ctx.pages.get(file.src_uri), file.url, True


def _relpath_file(md: markdown.Markdown) -> File | None:
    """The file MkDocs' relpath processor (if this Markdown has one) resolves links for."""
    if "relpath" not in md.treeprocessors:
        return None
    return getattr(md.treeprocessors["relpath"], "file", None)


def source_path(md: markdown.Markdown) -> str | None:
    """The docs-relative path of the Markdown file being rendered, from whichever host
    runs this Markdown: MkDocs' relpath processor, or the rendering context Zensical
    registers on every page's Markdown (a preprocessor named ``rendering_context``
    holding ``page.path``). None outside a host (tests, ``briefing check``)."""
    file = _relpath_file(md)
    if file is not None:
        return str(file.src_uri)
    if "rendering_context" in md.preprocessors:
        page = getattr(md.preprocessors["rendering_context"], "page", None)
        path = getattr(page, "path", None)
        if isinstance(path, str):
            return path.replace("\\", "/")
    return None


_PLACEHOLDER_RE = re.compile("\x02wzxhzdk:(\\d+)\x03")
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
        for m in _PLACEHOLDER_RE.finditer(text):
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


@dataclass(frozen=True)
class Slot:
    """A text or tail that may hold mentions."""

    el: etree.Element
    attr: str
    """"text" or "tail"."""
    parent: etree.Element | None
    block: etree.Element
    """The enclosing block (for "Mentioned in"'s sentence)."""
    seen: bool
    """Does a reader see it when the page loads? Not in an unselected content tab, a
    closed ``details``, a table header, a figure caption (see :func:`out_of_sight`) or
    a list of Material's annotations (see :func:`annotation_lists`)."""


OUT_OF_SIGHT = frozenset(["th", "thead", "figcaption"])
"""Places a reader sees but does not read as the text: a link there is not "the first
mention" (a column's name, a caption under a picture)."""


def out_of_sight(el: etree.Element) -> list[etree.Element]:
    """The parts of ``el`` that a reader does not see on load: all but the
    ``summary`` of a closed ``details``, and the panels of a content tab set
    (pymdownx.tabbed, either style, and pymdownx.blocks.tab) other than the checked
    tab's."""
    if el.tag == "details" and "open" not in el.attrib:
        return [child for child in el if child.tag != "summary"]
    if el.tag != "div" or "tabbed-set" not in (el.get("class") or "").split():
        return []
    inputs = [child for child in el if child.tag == "input"]
    checked = next((i for i, box in enumerate(inputs) if "checked" in box.attrib), 0)
    classes = (el.get("class") or "").split()
    panels = [child for child in el if "tabbed-content" in (child.get("class") or "").split()]
    if "tabbed-alternate" in classes and panels:  # one box of blocks, one per tab
        panels = list(panels[0])
    return [panel for i, panel in enumerate(panels) if i != checked]


_ANNOTATION_MARKER = re.compile(r"\((\d+)\)")
_CODE_COMMENT = re.compile(r'<span class="(?:c|c1|cm)">([^<]*)</span>')
"""A comment in Pygments' HTML: where Material looks for a code block's markers."""


def _markers(el: etree.Element, stash: list[str]) -> set[int]:
    """The annotation markers, ``(1)``, that Material finds in ``el``: anywhere in the
    text of a block with the class ``annotate``; in the comments of a code block (a
    paragraph holding only a stashed block of highlighted code). A code block counts
    whether or not the theme has ``content.code.annotate`` (the extension cannot know):
    at worst a later mention in sight is linked."""
    if "annotate" in (el.get("class") or "").split():
        text = "".join(el.itertext())
    else:
        code = _PLACEHOLDER_RE.fullmatch((el.text or "").strip()) if el.tag == "p" else None
        if code is None or len(el) or int(code.group(1)) >= len(stash):
            return set()
        html = stash[int(code.group(1))]
        if 'class="highlight' not in html:
            return set()
        text = " ".join(_CODE_COMMENT.findall(html))
    return {int(n) for n in _ANNOTATION_MARKER.findall(text)}


def annotation_lists(el: etree.Element, stash: list[str]) -> list[etree.Element]:
    """The lists among ``el``'s children that Material's annotations hide on load: an
    ``ol`` right after a block with markers (paragraphs without elements between, as
    Material skips them), one of whose items a marker names. Material moves those items
    into tooltips that open from the markers, and hides the list."""
    children = list(el)
    found = []
    for i, child in enumerate(children):
        markers = _markers(child, stash)
        if not markers:
            continue
        after = i + 1
        while (
            after < len(children)
            and children[after].tag == "p"
            and not len(children[after])
            and "\x02" not in (children[after].text or "")
        ):
            after += 1
        if after < len(children) and children[after].tag == "ol":
            items = sum(1 for item in children[after] if item.tag == "li")
            if any(1 <= n <= items for n in markers):
                found.append(children[after])
    return found


def _text_slots(
    root: etree.Element,
    explicit: dict[str, bool],
    links: list[tuple[etree.Element, str, str]],
    stash: list[str],
) -> Iterator[Slot]:
    """Every text or tail that may hold a mention, in document order; records explicit
    ``[[id]]`` links met on the way in ``explicit`` (id -> whether one is seen on load)
    and ``links``. ``stash`` is the page's stashed raw HTML (its code blocks)."""

    hidden = {id(part) for el in root.iter() for part in out_of_sight(el)}
    hidden |= {id(part) for el in root.iter() for part in annotation_lists(el, stash)}

    def visit(
        el: etree.Element, parent: etree.Element | None, block: etree.Element, seen: bool
    ) -> Iterator[Slot]:
        if el.tag == "a" and el.get("data-entity"):
            entity = el.get("data-entity", "")
            explicit[entity] = explicit.get(entity, False) or seen
            links.append((block, entity, "".join(el.itertext())))
        skip = el.tag in SKIP_TAGS or not SKIP_CLASSES.isdisjoint((el.get("class") or "").split())
        inner = el if el.tag in _BLOCKS else block
        if not skip:
            inside = (
                seen
                and el.tag not in OUT_OF_SIGHT
                and "hidden" not in el.attrib
                and id(el) not in hidden
            )
            if el.text and not isinstance(el.text, AtomicString):
                yield Slot(el, "text", parent, inner, inside)
            for child in list(el):
                yield from visit(child, el, inner, inside)
                if child.tail and not isinstance(child.tail, AtomicString):
                    yield Slot(child, "tail", el, inner, inside)

    yield from visit(root, None, root, True)


class _HtmlText(HTMLParser):
    """The text of a piece of HTML, as a browser shows it."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skip = 0

    def handle_starttag(self, tag: str, attrs: object) -> None:
        self.skip += tag in TEXTLESS

    def handle_endtag(self, tag: str) -> None:
        self.skip -= tag in TEXTLESS and self.skip > 0

    def handle_data(self, data: str) -> None:
        if not self.skip:
            self.parts.append(data)


def html_text(markup: str) -> str:
    """The text a browser shows for a piece of HTML (tags gone, references decoded)."""
    parser = _HtmlText()
    parser.feed(markup)
    parser.close()
    return "".join(parser.parts)


def shown_text(el: etree.Element, stash: list[str]) -> str:
    """The text a reader sees of ``el``, as its serialised HTML shows it: stashed raw
    HTML (pymdownx.inlinehilite's code, an entity such as ``&amp;``) by its text, and
    the tree's own text as the serialiser writes it (code spans hold ``&amp;``)."""
    parts: list[str] = []
    for chunk in el.itertext():
        pieces = _PLACEHOLDER_RE.split(chunk)
        for i, piece in enumerate(pieces):
            if i % 2:
                index = int(piece)
                raw = stash[index] if index < len(stash) else ""
                parts.append(_PLACEHOLDER_RE.sub("", html_text(raw)))  # (one inside)
            elif piece:
                parts.append(unescape(RE_AMP.sub("&amp;", piece)))
    return "".join(parts)


def sentence_around(block: etree.Element, term: str, stash: list[str] | None = None) -> str:
    """The sentence of ``block`` that holds ``term`` (the first one that does), as a
    reader sees it: inline code keeps its text, references are decoded (the templates
    escape it once)."""
    text = " ".join(shown_text(block, stash or []).split())
    offset = text.find(term)
    if offset < 0:
        return text[:200]
    start = 0
    for boundary in _SENTENCE_END.finditer(text):
        if boundary.end() <= offset:
            start = boundary.end()
        else:
            end = boundary.start()
            break
    else:
        end = len(text)
    sentence = text[start:end].strip()
    if len(sentence) > 300:
        local = max(0, offset - start - 120)
        sentence = "…" + sentence[local : local + 240].strip() + "…"
    return sentence


# --------------------------------------------------------------------------- annotations


class AnnotationTreeprocessor(Treeprocessor):
    def __init__(self, linker: Linker, md: markdown.Markdown, render_note: NoteRenderer) -> None:
        super().__init__(md)
        self.linker = linker
        self.render_note = render_note

    def run(self, root: etree.Element) -> None:
        ctx = self.linker.context
        page = ctx.page
        if page is None or page.article is None:
            return
        article = self.linker.briefing.article(page.article)
        if article is None:
            return
        index = TextIndex(root)
        # Every article's text (`briefing import-annotations` anchors new notes in it).
        ctx.article_text[article.slug] = index.text
        if not article.annotations:
            return
        anchors: list[tuple[Annotation, Anchor | None]] = []
        for annotation in article.annotations:
            found = locate(
                index, annotation.model.quote, annotation.model.prefix, annotation.model.suffix
            )
            if isinstance(found, Anchor):
                anchors.append((annotation, found))
            else:
                ctx.diagnostics.error(annotation.position, found.message)
                anchors.append((annotation, None))
        # Number in reading order; unanchored ones follow, in file order.
        anchors.sort(key=lambda pair: (pair[1] is None, pair[1].start if pair[1] else 0))
        numbers = {a.index: n for n, (a, _) in enumerate(anchors, 1)}
        by_number = {numbers[a.index]: a for a, _ in anchors}
        spans = [
            Span(anchor.start, anchor.end, numbers[a.index], a.model.kind)
            for a, anchor in anchors
            if anchor is not None
        ]
        highlight(index, spans, self._mark, lambda span: self._marker(by_number[span.number], span))
        ctx.annotations[article.slug] = [
            AnnotationResult(
                a.index, numbers[a.index], anchor is not None, anchor.start if anchor else -1
            )
            for a, anchor in anchors
        ]
        self._append_list(
            root, [(numbers[a.index], a, anchor is not None) for a, anchor in anchors]
        )

    @staticmethod
    def _mark(covering: list[Span]) -> etree.Element:
        mark = etree.Element("mark")
        first = min(covering, key=lambda s: s.number)
        classes = f"bf-hl bf-kind-{first.kind}" + (" bf-hl-multi" if len(covering) > 1 else "")
        mark.set("class", classes)
        mark.set("data-annotation", " ".join(str(s.number) for s in covering))
        return mark

    @staticmethod
    def _marker(annotation: Annotation, span: Span) -> etree.Element:
        """A link to the note in the list (footnote-style, without script); briefing.js
        opens the note in a popover next to the marker instead."""
        label = KIND_LABELS[annotation.model.kind]
        marker = etree.Element("a")
        marker.set("class", f"bf-marker bf-kind-{annotation.model.kind}")
        marker.set("id", f"bf-ref-{annotation.index + 1}")
        marker.set("href", f"#bf-note-{annotation.index + 1}")
        marker.set("aria-label", f"Annotation {span.number}: {label}")
        marker.set("title", f"{label}: open note {span.number}")
        marker.text = AtomicString(str(span.number))
        return marker

    def _append_list(self, root: etree.Element, items: list[tuple[int, Annotation, bool]]) -> None:
        heading = etree.SubElement(root, "h2")
        heading.set("id", "annotations")
        heading.text = "Annotations"
        legend = etree.SubElement(root, "p")
        legend.set("class", "bf-legend no-autolink")
        legend.set("aria-label", "Annotation kinds")
        for kind, label in KIND_LABELS.items():
            if any(a.model.kind == kind for _, a, _ in items):
                chip = etree.SubElement(legend, "span")
                chip.set("class", f"bf-chip bf-kind-{kind}")
                chip.text = label
        ol = etree.SubElement(root, "ol")
        ol.set("class", "bf-annotation-list no-autolink")
        for number, annotation, anchored in sorted(items, key=lambda item: item[0]):
            model = annotation.model
            key = annotation.index + 1
            li = etree.SubElement(ol, "li")
            li.set("id", f"bf-note-{key}")
            li.set("value", str(number))
            li.set("class", f"bf-annotation bf-kind-{model.kind}")
            head = etree.SubElement(li, "p")
            head.set("class", "bf-annotation-head")
            chip = etree.SubElement(head, "span")
            chip.set("class", f"bf-chip bf-kind-{model.kind}")
            chip.text = KIND_LABELS[model.kind]
            chip.tail = " "
            if model.verdict:
                verdict = etree.SubElement(head, "span")
                verdict.set("class", f"bf-verdict bf-verdict-{model.verdict}")
                verdict.text = f"Verdict: {VERDICT_LABELS[model.verdict]}"
                verdict.tail = " "
            if anchored:
                back = etree.SubElement(head, "a")
                back.set("href", f"#bf-ref-{key}")
                back.set("class", "bf-quote")
                back.set("title", "Show the passage in the text")
                back.text = AtomicString(f"“{' '.join(model.quote.split())}”")
            else:
                missing = etree.SubElement(head, "span")
                missing.set("class", "bf-quote bf-unanchored")
                missing.text = AtomicString(
                    f"“{' '.join(model.quote.split())}” (unanchored: passage not found)"
                )
            body = self._note_body(annotation)
            li.extend(body)

    def _note_body(self, annotation: Annotation) -> list[etree.Element]:
        model = annotation.model
        out: list[etree.Element] = []
        note = etree.Element("div")
        note.set("class", "bf-note")
        where = annotation.note_position or annotation.position
        elements, html = self.render_note(
            model.note, Source(where.path, where.line, model.note, where.col)
        )
        note.extend(elements)
        self.linker.context.notes[annotation.key] = html  # the open data's copy
        out.append(note)
        meta_items: list[etree.Element] = []
        known = [e for e in model.entities if e in self.linker.briefing.entities]
        if known:
            about = etree.Element("p")
            about.set("class", "bf-about")
            about.text = "About: "
            for i, entity_id in enumerate(known):
                name = self.linker.briefing.entities[entity_id].name
                a = self.linker.link(entity_id, name, "bf-mention")
                a.tail = ", " if i < len(known) - 1 else ""
                about.append(a)
            meta_items.append(about)
        if model.sources:
            sources = etree.Element("p")
            sources.set("class", "bf-sources")
            sources.text = "Sources: "
            for i, source in enumerate(model.sources):
                if source.url:
                    item = etree.SubElement(sources, "a")
                    item.set("href", source.url)
                    item.text = AtomicString(source.title)
                else:
                    item = etree.SubElement(sources, "cite")
                    item.text = AtomicString(source.title)
                item.tail = "; " if i < len(model.sources) - 1 else ""
            meta_items.append(sources)
        byline = " · ".join(
            part for part in (model.author, model.date.isoformat() if model.date else None) if part
        )
        if byline:
            by = etree.Element("p")
            by.set("class", "bf-byline")
            by.text = byline
            meta_items.append(by)
        out.extend(meta_items)
        return out


NoteRenderer = Callable[[str, Source], tuple[list[etree.Element], str]]
"""A note's Markdown -> its elements for the page, and its HTML on its own."""


class UrlTreeprocessor(Treeprocessor):
    """Links and images with a scheme other than http, https or mailto lose it, with a
    warning that says where (raw HTML is left to the sanitiser, which drops it too)."""

    def __init__(self, linker: Linker, md: markdown.Markdown) -> None:
        super().__init__(md)
        self.linker = linker

    def run(self, root: etree.Element) -> None:
        ctx = self.linker.context
        page = placement(self.md, ctx)[0]
        if page is not None and page.trusted:
            return
        for el in list(root.iter()):
            # Elements and attributes outside the allow-list (attr_list and md_in_html
            # can put them in the tree) go before the page is written. Names starting
            # with "__" are extensions' own marks, read and removed by their later
            # treeprocessors (pymdownx.blocks.caption's at 4): AttributeTreeprocessor
            # removes what is left of them.
            filter_attributes(el, keep_marks=True)
            if isinstance(el.tag, str) and el.tag not in TAGS and el is not root:
                el.tag = "span"
            # Material shows titles as HTML in its tooltips: markup in one stays text.
            title = tree_title(el.get("title") or "")
            if title is not None:
                el.set("title", title)
            for attr in URL_ATTRIBUTES:
                url = el.get(attr)
                if url is None or not unsafe_url(url):
                    continue
                # No link, no image: the words stay, as plain text (MkDocs wants every
                # <a> to have an href, so the element becomes a <span>).
                del el.attrib[attr]
                if el.tag == "img":
                    el.text = AtomicString(el.get("alt", ""))
                el.tag = "span"
                page = ctx.page
                source = page.source if page else Source("<markdown>", 1, "")
                ctx.diagnostics.warning(
                    source.position_of(url),
                    f"unsafe URL {url!r} dropped: only http, https, mailto and relative links",
                )


def filter_attributes(el: etree.Element, keep_marks: bool = False) -> None:
    """``el``'s attributes as the allow-list keeps them: the others dropped, ids and
    names that would clobber Material's globals dropped, a style reduced to its allowed
    declarations (an allowed one as written, byte for byte)."""
    for name in list(el.attrib):
        if not allowed_attribute(str(el.tag), name) and not (keep_marks and name[:2] == "__"):
            del el.attrib[name]
    for name in ("id", "name"):  # `{#__config}` from attr_list
        if name in el.attrib and not safe_name(el.attrib[name]):
            del el.attrib[name]
    if "style" in el.attrib:
        style = safe_style(el.attrib["style"])
        if style is None:
            del el.attrib["style"]
        elif style != el.attrib["style"]:
            el.set("style", style)


class AttributeTreeprocessor(Treeprocessor):
    """The allow-list's last look at the attributes, after every treeprocessor: the
    extensions' own marks that are still there go, and so does any attribute a late
    treeprocessor added outside the allow-list."""

    def __init__(self, linker: Linker, md: markdown.Markdown) -> None:
        super().__init__(md)
        self.linker = linker

    def run(self, root: etree.Element) -> None:
        page = placement(self.md, self.linker.context)[0]
        if page is not None and page.trusted:
            return
        for el in root.iter():
            if el.attrib:
                filter_attributes(el)


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
                el.set("href", posixpath.relpath(href[1:], folder))


class SanitizePostprocessor(Postprocessor):
    """The page's HTML through the allow-list, unless it is clean by construction: the
    tree was filtered by :class:`UrlTreeprocessor` and every piece of raw HTML (the
    only other way in) is already what the allow-list would keep."""

    def __init__(self, linker: Linker, md: markdown.Markdown) -> None:
        super().__init__(md)
        self.linker = linker

    def run(self, text: str) -> str:
        page = placement(self.md, self.linker.context)[0]
        if page is not None and page.trusted:
            return text
        # Python-Markdown runs every postprocessor again on each heading and on the
        # table of contents: is_clean caches its verdicts, so each block costs nh3 once.
        blocks = self.md.htmlStash.rawHtmlBlocks
        if all(is_clean(str(block)) for block in blocks):
            return text
        return sanitize(text)


class RawTextPostprocessor(Postprocessor):
    """Before the raw HTML is put back: a piece that opens ``<textarea>``, ``<style>``,
    ``<title>``, ... is sanitised on its own, so it cannot read the rest of the page
    as its text (:func:`briefing.core.safety.contain_raw_text`)."""

    def __init__(self, linker: Linker, md: markdown.Markdown) -> None:
        super().__init__(md)
        self.linker = linker

    def run(self, text: str) -> str:
        page = placement(self.md, self.linker.context)[0]
        if page is None or not page.trusted:
            contain_raw_text(self.md.htmlStash.rawHtmlBlocks)
        return text


MAX_NESTING = 30
"""Deepest nesting of lists and block quotes a page may have: Python-Markdown parses
nested blocks recursively, and 300 levels are a RecursionError."""
MAX_BRACKETS = 1000
"""Most ``[`` in one paragraph (a page of [[id]] links has a few dozen)."""
MAX_UNFINISHED = 1000
"""Most tags left unfinished on one page (``<b`` with no ``>`` before the next ``<``):
Python's HTMLParser, which Python-Markdown reads raw HTML with, reads on from each to
the page's end or its next ``>``: 50,000 ``<path `` (300 KB) took minutes."""
_UNFINISHED = re.compile(r"<[A-Za-z][^<>]*+(?=<|\Z)")
_NESTING = re.compile(r"[ \t]*(?:>[ \t]*)*")
_TAG = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9-]*)(?=[\s/>])[^<>]*>")
"""A tag: its name ends at a space, ``/`` or ``>``, so the autolinks ``<https://...>``
and ``<me@example.org>`` are not tags (30 of them were reported as nested too deep)."""
_CODE_SPAN = re.compile(r"(`+[^`]*`+)")
_LIST_ITEM = re.compile(r" {0,3}(?:[-*+]|\d{1,9}[.)])[ \t]")
_VOID = frozenset("area base br col embed hr img input link meta param source track wbr".split())


class NestingPreprocessor(Preprocessor):
    """Input that would make Python-Markdown recurse or go quadratic: nesting beyond
    :data:`MAX_NESTING` is an error at its line, the deeper lines lifted to the limit;
    a paragraph of brackets, likewise. The page still renders (a non-strict build
    shows it)."""

    def __init__(self, linker: Linker, md: markdown.Markdown) -> None:
        super().__init__(md)
        self.linker = linker

    def run(self, lines: list[str]) -> list[str]:
        # Where the source's text starts among these lines: a generated page wraps an
        # article's body in its template, so line 0 is not the body's first line.
        # MkDocs strips the blank lines that open a page's Markdown.
        ctx = self.linker.context
        body = ctx.page.source.text if ctx.page is not None else ""
        self.skipped = len(body) - len(body.lstrip("\n"))
        text = "\n".join(lines)
        at = text.find(body.lstrip("\n"))
        self.first = text.count("\n", 0, at) if at > 0 else 0
        return self.brackets(self.tags(self.unfinished(self.nesting(lines))))

    def error(self, number: int, message: str) -> None:
        ctx = self.linker.context
        if ctx.page is not None:
            source = ctx.page.source
            line = source.line + self.skipped + max(number - self.first, 0)
            ctx.diagnostics.error(Position(source.path, line, 1), message)

    def unfinished(self, lines: list[str]) -> list[str]:
        """More than :data:`MAX_UNFINISHED` unfinished tags on a page is an error at the
        first; the ``<`` of each is then shown as ``‹`` (U+2039, as in a title with
        markup): written ``&lt;``, each would be an inline match, and Python-Markdown
        splices every match into its paragraph's text (quadratic again)."""
        text = "\n".join(lines)
        if "<" not in text:
            return lines
        count = sum(1 for _ in _UNFINISHED.finditer(text))
        if count <= MAX_UNFINISHED:
            return lines
        first = _UNFINISHED.search(text)
        self.error(
            text.count("\n", 0, first.start() if first else 0),
            f"{count:,} tags left unfinished ('<' and a letter, no '>' before the next "
            f"'<'), more than the limit of {MAX_UNFINISHED:,}",
        )
        return _UNFINISHED.sub(lambda m: "\u2039" + m.group()[1:], text).split("\n")

    def brackets(self, lines: list[str]) -> list[str]:
        """Python-Markdown's link parser looks for the end of every ``[`` (quadratic):
        a paragraph with more than :data:`MAX_BRACKETS` is an error, its brackets shown
        as ``［`` (U+FF3B: written ``&#91;``, each was an inline match, which
        Python-Markdown splices into the paragraph's text: 48,000 took 24 s)."""
        start = 0
        count = 0
        for number, line in enumerate([*lines, ""]):
            # A list item's text is parsed on its own: a list of a thousand links (the
            # timeline of a large briefing) is no flood, so an item starts a new count.
            item = _LIST_ITEM.match(line) is not None
            if line.strip() and not item:
                count += line.count("[")
                continue
            if count > MAX_BRACKETS:
                self.error(
                    start,
                    f"{count:,} '[' in one paragraph, more than the limit of {MAX_BRACKETS:,}",
                )
                for i in range(start, number):
                    lines[i] = lines[i].replace("[", "\uff3b")
            start, count = (number, line.count("[")) if item else (number + 1, 0)
        return lines

    def tags(self, lines: list[str]) -> list[str]:
        """Raw HTML nested beyond :data:`MAX_NESTING` (the PDF's layout recurses per
        element: 250 nested ``<div>`` were a RecursionError) is an error at its line;
        the deeper tags are dropped, their text kept. Code blocks and spans are not
        counted: they show tags, they do not make them."""
        depth = 0
        dropped: dict[str, int] = {}
        reported = False
        fence = ""
        for number, line in enumerate(lines):
            stripped = line.lstrip()
            if fence:
                fence = "" if stripped.startswith(fence) else fence
                continue
            if stripped.startswith(("```", "~~~")):
                fence = stripped[:3]
                continue
            if "<" not in line:
                continue

            def tag(found: re.Match[str], number: int = number) -> str:
                nonlocal depth, reported
                closing, name = found.group(1), found.group(2).lower()
                if name in _VOID or found.group(0).endswith("/>"):
                    return found.group(0)
                if closing:
                    if dropped.get(name):
                        dropped[name] -= 1
                        return ""
                    depth = max(depth - 1, 0)
                    return found.group(0)
                if depth < MAX_NESTING:
                    depth += 1
                    return found.group(0)
                if not reported:
                    self.error(number, f"HTML nested more than {MAX_NESTING} deep")
                    reported = True
                dropped[name] = dropped.get(name, 0) + 1
                return ""

            parts = _CODE_SPAN.split(line)  # odd parts are code spans, left as written
            parts[::2] = [_TAG.sub(tag, part) for part in parts[::2]]
            lines[number] = "".join(parts)
        return lines

    def nesting(self, lines: list[str]) -> list[str]:
        reported = False
        out = []
        for number, line in enumerate(lines):
            lead = _NESTING.match(line)
            prefix = lead.group(0) if lead else ""
            depth = prefix.count(">") + len(prefix.replace(">", "").expandtabs(4)) // 4
            if depth <= MAX_NESTING:
                out.append(line)
                continue
            if not reported:
                self.error(
                    number,
                    f"lists or block quotes nested {depth} deep, more than the limit of "
                    f"{MAX_NESTING}",
                )
                reported = True
            quotes = min(prefix.count(">"), MAX_NESTING)
            indent = (MAX_NESTING - quotes) * 4
            out.append("> " * quotes + " " * indent + line[len(prefix) :])
        return out


class BriefingExtension(Extension):
    """Register with ``markdown.Markdown(extensions=[BriefingExtension(linker)])``."""

    def __init__(self, linker: Linker, **kwargs: object) -> None:
        self.linker = linker
        super().__init__(**kwargs)

    def extendMarkdown(self, md: markdown.Markdown) -> None:
        # `<div class="no-autolink" markdown>` needs md_in_html; the generated pages use it.
        if "markdown_block" not in md.parser.blockprocessors:
            md.registerExtensions(["md_in_html"], {})
        # Ids made from headings and tab titles run after the sanitiser's look at the
        # tree (5.4): toc (5) and pymdownx.tabbed's tab_slugs (4), registered before
        # this extension (MkDocs adds it last), get slugs that cannot start with "__".
        for name in ("toc", "tab_slugs"):
            if name in md.treeprocessors:
                made = md.treeprocessors[name]
                made.slugify = safe_slugify(made.slugify)  # type: ignore[attr-defined]
        # 35: before whitespace is normalised (30) and raw HTML stashed (20).
        md.preprocessors.register(NestingPreprocessor(self.linker, md), "briefing_nesting", 35)
        # 175: before Python-Markdown's reference links (170), which would take "[x]".
        md.inlinePatterns.register(WikiLinkProcessor(self.linker, md), "briefing_wikilink", 175)
        # Treeprocessor priorities, from Python-Markdown's and pymdownx's own
        # registrations (higher runs first):
        #   footnotes 50/19/15, pymdownx.tasklist 25, inline 20, pymdownx.quotes 19.99,
        #   prettify and pymdownx.fancylists 10, pymdownx.magiclink's shortener 9.9,
        #   attr_list 8, abbr 7, pymdownx.smartsymbols 6.1, smarty 6, toc and MkDocs'
        #   anchor list 5, pymdownx.tabbed's tab_slugs 4, MkDocs' title 1, Material's
        #   blog excerpts 1 (relpath) and 0, MkDocs' relpath and unescape 0.
        # 5.6 for mentions:
        # * after attr_list (8), which reads `{ .md-button }` and `{ #id }` at the end
        #   of a text or tail: split first, the braces would end up in a mention's tail
        #   and show as text (and `button` would match inside them);
        # * after abbr (7), so an abbreviation-marked word is an <abbr> we skip (before
        #   it, the word would be a link abbr cannot see into, and lose its <abbr>);
        # * after smarty (6) and smartsymbols (6.1), so a mention's text has the same
        #   typography as without Briefing (a mention is an AtomicString they skip);
        # * after footnotes, tasklist (its checkbox) and the inline patterns, which
        #   build the elements mentions are found in;
        # * before toc and MkDocs' anchor list (5), which must see the "Annotations"
        #   heading below, and before every relpath (1 in blog excerpts, 0 in pages),
        #   which turns the mentions' "/glossary/<id>.md" into relative URLs.
        md.treeprocessors.register(MentionTreeprocessor(self.linker, md), "briefing_mentions", 5.6)
        # 5.5: just after the mentions (the highlights cut around their links), before
        # toc and MkDocs' anchor list (5), so the "Annotations" heading gets an entry.
        md.treeprocessors.register(
            AnnotationTreeprocessor(self.linker, md, self.render_note_for(md)),
            "briefing_annotations",
            5.5,
        )
        # 5.4: the last look over the whole tree, after attr_list (8) has set attributes
        # (`{: href="javascript:..." onclick=... }`) and after the mentions and notes
        # are in it (their titles are summaries, shown by Material as HTML), before
        # toc (5) copies headings and MkDocs rewrites URLs (0). Notes get their own
        # (their small Markdown runs it).
        md.treeprocessors.register(UrlTreeprocessor(self.linker, md), "briefing_urls", 5.4)
        # -100: after every treeprocessor (pymdownx.blocks.caption's at 4, MkDocs' at 0)
        # has added or removed its attributes, before the tree is serialised.
        md.treeprocessors.register(
            AttributeTreeprocessor(self.linker, md), "briefing_attributes", -100
        )
        # 1.5: after every Briefing link is in the tree (5.6, 5.5), before MkDocs'
        # relpath, which runs at 1 in Material's blog excerpts and at 0 in pages.
        md.treeprocessors.register(EntityHrefTreeprocessor(md), "briefing_hrefs", 1.5)
        # 10: after raw HTML is put back (30) and entities restored (20): the page's
        # final HTML passes the allow-list, raw HTML of articles and notes included.
        md.postprocessors.register(SanitizePostprocessor(self.linker, md), "briefing_sanitize", 10)
        # 35: before the raw HTML is put back (30), while its pieces are apart.
        md.postprocessors.register(RawTextPostprocessor(self.linker, md), "briefing_rawtext", 35)

    @functools.cached_property
    def _note_markdown(self) -> markdown.Markdown:
        """One Markdown for every note of the build: making one costs more than a note."""
        sub = markdown.Markdown(extensions=["tables", "sane_lists", "attr_list"])
        sub.inlinePatterns.register(WikiLinkProcessor(self.linker, sub), "briefing_wikilink", 175)
        sub.treeprocessors.register(UrlTreeprocessor(self.linker, sub), "briefing_urls", 7)
        return sub

    def render_note_for(self, md: markdown.Markdown) -> NoteRenderer:
        """Notes are rendered to elements by a small Markdown of their own (no mentions,
        no annotations), and grafted into the page's tree."""

        sub = self._note_markdown

        def render(text: str, source: Source) -> tuple[list[etree.Element], str]:
            sub.reset()
            ctx = self.linker.context
            saved = ctx.page
            if saved is not None:
                ctx.page = PageRef(
                    saved.uri, saved.title, source, saved.article, saved.entity, False
                )
            try:
                root = _to_tree(sub, close_tags(text))  # reported if left open
            finally:
                ctx.page = saved
            html = _to_html(sub, root)
            _transfer_stash(sub, md, root)
            return list(root), html

        return render


def _to_tree(md: markdown.Markdown, text: str) -> etree.Element:
    """Python-Markdown's convert() up to (not including) serialisation."""
    lines = text.split("\n")
    for prep in md.preprocessors:
        lines = prep.run(lines)
    root = md.parser.parseDocument(lines).getroot()
    assert root is not None
    for treeprocessor in md.treeprocessors:
        new_root = treeprocessor.run(root)
        if new_root is not None:
            root = new_root
    return root


def _to_html(md: markdown.Markdown, root: etree.Element) -> str:
    """The rest of Python-Markdown's convert(): ``root`` (a ``<div>``) serialised, its
    raw HTML put back, without the ``<div>``."""
    text = md.serializer(root)
    text = text[text.index(">") + 1 : text.rindex("</")]
    for postprocessor in md.postprocessors:
        text = postprocessor.run(text)
    return text.strip()


_PLACEHOLDER = re.compile("\x02wzxhzdk:(\\d+)\x03")


def _transfer_stash(sub: markdown.Markdown, md: markdown.Markdown, root: etree.Element) -> None:
    """Move raw HTML stashed by ``sub`` into ``md``'s stash, renumbering placeholders."""
    if not sub.htmlStash.rawHtmlBlocks:
        return
    mapping = {
        str(i): md.htmlStash.store(block) for i, block in enumerate(sub.htmlStash.rawHtmlBlocks)
    }

    def renumber(value: str | None) -> str | None:
        if not value or "\x02" not in value:
            return value
        new = _PLACEHOLDER.sub(lambda m: mapping[m.group(1)], value)
        return AtomicString(new) if isinstance(value, AtomicString) else new

    for el in root.iter():
        el.text = renumber(el.text)
        el.tail = renumber(el.tail)
