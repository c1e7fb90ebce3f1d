"""A note's Markdown, rendered by a small Markdown of its own (no mentions, no
annotations) into elements grafted into the page's tree, and into HTML on its own for
the open data.

A note is rendered once a build: its article's page and the glossary entries of the
entities it is about each graft a copy of the same tree (what a note renders to does not
depend on the page: its entity links are docs-absolute until the page's own last steps
make them relative).
"""

from __future__ import annotations

import copy
import xml.etree.ElementTree as etree
from dataclasses import dataclass

import markdown
from markdown.util import HTML_PLACEHOLDER_RE, AtomicString

from ..core.context import PageRef, Source
from ..core.diagnostics import Diagnostic
from ..core.safety import close_tags
from .annotations import NoteRenderer
from .linker import Linker


@dataclass
class RenderedNote:
    """A note as its own Markdown rendered it, kept unchanged for the pages still to
    show it: each gets a copy, the last one this tree."""

    root: etree.Element
    html: str
    raw: tuple[str | etree.Element, ...]
    """The raw HTML it stashed (its placeholders are numbered in this order)."""
    problems: tuple[Diagnostic, ...]
    """What rendering it reported: reported again by each page that shows it."""
    left: int
    """How many more pages show it."""


def note_renderer(linker: Linker, sub: markdown.Markdown, md: markdown.Markdown) -> NoteRenderer:
    """Notes rendered by ``sub`` for the page that ``md`` renders: the note's source
    stands in for the page's in messages, and its raw HTML moves to ``md``'s stash.

    ``uses`` is how many pages show the note (its article's, its entities'): the first
    renders it, the others graft copies, and the last the tree itself. A page that
    shows it once more than said (a plugin rendering a page twice) renders it again."""
    rendered: dict[Source, RenderedNote] = linker.rendered_notes

    def render(source: Source, uses: int) -> tuple[list[etree.Element], str]:
        ctx = linker.context
        note = rendered.get(source)
        if note is None:
            sub.reset()
            saved = ctx.page
            first = len(ctx.diagnostics.items)
            if saved is not None:
                ctx.page = PageRef(
                    saved.uri, saved.title, source, saved.article, saved.entity, False
                )
            try:
                root = _to_tree(sub, close_tags(source.text))  # reported if left open
            finally:
                ctx.page = saved
            html = _to_html(sub, root)
            raw = tuple(sub.htmlStash.rawHtmlBlocks)
            if uses > 1:
                problems = tuple(ctx.diagnostics.items[first:])
                rendered[source] = RenderedNote(copy.deepcopy(root), html, raw, problems, uses - 1)
        else:
            ctx.diagnostics.extend(note.problems)
            html, raw = note.html, note.raw
            note.left -= 1
            if note.left > 0:
                root = copy.deepcopy(note.root)
            else:
                root = note.root
                del rendered[source]
        _transfer_stash(raw, md, root)
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


def _transfer_stash(
    raw: tuple[str | etree.Element, ...], md: markdown.Markdown, root: etree.Element
) -> None:
    """Put a note's stashed raw HTML into ``md``'s stash, renumbering its placeholders."""
    if not raw:
        return
    mapping = {str(i): md.htmlStash.store(block) for i, block in enumerate(raw)}

    def renumber(value: str | None) -> str | None:
        if not value or "\x02" not in value:
            return value
        new = HTML_PLACEHOLDER_RE.sub(lambda m: mapping[m.group(1)], value)
        return AtomicString(new) if isinstance(value, AtomicString) else new

    for el in root.iter():
        el.text = renumber(el.text)
        el.tail = renumber(el.tail)
