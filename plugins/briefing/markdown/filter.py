"""The allow-list applied to a contributor's page: elements, attributes and URLs in the
tree filtered before the page is written, raw HTML kept from reading the rest of the page
as its text, and the final HTML sanitised unless it is clean by construction. Trusted
pages (the site owner's) pass untouched. The rules themselves are
:mod:`briefing.core.safety`.
"""

from __future__ import annotations

import xml.etree.ElementTree as etree
from collections.abc import Sequence

import markdown
from markdown.postprocessors import Postprocessor
from markdown.treeprocessors import Treeprocessor
from markdown.util import AtomicString

from ..core.context import RenderContext, Source
from ..core.safety import (
    TAGS,
    URL_ATTRIBUTES,
    allowed_attribute,
    contain_raw_text,
    is_clean,
    safe_name,
    safe_style,
    sanitize,
    tree_title,
    unsafe_url,
)
from .hostpage import placement
from .linker import Linker


def trusted(md: markdown.Markdown, context: RenderContext) -> bool:
    """Is the page this Markdown renders the site owner's, left as written?"""
    page = placement(md, context)[0]
    return page is not None and page.trusted


class UrlTreeprocessor(Treeprocessor):
    """Links and images with a scheme other than http, https or mailto lose it, with a
    warning that says where (raw HTML is left to the sanitiser, which drops it too)."""

    def __init__(self, linker: Linker, md: markdown.Markdown) -> None:
        super().__init__(md)
        self.linker = linker

    def run(self, root: etree.Element) -> None:
        ctx = self.linker.context
        if trusted(self.md, ctx):
            return
        for el in list(root.iter()):
            # Elements and attributes outside the allow-list (attr_list and md_in_html
            # can put them in the tree) go before the page is written. Names starting
            # with "__" are extensions' own marks, read and removed by their later
            # treeprocessors (pymdownx.blocks.caption's at 4): AttributeTreeprocessor
            # removes what is left of them.
            if el.attrib:  # most elements have none: nothing to filter, no URL
                filter_attributes(el, keep_marks=True)
            if isinstance(el.tag, str) and el.tag not in TAGS and el is not root:
                el.tag = "span"
            if not el.attrib:
                continue
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
        if trusted(self.md, self.linker.context):
            return
        for el in root.iter():
            if el.attrib:
                filter_attributes(el)


class _StashSeen:
    """The stash of raw HTML as a postprocessor last looked at it. Python-Markdown runs
    every postprocessor on each heading (for the table of contents), then on the page:
    the stash is the same list each time (``reset()`` makes a new one) unless it grew,
    so what was found in it holds until then."""

    def __init__(self) -> None:
        self.blocks: Sequence[object] | None = None
        self.count = 0
        self.found = False

    def knows(self, blocks: Sequence[object]) -> bool:
        return self.blocks is blocks and self.count == len(blocks)

    def remember(self, blocks: Sequence[object], found: bool) -> bool:
        self.blocks, self.count, self.found = blocks, len(blocks), found
        return found


class SanitizePostprocessor(Postprocessor):
    """The page's HTML through the allow-list, unless it is clean by construction: the
    tree was filtered by :class:`UrlTreeprocessor` and every piece of raw HTML (the
    only other way in) is already what the allow-list would keep."""

    def __init__(self, linker: Linker, md: markdown.Markdown) -> None:
        super().__init__(md)
        self.linker = linker
        self.seen = _StashSeen()

    def run(self, text: str) -> str:
        if trusted(self.md, self.linker.context):
            return text
        blocks = self.md.htmlStash.rawHtmlBlocks
        if self.seen.knows(blocks):
            clean = self.seen.found
        else:  # is_clean caches its verdicts too: a tag costs nh3 once per build
            clean = self.seen.remember(blocks, all(is_clean(str(block)) for block in blocks))
        return text if clean else sanitize(text)


class RawTextPostprocessor(Postprocessor):
    """Before the raw HTML is put back: a piece that opens ``<textarea>``, ``<style>``,
    ``<title>``, ... is sanitised on its own, so it cannot read the rest of the page
    as its text (:func:`briefing.core.safety.contain_raw_text`)."""

    def __init__(self, linker: Linker, md: markdown.Markdown) -> None:
        super().__init__(md)
        self.linker = linker
        self.seen = _StashSeen()

    def run(self, text: str) -> str:
        blocks = self.md.htmlStash.rawHtmlBlocks
        if not trusted(self.md, self.linker.context) and not self.seen.knows(blocks):
            contain_raw_text(blocks)  # in place: a second look would change nothing
            self.seen.remember(blocks, True)
        return text
