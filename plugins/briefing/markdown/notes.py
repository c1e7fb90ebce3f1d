"""A note's Markdown, rendered by a small Markdown of its own (no mentions, no
annotations) into elements grafted into the page's tree, and into HTML on its own for
the open data.
"""

from __future__ import annotations

import xml.etree.ElementTree as etree

import markdown
from markdown.util import HTML_PLACEHOLDER_RE, AtomicString

from ..core.context import PageRef, Source
from ..core.safety import close_tags
from .annotations import NoteRenderer
from .linker import Linker


def note_renderer(linker: Linker, sub: markdown.Markdown, md: markdown.Markdown) -> NoteRenderer:
    """Notes rendered by ``sub`` for the page that ``md`` renders: the note's source
    stands in for the page's in messages, and its raw HTML moves to ``md``'s stash."""

    def render(text: str, source: Source) -> tuple[list[etree.Element], str]:
        sub.reset()
        ctx = linker.context
        saved = ctx.page
        if saved is not None:
            ctx.page = PageRef(saved.uri, saved.title, source, saved.article, saved.entity, False)
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
        new = HTML_PLACEHOLDER_RE.sub(lambda m: mapping[m.group(1)], value)
        return AtomicString(new) if isinstance(value, AtomicString) else new

    for el in root.iter():
        el.text = renumber(el.text)
        el.tail = renumber(el.tail)
